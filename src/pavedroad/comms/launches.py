"""Launch plans: the practice's 90-day checklist and success criteria judged on live data."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from pavedroad.comms.schemas.launches import LaunchOut


def list_launches(session: Session, *, today: date | None = None) -> list[LaunchOut]:
    """Every launch plan, by launch date."""
    raise NotImplementedError
