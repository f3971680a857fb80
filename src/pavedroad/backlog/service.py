"""Initiatives: RICE with its rank among the rest of the backlog, the goal each one serves, flags,
and the backlog views (team order vs RICE, sensitivity). Keyword-only functions over a session;
the caller owns the transaction.

Ranks are competition ranks over active initiatives (idea, planned, in progress); done and
killed ones keep their score but are not ranked. An initiative serves a goal when it names one
(`goal`) or when an impact of the impact map lists it as a deliverable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from pavedroad import versions
from pavedroad.backlog import criteria as criteria_service
from pavedroad.backlog.disagreements import Prioritised, compare_orders
from pavedroad.backlog.models import Actor, Criterion, Goal, Impact, Initiative, Problem
from pavedroad.backlog.problems import problems_by_title, teams_by_slug
from pavedroad.backlog.rice import (
    RiceInputs,
    rice_context,
    rice_percentile,
    rice_ranks,
    rice_score,
)
from pavedroad.backlog.schemas import (
    ACTIVE_STATUSES,
    DisagreementReport,
    InitiativeCriteria,
    InitiativeDetail,
    InitiativeIn,
    InitiativeRef,
    InitiativeUpdate,
    PairSensitivity,
    ProblemRef,
    RankedInitiative,
)
from pavedroad.backlog.sensitivity import Scored, order_sensitivity
from pavedroad.errors import ConflictError, InputProblem, InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from pavedroad.catalog.models import Team

Outcome = Literal["created", "updated", "unchanged"]
# Statuses that mean work has started, so the start is recorded.
_STARTED = frozenset({"in_progress", "done"})


def _loaded() -> Select[Initiative]:
    return select(Initiative).options(
        selectinload(Initiative.teams),
        selectinload(Initiative.problems),
        selectinload(Initiative.goal),
        selectinload(Initiative.impacts).selectinload(Impact.actor).selectinload(Actor.goal),
        selectinload(Initiative.criteria).selectinload(Criterion.initiative),
        selectinload(Initiative.decisions),
    )


def rice_inputs(initiative: Initiative) -> RiceInputs:
    """The initiative's RICE inputs with its reach resolved."""
    return RiceInputs(
        reach=resolved_reach(initiative)[0],
        impact=initiative.impact,
        confidence=initiative.confidence,
        effort=initiative.effort,
    )


def resolved_reach(initiative: Initiative) -> tuple[float, Literal["typed", "teams"]]:
    """Reach as typed, else the headcount of the teams it targets; and which of the two."""
    if initiative.reach is not None:
        return initiative.reach, "typed"
    return float(sum(team.headcount for team in initiative.teams)), "teams"


def served_goals(initiative: Initiative) -> list[Goal]:
    """The goals an initiative serves, most important first."""
    goals: dict[int, Goal] = {}
    if initiative.goal is not None:
        goals[initiative.goal.id] = initiative.goal
    for impact in initiative.impacts:
        goals.setdefault(impact.actor.goal.id, impact.actor.goal)
    return sorted(goals.values(), key=lambda g: (g.priority, g.title))


def _flags(initiative: Initiative, goals: list[Goal], kill_proposed: bool) -> list[str]:
    flags = []
    active = initiative.status in ACTIVE_STATUSES
    if active and not goals:
        flags.append("no_goal")
    if active and not initiative.problems:
        flags.append("no_problem")
    if initiative.status in ("planned", "in_progress") and not any(
        c.kind == "success" for c in initiative.criteria
    ):
        flags.append("no_success_criteria")
    if kill_proposed:
        flags.append("kill_proposed")
    return flags


