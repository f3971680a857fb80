"""Data versions: one counter per domain, bumped by every service write that changes its rows.

A cache that reads another domain's data (the KPI cache, the webhook receiver's catalog) keys
itself on these counters instead of fingerprinting that domain's tables, so a new column or
table never needs an edit in the reader. Event tables keep their own finer counters
(`ingest.models.EventVersion`).

The bump runs inside the caller's unit of work: it commits, or rolls back, with the write.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import BigInteger, String, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from pavedroad.db import Base

# The domains whose reference data other domains cache. Add a name here, not a new table.
Domain = Literal["catalog", "backlog"]
DOMAINS: tuple[Domain, ...] = ("catalog", "backlog")


class DataVersion(Base):
    """How many committed writes changed a domain's reference data."""

    __tablename__ = "data_versions"

    domain: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


def bump(session: Session, domain: Domain) -> None:
    """Count one more change to `domain`'s data; call it from every service that writes it."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(DataVersion).values(domain=domain, version=1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[DataVersion.domain],
            set_={"version": DataVersion.version + 1},
        )
    )


def current(session: Session) -> dict[str, int]:
    """Every domain's counter now (0 for a domain never written)."""
    versions: dict[str, int] = dict.fromkeys(DOMAINS, 0)
    for domain, version in session.execute(select(DataVersion.domain, DataVersion.version)):
        versions[domain] = version
    return versions


def of(session: Session, domain: Domain) -> int:
    """One domain's counter now."""
    return session.scalar(select(DataVersion.version).where(DataVersion.domain == domain)) or 0
