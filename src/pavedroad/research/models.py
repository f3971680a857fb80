"""Tables of the research domain: shadowing, interviews, hosted surveys, ticket rules, insights.

Survey answers themselves live in ingest's `survey_responses` (hosted answers go through the
ingest writer, so the KPI engine counts them like imported ones); this domain keeps the
surveys, their waves and questions, the answers to a wave's own questions, and the receipts
that stop a browser answering twice (never linked to an answer).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pavedroad.db import Base, UTCDateTime, utcnow


class ShadowingSession(Base):
    """Two hours beside one developer: what they did, where it hurt, what they wished for.

    `natural_key` (date, developer or team, workflow) makes a re-import update the session.
    The `stated_*` columns keep what the note says; derived figures are computed from the log.
    """

    __tablename__ = "shadowing_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    natural_key: Mapped[str] = mapped_column(String(64), unique=True)
    observed_on: Mapped[date] = mapped_column(Date, index=True)
    developer: Mapped[str | None] = mapped_column(String(320))
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    workflow: Mapped[str] = mapped_column(String(500), default="")
    tools: Mapped[list[str]] = mapped_column(JSON, default=list)
    friction_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    wishes: Mapped[list[str]] = mapped_column(JSON, default=list)
    stated_context_switches: Mapped[int | None] = mapped_column(Integer)
    stated_waiting_min: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(500), default="manual")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    log: Mapped[list[TimeLogEntry]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="TimeLogEntry.position"
    )


class TimeLogEntry(Base):
    """One line of a shadowing time log: seconds since the session started, and what happened."""

    __tablename__ = "shadowing_log_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("shadowing_sessions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    offset_s: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")

    session: Mapped[ShadowingSession] = relationship(back_populates="log")


class InterviewScript(Base):
    """An editable interview script in the practice's four sections."""

    __tablename__ = "interview_scripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    questions: Mapped[list[InterviewQuestion]] = relationship(
        back_populates="script",
        cascade="all, delete-orphan",
        order_by="InterviewQuestion.position",
    )


class InterviewQuestion(Base):
    """One question of a script; `section` is opening, exploration, validation or closing."""

    __tablename__ = "interview_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    script_id: Mapped[int] = mapped_column(
        ForeignKey("interview_scripts.id", ondelete="CASCADE"), index=True
    )
    section: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    script: Mapped[InterviewScript] = relationship(back_populates="questions")


class Interview(Base):
    """A 30-minute structured interview and its synthesis.

    The lists hold the practice's synthesis template: `answers` [{section, question, notes}],
    `quotes` [text], `pain_points` [{quote, context}], `surprises` [text], `assumptions`
    [{assumption, validated, evidence}], `actions` [text]. `talk_ratio` is the interviewer's
    share of speaking time, from a transcript; null without one.
    """

    __tablename__ = "interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    natural_key: Mapped[str] = mapped_column(String(64), unique=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    developer: Mapped[str | None] = mapped_column(String(320))
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    script_id: Mapped[int | None] = mapped_column(
        ForeignKey("interview_scripts.id", ondelete="SET NULL"), index=True
    )
    interviewer: Mapped[str | None] = mapped_column(String(320))
    talk_ratio: Mapped[float | None] = mapped_column(Float)
    transcript_seconds: Mapped[float | None] = mapped_column(Float)
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    quotes: Mapped[list[str]] = mapped_column(JSON, default=list)
    pain_points: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    surprises: Mapped[list[str]] = mapped_column(JSON, default=list)
    assumptions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    actions: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(500), default="manual")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Survey(Base):
    """A survey; `name` is what `survey_responses.survey` holds for its answers."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    waves: Mapped[list[SurveyWave]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveyWave.id"
    )


class SurveyWave(Base):
    """One wave of a survey. An open wave answers at `/s/<token>`; a closed one refuses."""

    __tablename__ = "survey_waves"
    __table_args__ = (UniqueConstraint("survey_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    opened_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)

    survey: Mapped[Survey] = relationship(back_populates="waves")
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="wave", cascade="all, delete-orphan", order_by="SurveyQuestion.position"
    )


class SurveyQuestion(Base):
    """A wave's own question beyond NPS and satisfaction.

    `kind` is agreement (1-5), single, multiple or text; `options` lists the choices.
    """

    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("wave_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("survey_waves.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)

    wave: Mapped[SurveyWave] = relationship(back_populates="questions")


class SurveyAnswer(Base):
    """The answer of one response (`survey_responses.id`) to one of its wave's own questions.

    No time, no account, no address: `value` is the answer as JSON text.
    """

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[str] = mapped_column(String(200), index=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(Text)


class SurveyReceipt(Base):
    """The hash of a token a browser keeps after answering a wave: stops a second answer.

    It is never stored with, or linked to, the answer itself.
    """

    __tablename__ = "survey_receipts"
    __table_args__ = (UniqueConstraint("wave_id", "receipt_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("survey_waves.id", ondelete="CASCADE"), index=True
    )
    receipt_hash: Mapped[str] = mapped_column(String(64))


class CategoryRule(Base):
    """One ordered categorisation rule of a rule set (tickets, comments or friction).

    Keywords match whole words or phrases case-insensitively; patterns are Python regular
    expressions; the first rule that matches wins.
    """

    __tablename__ = "category_rules"
    __table_args__ = (UniqueConstraint("ruleset", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ruleset: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(100))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    patterns: Mapped[list[str]] = mapped_column(JSON, default=list)


class TicketLabel(Base):
    """The category the rules gave a ticket (`tickets.id`) that had none from its source."""

    __tablename__ = "ticket_labels"

    ticket_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    category: Mapped[str] = mapped_column(String(100), index=True)
    labelled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


insight_problems = Table(
    "insight_problems",
    Base.metadata,
    Column("insight_id", ForeignKey("insights.id", ondelete="CASCADE"), primary_key=True),
    Column("problem_id", ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True),
)


class Insight(Base):
    """One atomic finding with its source, and whether it states a pain or asks for a solution.

    `source_kind` is shadowing, interview, survey_wave, survey_comment, ticket_category or
    usage; `source_ref` names the object (a session or interview id, `survey/wave`, a
    category, a capability). `person` is who said it, when known (for distinct-people counts).
    """

    __tablename__ = "insights"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    quote: Mapped[str | None] = mapped_column(Text)
    figure: Mapped[str | None] = mapped_column(String(200))
    source_kind: Mapped[str] = mapped_column(String(30), index=True)
    source_ref: Mapped[str] = mapped_column(String(300), default="")
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    persona_id: Mapped[int | None] = mapped_column(
        ForeignKey("personas.id", ondelete="SET NULL"), index=True
    )
    person: Mapped[str | None] = mapped_column(String(320))
    framing: Mapped[str] = mapped_column(String(20), default="pain")
    observed_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
