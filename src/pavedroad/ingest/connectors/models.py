"""Connections to the systems a year of history is backfilled from, and their sync state.

A connection names a provider (`github`, `gitlab`, `pagerduty`, `jira`, `backstage`), its API
root and how to find its token: the name of an environment variable (`token_env`, read at sync
time) or the token itself encrypted with the settings' secret key (`token_encrypted`). Its
`cursor` holds, per resource list, how far the last sync got, so a sync resumes where a crash
left it and later syncs are incremental. `lock_owner`/`lock_until` is the lease that keeps two
syncs of one connection from overlapping, in any process.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pavedroad.db import Base, UTCDateTime, utcnow


class Connection(Base):
    """One configured connection to a provider's API."""

    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    provider: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(500))
    token_env: Mapped[str | None] = mapped_column(String(100))
    token_encrypted: Mapped[str | None] = mapped_column(Text)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Seconds between scheduled syncs under `pavedroad serve`; None: only by hand.
    every_seconds: Mapped[int | None] = mapped_column(Integer)
    cursor: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lock_owner: Mapped[str | None] = mapped_column(String(200))
    lock_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("ingest_runs.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
