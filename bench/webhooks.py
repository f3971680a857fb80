"""Webhook benchmark: sustained deliveries/s with p50 / p99 latency, then overload.

    .venv/bin/python bench/webhooks.py [--seconds 20] [--connections 8]

Starts `pavedroad serve` on loopback (SQLite in WAL mode) with a GitHub secret and drives
it with `wrk` (Debian package `wrk`, a C load generator, so the Python server keeps the
cores): signed `workflow_run` deliveries, each with a new `X-GitHub-Delivery` id, so each
one is verified, stored, mapped to a CI run and counted on its run. Phase 1 measures the
sustained rate with `--connections` clients back to back. Phase 2 offers load beyond capacity
(8 times the clients): the server may answer 503 with Retry-After, but every delivery it
answered 2xx must be stored, which the script checks by counting stored deliveries.
Targets on the 2-core machine: at least 500 deliveries/s with p99 under 100 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from pavedroad.catalog.schemas import ServiceIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import make_engine, unit_of_work
from pavedroad.schema import upgrade

SECRET = "bench-secret"  # noqa: S105 - a throwaway secret for the local server
TARGET_RATE = 500
TARGET_P99_MS = 100
WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-GitHub-Event"] = "workflow_run"
wrk.headers["X-Hub-Signature-256"] = "sha256={signature}"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
local counter = 0
request = function()
  counter = counter + 1
  wrk.headers["X-GitHub-Delivery"] = "{prefix}-" .. thread_id .. "-" .. counter
  return wrk.format()
end
"""


@dataclass
class WrkResult:
    """What wrk measured."""

    requests: int
    seconds: float
    non_2xx: int
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def workflow_run_body() -> bytes:
    """A completed GitHub workflow run of `acme/ledger-service`."""
    return json.dumps(
        {
            "action": "completed",
            "workflow_run": {
                "id": 42,
                "status": "completed",
                "conclusion": "success",
                "run_started_at": "2026-03-02T10:00:00Z",
                "created_at": "2026-03-02T09:59:00Z",
                "updated_at": "2026-03-02T10:06:00Z",
            },
            "repository": {"full_name": "acme/ledger-service"},
        }
    ).encode()


def _milliseconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"cannot read wrk latency {text!r}")
    return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise ValueError(f"wrk output lacks {pattern!r}:\n{text}")
    return match.group(1)


def run_wrk(url: str, script: Path, connections: int, seconds: float) -> WrkResult:
    """`wrk` against the receiver for `seconds`."""
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds:.0f}s",
            "-s",
            str(script),
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        requests=int(_find(r"(\d+) requests in", output)),
        seconds=seconds,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        p50_ms=_milliseconds(_find(r"(?m)^\s+50%\s+(\S+)", output)),
        p99_ms=_milliseconds(_find(r"(?m)^\s+99%\s+(\S+)", output)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk (Debian package `wrk`): apt-get install wrk")

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
    body = workflow_run_body()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    scripts = {}
    for phase in ("warm", "sustained", "overload"):
        scripts[phase] = work / f"{phase}.lua"
        scripts[phase].write_text(
            WRK_SCRIPT.format(body=json.dumps(body.decode()), signature=signature, prefix=phase)
        )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "pavedroad", "serve", "--db", url, "--port", str(port)],
        env={**os.environ, "PAVEDROAD_GITHUB_WEBHOOK_SECRET": SECRET},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    hook = f"{base}/webhooks/github"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        run_wrk(hook, scripts["warm"], args.connections, 3)
        sustained = run_wrk(hook, scripts["sustained"], args.connections, args.seconds)
        met = sustained.rate >= TARGET_RATE and sustained.p99_ms < TARGET_P99_MS
        print(
            f"sustained: {sustained.rate:,.0f} deliveries/s over {args.seconds:.0f} s with "
            f"{args.connections} connections, p50 {sustained.p50_ms:.1f} ms, p99 {sustained.p99_ms:.1f} ms, "
            f"non-2xx {sustained.non_2xx}"
        )
        print(
            f"  target {TARGET_RATE}/s with p99 < {TARGET_P99_MS} ms: {'met' if met else 'missed'}"
        )

        clients = 8 * args.connections
        overload = run_wrk(hook, scripts["overload"], clients, args.seconds / 2)
        accepted = overload.requests - overload.non_2xx
        print(
            f"overload ({clients} connections): {overload.rate:,.0f} answers/s, "
            f"{overload.non_2xx:,} answered 503 with Retry-After, p50 {overload.p50_ms:.1f} ms, "
            f"p99 {overload.p99_ms:.1f} ms"
        )
        with engine.connect() as conn:
            stored = conn.exec_driver_sql(
                "SELECT count(*) FROM webhook_deliveries WHERE delivery_id LIKE 'overload%'"
            ).scalar()
        # wrk stops counting at its deadline while the last requests are still answered, so a
        # few more may be stored than it saw accepted; fewer would mean a lost delivery.
        verdict = "nothing lost" if stored >= accepted else "LOST DELIVERIES"
        print(f"  accepted (2xx) {accepted:,}, stored {stored:,}: {verdict}")
    finally:
        server.terminate()
        server.wait(timeout=20)
        engine.dispose()


if __name__ == "__main__":
    main()
