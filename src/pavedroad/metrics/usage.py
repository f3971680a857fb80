"""Usage of the platform's capabilities, as the metrics domain reads it for other domains.

The metrics domain owns reading telemetry; these are the reads of `usage_events` that
research's usage analytics and coverage warnings build on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from pavedroad.ingest import usage as events
from pavedroad.ingest.usage import FirstUse, UsageDay

__all__ = [
    "FirstUse",
    "UsageDay",
    "count_usage",
    "first_users",
    "usage_by_developer",
    "usage_days",
    "usage_developers",
    "usage_spans",
]


def usage_days(*, session: Session, end: datetime) -> list[UsageDay]:
    """Uses of each capability by each team per UTC day, for every day before `end`."""
    return events.usage_days(session=session, end=end)


def usage_spans(*, session: Session, end: datetime) -> dict[str, tuple[datetime, datetime]]:
    """Each capability's first and last use before `end`."""
    return events.usage_spans(session=session, end=end)


def usage_developers(*, session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Distinct developers per capability in [start, end)."""
    return events.usage_developers(session=session, start=start, end=end)


def usage_by_developer(*, session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Usage events per developer in [start, end)."""
    return events.usage_by_developer(session=session, start=start, end=end)


def count_usage(*, session: Session, capability: str, start: datetime, end: datetime) -> int:
    """Uses of one capability in [start, end)."""
    return events.count_usage(session=session, capability=capability, start=start, end=end)


def first_users(*, session: Session, capability: str | None = None) -> list[FirstUse]:
    """Per capability and team, the developer who used it first there, and when."""
    return events.first_users(session=session, capability=capability)
