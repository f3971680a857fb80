"""Tables of the comms domain: what the platform team tells developers and leadership.

Free text is stored as typed and rendered inert wherever it is shown (pages, feeds, Markdown,
Slack and email). Capabilities and initiatives are referenced by id and survive as None when
they are deleted; a launch's items and criteria go with the launch.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pavedroad.db import Base, UTCDateTime, utcnow


class ChangelogEntry(Base):
    """One change developers should know about: what changed, before and after, for whom."""

    __tablename__ = "changelog_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    # Team slugs or persona names the entry speaks to; empty: everyone.
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    capability_id: Mapped[int | None] = mapped_column(
        ForeignKey("capabilities.id", ondelete="SET NULL"), index=True
    )
    initiative_id: Mapped[int | None] = mapped_column(
        ForeignKey("initiatives.id", ondelete="SET NULL"), index=True
    )
    published_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TranslationRow(Base):
    """One row of the translation table: platform pain -> consequence -> business outcome.

    `kpi_id` binds the row to the KPI that measures the pain, so a pitch can pick its row.
    """

    __tablename__ = "translation_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    pain: Mapped[str] = mapped_column(String(300), unique=True)
    consequence: Mapped[str] = mapped_column(String(500), default="")
    business_outcome: Mapped[str] = mapped_column(String(500), default="")
    kpi_id: Mapped[str | None] = mapped_column(String(60))


class Pitch(Base):
    """What a pitch one-pager keeps beyond what it computes: the chosen row and a note."""

    __tablename__ = "pitches"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), unique=True
    )
    translation_id: Mapped[int | None] = mapped_column(
        ForeignKey("translation_rows.id", ondelete="SET NULL")
    )
    constraint_note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class LaunchPlan(Base):
    """The practice's 90-day plan for one feature: checklist items and success criteria."""

    __tablename__ = "launch_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    feature: Mapped[str] = mapped_column(String(200), unique=True)
    capability_id: Mapped[int | None] = mapped_column(
        ForeignKey("capabilities.id", ondelete="SET NULL"), index=True
    )
    launch_date: Mapped[date] = mapped_column(Date, index=True)
    owner: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[LaunchItem]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="LaunchItem.position"
    )
    criteria: Mapped[list[LaunchCriterion]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="LaunchCriterion.id"
    )


class LaunchItem(Base):
    """One dated checklist item of a launch plan (phase pre_launch, launch or post_launch)."""

    __tablename__ = "launch_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("launch_plans.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(300))
    due: Mapped[date] = mapped_column(Date)
    owner: Mapped[str | None] = mapped_column(String(320))
    done_on: Mapped[date | None] = mapped_column(Date)

    plan: Mapped[LaunchPlan] = relationship(back_populates="items")


class LaunchCriterion(Base):
    """A launch success criterion: `kind` (adopted teams within 30 days, satisfaction, tickets
    per week for the capability), a comparator and a threshold, judged on live data."""

    __tablename__ = "launch_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("launch_plans.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    comparator: Mapped[str] = mapped_column(String(2))
    threshold: Mapped[float] = mapped_column(Float)

    plan: Mapped[LaunchPlan] = relationship(back_populates="criteria")


class Champion(Base):
    """A developer who champions the platform in their team (one or two per team)."""

    __tablename__ = "champions"
    __table_args__ = (UniqueConstraint("developer", name="uq_champions_developer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    developer: Mapped[str] = mapped_column(String(320))  # the developer's email
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    since: Mapped[date] = mapped_column(Date)
    # Capability names they had early access to, design reviews joined, recognition given.
    early_access: Mapped[list[str]] = mapped_column(JSON, default=list)
    design_reviews: Mapped[list[str]] = mapped_column(JSON, default=list)
    recognition: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MarketingEvent(Base):
    """A dated internal-marketing event: demo day, office hours, blog post or announcement."""

    __tablename__ = "marketing_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_min: Mapped[int] = mapped_column(Integer, default=60)
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    attendance: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    launch_id: Mapped[int | None] = mapped_column(
        ForeignKey("launch_plans.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoiAssumption(Base):
    """An edited ROI assumption (a term's input such as minutes saved per CI run)."""

    __tablename__ = "roi_assumptions"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