def _rank(initiatives: Sequence[Initiative], kill_proposed: set[int]) -> list[RankedInitiative]:
    scores = {i.id: rice_score(rice_inputs(i)) for i in initiatives}
    active = [i for i in initiatives if i.status in ACTIVE_STATUSES]
    ranks = dict(
        zip([i.id for i in active], rice_ranks([scores[i.id] for i in active]), strict=True)
    )
    out = []
    for initiative in initiatives:
        reach, source = resolved_reach(initiative)
        goals = served_goals(initiative)
        out.append(
            RankedInitiative(
                id=initiative.id,
                title=initiative.title,
                description=initiative.description,
                owner=initiative.owner,
                status=initiative.status,
                category=initiative.category,
                reach=reach,
                reach_source=source,
                impact=initiative.impact,
                confidence=initiative.confidence,
                effort=initiative.effort,
                rice=round(scores[initiative.id], 2),
                rank=ranks.get(initiative.id),
                ranked_of=len(active),
                lane=initiative.lane,
                lane_locked=initiative.lane_locked,
                quarter=initiative.quarter,
                priority=initiative.priority,
                goal=goals[0].title if goals else None,
                goals=[g.title for g in goals],
                teams=[t.slug for t in initiative.teams],
                problems=[p.title for p in initiative.problems],
                flags=_flags(initiative, goals, initiative.id in kill_proposed),
                created_at=initiative.created_at,
                started_at=initiative.started_at,
                done_at=initiative.done_at,
            )
        )
    status_order = {"done": 0, "killed": 1}
    out.sort(
        key=lambda r: (
            r.rank is None,
            r.rank or 0,
            status_order.get(r.status, 0),
            -scores[r.id],
            r.title,
        )
    )
    return out


def _kill_proposed(
    session: Session, initiatives: Sequence[Initiative], today: date | None
) -> tuple[set[int], dict[int, Any]]:
    watched = [c for i in initiatives if i.status in ACTIVE_STATUSES for c in i.criteria]
    if not watched:
        return set(), {}
    judged = criteria_service.evaluate(
        watched,
        today=today or datetime.now(UTC).date(),
        values_at=criteria_service.metrics_values_at(session),
    )
    proposed = {c.initiative_id for c in watched if criteria_service.proposes_kill(judged[c.id])}
    return proposed, judged


def list_initiatives(
    *, session: Session, evaluate_criteria: bool = True, today: date | None = None
) -> list[RankedInitiative]:
    """Every initiative with its resolved reach, RICE, rank among active ones, goal and flags.

    Ranked initiatives come first by rank, then done and killed ones. `evaluate_criteria`
    judges success and kill criteria against the live KPIs for the `kill_proposed` flag.
    """
    initiatives = list(session.scalars(_loaded()))
    proposed = _kill_proposed(session, initiatives, today)[0] if evaluate_criteria else set()
    return _rank(initiatives, proposed)


def initiative_refs(*, session: Session) -> dict[int, InitiativeRef]:
    """Every initiative's RICE and rank by id, for records that link to initiatives."""
    return {
        r.id: InitiativeRef(id=r.id, title=r.title, status=r.status, rice=r.rice, rank=r.rank)
        for r in list_initiatives(session=session, evaluate_criteria=False)
    }


def title_key(title: str) -> str:
    """A title as people mean it: without case and with runs of spaces as one space."""
    return " ".join(title.split()).casefold()


def get_initiative_by_ref_or_raise(*, session: Session, ref: str) -> Initiative:
    """The initiative a person means by `ref`, the one rule every interface follows.

    The exact title wins; else the one title equal to it without case and extra spaces; else,
    when `ref` is a number, the initiative with that id. A reference that fits several titles is
    refused with them named; one that fits none is NotFoundError.
    """
    wanted = ref.strip()
    # PostgreSQL refuses NUL in a parameter; such a reference can only match by its key.
    found = (
        session.scalar(_loaded().where(Initiative.title == wanted))
        if "\x00" not in wanted
        else None
    )
    if found is None:
        key = title_key(wanted)
        titles = session.execute(select(Initiative.id, Initiative.title).order_by(Initiative.title))
        matches = [(id_, title) for id_, title in titles if title_key(title) == key]
        if len(matches) > 1:
            named = ", ".join(repr(title) for _, title in matches)
            raise InvalidInputError(
                [
                    InputProblem(
                        source="input",
                        field="initiative",
                        reason=f"{ref!r} could be any of {named}; give the exact title",
                    )
                ]
            )
        if matches:
            found = get_initiative_or_raise(session=session, initiative_id=matches[0][0])
        elif wanted.isdigit() and 0 < int(wanted) < 2**31:
            found = session.scalar(_loaded().where(Initiative.id == int(wanted)))
    if found is None:
        raise NotFoundError(
            f"no initiative titled {ref!r}; `pavedroad initiatives list` lists them"
        )
    return found


