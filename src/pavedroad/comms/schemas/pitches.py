"""Pitch shapes: `pitch TITLE --format json` prints `PitchOut`; the translation table's rows."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from pavedroad.inputs import StoredInput

PainText = Annotated[str, Field(min_length=1, max_length=300)]
LongText = Annotated[str, Field(max_length=500)]
NoteText = Annotated[str, Field(max_length=5000)]


class TranslationRowOut(BaseModel):
    """One row of the translation table, in its position; `kpi` binds it to a KPI id."""

    id: int
    position: int
    pain: str
    consequence: str
    business_outcome: str
    kpi: str | None


class TranslationRowIn(StoredInput):
    """A new row: platform pain -> consequence -> business outcome, optionally a KPI id."""

    pain: PainText
    consequence: LongText = ""
    business_outcome: LongText = ""
    kpi: str | None = Field(default=None, max_length=60)
    position: int | None = Field(default=None, ge=1, le=10_000)


class TranslationRowUpdate(StoredInput):
    """Fields to change on a row; those left out keep their value (`kpi: null` unbinds)."""

    pain: PainText | None = None
    consequence: LongText | None = None
    business_outcome: LongText | None = None
    kpi: str | None = Field(default=None, max_length=60)
    position: int | None = Field(default=None, ge=1, le=10_000)


class PitchChoiceIn(StoredInput):
    """What a pitch keeps by hand: the translation row chosen (null: the one the KPI picks)
    and a note on the constraint, shown before its evidence."""

    translation_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    constraint_note: NoteText = ""


class KpiEvidence(BaseModel):
    """A KPI the initiative points at, with its current value (30 days up to today)."""

    id: str
    name: str
    value: float | None
    value_text: str
    target: str | None
    source: str  # "criterion", "goal"


class ResearchEvidence(BaseModel):
    """A problem the initiative answers, with the research insights linked to it."""

    problem: str
    insights: int
    teams: list[str]
    quotes: list[str]


class PitchEvidence(BaseModel):
    """The evidence behind the constraint, and what evidence is missing."""

    kpis: list[KpiEvidence]
    research: list[ResearchEvidence]
    missing: list[str]


class PitchConstraint(BaseModel):
    """What is impossible or risky today, with its evidence."""

    text: str
    note: str
    evidence: PitchEvidence


class PitchBet(BaseModel):
    """The initiative as the investment: effort (person-months), RICE and its rank."""

    text: str
    effort: float
    rice: float
    rank: int | None
    of: int


class PitchOutcome(BaseModel):
    """The business metric that improves: the KPI, its current value and the target."""

    text: str
    kpi: str | None
    current: float | None
    target: str | None


class PitchTranslation(BaseModel):
    """The translation row the outcome reads through."""

    pain: str
    consequence: str
    business_outcome: str


class PitchOut(BaseModel):
    """The one-pager: constraint, bet, outcome, and the translation row used (null: none)."""

    initiative: str
    initiative_id: int
    constraint: PitchConstraint
    bet: PitchBet
    outcome: PitchOutcome
    translation: PitchTranslation | None
    translation_id: int | None
    translation_chosen: bool
