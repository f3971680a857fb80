"""GitHub connector benchmark: a full backfill from a local GitHub stand-in, then an
incremental sync with nothing new.

    .venv/bin/python bench/connectors_github.py [--scale 1.0] [--repos 10]

At `--scale 1` the stand-in serves 100k deployments (each with its statuses), 300k merged pull
requests (each with its commits) and 200k workflow runs over `--repos` repositories, at
GitHub's page size of 100, answering through the routes of the tests' stand-in
(tests/connectors/standins/github.py) on a small asyncio HTTP/1.1 server in its own process.
The data is made on demand from each item's index (nothing is held), and commit shas encode
their position on the main branch so the compare API answers without a table.

The backfill runs `pavedroad connect sync` (the sync engine, as the CLI calls it) in a
separate process against a fresh SQLite store and reports wall time, peak RSS, requests per
second, and where the time went: the process's CPU time (pavedroad, httpx and SQLite) against
the wall time, and the seconds requests spent on the wire (`ApiClient.stats.http_seconds`,
summed over the concurrent requests). Then a second sync with nothing new must make at most one
request per resource list. Targets: under 5 minutes and 300 MB at full size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import queue
import resource
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.connectors.standin import Answer, Request, StandIn
from tests.connectors.standins.github import (
    GitHub,
    Repo,
    commit,
    deployment,
    deployment_status,
    pull_request,
    workflow_run,
)

FULL = {"deployments": 100_000, "pulls": 300_000, "runs": 200_000}
TOKEN = "ghp_bench_token_never_shown"  # noqa: S105 - a throwaway token for the local server
END = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
SPAN = timedelta(days=360)
TARGET_SECONDS = 300
TARGET_MB = 300


def sha(repo_no: int, position: int) -> str:
    """The sha of main's commit at `position` (1-based): the position is readable from it."""
    return format((repo_no << 40) | position, "040x")


class _Lazy(Sequence[dict[str, Any]]):
    def __init__(self, count: int, make: Any) -> None:
        self.count, self.make = count, make

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self.make(i) for i in range(*index.indices(self.count))]
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(index)
        return self.make(index)


