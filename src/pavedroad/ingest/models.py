"""Event tables (one per kind of telemetry), ingestion runs, their rejects, and webhook deliveries.

Every event row keeps its natural key from the source (so a re-import or a redelivered webhook
is an upsert), the channel it came through (`file`, `webhook:github`, `demo`...), a hash of
its values (so "unchanged" costs nothing), and the run that last wrote it. Services and teams
are stored by name and slug, as the source names them; the catalog resolves them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pavedroad.db import Base, UTCDateTime, postgres_index, utcnow


class _Tracked:
    """Columns every event table carries."""

    channel: Mapped[str] = mapped_column(String(40), default="file")
    row_hash: Mapped[str] = mapped_column(String(32))
    run_id: Mapped[int | None] = mapped_column(Integer)


class Deployment(_Tracked, Base):
    """A deployment of a service to an environment."""

    __tablename__ = "deployments"
    __table_args__ = (postgres_index("deployments", "finished_at"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    service: Mapped[str] = mapped_column(String(200))
    environment: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(String(20))
    is_rollback: Mapped[bool] = mapped_column(Boolean, default=False)
    team: Mapped[str | None] = mapped_column(String(100))
    via_platform: Mapped[bool] = mapped_column(Boolean, default=False)


class Change(_Tracked, Base):
    """A change (PR or commit) that reached a deployment."""

    __tablename__ = "changes"
    __table_args__ = (postgres_index("changes", "deployment_id"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    service: Mapped[str] = mapped_column(String(200))
    first_commit_at: Mapped[datetime] = mapped_column(UTCDateTime)
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deployment_id: Mapped[str | None] = mapped_column(String(200))


class CiRun(_Tracked, Base):
    """A CI pipeline run."""

    __tablename__ = "ci_runs"
    __table_args__ = (postgres_index("ci_runs", "finished_at"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    service: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(String(20))
    # When the run was created or queued, where the provider says (queue time is apart).
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Incident(_Tracked, Base):
    """An incident, possibly caused by a deployment or by the platform."""

    __tablename__ = "incidents"
    __table_args__ = (
        postgres_index("incidents", "started_at"),
        postgres_index("incidents", "caused_by_deployment_id"),
    )

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    service: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(100))
    # Unknown (null) while only events without the incident's creation time were received.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    severity: Mapped[str | None] = mapped_column(String(20))
    caused_by_deployment_id: Mapped[str | None] = mapped_column(String(200))
    platform_caused: Mapped[bool] = mapped_column(Boolean, default=False)
    # The event time of the snapshot that wrote this row (webhooks); an older one is ignored.
    snapshot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Ticket(_Tracked, Base):
    """A support ticket or request to the platform team."""

    __tablename__ = "tickets"
    __table_args__ = (postgres_index("tickets", "opened_at"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    team: Mapped[str | None] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    category: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    self_service: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    # Email of the developer who answered it (a developer of another team makes a champion candidate).
    answered_by: Mapped[str | None] = mapped_column(String(320))


class SurveyResponse(_Tracked, Base):
    """One anonymous answer set to a survey wave."""

    __tablename__ = "survey_responses"
    __table_args__ = (postgres_index("survey_responses", "submitted_at"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    survey: Mapped[str] = mapped_column(String(200))
    wave: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[date] = mapped_column(Date)
    team: Mapped[str | None] = mapped_column(String(100))
    nps: Mapped[int | None] = mapped_column(Integer)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    comments: Mapped[str] = mapped_column(Text, default="")


class UsageEvent(_Tracked, Base):
    """One use of a platform capability."""

    __tablename__ = "usage_events"
    __table_args__ = (postgres_index("usage_events", "at"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    capability: Mapped[str] = mapped_column(String(200))
    team: Mapped[str] = mapped_column(String(100))
    developer: Mapped[str | None] = mapped_column(String(320))
    source: Mapped[str | None] = mapped_column(String(100))


class Onboarding(_Tracked, Base):
    """A developer's start and first production deploy."""

    __tablename__ = "onboarding"
    __table_args__ = (postgres_index("onboarding", "first_deploy_at"),)

    developer: Mapped[str] = mapped_column(String(320), primary_key=True)
    team: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_deploy_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OrgFact(_Tracked, Base):
    """Dated organisation numbers for per-customer and cost KPIs."""

    __tablename__ = "org_facts"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    customers: Mapped[int | None] = mapped_column(Integer)
    developers: Mapped[int | None] = mapped_column(Integer)
    compute_cost: Mapped[float | None] = mapped_column(Float)
    ops_hours: Mapped[float | None] = mapped_column(Float)
    hourly_rate: Mapped[float | None] = mapped_column(Float)


class Run(Base):
    """One file import or webhook batch, with its status, counts, first errors and timings."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(30), index=True)
    read: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RunReject(Base):
    """A row a run refused, with where it was and why (the first ones of each run are kept)."""

    __tablename__ = "ingest_rejects"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("ingest_runs.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(500))
    raw: Mapped[str] = mapped_column(Text, default="")


class WebhookDelivery(Base):
    """The raw payload of an accepted webhook delivery, kept so it can be reprocessed."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("provider", "delivery_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    delivery_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("ingest_runs.id", ondelete="SET NULL"), index=True
    )
    payload: Mapped[str] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(1000))


class WebhookRepository(Base):
    """A repository (`owner/repo`, lower-cased) that a webhook delivery named.

    A repository is its service by its short name only while no other owner's repository of
    that name is known, so two owners' `hello-world` never merge silently.
    """

    __tablename__ = "webhook_repositories"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(300), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventVersion(Base):
    """A counter per event table, bumped by every write that changed rows in it.

    The metrics engine compares these to know which cached KPI results ingestion invalidated.
    """

    __tablename__ = "event_versions"

    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped only when existing rows changed (not for pure inserts), so a reader that mirrors
    # the table knows whether appending the new rows is enough.
    updates: Mapped[int] = mapped_column(Integer, default=0)
