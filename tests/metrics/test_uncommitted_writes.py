"""KPIs asked for inside a transaction that has written (a demo load, an import that then reads
KPIs) must not leave a stale columnar copy behind once that transaction commits: the copy reads
the committed store, so the stamps it is filed under must be the committed ones too."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from pavedroad.db import unit_of_work
from pavedroad.demo.loader import contract_row
from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.writer import upsert_rows
from pavedroad.metrics.service import window_values

START, END = date(2026, 3, 2), date(2026, 3, 9)


def _runs(minutes: int, prefix: str) -> list[dict[str, object]]:
    return [
        {
            "id": f"{prefix}{i}",
            "service": "api",
            "started_at": f"2026-03-0{3 + i}T09:00:00Z",
            "finished_at": f"2026-03-0{3 + i}T09:{minutes:02d}:00Z",
            "result": "success",
        }
        for i in range(3)
    ]


def test_kpis_read_mid_transaction_do_not_stick_after_the_commit(engine: Engine) -> None:
    kind = KINDS["ci-runs"]
    with unit_of_work(engine) as session:
        rows = [contract_row(kind, run) for run in _runs(10, "a")]
        upsert_rows(session.connection(), kind, rows, channel="test", run_id=None)
        # Asked before the commit: whatever it says, it must not be kept as current.
        window_values(session=session, kpi_ids=["ci_duration_p50"], start=START, end=END)
    with unit_of_work(engine) as session:
        after = window_values(session=session, kpi_ids=["ci_duration_p50"], start=START, end=END)
    assert after["ci_duration_p50"] == pytest.approx(10.0)