class SyntheticRepo(Repo):
    """A repository whose items are made from their index. Pull request j (1..P) merges
    main's commit j; deployment k (1..D) ships main up to commit k*P/D and succeeds (every
    tenth fails); runs are spread over the year."""

    def __init__(self, repo_no: int, name: str, deployments: int, pulls: int, runs: int) -> None:
        super().__init__(name)
        self.no, self.n_dep, self.n_pr, self.n_run = repo_no, deployments, pulls, runs
        self.deployments = _Lazy(deployments, self._deployment)
        self.pulls = _Lazy(pulls, self._pull)
        self.runs = _Lazy(runs, self._run)

    def _dep_time(self, k: int) -> datetime:
        return END - SPAN + SPAN * k / (self.n_dep + 1)

    def _pr_time(self, j: int) -> datetime:
        return END - SPAN + SPAN * j / (self.n_pr + 1)

    def _head(self, k: int) -> int:
        # The newest commit merged before deployment k was created.
        return max(k * (self.n_pr + 1) // (self.n_dep + 1), 1)

    def _deployment(self, index: int) -> dict[str, Any]:
        k = self.n_dep - index  # newest first
        created = self._dep_time(k)
        return deployment(
            self.full_name,
            self.no * 10_000_000 + k,
            sha=sha(self.no, self._head(k)),
            environment="production",
            created=created,
            updated=created + timedelta(minutes=6),
        )

    def statuses_of(self, ident: int) -> list[dict[str, Any]] | None:
        k = ident - self.no * 10_000_000
        if not 1 <= k <= self.n_dep:
            return None
        created = self._dep_time(k)
        final = "failure" if k % 10 == 0 else "success"
        return [
            deployment_status(
                self.full_name,
                ident,
                2 * ident + 1,
                final,
                created + timedelta(minutes=6),
                "production",
            ),
            deployment_status(
                self.full_name, ident, 2 * ident, "in_progress", created, "production"
            ),
        ]

    def _pull(self, index: int) -> dict[str, Any]:
        j = self.n_pr - index  # by updated_at, newest first
        merged = self._pr_time(j)
        return pull_request(
            self.full_name,
            j,
            created=merged - timedelta(hours=3),
            merged=merged,
            merge_sha=sha(self.no, j),
            updated=merged + timedelta(minutes=1),
        )

    def commits_of(self, number: int) -> list[dict[str, Any]] | None:
        if not 1 <= number <= self.n_pr:
            return None
        merged = self._pr_time(number)
        return [
            commit(self.full_name, sha(self.no + 100, 2 * number), merged - timedelta(hours=5)),
            commit(self.full_name, sha(self.no + 100, 2 * number + 1), merged - timedelta(hours=1)),
        ]

    def compare(self, base: str, head: str) -> list[dict[str, Any]] | None:
        start, end = int(base, 16) & ((1 << 40) - 1), int(head, 16) & ((1 << 40) - 1)
        if not 0 < start <= end <= self.n_pr:
            return None
        return [
            commit(self.full_name, sha(self.no, p), self._pr_time(p))
            for p in range(start + 1, end + 1)
        ]

    def _run(self, index: int) -> dict[str, Any]:
        r = self.n_run - index
        created = END - SPAN + SPAN * r / (self.n_run + 1)
        return workflow_run(
            self.full_name,
            self.no * 10_000_000 + r,
            created=created,
            started=created + timedelta(seconds=30),
            updated=created + timedelta(minutes=4, seconds=r % 300),
            conclusion="failure" if r % 7 == 0 else "success",
        )


class CountingStandIn(StandIn):
    """The tests' stand-in without its request log (it would hold 500k requests): counts."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()

    def answer(self, request: Request) -> Answer:
        path = request.path
        kind = (
            "statuses"
            if path.endswith("/statuses")
            else "commits"
            if path.endswith("/commits")
            else "compare"
            if "/compare/" in path
            else path
        )
        self.counts[kind] += 1
        if path == "/_counts":
            used = resource.getrusage(resource.RUSAGE_SELF)
            return Answer(200, {**self.counts, "cpu": used.ru_utime + used.ru_stime})
        for method, pattern, handler in self.routes:
            match = pattern.match(path)
            if method == request.method and match:
                request.params = match.groupdict()
                return handler(request)
        return Answer(404, {"message": "Not Found"})


def _serve(port: int, scale: float, repos: int, ready: Any) -> None:
    standin = CountingStandIn()
    standin.base_url = f"http://127.0.0.1:{port}"
    github = GitHub(standin)
    for no in range(1, repos + 1):
        github.add(
            SyntheticRepo(
                no,
                f"acme/service-{no}",
                int(FULL["deployments"] * scale / repos),
                int(FULL["pulls"] * scale / repos),
                int(FULL["runs"] * scale / repos),
            )
        )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        key, _, value = line.partition(":")
                        headers[key.strip().lower()] = value.strip()
                parts = urlsplit(target)
                answer = standin.answer(
                    Request(method, parts.path, parse_qs(parts.query), headers, None)
                )
                body = b"" if answer.body is None else json.dumps(answer.body).encode()
                out = [f"HTTP/1.1 {answer.status} X", "Content-Type: application/json"]
                out += [f"{k}: {v}" for k, v in answer.headers.items()]
                out.append(f"Content-Length: {len(body)}")
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=256)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sync(db_url: str, base: str, repos: int, out: Any) -> None:
    """The measured process: a fresh store, one connection, a backfill, an incremental sync."""
    os.environ["GITHUB_BENCH_TOKEN"] = TOKEN
    from pavedroad.catalog.schemas import ServiceIn, TeamIn
    from pavedroad.catalog.service import CatalogBatch, apply_batch
    from pavedroad.db import make_engine, unit_of_work
    from pavedroad.ingest.connectors import service, sync
    from pavedroad.schema import upgrade
    from pavedroad.settings import Settings

    engine = make_engine(db_url)
    upgrade(engine)
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="bench",
            batch=CatalogBatch(
                teams=[TeamIn(slug="core", name="Core")],
                services=[
                    ServiceIn(name=f"service-{no}", owner="core") for no in range(1, repos + 1)
                ],
            ),
        )
        service.add_connection(
            session=s,
            name="bench",
            provider="github",
            url=base,
            token_env="GITHUB_BENCH_TOKEN",  # noqa: S106 - the variable's name
            token=None,
            secret_key=None,
            options={"repos": [f"acme/service-{no}" for no in range(1, repos + 1)]},
            every=None,
        )
    settings = Settings(database_url=db_url)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    run = sync.sync_connection(engine, settings, "bench")
    wall = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    again = sync.sync_connection(engine, settings, "bench")
    out.put(
        {
            "status": run.status,
            "errors": run.errors[:3],
            "wall": wall,
            "cpu": (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime),
            "rss_mb": cpu1.ru_maxrss / 1024,
            "http": run.http,
            "tables": {k: v.model_dump() for k, v in run.tables.items()},
            "again": {"status": again.status, "http": again.http},
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100k/300k/200k items")
    parser.add_argument("--repos", type=int, default=10)
    args = parser.parse_args()
    ctx = multiprocessing.get_context("spawn")
    port = _free_port()
    ready = ctx.Event()
    server = ctx.Process(target=_serve, args=(port, args.scale, args.repos, ready), daemon=True)
    server.start()
    ready.wait(30)
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/bench.db"
        out = ctx.Queue()
        worker = ctx.Process(target=_sync, args=(db_url, base, args.repos, out))
        worker.start()
        while True:
            try:
                result = out.get(timeout=5)
                break
            except queue.Empty:
                if not worker.is_alive():
                    server.terminate()
                    print("the sync process died", file=sys.stderr)
                    return 1
        worker.join()
    import httpx

    counts = httpx.get(f"{base}/_counts").json()
    server.terminate()
    http = result["http"]
    requests = http["requests"]
    wall = result["wall"]
    print(f"scale {args.scale} over {args.repos} repositories: {result['status']}")
    for table, c in result["tables"].items():
        print(f"  {table}: read {c['read']:,}, new {c['new']:,}, rejected {c['rejected']:,}")
    if result["errors"]:
        print("  errors:", result["errors"])
    print(f"backfill wall time {wall:.1f} s, peak RSS {result['rss_mb']:.0f} MB")
    print(f"requests {requests:,} ({requests / wall:.0f}/s), retries {http['retries']}")
    print(
        f"sync process CPU {result['cpu']:.1f} s = {result['cpu'] / wall:.0%} of wall time "
        f"(pavedroad + httpx + SQLite); requests on the wire {http['http_seconds']:.0f} s summed "
        f"over concurrent requests ({http['http_seconds'] / wall:.1f} in flight on average)"
    )
    per_item = {k: counts.get(k, 0) for k in ("statuses", "commits", "compare")}
    print(f"stand-in process CPU {counts['cpu']:.1f} s = {counts['cpu'] / wall:.0%} of wall time")
    print(f"per-item requests: {per_item}")
    again = result["again"]["http"]
    lists = 3 * args.repos
    print(
        f"incremental with nothing new: {again['requests']} requests for {lists} resource lists "
        f"({again['not_modified']} answered 304)"
    )
    ok = result["status"] == "succeeded" and again["requests"] <= lists
    if args.scale >= 1:
        ok = ok and wall < TARGET_SECONDS and result["rss_mb"] < TARGET_MB
    print("targets met" if ok else "TARGETS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
