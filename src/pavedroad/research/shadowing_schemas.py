"""Shapes of developer shadowing: a session in, a session out, an import's report, progress."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from pavedroad.inputs import StoredInput

# Bounds that keep one session a few pages of notes, whichever door it comes through.
MAX_TIME_LOG_CHARS = 200_000
MAX_FREE_TEXT = 2_000
MAX_LIST_ITEMS = 200

FreeText = Annotated[str, Field(max_length=MAX_FREE_TEXT)]
ShortText = Annotated[str, Field(max_length=100)]


class ShadowingIn(StoredInput):
    """A session typed in the web form or sent to the API; `time_log` in the template's syntax."""

    date: date
    developer: Annotated[str | None, Field(max_length=320)] = None
    team: Annotated[str | None, Field(max_length=100)] = None
    workflow: Annotated[str, Field(max_length=500)] = ""
    time_log: Annotated[
        str,
        Field(
            max_length=MAX_TIME_LOG_CHARS,
            description="One line per entry: `00:05 - Opened the deploy guide`",
        ),
    ] = ""
    friction_points: Annotated[list[FreeText], Field(max_length=MAX_LIST_ITEMS)] = []
    tools: Annotated[list[ShortText], Field(max_length=MAX_LIST_ITEMS)] = []
    wishes: Annotated[list[FreeText], Field(max_length=MAX_LIST_ITEMS)] = []
    context_switches: Annotated[int | None, Field(ge=0, le=100_000)] = None
    waiting_min: Annotated[float | None, Field(ge=0, le=100_000)] = None
    notes: Annotated[str, Field(max_length=MAX_TIME_LOG_CHARS)] = ""


class ShadowingOut(BaseModel):
    """A session with its derived figures: the contract of `research import --json`."""

    id: int
    date: date
    team: str | None
    developer: str | None
    workflow: str
    duration_min: float | None
    log_entries: int
    context_switches: int
    context_switches_derived: int
    waiting_min: float
    friction_points: list[str]
    wishes: list[str]
    tools: list[str]


class TimeLogLineOut(BaseModel):
    """One line of the time log: its stamp as written back, seconds, and what happened."""

    at: str
    offset_s: int
    text: str
    tool: str | None
    waiting: bool


class FrictionOut(BaseModel):
    """A friction point and the theme the friction rules give it (None: no rule matched)."""

    text: str
    theme: str | None


class ShadowingDetail(ShadowingOut):
    """A session in full: the stated figures beside the derived ones, the log, the themes."""

    stated_context_switches: int | None
    stated_waiting_min: float | None
    waiting_min_derived: float
    log: list[TimeLogLineOut]
    friction: list[FrictionOut]
    notes: str
    source: str


class ImportProblemOut(BaseModel):
    """One line of a notes file that could not be read."""

    file: str
    line: int | None
    reason: str


class ShadowingImportOut(BaseModel):
    """What an import wrote and every line it could not read."""

    sessions: list[ShadowingOut]
    problems: list[ImportProblemOut]


class ShadowingProgress(BaseModel):
    """The practice's aim: 3 different teams shadowed a quarter."""

    teams_shadowed: int
    aim: int
    quarter: str


class ShadowingList(BaseModel):
    """The sessions of a quarter (or all of them) and the quarter's progress."""

    sessions: list[ShadowingOut]
    progress: ShadowingProgress


class NotesText(StoredInput):
    """Shadowing notes sent as JSON instead of a Markdown body."""

    text: Annotated[str, Field(max_length=2 * 2**20)]
