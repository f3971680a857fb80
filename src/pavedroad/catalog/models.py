"""Tables of the catalog."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pavedroad.db import Base, UTCDateTime


class Team(Base):
    """A team of developers; `eligible` says whether it is expected to use the platform."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(40), default="manual")

    developers: Mapped[list[Developer]] = relationship(
        back_populates="team", order_by="Developer.name"
    )
    services: Mapped[list[Service]] = relationship(back_populates="owner", order_by="Service.name")


class Developer(Base):
    """A person who builds software and uses the platform.

    `identity` is the natural key: the email for CSV and API records, the entity reference
    (`user:namespace/name`) for Backstage Users, which may share an email or have none.
    """

    __tablename__ = "developers"

    id: Mapped[int] = mapped_column(primary_key=True)
    identity: Mapped[str] = mapped_column(String(400), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    role: Mapped[str] = mapped_column(String(100), default="engineer")
    source: Mapped[str] = mapped_column(String(40), default="manual")

    team: Mapped[Team] = relationship(back_populates="developers")


class System(Base):
    """A Backstage System: a grouping of services, kept for context."""

    __tablename__ = "systems"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner_team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(40), default="manual")

    owner: Mapped[Team | None] = relationship()
    services: Mapped[list[Service]] = relationship(back_populates="system", order_by="Service.name")


class Service(Base):
    """A deployable service with its owner team and when it joined the platform."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    owner_team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="RESTRICT"), index=True
    )
    system_id: Mapped[int | None] = mapped_column(
        ForeignKey("systems.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    onboarded_to_platform_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tier: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40), default="manual")
    # The code repository (`owner/name`, lower-cased), from Backstage's `github.com/project-slug`
    # or `gitlab.com/project-slug` annotation: how connectors map a repository to its service.
    repository: Mapped[str | None] = mapped_column(String(300), index=True)

    owner: Mapped[Team] = relationship(back_populates="services")
    system: Mapped[System | None] = relationship(back_populates="services")


class Persona(Base):
    """An internal customer of the platform, named by what they are trying to get done."""

    __tablename__ = "personas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)

    jobs: Mapped[list[PersonaJob]] = relationship(
        back_populates="persona", cascade="all, delete-orphan", order_by="PersonaJob.id"
    )


class PersonaJob(Base):
    """One job-to-be-done of a persona, in their words."""

    __tablename__ = "persona_jobs"
    __table_args__ = (UniqueConstraint("persona_id", "statement"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    persona_id: Mapped[int] = mapped_column(
        ForeignKey("personas.id", ondelete="CASCADE"), index=True
    )
    statement: Mapped[str] = mapped_column(String(500))

    persona: Mapped[Persona] = relationship(back_populates="jobs")


class Capability(Base):
    """Something the platform offers (CI pipelines, service templates, rollback, the portal).

    Usage events, research, launches and the changelog name capabilities. `source` is
    `usage` for one created because a usage import named it first.
    """

    __tablename__ = "capabilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(40), default="manual")

    owner: Mapped[Team | None] = relationship()