def get_initiative_or_raise(*, session: Session, initiative_id: int) -> Initiative:
    """The initiative with this id, or NotFoundError."""
    found = session.scalar(_loaded().where(Initiative.id == initiative_id))
    if found is None:
        raise NotFoundError(f"no initiative with id {initiative_id}")
    return found


def get_initiative_detail(
    *, session: Session, initiative: Initiative, today: date | None = None
) -> InitiativeDetail:
    """One initiative ranked among the backlog, with its criteria judged and its decisions."""
    initiatives = list(session.scalars(_loaded()))
    proposed, judged = _kill_proposed(session, initiatives, today)
    own = [c for c in initiative.criteria if c.id not in judged]
    if own:
        judged.update(
            criteria_service.evaluate(
                own,
                today=today or datetime.now(UTC).date(),
                values_at=criteria_service.metrics_values_at(session),
            )
        )
    every = _rank(initiatives, proposed)
    ranked = next(r for r in every if r.id == initiative.id)
    top = max((r.rice for r in every if r.rank is not None), default=0.0)
    criteria = [judged[c.id] for c in initiative.criteria]
    active = initiative.status in ACTIVE_STATUSES
    return InitiativeDetail(
        **ranked.model_dump(),
        of=ranked.ranked_of,
        percentile=rice_percentile(ranked.rank, ranked.ranked_of) if ranked.rank else None,
        top_rice=top,
        rice_context=rice_context(ranked.rice, ranked.rank, ranked.ranked_of, top),
        problem_refs=[ProblemRef(id=p.id, title=p.title) for p in initiative.problems],
        criteria=criteria,
        decisions=[
            criteria_service.decision_out(d)
            for d in sorted(initiative.decisions, key=lambda d: d.decided_at, reverse=True)
        ],
        kill_reasons=criteria_service.kill_reasons(criteria) if active else [],
    )


def judged_criteria(
    *, session: Session, title: str | None = None, today: date | None = None
) -> list[InitiativeCriteria]:
    """Criteria judged against the live KPIs, per initiative (all, or the one titled)."""
    if title is not None:
        initiatives = [get_initiative_by_ref_or_raise(session=session, ref=title)]
    else:
        initiatives = list(session.scalars(_loaded().order_by(Initiative.title)))
    watched = [c for i in initiatives for c in i.criteria]
    judged = (
        criteria_service.evaluate(
            watched,
            today=today or datetime.now(UTC).date(),
            values_at=criteria_service.metrics_values_at(session),
        )
        if watched
        else {}
    )
    return [
        InitiativeCriteria(
            id=i.id,
            title=i.title,
            status=i.status,
            kill_proposed=i.status in ACTIVE_STATUSES
            and any(criteria_service.proposes_kill(judged[c.id]) for c in i.criteria),
            criteria=[judged[c.id] for c in i.criteria],
        )
        for i in initiatives
        if i.criteria
    ]


# ---- writing ---------------------------------------------------------------------------------


def goal_titles(*, session: Session) -> list[str]:
    """Titles of the impact map's goals, most important first (for choosing one)."""
    return list(session.scalars(select(Goal.title).order_by(Goal.priority, Goal.title)))


