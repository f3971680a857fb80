"""The roadmap planner, pure: which lane each active initiative belongs in, and why.

Now is the current quarter, Next the following one. Initiatives are taken in the order set
by the impact map (goal priority; initiatives serving no goal come after those that serve
one) and then by RICE, and each goes to the first of Now and Next whose budget for its
category (the quarter's person-months times the category's share) still has room for its
whole effort (first fit: a smaller initiative further down may still fit where a bigger
one did not). The rest go to Later. Ideas at 50% confidence go to Exploring: they need
validating before anyone commits to them. An initiative whose kill criteria propose killing it
is never moved forward: it stays in Later or Exploring, or leaves Now and Next for Later, until
someone decides to kill or continue it (a lane set by hand still stays). Work already done
in a quarter has spent part of its budget. Lanes set by hand (locked) are kept and consume their quarter's budget first;
the plan lists where it would have put them instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from pavedroad.backlog import schemas as vocabulary

# The backlog defines the words; the planner reads them as plain strings.
LANES: tuple[str, ...] = vocabulary.LANES
PLANNED_LANES: tuple[str, ...] = vocabulary.PLANNED_LANES
CATEGORIES: tuple[str, ...] = vocabulary.CATEGORIES
ACTIVE_STATUSES: frozenset[str] = vocabulary.ACTIVE_STATUSES

LOW_CONFIDENCE = 0.5
KILL_PROPOSED_REASON = (
    "its kill criteria propose killing it: decide kill or continue before committing more"
)
# Effort is compared with this slack so that 0.1 + 0.2 person-months fit in 0.3.
_SLACK = 1e-9


@dataclass(frozen=True)
class Budget:
    """A quarter's capacity in person-months and the share of it each category may use."""

    quarter: str
    person_months: float
    shares: Mapping[str, float]
    # False when nobody set a capacity plan for the quarter (then nothing fits in it).
    planned: bool = True
    # Person-months already spent by category: initiatives done in the quarter.
    spent: Mapping[str, float] = field(default_factory=dict)

    def available(self, category: str) -> float:
        """Person-months this category may use in the quarter."""
        return self.person_months * self.shares.get(category, 0.0)


@dataclass(frozen=True)
class Candidate:
    """An initiative as the planner sees it; `goal_priority` is None when it serves no goal."""

    title: str
    rice: float
    effort: float
    category: str
    status: str = "planned"
    confidence: float = 1.0
    goal_priority: int | None = None
    lane: str | None = None
    locked: bool = False
    quarter: str | None = None
    reach: float = 0.0
    goals: tuple[str, ...] = ()
    # Its kill criteria propose killing it: no more commitment until someone decides.
    kill_proposed: bool = False

    @property
    def exploratory(self) -> bool:
        """An idea nobody is confident about yet: it belongs in Exploring."""
        return self.status == "idea" and self.confidence <= LOW_CONFIDENCE + _SLACK


@dataclass(frozen=True)
class Placement:
    """Where the plan puts one initiative, for which quarter, and the reason in words."""

    title: str
    lane: str
    quarter: str | None
    locked: bool
    reason: str


@dataclass(frozen=True)
class Disagreement:
    """A lane set by hand that the plan would not have chosen."""

    title: str
    lane: str
    proposed: str
    reason: str


@dataclass(frozen=True)
class LaneUse:
    """Person-months one category uses in Now or Next against what its budget allows."""

    lane: str
    quarter: str
    category: str
    used: float
    available: float
    # The part of `used` that initiatives already done in the quarter spent.
    spent: float = 0.0

    @property
    def over(self) -> float:
        """How far the lane is over this category's budget (0 when within it)."""
        return max(0.0, self.used - self.available)


@dataclass(frozen=True)
class Plan:
    """Lanes for every active initiative, in planning order, with the budgets they used."""

    now: Budget
    next: Budget
    placements: tuple[Placement, ...]
    disagreements: tuple[Disagreement, ...] = ()
    use: tuple[LaneUse, ...] = field(default=())

    def lane_of(self, title: str) -> str | None:
        """The lane the plan gives an initiative, None when it is not planned (done, killed)."""
        found = self.placement(title)
        return found.lane if found else None

    def placement(self, title: str) -> Placement | None:
        """The placement of an initiative by title (case-insensitive)."""
        key = title.casefold()
        return next((p for p in self.placements if p.title.casefold() == key), None)

    def in_lane(self, lane: str) -> list[Placement]:
        """The placements of one lane, in planning order."""
        return [p for p in self.placements if p.lane == lane]


