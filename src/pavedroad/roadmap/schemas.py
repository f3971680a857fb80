"""Shapes of the roadmap, the plan, the what-if and the capacity budget, for the API, CLI and pages."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pavedroad.backlog.schemas import Category, Lane, PlannedLane

ForcedLane = PlannedLane
Horizon = Literal["quarter", "half"]
PERIOD_PATTERN = re.compile(r"^(\d{4})-(Q[1-4]|H[12])$")
QUARTER_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")

LANE_LABELS: dict[str, tuple[str, str]] = {
    "now": ("Now", "committed"),
    "next": ("Next", "planned"),
    "later": ("Later", "direction"),
    "exploring": ("Exploring", "no commitment"),
}


def check_quarter(value: str) -> str:
    """A quarter label `2026-Q3` (any case), or a ValueError saying the form."""
    text = value.strip().upper()
    if not QUARTER_PATTERN.fullmatch(text):
        raise ValueError(f"quarter {value!r} must look like 2026-Q3")
    return text


def check_period(value: str) -> str:
    """A quarter `2026-Q3` or a half `2026-H2` (any case), or a ValueError saying the forms."""
    text = value.strip().upper()
    if not PERIOD_PATTERN.fullmatch(text):
        raise ValueError(f"quarter {value!r} must look like 2026-Q3 (or a half, 2026-H2)")
    return text


class LaneIn(BaseModel):
    """Put an initiative in a lane by hand (the planner then keeps it there)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=300)]
    lane: Lane
    quarter: str | None = None

    @field_validator("quarter")
    @classmethod
    def _quarter(cls, value: str | None) -> str | None:
        return check_period(value) if value else None


class TitleIn(BaseModel):
    """An initiative named by title."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=300)]


class RoadmapCard(BaseModel):
    """One initiative on the roadmap: RICE beside its rank, its goal, effort and category."""

    id: int
    title: str
    status: str
    category: str
    rice: float
    rank: int | None
    ranked_of: int
    effort: float
    reach: float
    goal: str | None
    goal_priority: int | None
    lane: str | None
    quarter: str | None
    locked: bool
    flags: list[str]
    # The backlog's kill criteria propose killing it (also in `flags`): the plan keeps it out
    # of Now and Next until someone decides.
    kill_proposed: bool = False


class CapacityUse(BaseModel):
    """Person-months a category uses in a lane's quarter against its budget there; `spent` is
    the part that initiatives already done in the quarter took."""

    category: str
    used: float
    available: float
    spent: float = 0.0


class LaneView(BaseModel):
    """A lane with its period header, its cards, and (Now, Next) the budget they use."""

    lane: str
    label: str
    meaning: str
    period: str
    quarter: str | None
    cards: list[RoadmapCard]
    use: list[CapacityUse]


class DisagreementOut(BaseModel):
    """A lane set by hand that the plan would not have chosen, and why."""

    title: str
    lane: str
    proposed: str
    reason: str


class RoadmapView(BaseModel):
    """The roadmap as stored, with where the plan disagrees with lanes set by hand."""

    as_of: date
    horizon: str
    now_quarter: str
    next_quarter: str
    lanes: list[LaneView]
    unplaced: list[RoadmapCard]
    done: list[RoadmapCard]
    disagreements: list[DisagreementOut]
    plan_differs: int
    warnings: list[str]


class PlacementOut(BaseModel):
    """Where the plan puts one initiative, where it is now, and why."""

    title: str
    rice: float
    rank: int | None
    goal: str | None
    effort: float
    category: str
    lane: str
    quarter: str | None
    current_lane: str | None
    locked: bool
    reason: str


class BudgetOut(BaseModel):
    quarter: str
    person_months: float
    planned: bool


class PlanOut(BaseModel):
    """The proposal of `pavedroad roadmap plan`, and whether it was applied."""

    as_of: date
    now: BudgetOut
    next: BudgetOut
    placements: list[PlacementOut]
    disagreements: list[DisagreementOut]
    use: dict[str, list[CapacityUse]]
    changes: int
    applied: bool
    warnings: list[str]


class SlippingOut(BaseModel):
    title: str
    to_lane: str
    to_quarter: str | None


class GoalAtRiskOut(BaseModel):
    """A goal of the impact map whose deliverables slip."""

    title: str
    kpi: str
    target: float
    target_text: str
    due: date
    priority: int
    slipping: list[SlippingOut]


class DisplacedOut(BaseModel):
    """An initiative that leaves Now or Next; `by_hand` when its lane was set by hand and it
    is named as work that would have to move to make room (lowest RICE first)."""

    title: str
    rice: float
    from_lane: str
    to_lane: str
    to_quarter: str | None
    reach: float
    goals: list[str]
    by_hand: bool = False


class WhatIfOut(BaseModel):
    """The what-if contract: `added`, `displaced`, `goals_at_risk`, plus the figures around them."""

    added: str
    lane: str
    hypothetical: bool
    was_lane: str | None
    rice: float
    effort: float
    category: str
    displaced: list[DisplacedOut]
    reach_waiting: float
    goals_at_risk: list[GoalAtRiskOut]
    over_budget: float
    quarter: str


class WhatIfIn(BaseModel):
    """A what-if question: an initiative of the backlog, or a new one with its inputs."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    add: Annotated[str, Field(min_length=1, max_length=300)]
    lane: ForcedLane = "now"
    effort: float | None = None
    reach: float | None = None
    impact: float | str | None = None
    confidence: float | str | None = None
    category: Category | None = None


class CapacityIn(BaseModel):
    """A quarter's capacity: person-months and the split (default 70/20/10)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    person_months: Annotated[float, Field(gt=0, le=100_000)]
    split: str = "70/20/10"

    @field_validator("person_months")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number of person-months")
        return value


class QuarterCapacityOut(BaseModel):
    """A quarter's plan against what it delivered, by category, in person-months and shares."""

    quarter: str
    person_months: float | None
    split: dict[str, float]
    split_text: str
    planned: dict[str, float | None]
    delivered: dict[str, float]
    delivered_total: float
    actual_shares: dict[str, float | None]
    tickets_resolved: int
    initiatives_done: list[str]
    warnings: list[str]
