"""Coach fixtures: the web app in-process and served (the coach reads every domain), and a
launched capability that most teams never used."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from pavedroad.catalog.capabilities import add_capability
from pavedroad.catalog.schemas import CapabilityIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from pavedroad.demo.loader import contract_row
from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.writer import upsert_rows
from tests.web.conftest import (  # noqa: F401  (web fixtures)
    chromium_page,
    client,
    live_server,
    tokens,
    users,
)

TODAY = datetime.now(UTC).date()
TEAMS = ["alpha", "beta", "gamma", "delta"]


@pytest.fixture
def launched(engine) -> None:
    """Four eligible teams; `rollback` launched 30 days ago and used by alpha only."""
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(teams=[TeamIn(slug=t, name=t.title()) for t in TEAMS]),
        )
        add_capability(
            session=s,
            data=CapabilityIn(
                name="rollback",
                launched_at=datetime.combine(TODAY - timedelta(days=30), time(9), tzinfo=UTC),
            ),
        )
    kind = KINDS["usage-events"]
    at = datetime.combine(TODAY - timedelta(days=10), time(10), tzinfo=UTC)
    rows = [
        contract_row(
            kind, {"id": f"u{n}", "at": at.isoformat(), "capability": "rollback", "team": "alpha"}
        )
        for n in range(3)
    ]
    with engine.begin() as conn:
        upsert_rows(conn, kind, rows, channel="test", run_id=None)
