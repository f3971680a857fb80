"""Roadmap services: lanes, the plan, the what-if and the capacity budget over a session.

RICE and rank come from the backlog (`list_initiatives`), goal priorities from the impact map,
delivered capacity shares from the metrics engine; the planner and the what-if are pure and
live in `planner.py` and `whatif.py`. Services never commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC as _UTC
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pavedroad.backlog.impact_map import get_initiative_or_raise
from pavedroad.backlog.models import Goal, Initiative
from pavedroad.backlog.rice import RiceInputs, rice_score, validate
from pavedroad.backlog.schemas import RankedInitiative
from pavedroad.backlog.service import list_initiatives
from pavedroad.errors import ConflictError, InputProblem, InvalidInputError
from pavedroad.ingest.models import Ticket
from pavedroad.metrics.definitions import TICKET_EFFORT_PERSON_MONTHS, get_definition
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
from pavedroad.roadmap.periods import (
    next_quarter,
    period,
    planning_quarters,
    quarter_bounds,
)
from pavedroad.roadmap.planner import (
    ACTIVE_STATUSES,
    CATEGORIES,
    LANES,
    PLANNED_LANES,
    Budget,
    Candidate,
    Plan,
    plan_lanes,
)
from pavedroad.roadmap.schemas import (
    LANE_LABELS,
    BudgetOut,
    CapacityIn,
    CapacityUse,
    DisagreementOut,
    DisplacedOut,
    GoalAtRiskOut,
    LaneIn,
    LaneView,
    PlacementOut,
    PlanOut,
    QuarterCapacityOut,
    RoadmapCard,
    RoadmapView,
    SlippingOut,
    WhatIfIn,
    WhatIfOut,
    check_quarter,
)
from pavedroad.roadmap.whatif import GoalRef, what_if

CAPACITY_KPIS = ("capacity_roadmap_share", "capacity_platform_share", "capacity_unplanned_share")
# What a new initiative asked about in a what-if is, unless the question says otherwise
# (its effort must be given).
WHATIF_DEFAULTS = RiceInputs(reach=0.0, impact=1.0, confidence=0.5, effort=0.0)
WHATIF_DEFAULT_CATEGORY = "roadmap"
RECENTLY_DONE = 8


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=_UTC)


# --- reading the backlog as the planner sees it ------------------------------------------


def _goal_priorities(session: Session) -> dict[str, int]:
    return {row.title: row.priority for row in session.execute(select(Goal.title, Goal.priority))}


def _card(entry: RankedInitiative, priorities: dict[str, int]) -> RoadmapCard:
    served = [priorities[g] for g in entry.goals if g in priorities]
    return RoadmapCard(
        id=entry.id,
        title=entry.title,
        status=entry.status,
        category=entry.category,
        rice=entry.rice,
        rank=entry.rank,
        ranked_of=entry.ranked_of,
        effort=entry.effort,
        reach=entry.reach,
        goal=entry.goal,
        goal_priority=min(served) if served else None,
        lane=entry.lane,
        quarter=entry.quarter,
        locked=entry.lane_locked,
        flags=entry.flags,
    )


def _candidate(card: RoadmapCard, entry: RankedInitiative) -> Candidate:
    return Candidate(
        title=card.title,
        rice=card.rice,
        effort=card.effort,
        category=card.category,
        status=card.status,
        confidence=entry.confidence,
        goal_priority=card.goal_priority,
        lane=card.lane,
        locked=card.locked,
        quarter=card.quarter,
        reach=card.reach,
        goals=tuple(entry.goals),
    )


class _Backlog:
    """The ranked backlog once per request, as cards and as planner candidates."""

    def __init__(self, session: Session) -> None:
        self.entries = list_initiatives(session=session, evaluate_criteria=False)
        self.priorities = _goal_priorities(session)
        self.cards = [_card(e, self.priorities) for e in self.entries]
        self.candidates = [
            _candidate(card, entry) for card, entry in zip(self.cards, self.entries, strict=True)
        ]

    def active_cards(self) -> list[RoadmapCard]:
        return [c for c in self.cards if c.status in ACTIVE_STATUSES]

    def find(self, title: str) -> int | None:
        key = title.strip().casefold()
        return next((n for n, e in enumerate(self.entries) if e.title.casefold() == key), None)


def _done_in(session: Session, quarter: str) -> list[tuple[str, str, float]]:
    """(title, category, effort) of initiatives done in a quarter (killed ones delivered nothing)."""
    start, end = quarter_bounds(quarter)
    rows = session.execute(
        select(Initiative.title, Initiative.category, Initiative.effort)
        .where(
            Initiative.done_at >= _midnight(start),
            Initiative.done_at < _midnight(end),
            Initiative.status != "killed",
        )
        .order_by(Initiative.done_at)
    )
    return [(row.title, row.category, row.effort) for row in rows]


def budget_for(*, session: Session, quarter: str) -> Budget:
    """The quarter's capacity plan as a planner budget, less what work done in it spent
    (empty, and marked so, when no plan is set)."""
    spent: dict[str, float] = {}
    for _, category, effort in _done_in(session, quarter):
        spent[category] = spent.get(category, 0.0) + effort
    plan = session.get(CapacityPlan, quarter)
    if plan is None:
        return Budget(quarter, 0.0, DEFAULT_SPLIT, planned=False, spent=spent)
    shares = {
        "roadmap": plan.roadmap_share,
        "platform": plan.platform_share,
        "unplanned": plan.unplanned_share,
    }
    return Budget(quarter, plan.person_months, shares, spent=spent)


def _budgets(session: Session, as_of: date) -> tuple[Budget, Budget]:
    now_quarter, next_q = planning_quarters(as_of)
    return budget_for(session=session, quarter=now_quarter), budget_for(
        session=session, quarter=next_q
    )


def _budget_warnings(*budgets: Budget) -> list[str]:
    return [
        f"no capacity plan for {b.quarter}: nothing can be planned into it; set one: "
        f"pavedroad capacity set {b.quarter} --person-months N"
        for b in budgets
        if not b.planned
    ]


def _disagreements(plan: Plan) -> list[DisagreementOut]:
    return [
        DisagreementOut(title=d.title, lane=d.lane, proposed=d.proposed, reason=d.reason)
        for d in plan.disagreements
    ]


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


# --- the roadmap ---------------------------------------------------------------------------


def show_roadmap(
    *, session: Session, as_of: date | None = None, horizon: str = "quarter"
) -> RoadmapView:
    """The four lanes as stored, the budget Now and Next use, and where the plan disagrees."""
    as_of = as_of or today_utc()
    backlog = _Backlog(session)
    now, next_ = _budgets(session, as_of)
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
    done.sort(key=lambda c: done_at[c.title] or datetime.min.replace(tzinfo=_UTC), reverse=True)
    return RoadmapView(
        as_of=as_of,
        horizon=horizon,
        now_quarter=now.quarter,
        next_quarter=next_.quarter,
        lanes=lanes,
        unplaced=[c for c in active if c.lane not in LANES],
        done=done[:RECENTLY_DONE],
        disagreements=_disagreements(plan),
        plan_differs=differs,
        warnings=_budget_warnings(now, next_),
    )


def set_lane(*, session: Session, data: LaneIn, as_of: date | None = None) -> Initiative:
    """Put an initiative in a lane by hand; the planner keeps it there until it is unlocked.

    Now and Next default to their quarter; Later and Exploring have none unless given.
    """
    initiative = _on_the_roadmap_or_raise(session, data.title)
    now_quarter, next_q = planning_quarters(as_of or today_utc())
    default = {"now": now_quarter, "next": next_q}.get(data.lane)
    initiative.lane = data.lane
    initiative.quarter = data.quarter or default
    initiative.lane_locked = True
    session.flush()
    return initiative


def _on_the_roadmap_or_raise(session: Session, title: str) -> Initiative:
    """The initiative with this title, or ConflictError when it is done or killed (off the
    roadmap)."""
    initiative = get_initiative_or_raise(session=session, title=title)
    if initiative.status not in ACTIVE_STATUSES:
        raise ConflictError(
            f"{initiative.title!r} is {initiative.status}; only initiatives that are ideas, "
            "planned or in progress go on the roadmap"
        )
    return initiative


def unlock_lane(*, session: Session, title: str) -> Initiative:
    """Let the planner choose the initiative's lane again (it stays where it is until applied)."""
    initiative = _on_the_roadmap_or_raise(session, title)
    initiative.lane_locked = False
    session.flush()
    return initiative


