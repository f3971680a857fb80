"""Validated shapes of backlog records, shared by the CLI, the API, the pages and the import.

Inputs accept what people type (`80%`, `high`, `In progress`) and refuse what is off the
practice's scales with the allowed values in the message. Outputs always carry a RICE score
with its rank among the rest of the backlog.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from pavedroad.backlog import rice
from pavedroad.catalog.schemas import SLUG_PATTERN
from pavedroad.errors import InvalidInputError
from pavedroad.inputs import StoredInput
from pavedroad.metrics.definitions import KPI_IDS
from pavedroad.parsing import parse_timestamp

# The backlog's vocabulary, defined here once: the roadmap planner, the CLI's choices and the
# pages' selects are derived from these (each tuple lists its Literal's values in order).
Status = Literal["idea", "planned", "in_progress", "done", "killed"]
STATUSES: tuple[Status, ...] = get_args(Status)
# Only these are ranked against each other and planned; done and killed work is listed only.
ACTIVE_STATUSES: frozenset[Status] = frozenset({"idea", "planned", "in_progress"})
Category = Literal["roadmap", "platform", "unplanned"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
Lane = Literal["now", "next", "later", "exploring"]
LANES: tuple[Lane, ...] = get_args(Lane)
# The lanes with a quarter and a budget; work can be forced into these.
PlannedLane = Literal["now", "next"]
PLANNED_LANES: tuple[PlannedLane, ...] = get_args(PlannedLane)
CriterionKind = Literal["success", "kill"]
Comparator = Literal["<", "<=", ">", ">="]
DecisionWord = Literal["kill", "continue"]
DECISIONS: tuple[DecisionWord, ...] = get_args(DecisionWord)
CriterionState = Literal["met", "missed", "on_track", "at_risk", "triggered", "cleared", "no_data"]
ReachSource = Literal["typed", "teams"]
CANVAS_TEXT_FIELDS: tuple[str, ...] = (
    "users",
    "alternatives",
    "unfair_advantage",
    "channels",
    "cost_structure",
)
CANVAS_FIELDS: tuple[str, ...] = (
    "users",
    "problems",
    "alternatives",
    "key_metrics",
    "unfair_advantage",
    "channels",
    "cost_structure",
)
MAX_LINKS = 1000
# Days a criterion may be due or judged on; windows reach 30 days back from them.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)


def _word(value: object) -> object:
    """`In progress`, `in-progress` and `IN_PROGRESS` all read as `in_progress`."""
    if isinstance(value, str):
        return "_".join(value.strip().lower().replace("-", " ").split())
    return value


def _empty_is_none(parse: Callable[[object], Any]) -> Callable[[object], Any]:
    def read(value: object) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return parse(value)

    return read


def _optional_text(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _instant(value: object) -> object:
    """A day or ISO 8601 instant; one without an offset is UTC."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            return parse_timestamp(value)
        except InvalidInputError as exc:
            raise ValueError(exc.problems[0].reason) from None
    return value


def _single_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("must fit on one line")
    return value


