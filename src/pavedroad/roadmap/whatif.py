"""What-if, pure: force one initiative into Now or Next and say exactly what it pushes out.

This is the answer a platform lead gives a VP who demands a pet project: which initiatives
leave Now or Next, their RICE, the developers who wait for them, and the goals whose
deliverables slip. It compares two plans of the same backlog, with and without the forced
lane, so nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pavedroad.roadmap.planner import (
    LANES,
    PLANNED_LANES,
    Budget,
    Candidate,
    Plan,
    plan_lanes,
    with_lane,
)


@dataclass(frozen=True)
class GoalRef:
    """A goal of the impact map, as the what-if reports it."""

    title: str
    kpi_id: str
    target: float
    due: date
    priority: int


@dataclass(frozen=True)
class Displaced:
    """An initiative that leaves Now or Next because of the added work.

    `by_hand` marks one whose lane was set by hand: the planner keeps it where it is, so the
    what-if names it as the work that would have to move to make room (lowest RICE first)."""

    title: str
    rice: float
    reach: float
    from_lane: str
    to_lane: str
    to_quarter: str | None
    goals: tuple[str, ...]
    by_hand: bool = False


@dataclass(frozen=True)
class GoalAtRisk:
    """A goal whose deliverables slip, with the ones that do."""

    goal: GoalRef
    slipping: tuple[Displaced, ...]


@dataclass(frozen=True)
class WhatIf:
    """The answer: the added initiative, what it displaces, and what that costs."""

    added: Candidate
    lane: str
    baseline: Plan
    scenario: Plan
    displaced: tuple[Displaced, ...]
    goals_at_risk: tuple[GoalAtRisk, ...]

    @property
    def reach_waiting(self) -> float:
        """Developers per quarter whose initiatives now wait."""
        return sum(d.reach for d in self.displaced)

    @property
    def was_lane(self) -> str | None:
        """Where the plan had the added initiative before (None when it is new)."""
        return self.baseline.lane_of(self.added.title)

    @property
    def over_budget(self) -> float:
        """Person-months by which the forced lane's budget is exceeded even after displacing."""
        return sum(
            u.over
            for u in self.scenario.use
            if u.lane == self.lane and u.category == self.added.category
        )


def what_if(
    candidates: Sequence[Candidate],
    added: Candidate,
    *,
    lane: str = "now",
    now: Budget,
    next: Budget,
    goals: Sequence[GoalRef] = (),
) -> WhatIf:
    """Plan with `added` forced into `lane` (now or next) and compare with the plan without it.

    `added` may be one of `candidates` (matched by title, case-insensitive) or a new one.
    """
    if lane not in PLANNED_LANES:
        raise ValueError(f"lane {lane!r}: a what-if forces work into now or next")
    key = added.title.casefold()
    forced = with_lane(added, lane)
    others = [c for c in candidates if c.title.casefold() != key]
    baseline = plan_lanes(candidates, now=now, next=next)
    scenario = plan_lanes([*others, forced], now=now, next=next)
    by_title = {c.title: c for c in others}
    displaced: list[Displaced] = []
    for before in baseline.placements:
        if before.title.casefold() == key or before.lane not in PLANNED_LANES:
            continue
        after = scenario.placement(before.title)
        if after is None or LANES.index(after.lane) <= LANES.index(before.lane):
            continue
        candidate = by_title[before.title]
        displaced.append(
            Displaced(
                title=candidate.title,
                rice=candidate.rice,
                reach=candidate.reach,
                from_lane=before.lane,
                to_lane=after.lane,
                to_quarter=after.quarter,
                goals=candidate.goals,
            )
        )
    displaced += _to_make_room(scenario, others, forced, lane, displaced)
    at_risk = []
    for goal in sorted(goals, key=lambda g: (g.priority, g.title.casefold())):
        slipping = tuple(d for d in displaced if goal.title in d.goals)
        if slipping:
            at_risk.append(GoalAtRisk(goal=goal, slipping=slipping))
    return WhatIf(
        added=forced,
        lane=lane,
        baseline=baseline,
        scenario=scenario,
        displaced=tuple(displaced),
        goals_at_risk=tuple(at_risk),
    )


def _to_make_room(
    scenario: Plan,
    others: Sequence[Candidate],
    forced: Candidate,
    lane: str,
    already: Sequence[Displaced],
) -> list[Displaced]:
    """When the forced lane is still over its budget (its other work was placed by hand, so
    the planner kept it), the committed initiatives of the same category in that lane that
    would have to move to make room: lowest RICE first, until the excess is covered."""
    over = sum(u.over for u in scenario.use if u.lane == lane and u.category == forced.category)
    if over <= 0:
        return []
    gone = {d.title.casefold() for d in already}
    held = sorted(
        (
            c
            for c in others
            if c.category == forced.category
            and c.title.casefold() not in gone
            and scenario.lane_of(c.title) == lane
        ),
        key=lambda c: (c.rice, c.title.casefold()),
    )
    to_lane = "next" if lane == "now" else "later"
    moved: list[Displaced] = []
    for candidate in held:
        if over <= 0:
            break
        moved.append(
            Displaced(
                title=candidate.title,
                rice=candidate.rice,
                reach=candidate.reach,
                from_lane=lane,
                to_lane=to_lane,
                to_quarter=None,
                goals=candidate.goals,
                by_hand=candidate.locked,
            )
        )
        over -= candidate.effort
    return moved