def plan_roadmap(*, session: Session, as_of: date | None = None, apply: bool = False) -> PlanOut:
    """Propose lanes for every active initiative; with `apply`, write the unlocked ones."""
    as_of = as_of or today_utc()
    backlog = _Backlog(session)
    now, next_ = _budgets(session, as_of)
    plan = plan_lanes(backlog.candidates, now=now, next=next_)
    cards = {c.title: c for c in backlog.cards}
    placements = []
    changes = 0
    for placement in plan.placements:
        card = cards[placement.title]
        changed = not placement.locked and (
            card.lane != placement.lane or card.quarter != placement.quarter
        )
        changes += changed
        placements.append(
            PlacementOut(
                title=card.title,
                rice=card.rice,
                rank=card.rank,
                goal=card.goal,
                effort=card.effort,
                category=card.category,
                lane=placement.lane,
                quarter=placement.quarter,
                current_lane=card.lane,
                locked=placement.locked,
                reason=placement.reason,
            )
        )
        if apply and changed:
            initiative = session.get(Initiative, card.id)
            assert initiative is not None
            initiative.lane = placement.lane
            initiative.quarter = placement.quarter
    if apply:
        session.flush()
    use = {
        lane: [
            CapacityUse(category=u.category, used=u.used, available=u.available, spent=u.spent)
            for u in plan.use
            if u.lane == lane
        ]
        for lane in PLANNED_LANES
    }
    return PlanOut(
        as_of=as_of,
        now=BudgetOut(quarter=now.quarter, person_months=now.person_months, planned=now.planned),
        next=BudgetOut(
            quarter=next_.quarter, person_months=next_.person_months, planned=next_.planned
        ),
        placements=placements,
        disagreements=_disagreements(plan),
        use=use,
        changes=changes,
        applied=apply,
        warnings=_budget_warnings(now, next_),
    )


