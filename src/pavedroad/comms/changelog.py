"""Changelog service: add, edit, list and assemble entries by ISO week."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from pavedroad.comms.schemas.changelog import ChangelogEntryOut, ChangelogWeek


def week(session: Session, week: str | None = None, *, today: date | None = None) -> ChangelogWeek:
    """The changelog of ISO week `week` (`2026-W37`; None: the week of `today`)."""
    raise NotImplementedError


def recent(session: Session, limit: int = 10) -> list[ChangelogEntryOut]:
    """The latest `limit` entries, newest first."""
    raise NotImplementedError
