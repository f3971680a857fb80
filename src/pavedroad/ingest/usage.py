"""What other domains read of usage events: uses per capability, team, day and developer.

Keyword-only functions over a session; the caller owns the transaction. The metrics domain
(`metrics.usage`) is the door other domains read these through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from pavedroad.ingest.models import UsageEvent


@dataclass(frozen=True)
class UsageDay:
    """How many times one team used one capability on one day (UTC)."""

    capability: str
    team: str
    day: date
    events: int


def _usage_day(session: Session) -> ColumnElement[object]:
    """The UTC day of a usage event, as each engine computes it."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", UsageEvent.at), Date)
    return func.substr(UsageEvent.at, 1, 10)  # SQLite stores `YYYY-MM-DD HH:MM:SS.ffffff`


def usage_days(*, session: Session, end: datetime) -> list[UsageDay]:
    """Uses of each capability by each team per day, for every day before `end`."""
    day = _usage_day(session).label("day")
    query = (
        select(UsageEvent.capability, UsageEvent.team, day, func.count())
        .where(UsageEvent.at < end)
        .group_by(UsageEvent.capability, UsageEvent.team, day)
    )
    return [
        UsageDay(capability, team, on if isinstance(on, date) else date.fromisoformat(str(on)), n)
        for capability, team, on, n in session.execute(query)
    ]


def usage_spans(*, session: Session, end: datetime) -> dict[str, tuple[datetime, datetime]]:
    """Each capability's first and last use before `end`."""
    query = (
        select(UsageEvent.capability, func.min(UsageEvent.at), func.max(UsageEvent.at))
        .where(UsageEvent.at < end)
        .group_by(UsageEvent.capability)
    )
    return {capability: (first, last) for capability, first, last in session.execute(query)}


def usage_developers(*, session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """How many distinct developers used each capability from `start` to before `end`."""
    query = (
        select(UsageEvent.capability, func.count(func.distinct(UsageEvent.developer)))
        .where(UsageEvent.at >= start, UsageEvent.at < end, UsageEvent.developer.is_not(None))
        .group_by(UsageEvent.capability)
    )
    found: dict[str, int] = {}
    for capability, count in session.execute(query):
        found[capability] = count
    return found


def usage_by_developer(*, session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """How many usage events each developer has from `start` to before `end`."""
    query = (
        select(UsageEvent.developer, func.count())
        .where(UsageEvent.at >= start, UsageEvent.at < end, UsageEvent.developer.is_not(None))
        .group_by(UsageEvent.developer)
    )
    return {developer: n for developer, n in session.execute(query) if developer}


def count_usage(*, session: Session, capability: str, start: datetime, end: datetime) -> int:
    """How many times `capability` was used from `start` to before `end`."""
    query = (
        select(func.count())
        .select_from(UsageEvent)
        .where(UsageEvent.capability == capability, UsageEvent.at >= start, UsageEvent.at < end)
    )
    return session.scalar(query) or 0


@dataclass(frozen=True)
class FirstUse:
    """The developer who used a capability first in their team, and when."""

    capability: str
    team: str
    developer: str
    at: datetime


def first_users(*, session: Session, capability: str | None = None) -> list[FirstUse]:
    """Per capability and team, the developer with the earliest use (ties: the smaller email),
    by capability, then team; uses without a developer are left out."""
    query = (
        select(
            UsageEvent.capability,
            UsageEvent.team,
            func.lower(UsageEvent.developer),
            func.min(UsageEvent.at),
        )
        .where(UsageEvent.developer.is_not(None), UsageEvent.developer != "")
        .group_by(UsageEvent.capability, UsageEvent.team, func.lower(UsageEvent.developer))
    )
    if capability is not None:
        query = query.where(UsageEvent.capability == capability)
    first: dict[tuple[str, str], FirstUse] = {}
    for name, team, developer, at in session.execute(query):
        found = FirstUse(name, team, str(developer), at)
        known = first.get((name, team))
        if known is None or (found.at, found.developer) < (known.at, known.developer):
            first[(name, team)] = found
    return [first[key] for key in sorted(first)]
