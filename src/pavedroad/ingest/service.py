"""What other domains read of the ingested events: their version counters and ticket counts.

Keyword-only functions over a session; the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pavedroad.ingest.models import EventVersion, Ticket


def event_versions(*, session: Session) -> dict[str, tuple[int, int]]:
    """Each written event table's (version, updates) counters: a change to either means the
    table changed, a change to `updates` that stored rows changed (not only new ones)."""
    rows = session.execute(
        select(EventVersion.table_name, EventVersion.version, EventVersion.updates)
    )
    return {name: (version, updates) for name, version, updates in rows}


def has_events(*, session: Session) -> bool:
    """Whether any event has been ingested."""
    return session.scalar(select(EventVersion.table_name).limit(1)) is not None


def count_tickets_resolved(*, session: Session, start: datetime, end: datetime) -> int:
    """How many tickets were resolved from `start` to before `end`."""
    query = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.resolved_at >= start, Ticket.resolved_at < end)
    )
    return session.scalar(query) or 0