# --- what-if -------------------------------------------------------------------------------


def _goal_refs(session: Session) -> list[GoalRef]:
    return [
        GoalRef(title=g.title, kpi_id=g.kpi_id, target=g.target, due=g.due, priority=g.priority)
        for g in session.scalars(select(Goal))
    ]


def _asked_inputs(question: WhatIfIn, base: RiceInputs | None) -> RiceInputs:
    """The RICE inputs of the question: the backlog's, overridden by what the question gives."""
    defaults = base or WHATIF_DEFAULTS
    if base is None and question.effort is None:
        raise InvalidInputError(
            [
                InputProblem(
                    source="what-if",
                    field="effort",
                    reason=f"{question.add!r} is not in the backlog; give its effort in "
                    "person-months (--effort N) to ask about a new initiative",
                )
            ]
        )
    return validate(
        question.reach if question.reach is not None else defaults.reach,
        question.impact if question.impact is not None else defaults.impact,
        question.confidence if question.confidence is not None else defaults.confidence,
        question.effort if question.effort is not None else defaults.effort,
        source="what-if",
    )


def what_if_answer(*, session: Session, question: WhatIfIn, as_of: date | None = None) -> WhatIfOut:
    """Re-plan with the asked initiative forced into Now or Next; nothing is written."""
    as_of = as_of or today_utc()
    backlog = _Backlog(session)
    now, next_ = _budgets(session, as_of)
    found = backlog.find(question.add)
    if found is not None:
        entry, base = backlog.entries[found], backlog.candidates[found]
        inputs = _asked_inputs(
            question,
            RiceInputs(
                reach=entry.reach,
                impact=entry.impact,
                confidence=entry.confidence,
                effort=entry.effort,
            ),
        )
        status = base.status if base.status in ACTIVE_STATUSES else "planned"
        added = replace(base, status=status, category=question.category or base.category)
    else:
        inputs = _asked_inputs(question, None)
        added = Candidate(
            title=question.add,
            rice=0.0,
            effort=inputs.effort,
            category=question.category or WHATIF_DEFAULT_CATEGORY,
            status="planned",
        )
    changed_inputs = found is None or any(
        v is not None
        for v in (question.effort, question.reach, question.impact, question.confidence)
    )
    rice = round(rice_score(inputs), 2) if changed_inputs else added.rice
    added = replace(
        added, rice=rice, effort=inputs.effort, reach=inputs.reach, confidence=inputs.confidence
    )
    answer = what_if(
        backlog.candidates,
        added,
        lane=question.lane,
        now=now,
        next=next_,
        goals=_goal_refs(session),
    )
    return WhatIfOut(
        added=added.title,
        lane=answer.lane,
        hypothetical=found is None,
        was_lane=answer.was_lane,
        rice=added.rice,
        effort=added.effort,
        category=added.category,
        displaced=[
            DisplacedOut(
                title=d.title,
                rice=d.rice,
                from_lane=d.from_lane,
                to_lane=d.to_lane,
                to_quarter=d.to_quarter,
                reach=d.reach,
                goals=list(d.goals),
            )
            for d in answer.displaced
        ],
        reach_waiting=answer.reach_waiting,
        goals_at_risk=[
            GoalAtRiskOut(
                title=g.goal.title,
                kpi=g.goal.kpi_id,
                target=g.goal.target,
                target_text=get_definition(g.goal.kpi_id).target_text(g.goal.target),
                due=g.goal.due,
                priority=g.goal.priority,
                slipping=[
                    SlippingOut(title=d.title, to_lane=d.to_lane, to_quarter=d.to_quarter)
                    for d in g.slipping
                ],
            )
            for g in answer.goals_at_risk
        ],
        over_budget=answer.over_budget,
        quarter=now.quarter if question.lane == "now" else next_.quarter,
    )


