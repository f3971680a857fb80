"""The capacity budget over a session: a quarter's plan, what it delivered, and the report.

The arithmetic is pure and lives in `capacity.py`; delivered work comes from the backlog
(initiatives done) and ingest (tickets resolved), the delivered shares from the metrics
engine's capacity KPIs. Services never commit: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad.backlog.lanes import DoneWork, done_between
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.ingest.service import count_tickets_resolved
from pavedroad.metrics.definitions import TICKET_EFFORT_PERSON_MONTHS
from pavedroad.metrics.service import window_values
from pavedroad.metrics.windows import quarter_of, today_utc
from pavedroad.roadmap.capacity import (
    DEFAULT_SPLIT,
    assess,
    delivered_effort,
    parse_split,
    split_text,
)
from pavedroad.roadmap.models import CapacityPlan
from pavedroad.roadmap.periods import planning_quarters, quarter_bounds
from pavedroad.roadmap.planner import CATEGORIES, Budget
from pavedroad.roadmap.schemas import CapacityIn, QuarterCapacityOut, check_quarter

CAPACITY_KPIS = ("capacity_roadmap_share", "capacity_platform_share", "capacity_unplanned_share")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _done_in(session: Session, quarter: str) -> list[DoneWork]:
    """Initiatives done in a quarter (killed ones delivered nothing)."""
    start, end = quarter_bounds(quarter)
    return done_between(session=session, start=_midnight(start), end=_midnight(end))


def _shares(plan: CapacityPlan) -> dict[str, float]:
    return {
        "roadmap": plan.roadmap_share,
        "platform": plan.platform_share,
        "unplanned": plan.unplanned_share,
    }


def _checked_quarter(quarter: str) -> str:
    try:
        return check_quarter(quarter)
    except ValueError as exc:
        raise InvalidInputError(
            [InputProblem(source="input", field="quarter", reason=str(exc), value=quarter)]
        ) from None


def budget_for(*, session: Session, quarter: str) -> Budget:
    """The quarter's capacity plan as a planner budget, less what work done in it spent
    (empty, and marked so, when no plan is set)."""
    spent: dict[str, float] = {}
    for done in _done_in(session, quarter):
        spent[done.category] = spent.get(done.category, 0.0) + done.effort
    plan = session.get(CapacityPlan, quarter)
    if plan is None:
        return Budget(quarter, 0.0, DEFAULT_SPLIT, planned=False, spent=spent)
    return Budget(quarter, plan.person_months, _shares(plan), spent=spent)


def planning_budgets(session: Session, as_of: date) -> tuple[Budget, Budget]:
    """The budgets of Now and Next: the quarter of `as_of` and the one after."""
    now_quarter, next_quarter = planning_quarters(as_of)
    return (
        budget_for(session=session, quarter=now_quarter),
        budget_for(session=session, quarter=next_quarter),
    )


def budget_warnings(*budgets: Budget) -> list[str]:
    """A warning, with the command that fixes it, for each budget without a capacity plan."""
    return [
        f"no capacity plan for {b.quarter}: nothing can be planned into it; set one: "
        f"pavedroad capacity set {b.quarter} --person-months N"
        for b in budgets
        if not b.planned
    ]


def set_capacity(*, session: Session, quarter: str, data: CapacityIn) -> CapacityPlan:
    """Set a quarter's capacity in person-months and its budget split."""
    quarter = _checked_quarter(quarter)
    shares = parse_split(data.split)
    plan = session.get(CapacityPlan, quarter)
    if plan is None:
        plan = CapacityPlan(quarter=quarter, person_months=data.person_months)
        session.add(plan)
    plan.person_months = data.person_months
    plan.roadmap_share = shares["roadmap"]
    plan.platform_share = shares["platform"]
    plan.unplanned_share = shares["unplanned"]
    session.flush()
    return plan


def quarter_capacity(*, session: Session, quarter: str) -> QuarterCapacityOut:
    """One quarter's plan against what it delivered: done initiatives and resolved tickets."""
    start, end = quarter_bounds(quarter)
    done = _done_in(session, quarter)
    tickets = count_tickets_resolved(session=session, start=_midnight(start), end=_midnight(end))
    delivered = delivered_effort(
        [(d.category, d.effort) for d in done], tickets, ticket_effort=TICKET_EFFORT_PERSON_MONTHS
    )
    shares = None
    if sum(delivered.values()) > 0:
        # One definition of the shares: the capacity KPIs of the metrics engine.
        values = window_values(session=session, kpi_ids=CAPACITY_KPIS, start=start, end=end)
        shares = {c: values[f"capacity_{c}_share"] for c in CATEGORIES}
    plan = session.get(CapacityPlan, quarter)
    assessed = assess(
        quarter,
        person_months=plan.person_months if plan else None,
        planned_shares=_shares(plan) if plan else dict(DEFAULT_SPLIT),
        delivered=delivered,
        tickets_resolved=tickets,
        actual_shares=shares,
    )
    return QuarterCapacityOut(
        quarter=quarter,
        person_months=assessed.person_months,
        split=assessed.planned_shares,
        split_text=split_text(assessed.planned_shares),
        planned={c: assessed.planned_effort(c) for c in CATEGORIES},
        delivered=assessed.delivered,
        delivered_total=assessed.delivered_total,
        actual_shares=assessed.actual_shares,
        tickets_resolved=tickets,
        initiatives_done=[d.title for d in done],
        warnings=assessed.warnings,
    )


def capacity_report(
    *, session: Session, quarter: str | None = None, as_of: date | None = None
) -> list[QuarterCapacityOut]:
    """Plan against delivery for one quarter, or for every planned quarter and the current one."""
    if quarter is not None:
        quarters = [_checked_quarter(quarter)]
    else:
        current = quarter_of(as_of or today_utc())
        planned = set(session.scalars(select(CapacityPlan.quarter)))
        quarters = sorted(planned | {current}, key=lambda q: quarter_bounds(q)[0])
    return [quarter_capacity(session=session, quarter=q) for q in quarters]