def goal_by_title(*, session: Session, title: str) -> Goal:
    """The impact map's goal with this title, or an input problem listing the goals."""
    goal = session.scalar(select(Goal).where(Goal.title == title))
    if goal is None:
        known = list(session.scalars(select(Goal.title).order_by(Goal.priority, Goal.title)))
        hint = (
            f"goals of the impact map: {', '.join(known)}"
            if known
            else "the impact map has no goals yet"
        )
        raise InvalidInputError(
            [
                InputProblem(
                    source="input", field="goal", reason=f"unknown goal; {hint}", value=title
                )
            ]
        )
    return goal


def _refuse_title_clash(session: Session, title: str, initiative_id: int | None = None) -> None:
    clash = session.scalar(select(Initiative).where(Initiative.title == title))
    if clash is not None and clash.id != initiative_id:
        raise ConflictError(f"an initiative titled {title!r} exists already (id {clash.id})")


def _require_reach(initiative: Initiative) -> None:
    if initiative.reach is None and not initiative.teams:
        raise InvalidInputError(
            [
                InputProblem(
                    source="input",
                    field="reach",
                    reason="give a reach (developers per quarter) or the teams it targets, "
                    "whose headcount is then its reach",
                )
            ]
        )


def apply_values(
    initiative: Initiative,
    values: dict[str, Any],
    *,
    teams: list[Team] | None = None,
    problems: list[Problem] | None = None,
    goal: Goal | Literal["keep"] | None = "keep",
    empty_lane_keeps: bool = False,
    now: datetime | None = None,
) -> bool:
    """Set the given fields with the backlog's rules; report whether anything changed.

    A lane given counts as set by hand (locked); with `empty_lane_keeps`, an empty lane only
    unlocks it (an import must not wipe the planner's lanes). Status `done` records `done_at`,
    `in_progress` records `started_at`; leaving `done` clears `done_at`.
    """
    now = now or datetime.now(UTC)
    changed = False

    def put(name: str, value: object) -> None:
        nonlocal changed
        if getattr(initiative, name) != value:
            setattr(initiative, name, value)
            changed = True

    for name in ("title", "description", "owner", "category", "reach", "impact", "confidence"):
        if name in values:
            put(name, values[name])
    for name in ("effort", "priority"):
        if name in values:
            put(name, values[name])
    if "lane" in values:
        if values["lane"] is not None:
            put("lane", values["lane"])
            put("lane_locked", True)
        else:
            if not empty_lane_keeps:
                put("lane", None)
            put("lane_locked", False)
    if teams is not None and {t.id for t in teams} != {t.id for t in initiative.teams}:
        initiative.teams = teams
        changed = True
    if problems is not None and {p.id for p in problems} != {p.id for p in initiative.problems}:
        initiative.problems = problems
        changed = True
    if goal != "keep":
        new_goal_id = goal.id if goal is not None else None
        if initiative.goal_id != new_goal_id:
            initiative.goal = goal
            changed = True
    status = values.get("status", initiative.status)
    if "status" in values:
        put("status", status)
    if status == "done":
        done_at = values.get("done_at") or initiative.done_at or now
        put("done_at", done_at)
    elif initiative.done_at is not None:
        put("done_at", None)
    if status in _STARTED and initiative.started_at is None:
        started = initiative.done_at if status == "done" and initiative.done_at else now
        put("started_at", min(started, now))
    return changed


def _values(data: InitiativeIn | InitiativeUpdate, given: Iterable[str]) -> dict[str, Any]:
    skip = {"teams", "problems", "goal"}
    values = {name: getattr(data, name) for name in given if name not in skip}
    for required in ("title", "status", "category", "impact", "confidence", "effort"):
        if required in values and values[required] is None:
            del values[required]
    if values.get("description") is None:
        values.pop("description", None)
    if values.get("owner") is None:
        values.pop("owner", None)
    return values


