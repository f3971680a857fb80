"""Configuration in one place: every knob reads an environment variable with a safe default."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///./pavedroad.db"


@dataclass(frozen=True)
class Settings:
    """Process-wide configuration; build it with `load_settings`."""

    database_url: str
    session_days: int
    secure_cookies: bool


def resolve_database_url(explicit: str | None = None) -> str:
    """`--db URL` wins, then `PAVEDROAD_DATABASE_URL`, then `sqlite:///./pavedroad.db`."""
    if explicit:
        return explicit
    return os.environ.get("PAVEDROAD_DATABASE_URL") or DEFAULT_DATABASE_URL


def load_settings(database_url: str | None = None) -> Settings:
    """Read the environment once; interfaces pass the result down."""
    return Settings(
        database_url=resolve_database_url(database_url),
        session_days=int(os.environ.get("PAVEDROAD_SESSION_DAYS", "14")),
        secure_cookies=os.environ.get("PAVEDROAD_SECURE_COOKIES", "false").lower()
        in {"1", "true", "yes"},
    )
