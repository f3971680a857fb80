"""Imports under stress: random rows, hostile files, and a process killed in the middle."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pavedroad.ingest.files import ImportOptions, import_file
from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.models import CiRun, Run, UsageEvent

CI = KINDS["ci-runs"]
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))
valid_ci_rows = st.fixed_dictionaries(
    {
        "id": st.text("abcdefghijklmnopqrstuvwxyz0123456789-_#/", min_size=1, max_size=40),
        "service": st.sampled_from(["ledger-service", "search-api"]),
        "started_at": moments,
        "minutes": st.integers(min_value=0, max_value=600),
        "result": st.sampled_from(["success", "failed", "cancelled", "SUCCESS"]),
    }
)


def _write(rows: list[dict[str, str]]) -> Path:
    fd, name = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CI.column_names)
        for row in rows:
            writer.writerow([row.get(c, "") for c in CI.column_names])
    return Path(name)


def _stored(engine) -> dict[str, tuple]:
    with Session(engine) as s:
        return {
            r.id: (r.service, r.started_at, r.finished_at, r.result)
            for r in s.scalars(select(CiRun))
        }


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(valid_ci_rows, min_size=1, max_size=20, unique_by=lambda r: r["id"]))
def test_random_valid_rows_round_trip_exactly(engine, catalog, rows):
    with Session(engine) as s, s.begin():
        s.execute(CiRun.__table__.delete())
    raw = [
        {
            "id": r["id"],
            "service": r["service"],
            "started_at": r["started_at"].isoformat(),
            "finished_at": (r["started_at"] + timedelta(minutes=r["minutes"])).isoformat(),
            "result": r["result"],
        }
        for r in rows
    ]
    path = _write(raw)
    try:
        result = import_file(engine, "ci-runs", path)
    finally:
        path.unlink()
    assert (result.new, result.rejected) == (len(rows), 0)
    assert _stored(engine) == {
        r["id"]: (
            r["service"],
            r["started_at"],
            r["started_at"] + timedelta(minutes=r["minutes"]),
            r["result"].lower(),
        )
        for r in rows
    }


garbage = st.one_of(
    st.text(max_size=30), st.sampled_from(["", "2026-13-01", "-1", "nan", "true", "\x00", "1e309"])
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=st.sampled_from(["service", "started_at", "finished_at", "result"]), value=garbage)
def test_random_broken_rows_are_refused_with_a_reason_and_change_nothing_else(
    engine, catalog, field, value
):
    good = {
        "id": "keep",
        "service": "ledger-service",
        "started_at": "2026-01-01T00:00:00Z",
        "finished_at": "2026-01-01T00:05:00Z",
        "result": "success",
    }
    path = _write([good])
    try:
        import_file(engine, "ci-runs", path)
    finally:
        path.unlink()
    before = _stored(engine)
    candidate = {**good, "id": "candidate", field: value}
    path = _write([candidate])
    try:
        result = import_file(engine, "ci-runs", path)
    finally:
        path.unlink()
    after = _stored(engine)
    assert after["keep"] == before["keep"]
    if result.rejected:
        assert result.new == 0 and "candidate" not in after
        assert result.errors and result.errors[0].startswith("line 2:")
    else:
        assert result.new + result.updated + result.unchanged == 1 and "candidate" in after
    with Session(engine) as s, s.begin():
        s.execute(CiRun.__table__.delete())


def test_hostile_bytes_give_reasons_not_crashes(engine, catalog, tmp_path):
    # The five required columns (queued_at is optional and left out).
    header = ",".join(c.name for c in CI.columns if c.required) + "\n"
    good = "ok,ledger-service,2026-01-01T00:00:00Z,2026-01-01T00:05:00Z,success\n"
    path = tmp_path / "hostile.csv"
    path.write_bytes(
        header.encode()
        + good.encode()
        + b"n,ledger-service,2026-01-01T00:00:00Z,2026-01-01T00:05:00Z,succ\x00ess\n"
        + b"r,ragged\n"
        + ("big," + "x" * 2_000_000 + ",2026-01-01,2026-01-01,success\n").encode()
        + b"u,ledger-service,\xff\xfe,2026-01-01,success\n"
    )
    result = import_file(engine, "ci-runs", path)
    assert result.new == 1
    assert result.rejected == 4
    reasons = " | ".join(result.errors)
    assert "expected 5 values like the header, found 2" in reasons
    assert "the row is not valid UTF-8" in reasons
    assert "unknown service" in reasons or "longer than" in reasons


def test_a_large_file_streams_in_batches(engine, catalog, tmp_path):
    path = tmp_path / "usage.csv"
    with path.open("w") as handle:
        handle.write("id,at,capability,team,developer,source\n")
        for i in range(30_000):
            handle.write(f"e{i},2026-03-01T10:{i % 60:02d}:00Z,deploy,payments,,cli\n")
    result = import_file(engine, "usage-events", path, ImportOptions(batch_size=2_000))
    assert (result.read, result.new, result.rejected) == (30_000, 30_000, 0)


KILLED_ROWS = 60_000


def test_an_import_killed_midway_and_run_again_ends_with_exactly_the_rows(
    db_url, engine, catalog, tmp_path
):
    path = tmp_path / "usage.csv"
    with path.open("w") as handle:
        handle.write("id,at,capability,team,developer,source\n")
        for i in range(KILLED_ROWS):
            handle.write(f"e{i},2026-03-01T10:00:00Z,deploy,payments,dev{i % 97}@example.com,cli\n")
    script = (
        "import sys; from pathlib import Path; from pavedroad.db import make_engine;"
        "from pavedroad.ingest.files import ImportOptions, import_file;"
        "import_file(make_engine(sys.argv[1]), 'usage-events', Path(sys.argv[2]), ImportOptions(batch_size=500))"
    )
    process = subprocess.Popen([sys.executable, "-c", script, db_url, str(path)])
    deadline = time.monotonic() + 60
    written = 0
    while time.monotonic() < deadline and process.poll() is None:
        with Session(engine) as s:
            written = s.scalar(select(func.count()).select_from(UsageEvent)) or 0
        if written >= 5_000:
            break
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert 0 < written < KILLED_ROWS, "the import should have been killed in the middle"

    again = import_file(engine, "usage-events", path)

    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(UsageEvent)) == KILLED_ROWS
        assert s.scalar(select(func.count(func.distinct(UsageEvent.id)))) == KILLED_ROWS
        killed = s.scalar(select(Run).where(Run.id != again.id).order_by(Run.id))
        assert killed.status == "failed" and "ended before the run finished" in killed.errors[-1]
    assert again.new + again.unchanged == KILLED_ROWS and again.rejected == 0
