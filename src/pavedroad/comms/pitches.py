"""Pitch one-pagers (constraint, bet, outcome) and the translation table they read."""

from __future__ import annotations

from sqlalchemy.orm import Session


def seed_translation_table(*, session: Session) -> None:
    """Write the practice's four translation rows into an empty table."""
