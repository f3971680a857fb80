"""Webhook benchmark: sustained deliveries/s and latency, then twice that load.

    .venv/bin/python bench/webhooks.py [--seconds 20] [--concurrency 16]

Starts `pavedroad serve` on loopback (SQLite, WAL) with a GitHub secret, and a load generator
in this process sends signed `workflow_run` deliveries, each with a new delivery id. Phase 1
is closed-loop (`--concurrency` clients back to back): its throughput is the sustained rate,
with p50 / p99 latency. Phase 2 is open-loop at twice that rate: the server may answer 503
with Retry-After, but every delivery answered 2xx must be stored, which the script checks by
counting rows. Targets on the 2-core machine: at least 500 deliveries/s with p99 under 100 ms.
The load generator shares the two cores with the server, so the figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from pavedroad.catalog.schemas import ServiceIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import make_engine, unit_of_work
from pavedroad.schema import upgrade

SECRET = "bench-secret"
TARGET_RATE = 500
TARGET_P99_MS = 100


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def delivery(n: int) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "action": "completed",
            "workflow_run": {
                "id": n,
                "status": "completed",
                "conclusion": "success" if n % 9 else "failure",
                "run_started_at": "2026-03-02T10:00:00Z",
                "created_at": "2026-03-02T09:59:00Z",
                "updated_at": "2026-03-02T10:06:00Z",
            },
            "repository": {"full_name": "acme/ledger-service"},
        }
    ).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "X-GitHub-Event": "workflow_run",
        "X-GitHub-Delivery": f"bench-{n}",
        "X-Hub-Signature-256": f"sha256={signature}",
        "Content-Type": "application/json",
    }
    return body, headers


async def closed_loop(
    base: str, seconds: float, concurrency: int, start: int
) -> tuple[list[float], int, int]:
    latencies: list[float] = []
    counter = iter(range(start, start + 10_000_000))
    failures = 0
    deadline = time.perf_counter() + seconds

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal failures
        while time.perf_counter() < deadline:
            body, headers = delivery(next(counter))
            began = time.perf_counter()
            response = await http.post(f"{base}/webhooks/github", content=body, headers=headers)
            latencies.append(time.perf_counter() - began)
            if response.status_code != 200:
                failures += 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
    return latencies, failures, next(counter)


async def open_loop(
    base: str, seconds: float, rate: float, start: int
) -> tuple[list[float], dict[int, int], int]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    tasks = []
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:

        async def send(n: int) -> None:
            body, headers = delivery(n)
            began = time.perf_counter()
            try:
                response = await http.post(f"{base}/webhooks/github", content=body, headers=headers)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            except httpx.HTTPError:
                statuses[0] = statuses.get(0, 0) + 1
            latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        total = int(seconds * rate)
        for i in range(total):
            due = began + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(start + i)))
        await asyncio.gather(*tasks)
    return latencies, statuses, start + total


def percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
        if len(values) > 1
        else values[0]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pavedroad-bench-hooks-"))
    url = f"sqlite:///{work / 'hooks.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        apply_batch(
            session=session,
            source="bench",
            batch=CatalogBatch(
                teams=[TeamIn(slug="payments", name="Payments")],
                services=[ServiceIn(name="ledger-service", owner="payments")],
            ),
        )
    port = free_port()
    env = {**os.environ, "PAVEDROAD_GITHUB_WEBHOOK_SECRET": SECRET}
    server = subprocess.Popen(
        [sys.executable, "-m", "pavedroad", "serve", "--db", url, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        asyncio.run(closed_loop(base, 2, args.concurrency, 0))  # warm-up
        latencies, failures, next_id = asyncio.run(
            closed_loop(base, args.seconds, args.concurrency, 1_000_000)
        )
        rate = len(latencies) / args.seconds
        p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
        print(
            f"sustained: {rate:,.0f} deliveries/s over {args.seconds:.0f} s with {args.concurrency} clients, "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, non-200: {failures}"
        )
        print(
            f"  target {TARGET_RATE}/s with p99 < {TARGET_P99_MS} ms: "
            f"{'met' if rate >= TARGET_RATE and p99 < TARGET_P99_MS else 'missed'}"
        )

        overload_rate = 2 * rate
        o_latencies, statuses, _ = asyncio.run(
            open_loop(base, args.seconds / 2, overload_rate, next_id)
        )
        accepted = sum(n for code, n in statuses.items() if 200 <= code < 300)
        print(
            f"twice the load: {overload_rate:,.0f}/s offered for {args.seconds / 2:.0f} s, statuses {dict(sorted(statuses.items()))}, "
            f"p50 {percentile(o_latencies, 50) * 1000:.1f} ms, p99 {percentile(o_latencies, 99) * 1000:.1f} ms"
        )
        with engine.connect() as conn:
            stored = conn.exec_driver_sql(
                "SELECT count(*) FROM webhook_deliveries WHERE CAST(substr(delivery_id, 7) AS INTEGER) >= ?",
                (next_id,),
            ).scalar()
        print(
            f"  accepted (2xx) {accepted:,}, stored {stored:,}: {'nothing lost' if stored == accepted else 'MISMATCH'}"
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
        engine.dispose()


if __name__ == "__main__":
    main()
