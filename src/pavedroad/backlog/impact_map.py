"""The impact map: goals -> actors -> impacts -> deliverables (initiatives), edited and exported.

The map sets direction; RICE orders the work within it. Each goal is measurable (a KPI, a
target in the KPI's unit, a due date) and has a priority that the roadmap planner follows.
Linking an initiative as a deliverable makes it serve that impact's goal (`goal_id`); an
initiative that serves no goal is flagged, whatever its score. The file format and the
exports live in `map_read.py`, `map_write.py` and `map_export.py`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from datetime import date, timedelta
from typing import Annotated

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from pavedroad import versions
from pavedroad.backlog.models import Actor, Goal, Impact, Initiative
from pavedroad.backlog.schemas import ACTIVE_STATUSES, BacklogInput, InitiativeRef
from pavedroad.backlog.service import get_initiative_by_ref_or_raise, initiative_refs
from pavedroad.errors import ConflictError, NotFoundError
from pavedroad.metrics.definitions import KPI_IDS, format_value, get_definition
from pavedroad.metrics.service import latest_values


class GoalIn(BacklogInput):
    """A goal as it comes in from a file, the API, the CLI or a form."""

    title: Annotated[str, Field(min_length=1, max_length=300)]
    kpi_id: Annotated[str, Field(min_length=1, max_length=60)]
    target: float
    due: date
    priority: Annotated[int, Field(ge=1, le=1000)] = 1

    @field_validator("kpi_id")
    @classmethod
    def _known_kpi(cls, value: str) -> str:
        if value not in KPI_IDS:
            raise ValueError(f"unknown KPI {value!r}; known: {', '.join(KPI_IDS)}")
        return value

    @field_validator("target")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number in the KPI's unit")
        return value


class ActorIn(BacklogInput):
    """An actor to add under a goal."""

    name: Annotated[str, Field(min_length=1, max_length=200)]


class ImpactIn(BacklogInput):
    """An impact (a change in an actor's behaviour) to add under an actor."""

    description: Annotated[str, Field(min_length=1, max_length=500)]


class DeliverableIn(BacklogInput):
    """An initiative, by title, to link as a deliverable of an impact."""

    initiative: Annotated[str, Field(min_length=1, max_length=300)]


class DeliverableOut(BaseModel):
    """An initiative on the map, with its RICE shown beside its rank in the backlog."""

    id: int
    title: str
    status: str
    lane: str | None
    rice: float | None = None
    rank: int | None = None


class ImpactOut(BaseModel):
    id: int
    description: str
    deliverables: list[DeliverableOut]


class ActorOut(BaseModel):
    id: int
    name: str
    impacts: list[ImpactOut]


class GoalOut(BaseModel):
    """A goal with its KPI, target and due date, and everything under it."""

    id: int
    title: str
    kpi_id: str
    kpi_name: str
    unit: str
    target: float
    target_text: str
    due: date
    priority: int
    current: float | None = None
    current_text: str | None = None
    on_target: bool | None = None
    actors: list[ActorOut]


class ImpactMapOut(BaseModel):
    """The whole map, goals by priority, and the active initiatives that serve no goal."""

    goals: list[GoalOut]
    flagged: list[DeliverableOut]


# --- reading -----------------------------------------------------------------------------


def _all_goals(session: Session) -> list[Goal]:
    query = (
        select(Goal)
        .options(
            selectinload(Goal.actors).selectinload(Actor.impacts).selectinload(Impact.deliverables)
        )
        .order_by(Goal.priority, func.lower(Goal.title))
    )
    return list(session.scalars(query))


def list_goals(*, session: Session) -> list[Goal]:
    """Every goal of the map, by priority then title, with its actors and impacts loaded."""
    return _all_goals(session)


def _deliverable(initiative: Initiative, scores: Mapping[int, InitiativeRef]) -> DeliverableOut:
    score = scores.get(initiative.id)
    return DeliverableOut(
        id=initiative.id,
        title=initiative.title,
        status=initiative.status,
        lane=initiative.lane,
        rice=score.rice if score else None,
        rank=score.rank if score else None,
    )


def goal_out(
    goal: Goal, scores: Mapping[int, InitiativeRef], current: float | None = None
) -> GoalOut:
    """A goal as the interfaces show it."""
    definition = get_definition(goal.kpi_id)
    return GoalOut(
        id=goal.id,
        title=goal.title,
        kpi_id=goal.kpi_id,
        kpi_name=definition.name,
        unit=definition.unit,
        target=goal.target,
        target_text=definition.target_text(goal.target),
        due=goal.due,
        priority=goal.priority,
        current=current,
        current_text=format_value(current, definition.unit) if current is not None else None,
        on_target=definition.meets(current, goal.target) if current is not None else None,
        actors=[
            ActorOut(
                id=actor.id,
                name=actor.name,
                impacts=[
                    ImpactOut(
                        id=impact.id,
                        description=impact.description,
                        deliverables=[_deliverable(i, scores) for i in impact.deliverables],
                    )
                    for impact in actor.impacts
                ],
            )
            for actor in goal.actors
        ],
    )


def unserving_initiatives(*, session: Session) -> list[Initiative]:
    """Active initiatives that serve no goal: neither named one nor deliver any impact."""
    query = (
        select(Initiative)
        .where(Initiative.status.in_(sorted(ACTIVE_STATUSES)), Initiative.goal_id.is_(None))
        .where(~Initiative.impacts.any())
        .order_by(func.lower(Initiative.title))
    )
    return list(session.scalars(query))


def get_map(*, session: Session, as_of: date | None = None) -> ImpactMapOut:
    """The map with RICE and rank beside each deliverable; with `as_of`, each goal also shows
    its KPI over the 30 days up to and including that day."""
    scores = initiative_refs(session=session)
    goals = _all_goals(session)
    current: Mapping[str, float | None] = {}
    if as_of is not None and goals:
        kpis = sorted({g.kpi_id for g in goals})
        current = latest_values(session=session, kpi_ids=kpis, end=as_of + timedelta(days=1))
    flagged = [_deliverable(i, scores) for i in unserving_initiatives(session=session)]
    flagged.sort(key=lambda d: (d.rank is None, d.rank or 0, d.title.casefold()))
    return ImpactMapOut(
        goals=[goal_out(g, scores, current.get(g.kpi_id)) for g in goals],
        flagged=flagged,
    )


def get_goal_or_raise(*, session: Session, title: str) -> Goal:
    """The goal with this title (any case), or NotFoundError naming it."""
    # No stored title holds NUL, and PostgreSQL refuses it in a query.
    goal = None
    if "\x00" not in title:
        goal = session.scalar(select(Goal).where(func.lower(Goal.title) == title.strip().lower()))
    if goal is None:
        raise NotFoundError(f"no goal titled {title!r}; `pavedroad map show` lists them")
    return goal


def get_goal_by_id_or_raise(*, session: Session, goal_id: int) -> Goal:
    """The goal with this id, or NotFoundError."""
    goal = session.get(Goal, goal_id)
    if goal is None:
        raise NotFoundError(f"no goal with id {goal_id}")
    return goal


def get_actor_by_id_or_raise(*, session: Session, actor_id: int) -> Actor:
    """The actor with this id, or NotFoundError."""
    actor = session.get(Actor, actor_id)
    if actor is None:
        raise NotFoundError(f"no actor with id {actor_id}")
    return actor


def get_impact_by_id_or_raise(*, session: Session, impact_id: int) -> Impact:
    """The impact with this id, or NotFoundError."""
    impact = session.get(Impact, impact_id)
    if impact is None:
        raise NotFoundError(f"no impact with id {impact_id}")
    return impact


def find_actor_or_raise(*, session: Session, goal: str, name: str) -> Actor:
    """The actor of a goal by name (any case), or NotFoundError naming what exists."""
    found = get_goal_or_raise(session=session, title=goal)
    key = name.strip().casefold()
    for actor in found.actors:
        if actor.name.casefold() == key:
            return actor
    known = ", ".join(repr(a.name) for a in found.actors) or "none yet"
    raise NotFoundError(f"goal {found.title!r} has no actor {name!r}; its actors: {known}")


def find_impact_or_raise(*, session: Session, goal: str, actor: str, description: str) -> Impact:
    """The impact of an actor by description (any case), or NotFoundError naming what exists."""
    found = find_actor_or_raise(session=session, goal=goal, name=actor)
    key = description.strip().casefold()
    for impact in found.impacts:
        if impact.description.casefold() == key:
            return impact
    known = ", ".join(repr(i.description) for i in found.impacts) or "none yet"
    raise NotFoundError(f"actor {found.name!r} has no impact {description!r}; its impacts: {known}")


# --- editing -----------------------------------------------------------------------------


def add_goal(*, session: Session, data: GoalIn) -> Goal:
    """Add a goal; its title must be new."""
    existing = session.scalar(select(Goal).where(func.lower(Goal.title) == data.title.lower()))
    if existing is not None:
        raise ConflictError(f"a goal titled {existing.title!r} already exists")
    goal = Goal(**data.model_dump())
    session.add(goal)
    session.flush()
    versions.bump(session, "backlog")
    return goal


def update_goal(*, session: Session, goal: Goal, data: GoalIn) -> Goal:
    """Change a goal's title, KPI, target, due date or priority."""
    clash = session.scalar(
        select(Goal).where(func.lower(Goal.title) == data.title.lower(), Goal.id != goal.id)
    )
    if clash is not None:
        raise ConflictError(f"a goal titled {clash.title!r} already exists")
    for name, value in data.model_dump().items():
        setattr(goal, name, value)
    session.flush()
    versions.bump(session, "backlog")
    return goal


def remove_goal(*, session: Session, goal: Goal) -> None:
    """Remove a goal with its actors and impacts; its initiatives serve what else they deliver."""
    affected = [i.id for i in _initiatives_of_goal(session, goal)]
    session.delete(goal)
    _resync_after_change(session, affected, dropped={goal.id})


def add_actor(*, session: Session, goal: Goal, data: ActorIn) -> Actor:
    """Add an actor under a goal; names are unique within a goal (any case)."""
    if any(a.name.casefold() == data.name.casefold() for a in goal.actors):
        raise ConflictError(f"goal {goal.title!r} already has an actor {data.name!r}")
    actor = Actor(name=data.name)
    goal.actors.append(actor)
    session.flush()
    versions.bump(session, "backlog")
    return actor


def remove_actor(*, session: Session, actor: Actor) -> None:
    """Remove an actor with its impacts and their deliverable links."""
    affected = [i.id for impact in actor.impacts for i in impact.deliverables]
    goal = actor.goal
    goal.actors.remove(actor)
    _resync_after_change(session, affected, dropped={goal.id})


def add_impact(*, session: Session, actor: Actor, data: ImpactIn) -> Impact:
    """Add an impact under an actor; descriptions are unique within an actor (any case)."""
    if any(i.description.casefold() == data.description.casefold() for i in actor.impacts):
        raise ConflictError(f"actor {actor.name!r} already has the impact {data.description!r}")
    impact = Impact(description=data.description)
    actor.impacts.append(impact)
    session.flush()
    versions.bump(session, "backlog")
    return impact


def remove_impact(*, session: Session, impact: Impact) -> None:
    """Remove an impact and its deliverable links."""
    affected = [i.id for i in impact.deliverables]
    goal_id = impact.actor.goal_id
    impact.actor.impacts.remove(impact)
    _resync_after_change(session, affected, dropped={goal_id})


def link_deliverable(*, session: Session, impact: Impact, title: str) -> Initiative:
    """Make an initiative a deliverable of an impact: it now serves the impact's goal."""
    initiative = get_initiative_by_ref_or_raise(session=session, ref=title)
    if initiative not in impact.deliverables:
        impact.deliverables.append(initiative)
    initiative.goal_id = impact.actor.goal_id
    session.flush()
    versions.bump(session, "backlog")
    return initiative


def unlink_deliverable(*, session: Session, impact: Impact, title: str) -> Initiative:
    """Take an initiative off an impact; it keeps serving the goals of its other impacts."""
    initiative = get_initiative_by_ref_or_raise(session=session, ref=title)
    if initiative not in impact.deliverables:
        raise NotFoundError(
            f"{initiative.title!r} is not a deliverable of the impact {impact.description!r}"
        )
    impact.deliverables.remove(initiative)
    _resync_after_change(session, [initiative.id], dropped={impact.actor.goal_id})
    return initiative


def _initiatives_of_goal(session: Session, goal: Goal) -> list[Initiative]:
    named = session.scalars(select(Initiative).where(Initiative.goal_id == goal.id))
    found = {i.id: i for i in named}
    for actor in goal.actors:
        for impact in actor.impacts:
            found.update({i.id: i for i in impact.deliverables})
    return list(found.values())


def _resync_after_change(
    session: Session, initiative_ids: Iterable[int], *, dropped: Collection[int]
) -> None:
    session.flush()
    session.expire_all()
    for initiative_id in set(initiative_ids):
        initiative = session.get(Initiative, initiative_id)
        if initiative is not None:
            resync_goal(initiative, dropped=dropped)
    session.flush()
    versions.bump(session, "backlog")


def resync_goal(initiative: Initiative, *, dropped: Collection[int] = ()) -> None:
    """Keep `goal_id` on a goal the initiative still serves.

    A goal named directly stays unless it is among `dropped` (the initiative's last link to it
    went); then, or when it names none, the highest-priority goal of its impacts, or none.
    """
    through = {impact.actor.goal.id: impact.actor.goal for impact in initiative.impacts}
    if initiative.goal_id is not None and (
        initiative.goal_id in through or initiative.goal_id not in dropped
    ):
        return
    best = min(through.values(), key=lambda g: (g.priority, g.title.casefold()), default=None)
    initiative.goal_id = best.id if best else None
