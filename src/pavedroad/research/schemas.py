"""Shapes the research domain shares between its methods and with its callers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from pavedroad.catalog.schemas import SLUG_PATTERN
from pavedroad.inputs import StoredInput

Method = Literal["shadowing", "interview", "survey"]
RULESETS = ("tickets", "comments", "friction")
Ruleset = Literal["tickets", "comments", "friction"]
InsightSource = Literal[
    "shadowing", "interview", "survey_wave", "survey_comment", "ticket_category", "usage"
]
Framing = Literal["pain", "solution"]


class Contact(BaseModel):
    """One research contact with a team: what coverage counts.

    `person` is who took part when the method knows it (never for survey answers, which are
    anonymous); `team` is the catalog slug, or None when the contact named no team.
    """

    model_config = ConfigDict(frozen=True)

    method: Method
    team: str | None
    person: str | None
    on: date


# ---- insights ------------------------------------------------------------------------------

INSIGHT_SOURCES: tuple[InsightSource, ...] = (
    "shadowing",
    "interview",
    "survey_wave",
    "survey_comment",
    "ticket_category",
    "usage",
)
FRAMINGS: tuple[Framing, ...] = ("pain", "solution")
MAX_INSIGHT_TEXT = 5000
MAX_INSIGHT_PROBLEMS = 50
InsightText = Annotated[str, Field(min_length=1, max_length=MAX_INSIGHT_TEXT)]
ProblemName = Annotated[str, Field(min_length=1, max_length=300)]


class InsightIn(StoredInput):
    """One atomic finding: text, a quote or a figure, where it came from, who said it.

    `framing` left out is suggested from the text (`research.framing`); `problems` are
    problem titles or ids it supports; `observed_on` left out is today.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: InsightText
    quote: Annotated[str, Field(max_length=MAX_INSIGHT_TEXT)] | None = None
    figure: Annotated[str, Field(max_length=200)] | None = None
    source_kind: InsightSource
    source_ref: Annotated[str, Field(max_length=300)] = ""
    team: Annotated[str, Field(pattern=SLUG_PATTERN)] | None = None
    persona: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    person: Annotated[str, Field(min_length=1, max_length=320)] | None = None
    framing: Framing | None = None
    observed_on: date | None = None
    problems: Annotated[list[ProblemName], Field(max_length=MAX_INSIGHT_PROBLEMS)] = []


class InsightUpdate(StoredInput):
    """Fields to change on an insight; fields left out stay as they are (null clears)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: InsightText | None = None
    quote: Annotated[str, Field(max_length=MAX_INSIGHT_TEXT)] | None = None
    figure: Annotated[str, Field(max_length=200)] | None = None
    source_kind: InsightSource | None = None
    source_ref: Annotated[str, Field(max_length=300)] | None = None
    team: Annotated[str, Field(pattern=SLUG_PATTERN)] | None = None
    persona: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    person: Annotated[str, Field(min_length=1, max_length=320)] | None = None
    framing: Framing | None = None
    observed_on: date | None = None


class InsightProblem(BaseModel):
    """A problem an insight supports."""

    id: int
    title: str


class InsightOut(BaseModel):
    """An insight as stored, with the framing the heuristic would suggest beside the one set."""

    id: int
    text: str
    quote: str | None
    figure: str | None
    source_kind: InsightSource
    source_ref: str
    method: str
    team: str | None
    persona: str | None
    person: str | None
    framing: Framing
    suggested_framing: Framing
    observed_on: date
    problems: list[InsightProblem]
    created_at: datetime


class EvidenceWarning(BaseModel):
    """A warning about a problem's evidence, e.g. `solution_requests_only`."""

    id: str
    message: str


class ProblemEvidence(BaseModel):
    """What supports a problem: its insights, distinct teams and people, methods, warnings."""

    problem_id: int
    title: str
    insights: list[InsightOut]
    teams: list[str]
    people: list[str]
    methods: list[str]
    solution_requests: int
    warnings: list[EvidenceWarning]
