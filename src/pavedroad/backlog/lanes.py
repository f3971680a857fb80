"""Lanes and quarters on initiatives, as the roadmap writes them, and the work done in a period.

The roadmap decides where an initiative goes; these are the only writes it makes to the
backlog. The capacity report and the diagnoses read what was delivered through `done_between`,
one rule for both. Keyword-only functions over a session; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad import versions
from pavedroad.backlog.models import Initiative
from pavedroad.errors import NotFoundError


@dataclass(frozen=True)
class DoneWork:
    """An initiative done in a period, with what it delivered."""

    title: str
    category: str
    effort: float
    done_at: datetime


def done_between(*, session: Session, start: datetime, end: datetime) -> list[DoneWork]:
    """Initiatives done from `start` to before `end`, first done first (killed ones delivered
    nothing, so they are left out)."""
    rows = session.execute(
        select(Initiative.title, Initiative.category, Initiative.effort, Initiative.done_at)
        .where(
            Initiative.done_at >= start,
            Initiative.done_at < end,
            Initiative.status != "killed",
        )
        .order_by(Initiative.done_at)
    )
    return [DoneWork(row.title, row.category, row.effort, row.done_at) for row in rows]


def set_lane(
    *, session: Session, initiative: Initiative, lane: str, quarter: str | None, locked: bool
) -> Initiative:
    """Put an initiative in a lane and quarter; `locked` when a person chose it, so the planner
    keeps it there."""
    initiative.lane = lane
    initiative.quarter = quarter
    initiative.lane_locked = locked
    session.flush()
    versions.bump(session, "backlog")
    return initiative


def unlock_lane(*, session: Session, initiative: Initiative) -> Initiative:
    """Let the planner choose the initiative's lane again (it stays where it is until applied)."""
    initiative.lane_locked = False
    session.flush()
    versions.bump(session, "backlog")
    return initiative


def apply_placements(*, session: Session, placements: Iterable[tuple[int, str, str | None]]) -> int:
    """Write the planner's (initiative id, lane, quarter) placements; how many were written."""
    written = 0
    for initiative_id, lane, quarter in placements:
        initiative = session.get(Initiative, initiative_id)
        if initiative is None:
            raise NotFoundError(f"no initiative with id {initiative_id}")
        initiative.lane = lane
        initiative.quarter = quarter
        written += 1
    if written:
        session.flush()
        versions.bump(session, "backlog")
    return written