def _slug(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _kpi_id(value: object) -> object:
    if isinstance(value, str):
        value = value.strip().lower()
        if value not in KPI_IDS:
            raise ValueError(f"unknown KPI {value!r}; known: {', '.join(KPI_IDS)}")
    return value


Title = Annotated[str, Field(min_length=1, max_length=300)]
LongText = Annotated[str, Field(max_length=20_000)]
Slug = Annotated[str, BeforeValidator(_slug), Field(pattern=SLUG_PATTERN)]
Impact = Annotated[float, BeforeValidator(rice.parse_impact)]
Confidence = Annotated[float, BeforeValidator(rice.parse_confidence)]
# Bounds keep every score finite: no organisation has ten million developers, and an effort
# under 0.01 person-months (about an hour and a half) is not a project.
Effort = Annotated[float, BeforeValidator(rice.parse_effort), Field(ge=0.01, le=100_000)]
OptionalReach = Annotated[
    Annotated[float, Field(le=10_000_000)] | None,
    BeforeValidator(_empty_is_none(rice.parse_reach)),
]
StatusIn = Annotated[Status, BeforeValidator(_word)]
CategoryIn = Annotated[Category, BeforeValidator(_word)]
LaneIn = Annotated[Lane | None, BeforeValidator(_empty_is_none(_word))]
Priority = Annotated[
    Annotated[int, Field(ge=1, le=1_000_000)] | None, BeforeValidator(_optional_text)
]
GoalRef = Annotated[Title | None, BeforeValidator(_optional_text)]
Instant = Annotated[datetime | None, BeforeValidator(_instant)]
KpiId = Annotated[str, BeforeValidator(_kpi_id)]


class BacklogInput(StoredInput):
    """Base of backlog inputs (the impact map's too): text is stripped, no unknown field."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    @field_validator("title", "goal", check_fields=False)
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return None if value is None else _single_line(value)


class ProblemIn(BacklogInput):
    """A developer problem in their words, with the teams (slugs) and personas (names) it hurts."""

    title: Title
    description: LongText = ""
    teams: Annotated[list[Slug], Field(max_length=MAX_LINKS)] = []
    personas: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=MAX_LINKS)
    ] = []


class ProblemUpdate(BacklogInput):
    """Fields to change on a problem; fields left out stay as they are."""

    title: Title | None = None
    description: LongText | None = None
    teams: Annotated[list[Slug], Field(max_length=MAX_LINKS)] | None = None
    personas: (
        Annotated[
            list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=MAX_LINKS)
        ]
        | None
    ) = None


class InitiativeIn(BacklogInput):
    """An initiative with RICE inputs on the practice's scales.

    `reach` is developers per quarter; left empty, it is the headcount of `teams`.
    `goal` names a goal of the impact map; `lane` given here counts as set by hand.
    """

    title: Title
    description: LongText = ""
    owner: Annotated[str, Field(max_length=200)] = ""
    status: StatusIn = "idea"
    category: CategoryIn = "roadmap"
    reach: OptionalReach = None
    impact: Impact
    confidence: Confidence
    effort: Effort
    teams: Annotated[list[Slug], Field(max_length=MAX_LINKS)] = []
    problems: Annotated[list[Title], Field(max_length=MAX_LINKS)] = []
    goal: GoalRef = None
    lane: LaneIn = None
    priority: Priority = None
    done_at: Instant = None


class InitiativeUpdate(BacklogInput):
    """Fields to change on an initiative; fields left out stay as they are.

    `reach: null` derives reach from the teams; `lane: null` takes it off the roadmap.
    """

    title: Title | None = None
    description: LongText | None = None
    owner: Annotated[str, Field(max_length=200)] | None = None
    status: StatusIn | None = None
    category: CategoryIn | None = None
    reach: OptionalReach = None
    impact: Impact | None = None
    confidence: Confidence | None = None
    effort: Effort | None = None
    teams: Annotated[list[Slug], Field(max_length=MAX_LINKS)] | None = None
    problems: Annotated[list[Title], Field(max_length=MAX_LINKS)] | None = None
    goal: GoalRef = None
    lane: LaneIn = None
    priority: Priority = None
    done_at: Instant = None


class CriterionIn(BacklogInput):
    """A success or kill criterion: a KPI, a comparison with a threshold in its unit, a date."""

    kind: Annotated[CriterionKind, BeforeValidator(_word)] = "success"
    kpi_id: KpiId
    comparator: Comparator
    threshold: float
    due: date

    @field_validator("threshold")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @field_validator("due")
    @classmethod
    def _plausible(cls, value: date) -> date:
        if not FIRST_DAY <= value <= LAST_DAY:
            raise ValueError(f"must be between {FIRST_DAY} and {LAST_DAY}")
        return value


class DecisionIn(BacklogInput):
    """A kill-or-continue decision with the reason people will read later."""

    decision: Annotated[DecisionWord, BeforeValidator(_word)]
    reason: Annotated[str, Field(min_length=1, max_length=5000)]
    decided_by: Annotated[str, Field(max_length=320)] = ""


class CanvasUpdate(BacklogInput):
    """Blocks of the canvas to change; `key_metrics` are KPI ids, `problems` problem titles."""

    users: LongText | None = None
    problems: Annotated[list[Title], Field(max_length=MAX_LINKS)] | None = None
    alternatives: LongText | None = None
    key_metrics: Annotated[list[KpiId], Field(max_length=len(KPI_IDS))] | None = None
    unfair_advantage: LongText | None = None
    channels: LongText | None = None
    cost_structure: LongText | None = None


class ValidationIn(BacklogInput):
    """One entry of the canvas's validation log."""

    shared_with: Annotated[str, Field(min_length=1, max_length=500)]
    said: Annotated[str, Field(min_length=1, max_length=5000)]
    on: date | None = None


# ---- outputs -------------------------------------------------------------------------------


class InitiativeRef(BaseModel):
    """An initiative named where another record links to it."""

    id: int
    title: str
    status: str
    rice: float
    rank: int | None


class CriterionOut(BaseModel):
    """A criterion with its evaluation against the live KPI."""

    id: int
    kind: CriterionKind
    kpi_id: str
    kpi_name: str
    unit: str
    comparator: str
    threshold: float
    due: date
    text: str
    state: CriterionState
    value: float | None
    value_text: str
    judged_on: date | None
    final: bool
    set_after_start: bool
    answered_on: date | None = None


class DecisionOut(BaseModel):
    """A recorded kill-or-continue decision."""

    id: int
    decision: str
    reason: str
    decided_by: str
    decided_at: datetime


class RankedInitiative(BaseModel):
    """An initiative with its resolved reach, RICE score, rank among the active backlog and flags.

    `rice` is rounded to two decimals; `rank` is 1 for the highest RICE among initiatives that
    are not done or killed (ties share a rank) and null for done and killed ones.
    """

    id: int
    title: str
    description: str
    owner: str
    status: Status
    category: Category
    reach: float
    reach_source: ReachSource
    impact: float
    confidence: float
    effort: float
    rice: float
    rank: int | None
    ranked_of: int
    lane: str | None
    lane_locked: bool
    quarter: str | None
    priority: int | None
    goal: str | None
    goals: list[str]
    teams: list[str]
    problems: list[str]
    flags: list[str]
    created_at: datetime
    started_at: datetime | None
    done_at: datetime | None


class InitiativeDetail(RankedInitiative):
    """An initiative with its criteria, their evaluation, and the decisions taken on it."""

    problem_refs: list[ProblemRef]
    criteria: list[CriterionOut]
    decisions: list[DecisionOut]
    kill_reasons: list[str]
    # RICE in context: how many are ranked, where this one stands, and the top score.
    of: int
    percentile: float | None
    top_rice: float
    rice_context: str


class InitiativeCriteria(BaseModel):
    """An initiative's criteria as judged, and whether they propose killing it."""

    id: int
    title: str
    status: str
    kill_proposed: bool
    criteria: list[CriterionOut]


class ProblemRef(BaseModel):
    """A problem named where another record links to it."""

    id: int
    title: str


class ProblemOut(BaseModel):
    """A problem with who it hurts and the initiatives that address it."""

    id: int
    title: str
    description: str
    teams: list[str]
    personas: list[str]
    initiatives: list[InitiativeRef]
    created_at: datetime


class Disagreement(BaseModel):
    """One initiative whose place in the team's order differs from its place by RICE."""

    id: int | None = None
    title: str
    priority: int
    team_rank: int
    rice_rank: int
    rice: float
    gap: int


class DisagreementReport(BaseModel):
    """The team's own order against the RICE order, over active initiatives with a priority.

    `team_favours` are ranked higher by the team than by RICE, `rice_favours` the reverse;
    `agreement` is Spearman's rank correlation (1 = same order), null below two initiatives.
    """

    compared: int
    agreement: float | None
    team_favours: list[Disagreement]
    rice_favours: list[Disagreement]
    without_priority: list[str]


class PairSensitivity(BaseModel):
    """How far one of two neighbours in the RICE order would have to move to swap them.

    Efforts are breakeven points: the upper one drops below the lower above
    `upper_effort_above` person-months, the lower one overtakes below `lower_effort_below`.
    Confidences are the nearest steps of the 100/80/50% scale that swap the pair, or null.
    """

    upper: str
    upper_rice: float
    lower: str
    lower_rice: float
    tied: bool
    upper_effort: float
    upper_effort_above: float | None
    lower_effort: float
    lower_effort_below: float | None
    upper_confidence: float
    upper_confidence_to: float | None
    lower_confidence: float
    lower_confidence_to: float | None
    effort_margin: float | None
    fragile: bool


class KpiRef(BaseModel):
    """A KPI named on the canvas."""

    id: str
    name: str


class ValidationOut(BaseModel):
    """One entry of the canvas's validation log."""

    id: int
    on: date
    shared_with: str
    said: str


class CanvasOut(BaseModel):
    """The platform product canvas with its validation log."""

    name: str
    users: str
    problems: list[ProblemRef]
    alternatives: str
    key_metrics: list[KpiRef]
    unfair_advantage: str
    channels: str
    cost_structure: str
    updated_at: datetime | None
    validations: list[ValidationOut]


class ImportCounts(BaseModel):
    """What an initiatives import wrote."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


InitiativeDetail.model_rebuild()
