"""Tables of the backlog: problems, initiatives with RICE inputs, the impact map, success and
kill criteria with their decisions, and the platform product canvas.

The impact map (goal -> actor -> impact -> deliverable) sets direction; an initiative is a
deliverable when an impact names it, and it serves the goal of that impact (or the goal an
import named directly). RICE inputs are stored as typed; the score is always computed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pavedroad.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from pavedroad.catalog.models import Persona, Team

problem_teams = Table(
    "problem_teams",
    Base.metadata,
    Column("problem_id", ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)

problem_personas = Table(
    "problem_personas",
    Base.metadata,
    Column("problem_id", ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True),
    Column("persona_id", ForeignKey("personas.id", ondelete="CASCADE"), primary_key=True),
)

initiative_problems = Table(
    "initiative_problems",
    Base.metadata,
    Column("initiative_id", ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True),
    Column("problem_id", ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True),
)

# The teams an initiative targets; when its reach is not typed, reach is their headcount.
initiative_teams = Table(
    "initiative_teams",
    Base.metadata,
    Column("initiative_id", ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)

impact_deliverables = Table(
    "impact_deliverables",
    Base.metadata,
    Column("impact_id", ForeignKey("map_impacts.id", ondelete="CASCADE"), primary_key=True),
    Column("initiative_id", ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True),
)

canvas_problems = Table(
    "canvas_problems",
    Base.metadata,
    Column("canvas_id", ForeignKey("canvases.id", ondelete="CASCADE"), primary_key=True),
    Column("problem_id", ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True),
)


class Problem(Base):
    """A developer problem in the users' own words, with the teams and personas it hurts."""

    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    teams: Mapped[list[Team]] = relationship(secondary=problem_teams, order_by="Team.slug")
    personas: Mapped[list[Persona]] = relationship(
        secondary=problem_personas, order_by="Persona.name"
    )
    initiatives: Mapped[list[Initiative]] = relationship(
        secondary=initiative_problems, back_populates="problems", order_by="Initiative.title"
    )


class Goal(Base):
    """A measurable goal of the impact map: a KPI, a target and a date, in priority order."""

    __tablename__ = "map_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300), unique=True)
    kpi_id: Mapped[str] = mapped_column(String(60))
    target: Mapped[float] = mapped_column(Float)
    due: Mapped[date] = mapped_column(Date)
    priority: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actors: Mapped[list[Actor]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="Actor.id"
    )


class Actor(Base):
    """Whose behaviour must change for a goal to be reached (a persona, a team, a role)."""

    __tablename__ = "map_actors"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("map_goals.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    goal: Mapped[Goal] = relationship(back_populates="actors")
    impacts: Mapped[list[Impact]] = relationship(
        back_populates="actor", cascade="all, delete-orphan", order_by="Impact.id"
    )


class Impact(Base):
    """How an actor's behaviour should change; deliverables (initiatives) make it happen."""

    __tablename__ = "map_impacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(
        ForeignKey("map_actors.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(String(500))

    actor: Mapped[Actor] = relationship(back_populates="impacts")
    deliverables: Mapped[list[Initiative]] = relationship(
        secondary=impact_deliverables, back_populates="impacts", order_by="Initiative.title"
    )


class Initiative(Base):
    """Work the platform team may do, with RICE inputs on the practice's scales."""

    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    # idea, planned, in_progress, done, killed
    status: Mapped[str] = mapped_column(String(20), default="idea", index=True)
    # roadmap, platform, unplanned: the capacity budget's categories
    category: Mapped[str] = mapped_column(String(20), default="roadmap")
    # Developers affected per quarter as typed; None derives it from the targeted teams.
    reach: Mapped[float | None] = mapped_column(Float)
    impact: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    effort: Mapped[float] = mapped_column(Float)
    # now, next, later, exploring, or None when not on the roadmap yet
    lane: Mapped[str | None] = mapped_column(String(20))
    # True when a person placed it (the planner keeps it and reports disagreements)
    lane_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The quarter it is planned for ("2026-Q3"), set by the planner or by hand
    quarter: Mapped[str | None] = mapped_column(String(10))
    # The team's own priority order (1 = first), compared with the RICE order
    priority: Mapped[int | None] = mapped_column(Integer)
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("map_goals.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    goal: Mapped[Goal | None] = relationship()
    problems: Mapped[list[Problem]] = relationship(
        secondary=initiative_problems, back_populates="initiatives", order_by="Problem.title"
    )
    teams: Mapped[list[Team]] = relationship(secondary=initiative_teams, order_by="Team.slug")
    impacts: Mapped[list[Impact]] = relationship(
        secondary=impact_deliverables, back_populates="deliverables"
    )
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", order_by="Criterion.id"
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", order_by="Decision.decided_at"
    )


class Criterion(Base):
    """A success or kill criterion set before work starts: KPI, comparison, threshold, date."""

    __tablename__ = "initiative_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10), default="success")  # success or kill
    kpi_id: Mapped[str] = mapped_column(String(60))
    comparator: Mapped[str] = mapped_column(String(2))  # <, <=, >, >=
    threshold: Mapped[float] = mapped_column(Float)
    due: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    initiative: Mapped[Initiative] = relationship(back_populates="criteria")


class Decision(Base):
    """A recorded kill-or-continue decision on an initiative, with its reason."""

    __tablename__ = "initiative_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(10))  # kill or continue
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(320), default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    initiative: Mapped[Initiative] = relationship(back_populates="decisions")


class Canvas(Base):
    """The platform product canvas: who it serves, what for, and how it wins."""

    __tablename__ = "canvases"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    users: Mapped[str] = mapped_column(Text, default="")
    alternatives: Mapped[str] = mapped_column(Text, default="")
    # KPI ids, comma-separated in the order the team reads them
    key_metrics: Mapped[str] = mapped_column(Text, default="")
    unfair_advantage: Mapped[str] = mapped_column(Text, default="")
    channels: Mapped[str] = mapped_column(Text, default="")
    cost_structure: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    problems: Mapped[list[Problem]] = relationship(
        secondary=canvas_problems, order_by="Problem.title"
    )
    validations: Mapped[list[CanvasValidation]] = relationship(
        back_populates="canvas", cascade="all, delete-orphan", order_by="CanvasValidation.on"
    )


class CanvasValidation(Base):
    """One entry of the canvas's validation log: shared with whom, and what they said."""

    __tablename__ = "canvas_validations"

    id: Mapped[int] = mapped_column(primary_key=True)
    canvas_id: Mapped[int] = mapped_column(
        ForeignKey("canvases.id", ondelete="CASCADE"), index=True
    )
    on: Mapped[date] = mapped_column(Date)
    shared_with: Mapped[str] = mapped_column(String(500))
    said: Mapped[str] = mapped_column(Text)

    canvas: Mapped[Canvas] = relationship(back_populates="validations")