def create_initiative(
    *,
    session: Session,
    data: InitiativeIn,
    created_at: datetime | None = None,
    started_at: datetime | None = None,
) -> Initiative:
    """Add an initiative; teams, problems and the goal must exist. A lane given is locked.

    `created_at` and `started_at` record a past (the demo's history); by default it is created
    now and starts when its status first says so.
    """
    _refuse_title_clash(session, data.title)
    initiative = Initiative(
        title=data.title,
        impact=data.impact,
        confidence=data.confidence,
        effort=data.effort,
        status="idea",
        lane_locked=False,
        teams=[],
        problems=[],
        impacts=[],
        criteria=[],
        decisions=[],
    )
    if created_at is not None:
        initiative.created_at = created_at
    initiative.started_at = started_at
    apply_values(
        initiative,
        _values(data, InitiativeIn.model_fields),
        teams=teams_by_slug(session=session, slugs=data.teams),
        problems=problems_by_title(session=session, titles=data.problems),
        goal=goal_by_title(session=session, title=data.goal) if data.goal else None,
        now=started_at or created_at,
    )
    _require_reach(initiative)
    session.add(initiative)
    session.flush()
    versions.bump(session, "backlog")
    return initiative


def update_initiative(
    *, session: Session, initiative: Initiative, data: InitiativeUpdate
) -> Initiative:
    """Change the fields given; lists given replace the stored ones."""
    given = data.model_fields_set
    if data.title is not None and data.title != initiative.title:
        _refuse_title_clash(session, data.title, initiative.id)
    goal: Goal | Literal["keep"] | None = "keep"
    if "goal" in given:
        goal = goal_by_title(session=session, title=data.goal) if data.goal else None
    apply_values(
        initiative,
        _values(data, given),
        teams=teams_by_slug(session=session, slugs=data.teams)
        if "teams" in given and data.teams is not None
        else None,
        problems=problems_by_title(session=session, titles=data.problems)
        if "problems" in given and data.problems is not None
        else None,
        goal=goal,
    )
    _require_reach(initiative)
    session.flush()
    versions.bump(session, "backlog")
    return initiative


def delete_initiative(*, session: Session, initiative: Initiative) -> None:
    """Remove an initiative with its criteria and decisions."""
    session.delete(initiative)
    session.flush()
    versions.bump(session, "backlog")


# ---- backlog views ---------------------------------------------------------------------------


def backlog_disagreements(*, session: Session, limit: int = 5) -> DisagreementReport:
    """The team's own priority order against RICE, over active initiatives."""
    ranked = [
        r for r in list_initiatives(session=session, evaluate_criteria=False) if r.rank is not None
    ]
    initiatives = {i.id: i for i in session.scalars(_loaded())}
    return compare_orders(
        [
            Prioritised(
                title=r.title,
                priority=r.priority,
                rice=rice_score(rice_inputs(initiatives[r.id])),
                id=r.id,
            )
            for r in ranked
        ],
        limit=limit,
    )


def backlog_sensitivity(*, session: Session) -> list[PairSensitivity]:
    """For each pair of neighbours in the RICE order, how far either must move to swap them."""
    initiatives = {i.id: i for i in session.scalars(_loaded())}
    ordered = [
        r for r in list_initiatives(session=session, evaluate_criteria=False) if r.rank is not None
    ]
    return order_sensitivity(
        [Scored(title=r.title, inputs=rice_inputs(initiatives[r.id])) for r in ordered]
    )


def latest_activity(*, session: Session) -> dict[str, datetime | None]:
    """When the product function last left a trace in the backlog: an initiative added,
    started or done, a problem written down, a criterion set, a decision recorded."""
    from sqlalchemy import func

    from pavedroad.backlog.models import Decision

    def latest(column: Any) -> datetime | None:
        value = session.scalar(select(func.max(column)))
        return value if isinstance(value, datetime) else None

    return {
        "initiative_added": latest(Initiative.created_at),
        "initiative_started": latest(Initiative.started_at),
        "initiative_done": latest(Initiative.done_at),
        "problem_added": latest(Problem.created_at),
        "criterion_set": latest(Criterion.created_at),
        "decision_recorded": latest(Decision.decided_at),
    }
