"""Page benchmark: each page's time and size on the demo company, after the server has started.

    .venv/bin/python bench/pages.py                       # loads the demo into a temp store
    .venv/bin/python bench/pages.py --db sqlite:////tmp/demo.db --port 8790

It runs `pavedroad serve` as a person would (which warms the KPI engine at start: the home, the
dashboard, every KPI page and every team page), waits until /healthz says `"kpis": "warm"`,
signs in as the demo user and asks, in this order, a few teams' pages and team-filtered
dashboards, every page of the navigation, every KPI's page (and its events) and an initiative:
`first s` is that first request (the one a person meets after start-up), `best s` the best of
`--runs` more. Sizes are the HTML as sent (gzip, what a browser receives) and uncompressed. Target:
every page under 1 s.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from pavedroad.demo.company import DEMO_LOGIN
from pavedroad.metrics.definitions import KPI_IDS
from pavedroad.web.pages.render import NAVIGATION

TARGET_SECONDS = 1.0
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def demo_server(db: str | None, port: int | None) -> Iterator[str]:
    """`pavedroad serve` on `db` (or on the demo loaded into a temporary store); yields its URL."""
    with tempfile.TemporaryDirectory() as tmp:
        if db is None:
            db = f"sqlite:///{tmp}/demo.db"
            subprocess.run([BIN / "pavedroad", "init", "--db", db], check=True, capture_output=True)
            subprocess.run(
                [BIN / "pavedroad", "demo", "load", "--db", db], check=True, capture_output=True
            )
        port = port or _free_port()
        server = subprocess.Popen(
            [BIN / "pavedroad", "serve", "--db", db, "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            yield base
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)


def signed_in(base: str) -> httpx.Client:
    """A client with the demo user's session cookie (the sign-in form, CSRF included)."""
    client = httpx.Client(base_url=base, timeout=120, headers={"Accept-Encoding": "gzip"})
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, "the sign-in page has no CSRF field"
    email, password = DEMO_LOGIN
    answer = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303, answer.text
    return client


def wait_until_warm(base: str, timeout: float = 600) -> float:
    """Seconds from now until the server's KPI engine is warm (its /healthz says so)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if httpx.get(f"{base}/healthz").json().get("kpis") in ("warm", None):
            break
        time.sleep(0.5)
    return time.monotonic() - started


def pages_of(client: httpx.Client, teams: int = 3) -> list[str]:
    """Team pages and team-filtered dashboards of `teams` teams (the first listed), the
    navigation, every KPI's page and its first events page, and the first initiative."""
    team_links = re.findall(r'href="/catalog/teams/([^"/?]+)"', client.get("/catalog").text)
    slugs = list(dict.fromkeys(team_links))[:teams]
    paths = [f"/catalog/teams/{slug}" for slug in slugs]
    paths += [f"/kpis?team={slug}" for slug in slugs]
    paths += [item.path for item in NAVIGATION if item.path and item.needs is None]
    paths += [f"/kpis/{kpi}" for kpi in KPI_IDS]
    paths += [f"/kpis/{kpi}/events" for kpi in KPI_IDS[:3]]
    found = re.search(r'href="(/initiatives/\d+)"', client.get("/backlog").text)
    if found:
        paths.append(found.group(1))
    return paths


def measure(client: httpx.Client, path: str, runs: int) -> tuple[float, float, int, int, int]:
    """(first seconds, best seconds, status, bytes sent, bytes uncompressed) for one page."""
    times = []
    status, wire, raw = 0, 0, 0
    for _ in range(runs + 1):
        started = time.perf_counter()
        with client.stream("GET", path) as response:
            wire = sum(len(chunk) for chunk in response.iter_raw())
            status = response.status_code
        times.append(time.perf_counter() - started)
    raw = len(client.get(path).content)
    return times[0], min(times[1:]), status, wire, raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="a store with the demo loaded (default: load it afresh)")
    parser.add_argument("--port", type=int, help="the port to serve on (default: a free one)")
    parser.add_argument("--runs", type=int, default=3, help="timed requests per page (best kept)")
    args = parser.parse_args()
    with demo_server(args.db, args.port) as base:
        warming = wait_until_warm(base)
        client = signed_in(base)
        client.get("/")  # a server without the warmth in /healthz warms the home: wait for it
        rows = [(path, *measure(client, path, args.runs)) for path in pages_of(client)]
    print(f"KPI engine warm {warming:.1f} s after the server answered")
    print(f"{'page':<44} {'status':>6} {'first s':>8} {'best s':>7} {'sent KB':>8} {'HTML KB':>8}")
    for path, first, best, status, wire, raw in rows:
        flag = "" if max(first, best) < TARGET_SECONDS else "  over 1 s"
        print(
            f"{path:<44} {status:>6} {first:>8.2f} {best:>7.2f} {wire / 1024:>8.1f} "
            f"{raw / 1024:>8.1f}{flag}"
        )
    slowest = max(rows, key=lambda row: row[2])
    first = max(rows, key=lambda row: row[1])
    over = [row[0] for row in rows if max(row[1], row[2]) >= TARGET_SECONDS]
    print(
        f"{len(rows)} pages; slowest {slowest[0]} {slowest[2]:.2f} s; slowest first request "
        f"{first[0]} {first[1]:.2f} s; "
        f"{'all under 1 s' if not over else 'over 1 s: ' + ', '.join(over)}"
    )


if __name__ == "__main__":
    main()