def planning_order(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Goal priority first (no goal last), then RICE, highest first; title breaks ties."""
    return sorted(
        candidates,
        key=lambda c: (
            c.goal_priority is None,
            c.goal_priority or 0,
            -c.rice,
            c.title.casefold(),
        ),
    )


def plan_lanes(candidates: Sequence[Candidate], *, now: Budget, next: Budget) -> Plan:
    """Propose a lane for every active initiative; locked lanes are kept and reported on."""
    active = [c for c in candidates if c.status in ACTIVE_STATUSES]
    placements, use = _fill(active, now, next, keep_locks=True)
    disagreements: list[Disagreement] = []
    locked = [c for c in active if c.locked and c.lane in LANES]
    if locked:
        free, _ = _fill(active, now, next, keep_locks=False)
        for candidate in locked:
            proposal = free[candidate.title]
            if proposal.lane != candidate.lane:
                disagreements.append(
                    Disagreement(
                        title=candidate.title,
                        lane=str(candidate.lane),
                        proposed=proposal.lane,
                        reason=proposal.reason,
                    )
                )
    ordered = [placements[c.title] for c in _locked_first(active)]
    return Plan(
        now=now,
        next=next,
        placements=tuple(ordered),
        disagreements=tuple(disagreements),
        use=tuple(use),
    )


def _locked_first(candidates: Sequence[Candidate]) -> list[Candidate]:
    ordered = planning_order(candidates)
    return [c for c in ordered if c.locked and c.lane in LANES] + [
        c for c in ordered if not (c.locked and c.lane in LANES)
    ]


def _fill(
    candidates: Sequence[Candidate], now: Budget, next_: Budget, *, keep_locks: bool
) -> tuple[dict[str, Placement], list[LaneUse]]:
    budgets = {"now": now, "next": next_}
    used = {
        (lane, category): budgets[lane].spent.get(category, 0.0)
        for lane in PLANNED_LANES
        for category in CATEGORIES
    }
    placements: dict[str, Placement] = {}

    def charge(lane: str, candidate: Candidate) -> None:
        key = (lane, candidate.category)
        used[key] = used.get(key, 0.0) + candidate.effort

    def room(lane: str, candidate: Candidate) -> bool:
        budget = budgets[lane]
        left = budget.available(candidate.category) - used.get((lane, candidate.category), 0.0)
        return candidate.effort <= left + _SLACK

    for candidate in candidates:
        if keep_locks and candidate.locked and candidate.lane in LANES:
            lane = str(candidate.lane)
            quarter = budgets[lane].quarter if lane in budgets else candidate.quarter
            if lane in budgets:
                charge(lane, candidate)
            placements[candidate.title] = Placement(
                candidate.title, lane, quarter, True, "set by hand"
            )
    for candidate in planning_order(candidates):
        if candidate.title in placements:
            continue
        category = candidate.category
        if candidate.kill_proposed:
            lane = candidate.lane if candidate.lane in ("later", "exploring") else "later"
            placement = Placement(
                candidate.title,
                str(lane),
                None,
                False,
                KILL_PROPOSED_REASON,
            )
        elif candidate.exploratory:
            placement = Placement(
                candidate.title,
                "exploring",
                None,
                False,
                "an idea at 50% confidence: validate it before committing to it",
            )
        elif room("now", candidate):
            charge("now", candidate)
            placement = Placement(
                candidate.title,
                "now",
                now.quarter,
                False,
                f"fits {now.quarter}'s {category} budget",
            )
        elif room("next", candidate):
            charge("next", candidate)
            placement = Placement(
                candidate.title,
                "next",
                next_.quarter,
                False,
                f"{now.quarter}'s {category} budget has no room for {_pm(candidate.effort)}; "
                f"fits {next_.quarter}",
            )
        else:
            placement = Placement(
                candidate.title,
                "later",
                None,
                False,
                f"neither {now.quarter} nor {next_.quarter} has room for "
                f"{_pm(candidate.effort)} of {category} work",
            )
        placements[candidate.title] = placement
    use = [
        LaneUse(
            lane=lane,
            quarter=budgets[lane].quarter,
            category=category,
            used=used[(lane, category)],
            available=budgets[lane].available(category),
            spent=budgets[lane].spent.get(category, 0.0),
        )
        for lane in PLANNED_LANES
        for category in CATEGORIES
    ]
    return placements, use


def with_lane(candidate: Candidate, lane: str) -> Candidate:
    """The same initiative forced into a lane, as if set by hand."""
    return replace(candidate, lane=lane, locked=True)


def _pm(effort: float) -> str:
    return f"{effort:g} person-month{'' if effort == 1 else 's'}"
