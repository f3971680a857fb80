"""The impact map file written: checked goal specs made so in the store, idempotently."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad import versions
from pavedroad.backlog.impact_map import list_goals, resync_goal
from pavedroad.backlog.map_read import ActorSpec, GoalSpec, ImpactSpec
from pavedroad.backlog.models import Actor, Goal, Impact, Initiative


@dataclass
class MapImportReport:
    """What an import changed, by level; `unchanged` counts goals left exactly as they were."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {
            level: {"created": 0, "updated": 0, "removed": 0, "unchanged": 0}
            for level in ("goals", "actors", "impacts", "deliverables")
        }
    )

    def add(self, level: str, outcome: str, n: int = 1) -> None:
        self.counts[level][outcome] += n

    @property
    def changed(self) -> bool:
        """Whether the import changed anything at all."""
        return any(c[o] for c in self.counts.values() for o in ("created", "updated", "removed"))


def apply_map(
    *, session: Session, specs: Sequence[GoalSpec], prune: bool = False
) -> MapImportReport:
    """Make each goal of `specs` exactly as written (actors, impacts, deliverables); goals the
    file does not name are kept, or removed with `prune`. Re-applying changes nothing."""
    report = MapImportReport()
    goals = {g.title.casefold(): g for g in list_goals(session=session)}
    before = _links(goals.values())
    for spec in specs:
        goal = goals.get(spec.goal.title.casefold())
        values = spec.goal.model_dump()
        if goal is None:
            goal = Goal(**values)
            session.add(goal)
            report.add("goals", "created")
        elif _assign(goal, values):
            report.add("goals", "updated")
        else:
            report.add("goals", "unchanged")
        _apply_actors(goal, spec.actors, session, report)
        session.flush()
    if prune:
        named = {s.goal.title.casefold() for s in specs}
        for key, goal in goals.items():
            if key not in named:
                report.add("goals", "removed")
                _count_removed(report, goal.actors)
                session.delete(goal)
    session.flush()
    session.expire_all()
    goal_rows = {g.id: g for g in list_goals(session=session)}
    after = _links(goal_rows.values())
    for initiative_id in {i for i, _ in before | after}:
        initiative = session.get(Initiative, initiative_id)
        if initiative is None:
            continue
        old = {g for i, g in before if i == initiative_id}
        new = {g for i, g in after if i == initiative_id}
        gained = [goal_rows[g] for g in new - old]
        if gained:
            # As when linking by hand: a new deliverable serves the goal it was linked under.
            initiative.goal_id = min(gained, key=lambda g: (g.priority, g.title.casefold())).id
        else:
            resync_goal(initiative, dropped=old - new)
    session.flush()
    versions.bump(session, "backlog")
    return report


def _links(goals: Iterable[Goal]) -> set[tuple[int, int]]:
    return {
        (initiative.id, goal.id)
        for goal in goals
        for actor in goal.actors
        for impact in actor.impacts
        for initiative in impact.deliverables
    }


def _assign(row: Any, values: Mapping[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _count_removed(report: MapImportReport, actors: Sequence[Actor]) -> None:
    """Count what goes with removed actors: their impacts and deliverable links."""
    for actor in actors:
        report.add("actors", "removed")
        report.add("impacts", "removed", len(actor.impacts))
        report.add("deliverables", "removed", sum(len(i.deliverables) for i in actor.impacts))


def _apply_actors(
    goal: Goal, specs: Sequence[ActorSpec], session: Session, report: MapImportReport
) -> None:
    existing = {a.name.casefold(): a for a in goal.actors}
    wanted = {s.name.casefold() for s in specs}
    for actor in list(goal.actors):
        if actor.name.casefold() not in wanted:
            _count_removed(report, [actor])
            goal.actors.remove(actor)
    for spec in specs:
        found = existing.get(spec.name.casefold())
        if found is None:
            actor = Actor(name=spec.name)
            goal.actors.append(actor)
            report.add("actors", "created")
        else:
            actor = found
            report.add("actors", "updated" if _assign(actor, {"name": spec.name}) else "unchanged")
        _apply_impacts(actor, spec.impacts, session, report)


def _apply_impacts(
    actor: Actor, specs: Sequence[ImpactSpec], session: Session, report: MapImportReport
) -> None:
    existing = {i.description.casefold(): i for i in actor.impacts}
    wanted = {s.description.casefold() for s in specs}
    for impact in list(actor.impacts):
        if impact.description.casefold() not in wanted:
            report.add("impacts", "removed")
            report.add("deliverables", "removed", len(impact.deliverables))
            actor.impacts.remove(impact)
    for spec in specs:
        found = existing.get(spec.description.casefold())
        if found is None:
            impact = Impact(description=spec.description)
            actor.impacts.append(impact)
            report.add("impacts", "created")
        else:
            impact = found
            changed = _assign(impact, {"description": spec.description})
            report.add("impacts", "updated" if changed else "unchanged")
        titles = [t.casefold() for t in spec.deliverables]
        current = {i.title.casefold(): i for i in impact.deliverables}
        for initiative in list(impact.deliverables):
            if initiative.title.casefold() not in titles:
                impact.deliverables.remove(initiative)
                report.add("deliverables", "removed")
        for title in spec.deliverables:
            if title.casefold() in current:
                report.add("deliverables", "unchanged")
                continue
            linked = session.scalar(select(Initiative).where(Initiative.title == title))
            assert linked is not None  # read_map checked every title
            impact.deliverables.append(linked)
            report.add("deliverables", "created")
