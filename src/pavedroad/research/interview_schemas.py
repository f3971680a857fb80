"""Shapes of interviews and their script, as the CLI, API and pages exchange them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pavedroad.inputs import StoredInput
from pavedroad.research.interview_notes import SECTIONS, ScriptSection

INTERVIEWS_PER_MONTH = 5
MAX_NOTES_BODY = 2 * 2**20
MAX_TRANSCRIPT_BODY = 20 * 2**20

Text = Annotated[str, Field(max_length=5000)]
LongText = Annotated[str, Field(max_length=100_000)]
Person = Annotated[str, Field(min_length=1, max_length=320)]
Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")]
Question = Annotated[str, Field(min_length=1, max_length=1000)]


class ScriptSectionOut(BaseModel):
    """One of the script's four sections, its time box and questions in order."""

    section: ScriptSection
    minutes: int
    questions: list[str]


class ScriptOut(BaseModel):
    """The interview script."""

    name: str
    sections: list[ScriptSectionOut]


class ScriptSectionIn(StoredInput):
    """A section's questions, in the order they are asked."""

    model_config = ConfigDict(extra="forbid")

    section: ScriptSection
    questions: Annotated[list[Question], Field(max_length=50)]


class ScriptIn(StoredInput):
    """A new script: each section at most once, at least one question in all."""

    model_config = ConfigDict(extra="forbid")

    sections: Annotated[list[ScriptSectionIn], Field(min_length=1, max_length=len(SECTIONS))]

    @field_validator("sections")
    @classmethod
    def _once_each(cls, sections: list[ScriptSectionIn]) -> list[ScriptSectionIn]:
        names = [s.section for s in sections]
        if len(set(names)) != len(names):
            raise ValueError("each section (opening, exploration, validation, closing) once")
        if not any(q.strip() for s in sections for q in s.questions):
            raise ValueError("a script needs at least one question")
        return sections


class AnswerOut(BaseModel):
    """Notes taken under one question of the script (`question` empty: the section at large)."""

    section: Annotated[str, Field(max_length=20)]
    question: Annotated[str, Field(max_length=1000)] = ""
    notes: LongText = ""


class PainPointOut(BaseModel):
    """A top pain point: the developer's words and the context."""

    quote: Annotated[str, Field(min_length=1, max_length=5000)]
    context: Text = ""


class AssumptionOut(BaseModel):
    """An assumption confirmed ([+], `validated`) or contradicted ([-]) and its evidence."""

    assumption: Annotated[str, Field(min_length=1, max_length=5000)]
    validated: bool
    evidence: Text = ""


class InterviewOut(BaseModel):
    """An interview with its synthesis; `warnings` holds ids such as interviewer_talks_too_much."""

    id: int
    date: dt.date
    developer: str | None
    team: str | None
    interviewer: str | None
    script: str | None
    talk_ratio: float | None = Field(description="The interviewer's share of speaking time, 0..1.")
    transcript_seconds: float | None
    warnings: list[str]
    answers: list[AnswerOut]
    quotes: list[str]
    pain_points: list[PainPointOut]
    surprises: list[str]
    assumptions: list[AssumptionOut]
    actions: list[str]
    notes: str
    source: str


class ProblemOut(BaseModel):
    """A line of a notes file or transcript that could not be read."""

    file: str
    line: int | None
    reason: str


class ImportedInterview(InterviewOut):
    """An imported interview and the lines of its notes or transcript that were not read."""

    problems: list[ProblemOut]


class Progress(BaseModel):
    """A month's interviews against the practice's cadence: 5 developers a month."""

    month: str
    interviews: int
    developers: int
    aim: int = INTERVIEWS_PER_MONTH


class InterviewList(BaseModel):
    """Interviews (newest first) and this month's progress toward the cadence."""

    month: str | None
    quarter: str | None
    progress: Progress
    interviews: list[InterviewOut]


class _InterviewFields(StoredInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    developer: Person | None = None
    team: Slug | None = None
    interviewer: Person | None = None
    answers: Annotated[list[AnswerOut], Field(max_length=200)] | None = None
    quotes: Annotated[list[Text], Field(max_length=200)] | None = None
    pain_points: Annotated[list[PainPointOut], Field(max_length=200)] | None = None
    surprises: Annotated[list[Text], Field(max_length=200)] | None = None
    assumptions: Annotated[list[AssumptionOut], Field(max_length=200)] | None = None
    actions: Annotated[list[Text], Field(max_length=200)] | None = None
    notes: LongText | None = None


class InterviewUpdate(_InterviewFields):
    """Fields to change; the ones left out keep what is stored, lists given replace."""

    date: dt.date | None = None


class InterviewImportIn(StoredInput):
    """Notes in the synthesis template and, optionally, a WebVTT transcript, as text.

    Options given here win over what the notes say (`Developer:`, `Team:`, `Date:` lines).
    """

    model_config = ConfigDict(extra="forbid")

    notes: Annotated[str, Field(max_length=MAX_NOTES_BODY)] | None = None
    transcript: Annotated[str, Field(max_length=MAX_TRANSCRIPT_BODY)] | None = None
    interviewer: Person | None = None
    developer: Person | None = None
    team: Slug | None = None
    date: dt.date | None = None
    source: Annotated[str, Field(min_length=1, max_length=200)] = "api"


class InterviewPainPoint(BaseModel):
    """A pain point of one interview, with who said it and when (for insights)."""

    interview_id: int
    on: dt.date
    team: str | None
    developer: str | None
    quote: str
    context: str
