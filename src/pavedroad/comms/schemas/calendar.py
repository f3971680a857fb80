"""Marketing-calendar shapes: demo days, office hours, blog posts and announcements."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from pavedroad.inputs import StoredInput

EventKind = Literal["demo_day", "office_hours", "blog_post", "announcement"]
EVENT_KINDS: tuple[EventKind, ...] = ("demo_day", "office_hours", "blog_post", "announcement")
TITLE_LIMIT = 300
LOCATION_LIMIT = 500
NOTES_LIMIT = 20_000
AUDIENCE_LIMIT = 100
DURATION_LIMIT = 7 * 24 * 60  # minutes: a week at most
# Events lie in this span so every interface can show and export them.
FIRST_YEAR = 1970
LAST_YEAR = 9000


def as_utc(value: datetime) -> datetime:
    """A time given without an offset is UTC; one with an offset is converted to UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _starts(value: datetime) -> datetime:
    moment = as_utc(value)
    if not FIRST_YEAR <= moment.year < LAST_YEAR:
        raise ValueError(f"expected a time between {FIRST_YEAR} and {LAST_YEAR}")
    return moment


def _audience(value: list[str]) -> list[str]:
    names: list[str] = []
    for name in value:
        clean = name.strip()
        if not clean:
            continue
        if len(clean) > 200:
            raise ValueError("a team slug or persona name is at most 200 characters")
        if clean not in names:
            names.append(clean)
    return names


def _single_line(value: str) -> str:
    return " ".join(value.split())


class MarketingEventIn(StoredInput):
    """A new event; `starts_at` without an offset is UTC, audience holds team slugs or personas."""

    kind: EventKind
    title: str = Field(min_length=1, max_length=TITLE_LIMIT)
    starts_at: datetime
    duration_min: int = Field(default=60, ge=0, le=DURATION_LIMIT)
    audience: list[str] = Field(default_factory=list, max_length=AUDIENCE_LIMIT)
    attendance: int | None = Field(default=None, ge=0, le=10_000_000)
    location: str = Field(default="", max_length=LOCATION_LIMIT, description="A room or URL")
    notes: str = Field(default="", max_length=NOTES_LIMIT)
    launch_id: int | None = Field(default=None, ge=1, le=2**31 - 1)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return _single_line(value)

    @field_validator("location")
    @classmethod
    def _location(cls, value: str) -> str:
        return _single_line(value)

    @field_validator("starts_at")
    @classmethod
    def _starts_at(cls, value: datetime) -> datetime:
        return _starts(value)

    @field_validator("audience")
    @classmethod
    def _audience_names(cls, value: list[str]) -> list[str]:
        return _audience(value)


class MarketingEventUpdate(StoredInput):
    """A change to an event: the fields given replace the stored ones.

    `attendance` and `launch_id` are cleared with `clear_attendance` / `clear_launch`."""

    kind: EventKind | None = None
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_LIMIT)
    starts_at: datetime | None = None
    duration_min: int | None = Field(default=None, ge=0, le=DURATION_LIMIT)
    audience: list[str] | None = Field(default=None, max_length=AUDIENCE_LIMIT)
    attendance: int | None = Field(default=None, ge=0, le=10_000_000)
    location: str | None = Field(default=None, max_length=LOCATION_LIMIT)
    notes: str | None = Field(default=None, max_length=NOTES_LIMIT)
    launch_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    clear_attendance: bool = False
    clear_launch: bool = False

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise ValueError("must not be blank")
        return _single_line(value)

    @field_validator("location")
    @classmethod
    def _location(cls, value: str | None) -> str | None:
        return None if value is None else _single_line(value)

    @field_validator("starts_at")
    @classmethod
    def _starts_at(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _starts(value)

    @field_validator("audience")
    @classmethod
    def _audience_names(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _audience(value)


class MarketingEventOut(BaseModel):
    """A stored event; times are UTC, `ends_at` = `starts_at` + `duration_min`."""

    id: int
    kind: EventKind
    title: str
    starts_at: datetime
    ends_at: datetime
    duration_min: int
    audience: list[str]
    attendance: int | None
    location: str
    notes: str
    launch_id: int | None
    launch_feature: str | None


class CalendarOut(BaseModel):
    """`pavedroad calendar list --json` and `GET /api/v1/calendar`: events by start time."""

    start: date | None
    end: date | None
    events: list[MarketingEventOut]
