"""The roadmap's lanes over a session: the board as stored, lanes set by hand, and the plan.

The planner is pure (`planner.py`); lanes and quarters are written on the initiatives through
the backlog (`backlog.lanes`). Services never commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from pavedroad.backlog import lanes as backlog_lanes
from pavedroad.backlog.service import get_initiative_by_ref_or_raise
from pavedroad.errors import ConflictError
from pavedroad.metrics.windows import today_utc
from pavedroad.roadmap.budgets import budget_warnings, planning_budgets
from pavedroad.roadmap.cards import RoadmapBacklog
from pavedroad.roadmap.periods import period, planning_quarters
from pavedroad.roadmap.planner import (
    ACTIVE_STATUSES,
    CATEGORIES,
    LANES,
    PLANNED_LANES,
    Budget,
    Plan,
    plan_lanes,
)
from pavedroad.roadmap.schemas import (
    LANE_LABELS,
    BudgetOut,
    CapacityUse,
    DisagreementOut,
    LaneIn,
    LaneView,
    PlacementOut,
    PlanOut,
    RoadmapCard,
    RoadmapView,
)

if TYPE_CHECKING:
    from pavedroad.backlog.models import Initiative

RECENTLY_DONE = 8


def disagreements(plan: Plan) -> list[DisagreementOut]:
    """Where the plan would not have chosen a lane set by hand, and why."""
    return [DisagreementOut.model_validate(d, from_attributes=True) for d in plan.disagreements]


def _use(cards: Sequence[RoadmapCard], lane: str, budget: Budget) -> list[CapacityUse]:
    return [
        CapacityUse(
            category=category,
            used=budget.spent.get(category, 0.0)
            + sum(c.effort for c in cards if c.lane == lane and c.category == category),
            available=budget.available(category),
            spent=budget.spent.get(category, 0.0),
        )
        for category in CATEGORIES
    ]


def show_roadmap(
    *,
    session: Session,
    as_of: date | None = None,
    horizon: str = "quarter",
    backlog: RoadmapBacklog | None = None,
) -> RoadmapView:
    """The four lanes as stored, the budget Now and Next use, and where the plan disagrees.

    `backlog` is the request's judged backlog when the caller has one (`read_backlog`).
    """
    as_of = as_of or today_utc()
    backlog = backlog or RoadmapBacklog(session, as_of)
    now, next_ = planning_budgets(session, as_of)
    active = backlog.active_cards()
    plan = plan_lanes(backlog.candidates, now=now, next=next_)
    headers = {
        "now": (period(now.quarter, horizon), now.quarter),
        "next": (period(next_.quarter, horizon), next_.quarter),
        "later": (f"after {period(next_.quarter, horizon)}", None),
        "exploring": ("no date", None),
    }
    lanes = []
    for lane in LANES:
        label, meaning = LANE_LABELS[lane]
        cards = [c for c in active if c.lane == lane]
        cards.sort(key=lambda c: (c.goal_priority is None, c.goal_priority or 0, -c.rice))
        budget = {"now": now, "next": next_}.get(lane)
        lanes.append(
            LaneView(
                lane=lane,
                label=label,
                meaning=meaning,
                period=headers[lane][0],
                quarter=headers[lane][1],
                cards=cards,
                use=_use(active, lane, budget) if budget else [],
            )
        )
    differs = sum(
        1
        for c in active
        if not c.locked and c.lane in LANES and plan.lane_of(c.title) not in (None, c.lane)
    )
    done = [c for c in backlog.cards if c.status == "done"]
    done_at = {e.title: e.done_at for e in backlog.entries}
    done.sort(key=lambda c: done_at[c.title] or datetime.min.replace(tzinfo=UTC), reverse=True)
    return RoadmapView(
        as_of=as_of,
        horizon=horizon,
        now_quarter=now.quarter,
        next_quarter=next_.quarter,
        lanes=lanes,
        unplaced=[c for c in active if c.lane not in LANES],
        done=done[:RECENTLY_DONE],
        disagreements=disagreements(plan),
        plan_differs=differs,
        warnings=budget_warnings(now, next_),
    )


def read_backlog(*, session: Session, as_of: date | None = None) -> RoadmapBacklog:
    """The backlog as the roadmap reads it, criteria judged on `as_of`: one per request, passed
    on to `show_roadmap` and `plan_roadmap` so the KPI values are read once."""
    return RoadmapBacklog(session, as_of or today_utc())


def _on_the_roadmap_or_raise(session: Session, title: str) -> Initiative:
    """The initiative with this title, or ConflictError when it is done or killed (off the
    roadmap)."""
    initiative = get_initiative_by_ref_or_raise(session=session, ref=title)
    if initiative.status not in ACTIVE_STATUSES:
        raise ConflictError(
            f"{initiative.title!r} is {initiative.status}; only initiatives that are ideas, "
            "planned or in progress go on the roadmap"
        )
    return initiative


def set_lane(*, session: Session, data: LaneIn, as_of: date | None = None) -> Initiative:
    """Put an initiative in a lane by hand; the planner keeps it there until it is unlocked.

    Now and Next default to their quarter; Later and Exploring have none unless given.
    """
    initiative = _on_the_roadmap_or_raise(session, data.title)
    now_quarter, next_quarter = planning_quarters(as_of or today_utc())
    default = {"now": now_quarter, "next": next_quarter}.get(data.lane)
    return backlog_lanes.set_lane(
        session=session,
        initiative=initiative,
        lane=data.lane,
        quarter=data.quarter or default,
        locked=True,
    )


def unlock_lane(*, session: Session, title: str) -> Initiative:
    """Let the planner choose the initiative's lane again (it stays where it is until applied)."""
    initiative = _on_the_roadmap_or_raise(session, title)
    return backlog_lanes.unlock_lane(session=session, initiative=initiative)


def plan_roadmap(
    *,
    session: Session,
    as_of: date | None = None,
    apply: bool = False,
    backlog: RoadmapBacklog | None = None,
) -> PlanOut:
    """Propose lanes for every active initiative; with `apply`, write the unlocked ones."""
    as_of = as_of or today_utc()
    backlog = backlog or RoadmapBacklog(session, as_of)
    now, next_ = planning_budgets(session, as_of)
    plan = plan_lanes(backlog.candidates, now=now, next=next_)
    cards = {c.title: c for c in backlog.cards}
    placements = []
    moves: list[tuple[int, str, str | None]] = []
    for placement in plan.placements:
        card = cards[placement.title]
        if not placement.locked and (
            card.lane != placement.lane or card.quarter != placement.quarter
        ):
            moves.append((card.id, placement.lane, placement.quarter))
        placements.append(
            PlacementOut.model_validate(
                {**card.model_dump(), "current_lane": card.lane, **asdict(placement)}
            )
        )
    if apply and moves:
        backlog_lanes.apply_placements(session=session, placements=moves)
    return PlanOut(
        as_of=as_of,
        now=BudgetOut.model_validate(now, from_attributes=True),
        next=BudgetOut.model_validate(next_, from_attributes=True),
        placements=placements,
        disagreements=disagreements(plan),
        use={
            lane: [
                CapacityUse.model_validate(u, from_attributes=True)
                for u in plan.use
                if u.lane == lane
            ]
            for lane in PLANNED_LANES
        },
        changes=len(moves),
        applied=apply,
        warnings=budget_warnings(now, next_),
    )
