"""Every write the server accepts survives, with the server, the CLI and the KPI engine in
separate processes on one store, as users run them (`pavedroad serve` next to `pavedroad
import` and `pavedroad kpis`).

The store is read back through a fresh connection of this (third) process after every
answer, and again once the server has stopped.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from pavedroad.auth import service as auth
from pavedroad.catalog.schemas import ServiceIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import make_engine, unit_of_work
from pavedroad.ingest.models import CiRun


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """`pavedroad serve` in its own process, and API tokens to call it with."""

    base: str
    process: subprocess.Popen[bytes]
    write_token: str
    read_token: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _pavedroad(*args: str) -> list[str]:
    return [sys.executable, "-m", "pavedroad", *args]


@pytest.fixture
def served(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    # Every whole-table copy of the KPI engine goes through its feeder process, the path
    # large stores take (small tables would otherwise be read in-process).
    monkeypatch.setenv("PAVEDROAD_KPI_COPY_IN_PROCESS_ROWS", "0")
    engine = make_engine(db_url)
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(
                teams=[TeamIn(slug="payments", name="Payments")],
                services=[ServiceIn(name="ledger", owner="payments")],
            ),
        )
        auth.create_user(
            session=s, email="ops@example.com", name="Ops", password="x" * 12, role="admin"
        )
        write_token, _ = auth.create_token(
            session=s, email="ops@example.com", name="hooks", scope="write"
        )
        read_token, _ = auth.create_token(
            session=s, email="ops@example.com", name="reads", scope="read"
        )
    engine.dispose()
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            _pavedroad("serve", "--db", db_url, "--port", str(port)),
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"pavedroad serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("pavedroad serve did not become ready in 60 s")
    server = Served(base, process, write_token, read_token, log)
    yield server
    server.stop()


def _ci_run(n: str) -> dict[str, str]:
    return {
        "id": n,
        "service": "ledger",
        "started_at": "2026-03-02T10:00:00Z",
        "finished_at": "2026-03-02T10:06:00Z",
        "result": "success",
    }


def _deliver(client: httpx.Client, token: str, n: str) -> int:
    response = client.post(
        "/api/v1/hooks/ci-runs",
        json=_ci_run(n),
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": n},
    )
    return response.status_code


def _stored_ids(db_url: str) -> set[str]:
    """The CI run ids a fresh connection of this process can read now."""
    engine = make_engine(db_url)
    try:
        with unit_of_work(engine) as s:
            return set(s.scalars(select(CiRun.id)))
    finally:
        engine.dispose()


def _ci_file(path: Path, prefix: str, rows: int) -> Path:
    lines = ["id,service,started_at,finished_at,result"]
    lines += [
        f"{prefix}{i},ledger,2026-03-0{1 + i % 9}T09:00:00Z,2026-03-0{1 + i % 9}T09:04:00Z,success"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _kpis(client: httpx.Client, token: str) -> None:
    response = client.get(
        "/api/v1/kpis",
        params={"window": "2026-03"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
    )
    assert response.status_code == 200, response.text


def test_deliveries_after_a_cli_import_next_to_the_kpi_engine_are_kept(
    served: Served, db_url: str, tmp_path: Path
) -> None:
    with httpx.Client(base_url=served.base, timeout=60) as client:
        # 1. the engine opens its columnar copy of the store
        _kpis(client, served.read_token)
        # 2. one delivery: accepted and readable by another process
        assert _deliver(client, served.write_token, "hook-0") // 100 == 2
        assert "hook-0" in _stored_ids(db_url)
        # 3. the CLI imports into the same store
        imported = subprocess.run(
            _pavedroad(
                "import", "ci-runs", str(_ci_file(tmp_path / "ci.csv", "file-", 500)),
                "--db", db_url, "--json",
            ),
            capture_output=True,
            text=True,
            timeout=120,
        )  # fmt: skip
        assert imported.returncode == 0, imported.stderr
        assert json.loads(imported.stdout)["new"] == 500
        # a KPI run in its own process reads the store too
        kpis = subprocess.run(
            _pavedroad("kpis", "--window", "2026-03", "--db", db_url, "--json"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert kpis.returncode == 0, kpis.stderr
        ci = {k["id"]: k for k in json.loads(kpis.stdout)["kpis"]}["ci_duration_p50"]
        assert ci["sample_size"] >= 501
        # 4. four more deliveries, each readable elsewhere as soon as it is answered
        for n in range(1, 5):
            assert _deliver(client, served.write_token, f"hook-{n}") // 100 == 2
            assert f"hook-{n}" in _stored_ids(db_url), f"hook-{n} answered but not readable"
            _kpis(client, served.read_token)
    served.stop()
    stored = _stored_ids(db_url)
    assert {f"hook-{n}" for n in range(5)} <= stored
    assert len(stored) == 505


@dataclass
class _Tally:
    accepted: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    kpi_reads: int = 0


def test_soak_of_webhooks_kpi_reads_and_cli_imports_loses_and_doubles_nothing(
    served: Served, db_url: str, tmp_path: Path
) -> None:
    seconds = float(os.environ.get("PAVEDROAD_SOAK_SECONDS", "12"))
    stop = threading.Event()
    tally = _Tally()

    def send() -> None:
        with httpx.Client(base_url=served.base, timeout=60) as client:
            n = 0
            while not stop.is_set():
                key = f"soak-{n}"
                status = _deliver(client, served.write_token, key)
                if status // 100 == 2:
                    tally.accepted.add(key)
                elif status != 503:  # overload is an answer the sender retries
                    tally.failures.append(f"{key}: {status}")
                n += 1

    def read() -> None:
        with httpx.Client(base_url=served.base, timeout=120) as client:
            while not stop.is_set():
                try:
                    _kpis(client, served.read_token)
                    tally.kpi_reads += 1
                except AssertionError as exc:
                    tally.failures.append(f"kpis: {exc}")

    threads = [threading.Thread(target=send), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    imported = 0
    deadline = time.monotonic() + seconds
    batch = 0
    try:
        while time.monotonic() < deadline:
            path = _ci_file(tmp_path / f"soak-{batch}.csv", f"soak-file-{batch}-", 300)
            done = subprocess.run(
                _pavedroad("import", "ci-runs", str(path), "--db", db_url, "--json"),
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
            assert json.loads(done.stdout)["new"] == 300
            imported += 300
            batch += 1
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert tally.failures == []
    assert tally.kpi_reads > 0 and batch > 0 and tally.accepted
    # while the server still runs, and again after it stopped
    assert len(_stored_ids(db_url)) == imported + len(tally.accepted)
    served.stop()
    stored = _stored_ids(db_url)
    assert tally.accepted <= stored
    assert len(stored) == imported + len(tally.accepted)