# --- the capacity budget -------------------------------------------------------------------


def set_capacity(*, session: Session, quarter: str, data: CapacityIn) -> CapacityPlan:
    """Set a quarter's capacity in person-months and its budget split."""
    try:
        quarter = check_quarter(quarter)
    except ValueError as exc:
        raise InvalidInputError(
            [InputProblem(source="input", field="quarter", reason=str(exc), value=quarter)]
        ) from None
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
    tickets = int(
        session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.resolved_at >= _midnight(start), Ticket.resolved_at < _midnight(end))
        )
        or 0
    )
    delivered = delivered_effort(
        [(category, effort) for _, category, effort in done],
        tickets,
        ticket_effort=TICKET_EFFORT_PERSON_MONTHS,
    )
    shares = None
    if sum(delivered.values()) > 0:
        # One definition of the shares: the capacity KPIs of the metrics engine.
        values = window_values(session=session, kpi_ids=CAPACITY_KPIS, start=start, end=end)
        shares = {c: values[f"capacity_{c}_share"] for c in CATEGORIES}
    plan = session.get(CapacityPlan, quarter)
    planned_shares = (
        {
            "roadmap": plan.roadmap_share,
            "platform": plan.platform_share,
            "unplanned": plan.unplanned_share,
        }
        if plan
        else dict(DEFAULT_SPLIT)
    )
    assessed = assess(
        quarter,
        person_months=plan.person_months if plan else None,
        planned_shares=planned_shares,
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
        initiatives_done=[title for title, _, _ in done],
        warnings=assessed.warnings,
    )


def capacity_report(
    *, session: Session, quarter: str | None = None, as_of: date | None = None
) -> list[QuarterCapacityOut]:
    """Plan against delivery for one quarter, or for every planned quarter and the current one."""
    if quarter is not None:
        try:
            quarters = [check_quarter(quarter)]
        except ValueError as exc:
            raise InvalidInputError(
                [InputProblem(source="input", field="quarter", reason=str(exc), value=quarter)]
            ) from None
    else:
        current = quarter_of(as_of or today_utc())
        planned = set(session.scalars(select(CapacityPlan.quarter)))
        quarters = sorted(planned | {current}, key=lambda q: quarter_bounds(q)[0])
    return [quarter_capacity(session=session, quarter=q) for q in quarters]


def following_quarter(quarter: str) -> str:
    """The quarter after one (for forms that suggest the next quarter to plan)."""
    return next_quarter(check_quarter(quarter))
