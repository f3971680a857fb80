"""Shapes of hosted surveys: surveys, waves, questions, answers, imports and results.

`SurveyResults` is the contract of `pavedroad survey results --json` and of the API; every
number in it follows the anonymity rule (see `research/surveys.py`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pavedroad.inputs import StoredInput

QuestionKind = Literal["agreement", "single", "multiple", "text"]
QUESTION_KINDS: tuple[str, ...] = ("agreement", "single", "multiple", "text")
WaveStatus = Literal["draft", "open", "closed"]
SurveyField = Literal["nps", "satisfaction", "team", "comments", "submitted_at"]
SURVEY_FIELDS: tuple[str, ...] = ("nps", "satisfaction", "team", "comments", "submitted_at")

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_QUESTIONS = 30
MAX_OPTIONS = 20
MAX_COMMENT = 5000
MAX_TEXT_ANSWER = 2000

SurveyName = Annotated[str, Field(min_length=1, max_length=200, pattern=NAME_PATTERN.pattern)]
WaveName = Annotated[str, Field(min_length=1, max_length=100, pattern=NAME_PATTERN.pattern)]
QuestionKey = Annotated[str, Field(min_length=1, max_length=100, pattern=KEY_PATTERN.pattern)]
OptionText = Annotated[str, Field(min_length=1, max_length=200)]


class _Input(StoredInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SurveyIn(_Input):
    """A new survey: `name` is what its answers carry in `survey_responses.survey`."""

    name: SurveyName
    title: Annotated[str, Field(max_length=300)] = ""


class QuestionIn(_Input):
    """A wave's own question: agreement (1-5), single or multiple choice, or free text."""

    key: QuestionKey
    kind: QuestionKind
    text: Annotated[str, Field(min_length=1, max_length=500)]
    options: Annotated[list[OptionText], Field(max_length=MAX_OPTIONS)] = []

    @field_validator("options")
    @classmethod
    def _distinct(cls, options: list[str]) -> list[str]:
        if len({o.casefold() for o in options}) != len(options):
            raise ValueError("options must differ from each other")
        return options

    @model_validator(mode="after")
    def _options_fit_kind(self) -> QuestionIn:
        if self.kind in ("single", "multiple") and len(self.options) < 2:
            raise ValueError(f"a {self.kind} choice question needs at least two options")
        if self.kind in ("agreement", "text") and self.options:
            raise ValueError(f"a {self.kind} question takes no options")
        return self


class QuestionUpdate(_Input):
    """Fields to change on a question; fields left out stay as they are."""

    text: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    options: Annotated[list[OptionText], Field(max_length=MAX_OPTIONS)] | None = None


class WaveIn(_Input):
    """A new wave; without `questions` it copies the questions of the survey's latest wave."""

    name: WaveName
    questions: Annotated[list[QuestionIn], Field(max_length=MAX_QUESTIONS)] | None = None


class QuestionOut(BaseModel):
    """A wave's own question as stored."""

    key: str
    kind: QuestionKind
    text: str
    options: list[str]


class WaveOut(BaseModel):
    """A wave, its status and questions; `link` is the anonymous answer path while it is open."""

    name: str
    status: WaveStatus
    opened_on: date | None
    closed_on: date | None
    link: str | None
    responses: int
    questions: list[QuestionOut]


class SurveyOut(BaseModel):
    """A survey and its waves, oldest first."""

    name: str
    title: str
    waves: list[WaveOut]


class AnswerIn(_Input):
    """One anonymous answer to an open wave (all optional, but not all empty)."""

    nps: Annotated[int, Field(ge=0, le=10)] | None = None
    satisfaction: Annotated[int, Field(ge=1, le=5)] | None = None
    team: Annotated[str, Field(max_length=100)] | None = None
    comments: Annotated[str, Field(max_length=MAX_COMMENT)] = ""
    answers: Annotated[dict[str, Any], Field(max_length=MAX_QUESTIONS)] = {}


class TeamResult(BaseModel):
    """A team's figures in a wave (only teams with five or more answers are listed)."""

    team: str
    responses: int
    nps: float | None
    satisfaction: float | None


class Theme(BaseModel):
    """A theme of the comments (a category of the `comments` rule set) and how many name it."""

    theme: str
    count: int


class QuestionResult(BaseModel):
    """The answers to one of the wave's own questions; null figures when fewer than five."""

    key: str
    kind: QuestionKind
    text: str
    answered: int
    hidden: bool
    mean: float | None = None
    counts: dict[str, int] | None = None
    themes: list[Theme] | None = None


class WaveResults(BaseModel):
    """One wave's results; `hidden_reason` says why figures are null."""

    wave: str
    status: WaveStatus
    opened_on: date | None
    closed_on: date | None
    responses: int
    hidden: bool
    hidden_reason: str | None
    nps: float | None
    satisfaction: float | None
    promoters: int | None
    passives: int | None
    detractors: int | None
    satisfaction_distribution: dict[str, int] | None
    by_team: list[TeamResult]
    hidden_teams: int
    themes: list[Theme]
    uncategorised_comments: int | None
    questions: list[QuestionResult]


class TrendPoint(BaseModel):
    """A wave's headline figures, for the trend across waves."""

    wave: str
    responses: int
    nps: float | None
    satisfaction: float | None


class SurveyResults(BaseModel):
    """`pavedroad survey results --json`: per wave, then the trend across waves."""

    survey: str
    title: str
    min_answers: int
    waves: list[WaveResults]
    trend: list[TrendPoint]


class SurveyImportReport(BaseModel):
    """What a survey import wrote, and the file's columns it did not read."""

    survey: str
    wave: str
    rows: int
    new: int
    updated: int
    unchanged: int
    mapped: dict[str, str]
    unmapped_columns: list[str]
