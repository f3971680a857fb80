"""Launch-plan shapes: `launch create|show --json` print `LaunchOut`."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from pavedroad.catalog.schemas import EMAIL_PATTERN
from pavedroad.inputs import StoredInput

Phase = Literal["pre_launch", "launch", "post_launch"]
CriterionStatus = Literal["met", "on_track", "at_risk", "missed", "no_data"]


class LaunchItemOut(BaseModel):
    """One checklist item; `overdue` when it is not done and its due day has passed."""

    id: int
    phase: Phase
    title: str
    due: date
    owner: str | None
    done: bool
    overdue: bool


class LaunchCriterionOut(BaseModel):
    """A success criterion judged on live data; `target` reads like `>= 10 teams`."""

    id: int
    kind: str
    target: str
    value: float | None
    status: CriterionStatus


class LaunchOut(BaseModel):
    """A launch plan with its items in due order and its criteria."""

    id: int
    feature: str
    capability: str | None
    launch_date: date
    owner: str | None
    items: list[LaunchItemOut]
    criteria: list[LaunchCriterionOut]


CriterionKind = Literal["adopted_teams", "satisfaction", "tickets_per_week"]
CRITERION_KINDS: tuple[CriterionKind, ...] = ("adopted_teams", "satisfaction", "tickets_per_week")
# The practice's success criteria when a plan is created without its own thresholds.
DEFAULT_ADOPTED_TEAMS = 5
DEFAULT_SATISFACTION = 4.0
DEFAULT_TICKETS_PER_WEEK = 5.0
FEATURE_LIMIT = 200
OWNER_LIMIT = 320


FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(8999, 12, 31)


def _day(value: date) -> date:
    """Plans lie in a span where every due day and window can be computed and shown."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"expected a day between {FIRST_DAY} and {LAST_DAY}")
    return value


def _owner(value: str | None) -> str | None:
    """An owner is an email address, kept lower-cased; blank means nobody."""
    if value is None or not value.strip():
        return None
    email = value.strip().lower()
    if len(email) > OWNER_LIMIT or not EMAIL_PATTERN.match(email):
        raise ValueError("expected an email address such as ana@example.com")
    return email


class LaunchIn(StoredInput):
    """A new launch plan; the practice's checklist and default criteria are made from it."""

    feature: str = Field(min_length=1, max_length=FEATURE_LIMIT, description="What launches")
    launch_date: date
    capability: str | None = Field(
        default=None, max_length=200, description="The catalog capability it launches"
    )
    owner: str | None = Field(
        default=None, description="Email of the plan's owner; items default to them"
    )
    adopted_teams: int | None = Field(
        default=DEFAULT_ADOPTED_TEAMS, ge=0, le=100_000, description="Teams within 30 days (>=)"
    )
    satisfaction: float | None = Field(
        default=DEFAULT_SATISFACTION, ge=1, le=5, description="Survey satisfaction 1-5 (>=)"
    )
    tickets_per_week: float | None = Field(
        default=DEFAULT_TICKETS_PER_WEEK, ge=0, le=1_000_000, description="Tickets a week (<=)"
    )

    @field_validator("feature")
    @classmethod
    def _feature(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return " ".join(value.split())

    @field_validator("launch_date")
    @classmethod
    def _launch_date(cls, value: date) -> date:
        return _day(value)

    @field_validator("capability")
    @classmethod
    def _capability(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("owner")
    @classmethod
    def _owner_email(cls, value: str | None) -> str | None:
        return _owner(value)


class LaunchItemUpdate(StoredInput):
    """A change to one checklist item: tick or untick, move, reassign (fields left out stay)."""

    done: bool | None = None
    due: date | None = None
    owner: str | None = Field(default=None, description="An email; an empty string clears it")

    @field_validator("due")
    @classmethod
    def _due(cls, value: date | None) -> date | None:
        return None if value is None else _day(value)

    @field_validator("owner")
    @classmethod
    def _owner_email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return _owner(value) or ""


class LaunchCriterionIn(StoredInput):
    """A success criterion: adopted_teams (>= teams), satisfaction (>= 1-5), tickets_per_week
    (<= tickets a week for the capability)."""

    kind: CriterionKind
    threshold: float = Field(ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _in_range(self) -> LaunchCriterionIn:
        if self.kind == "satisfaction" and not 1 <= self.threshold <= 5:
            raise ValueError("satisfaction is a 1-5 score; use a threshold from 1 to 5")
        if self.kind == "adopted_teams" and self.threshold != int(self.threshold):
            raise ValueError("adopted_teams counts teams; use a whole number")
        return self


class LaunchProgress(BaseModel):
    """How far a plan is: items done of all, and how many are overdue."""

    done: int
    total: int
    overdue: int


class LaunchSummary(BaseModel):
    """One plan in `launch list`: its progress and its criteria's statuses."""

    id: int
    feature: str
    capability: str | None
    launch_date: date
    owner: str | None
    progress: LaunchProgress
    next_item: LaunchItemOut | None = Field(description="The first open item by due date")
    criteria: list[LaunchCriterionOut]


class LaunchList(BaseModel):
    """`pavedroad launch list --json` and `GET /api/v1/launches`."""

    launches: list[LaunchSummary]
