"""The floor for the KPI benchmark: every KPI written by hand as one DuckDB SQL script.

`floor_dashboard(path, windows)` attaches the SQLite store read-only through the sqlite scanner
(as the engine does), copies the columns the KPIs read into DuckDB temp tables once, then
computes every KPI for every window, overall (`*`) and by team, in one query: each family joins
its events to the windows by the timestamp its definition names and groups by
`GROUPING SETS ((w), (w, team))`, so both cuts cost one pass. The result has the engine's shape:
(kpi id, window index, group) -> (value, sample size), with None where the engine reports
no data.

    .venv/bin/python bench/kpis_floor.py                  # self-check at 50k events + fixture
    .venv/bin/python bench/kpis_floor.py --events 1000000 --teams 80
    .venv/bin/python bench/kpis_floor.py --sql               # print the script

The self-check builds organisations with `bench.kpis.build` (plus the rows the benchmark does
not write: onboarding, org facts, initiatives, new services, incidents naming deployments,
ineligible teams, odd environments), runs pavedroad's engine on them, and prints every
(kpi, window, group) that differs (relative tolerance 1e-6), and the timings.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from pavedroad.metrics.feeder import sqlite_scanner_path  # noqa: E402

Key = tuple[str, int, str]
Result = dict[Key, tuple[float | None, int]]
WindowBounds = Sequence[tuple[datetime, datetime]]
DashboardFn = Callable[..., Result]

DEFAULT_PATTERN = r"^(prod|production)$"
# One resolved support ticket stands for 2 hours of a 160-hour person-month.
TICKET_EFFORT = 2 / 160

# The KPI ids each family computes, in the order of its `vals` list.
FAMILY_KPIS: dict[str, tuple[str, ...]] = {
    "adoption": ("adoption_rate",),
    "lead_time": ("lead_time_p50", "lead_time_p95"),
    "time_to_first_deploy": ("time_to_first_deploy_p50",),
    "deployments": ("deploy_frequency", "rollback_rate"),
    "change_failure": ("change_failure_rate",),
    "incident_frequency": ("incident_frequency",),
    "restore_time": ("mttr_mean", "mttr_p50"),
    "availability": ("availability",),
    "ci_duration": ("ci_duration_p50", "ci_duration_p95"),
    "ci_queue": ("ci_queue_p50",),
    "survey": ("nps", "satisfaction"),
    "tickets": (
        "tickets_per_month",
        "tickets_per_1k_customers",
        "tickets_per_100_developers",
        "self_service_ratio",
    ),
    "ticket_resolution": ("ticket_resolution_p50",),
    "onboarding": ("onboarding_time_p50",),
    "cost_to_serve": ("cost_to_serve_per_customer",),
    "capacity": ("capacity_roadmap_share", "capacity_platform_share", "capacity_unplanned_share"),
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _stamp(moment: datetime) -> str:
    return f"TIMESTAMP '{moment.isoformat(sep=' ')}'"


def window_rows(windows: WindowBounds) -> list[tuple[int, datetime, datetime, datetime, float]]:
    """w, start, end, the adoption lookback start (end - 30 days), and the length in days."""
    return [
        (w, start, end, end - timedelta(days=30), (end - start).total_seconds() / 86400)
        for w, (start, end) in enumerate(windows)
    ]


# --- the script -----------------------------------------------------------------------------


def copy_statements(windows: WindowBounds, production_pattern: str) -> list[str]:
    """Statements that load the windows and copy the needed columns into temp tables."""
    values = ", ".join(
        f"({w}, {_stamp(s)}, {_stamp(e)}, {_stamp(a)}, {days!r})"
        for w, s, e, a, days in window_rows(windows)
    )
    pattern = _literal(production_pattern)
    # The span the windows cover: events outside it cannot count (a deployment's rollback flag
    # looks forward only, and adoption looks 30 days back from each end).
    rows = window_rows(windows)
    lo = _stamp(min(row[1] for row in rows))
    hi = _stamp(max(row[2] for row in rows))
    early = _stamp(min(min(row[1], row[3]) for row in rows))
    return [
        "CREATE OR REPLACE TEMP TABLE wins AS SELECT * FROM "
        f"(VALUES {values}) AS t(w, ws, we, a_start, days)",
        # Catalog: the owner of each service, and which teams are eligible.
        """CREATE OR REPLACE TEMP TABLE own AS
           SELECT s.name AS service, t.slug AS owner, s.created_at
           FROM store.services s JOIN store.teams t ON s.owner_team_id = t.id""",
        """CREATE OR REPLACE TEMP TABLE team AS
           SELECT slug, eligible = 1 AS eligible FROM store.teams""",
        # Production deployments only (no KPI reads any other), with the next one's rollback flag.
        f"""CREATE OR REPLACE TEMP TABLE dep AS
           SELECT d.id, d.finished_at,
                  coalesce(d.team, o.owner) AS team,
                  coalesce(d.team, o.owner, '(no team)') AS tg,
                  d.service,
                  lower(d.result) = 'success' AS ok,
                  d.is_rollback = 1 AS rb,
                  d.via_platform = 1 AS via,
                  lead(d.is_rollback = 1) OVER (
                      PARTITION BY d.service ORDER BY d.finished_at, d.id) AS next_rb
           FROM store.deployments d LEFT JOIN own o ON o.service = d.service
           WHERE regexp_matches(lower(d.environment), {pattern})
             AND d.finished_at >= {early}""",
        f"""CREATE OR REPLACE TEMP TABLE lt AS
           SELECT d.finished_at AS ts, d.tg,
                  (epoch(d.finished_at) - epoch(c.first_commit_at)) / 60 AS v
           FROM store.changes c JOIN dep d ON c.deployment_id = d.id
           WHERE d.ok AND d.finished_at >= {lo} AND d.finished_at < {hi}""",
        """CREATE OR REPLACE TEMP TABLE inc AS
           SELECT i.started_at, i.resolved_at,
                  coalesce(i.team, o.owner, '(no team)') AS tg,
                  i.platform_caused = 1 AS platform,
                  i.caused_by_deployment_id AS cause
           FROM store.incidents i LEFT JOIN own o ON o.service = i.service""",
        f"""CREATE OR REPLACE TEMP TABLE ci AS
           SELECT r.finished_at AS ts, coalesce(o.owner, '(no team)') AS tg,
                  (epoch(r.finished_at) - epoch(r.started_at)) / 60 AS v,
                  (epoch(r.started_at) - epoch(r.queued_at)) / 60 AS q
           FROM store.ci_runs r LEFT JOIN own o ON o.service = r.service
           WHERE r.finished_at >= {lo} AND r.finished_at < {hi}""",
        """CREATE OR REPLACE TEMP TABLE tk AS
           SELECT opened_at, resolved_at, coalesce(team, '(no team)') AS tg,
                  kind = 'request' AS req, self_service = 1 AS ss
           FROM store.tickets""",
        """CREATE OR REPLACE TEMP TABLE sv AS
           SELECT CAST(submitted_at AS TIMESTAMP) AS ts, wave,
                  coalesce(team, '(no team)') AS tg, nps, CAST(satisfaction AS DOUBLE) AS sat
           FROM store.survey_responses""",
        """CREATE OR REPLACE TEMP TABLE onb AS
           SELECT first_deploy_at AS ts, coalesce(team, '(no team)') AS tg,
                  (epoch(first_deploy_at) - epoch(started_at)) / 60 / 1440 AS v
           FROM store.onboarding WHERE first_deploy_at IS NOT NULL""",
        """CREATE OR REPLACE TEMP TABLE facts AS
           SELECT CAST(date AS TIMESTAMP) AS dated, customers, developers,
                  coalesce(compute_cost, 0.0)
                  + coalesce(ops_hours, 0.0) * coalesce(hourly_rate, 0.0) AS cost
           FROM store.org_facts""",
        # Team-days of platform use: successful production deployments via the platform, and
        # usage events (windows start at midnight, so a day is exact).
        f"""CREATE OR REPLACE TEMP TABLE used AS
           SELECT team, date_trunc('day', finished_at) AS day FROM dep WHERE ok AND via
           UNION
           SELECT team, date_trunc('day', "at") AS day FROM store.usage_events
           WHERE "at" >= {early} AND "at" < {hi} + INTERVAL 1 DAY""",
        f"""CREATE OR REPLACE TEMP TABLE work AS
           SELECT done_at AS stamp, category, CAST(effort AS DOUBLE) AS effort
           FROM store.initiatives WHERE done_at IS NOT NULL AND status <> 'killed'
           UNION ALL
           SELECT resolved_at, 'unplanned', {TICKET_EFFORT!r} FROM tk
           WHERE resolved_at IS NOT NULL""",
    ]


def _by_team(family: str, source: str, ts: str, n: str, vals: str) -> str:
    """A family of events counted in [start, end) by `ts`, overall and by team in one pass."""
    return f"""SELECT '{family}' AS family, w, coalesce(tg, '*') AS grp, {n} AS n,
               CAST({vals} AS DOUBLE[]) AS vals
        FROM {source} JOIN wins ON {ts} >= ws AND {ts} < we
        GROUP BY GROUPING SETS ((w), (w, tg))"""


def kpi_query() -> str:
    """Every KPI, every window, overall and by team: (family, w, grp, n, vals)."""
    parts = [
        _by_team("lead_time", "lt", "ts", "count(*)", "quantile_cont(v, [0.5, 0.95])"),
        _by_team("time_to_first_deploy", "ttfd", "ts", "count(*)", "[quantile_cont(v, 0.5)]"),
        _by_team(
            "deployments",
            "dep",
            "finished_at",
            "count(*)",
            "[count(*) FILTER (ok) / (max(days) / 7), count(*) FILTER (rb) / count(*)]",
        ),
        _by_team(
            "change_failure",
            "cf",
            "finished_at",
            "count(*)",
            "[count(*) FILTER (failed) / count(*)]",
        ),
        _by_team(
            "incident_frequency", "inc", "started_at", "count(*)", "[count(*) / (max(days) / 7)]"
        ),
        _by_team("restore_time", "rt", "ts", "count(*)", "[avg(v), quantile_cont(v, 0.5)]"),
        _by_team("ci_duration", "ci", "ts", "count(*)", "quantile_cont(v, [0.5, 0.95])"),
        _by_team(
            "ci_queue",
            "(SELECT ts, tg, q AS v FROM ci WHERE q IS NOT NULL) cq",
            "ts",
            "count(*)",
            "[quantile_cont(v, 0.5)]",
        ),
        _by_team("ticket_resolution", "tr", "ts", "count(*)", "[quantile_cont(v, 0.5)]"),
        _by_team("onboarding", "onb", "ts", "count(*)", "[quantile_cont(v, 0.5)]"),
        # Availability: platform-caused downtime clipped to each window, overlaps merged (each
        # interval adds only what lies past the furthest end before it), reported for every
        # team of the catalog whenever a production deployment finished in the window.
        """SELECT 'availability', f.w, f.grp, o.n,
                  [1 - coalesce(a.down, 0.0) / (f.days * 86400)]
           FROM (SELECT w, days, '*' AS grp FROM wins
                 UNION ALL SELECT w, days, slug FROM wins CROSS JOIN team) f
           JOIN (SELECT w, count(*) AS n FROM dep JOIN wins
                 ON finished_at >= ws AND finished_at < we GROUP BY w) o ON o.w = f.w
           LEFT JOIN down a ON a.w = f.w AND a.grp = f.grp""",
        """SELECT 'survey', w, coalesce(tg, '*'), count(*),
                  [CAST(count(*) FILTER (nps >= 9) - count(*) FILTER (nps <= 6) AS DOUBLE)
                   * 100 / nullif(count(nps), 0), avg(sat)]
           FROM answers GROUP BY GROUPING SETS ((w), (w, tg))""",
        """SELECT 'tickets', c.w, c.grp, c.n,
                  [c.pm, c.pm * 1000 / nullif(f.customers, 0),
                   c.pm * 100 / nullif(f.developers, 0), c.ss / nullif(c.req, 0)]
           FROM (SELECT w, coalesce(tg, '*') AS grp, count(*) AS n,
                        count(*) / (max(days) / 30.4375) AS pm,
                        count(*) FILTER (req) AS req,
                        CAST(count(*) FILTER (req AND ss) AS DOUBLE) AS ss
                 FROM tk JOIN wins ON opened_at >= ws AND opened_at < we
                 GROUP BY GROUPING SETS ((w), (w, tg))) c
           LEFT JOIN latest_facts f ON f.w = c.w""",
        """SELECT 'adoption', wins.w, coalesce(team.slug, '*'), count(*),
                  [CAST(nullif(count(active.team), 0) AS DOUBLE) / count(*)]
           FROM wins CROSS JOIN team
           LEFT JOIN active ON active.w = wins.w AND active.team = team.slug
           WHERE team.eligible
           GROUP BY GROUPING SETS ((wins.w), (wins.w, team.slug))""",
        """SELECT 'cost_to_serve', t.w, '*', t.n, [t.cost / nullif(l.customers, 0)]
           FROM (SELECT w, count(*) AS n, sum(cost) AS cost FROM fw GROUP BY w) t
           JOIN (SELECT w, customers FROM fw
                 QUALIFY row_number() OVER (PARTITION BY w ORDER BY dated DESC) = 1) l
           ON l.w = t.w""",
        """SELECT 'capacity', w, '*', count(*),
                  [sum(CASE WHEN category = 'roadmap' THEN effort ELSE 0.0 END) / sum(effort),
                   sum(CASE WHEN category = 'platform' THEN effort ELSE 0.0 END) / sum(effort),
                   sum(CASE WHEN category = 'unplanned' THEN effort ELSE 0.0 END) / sum(effort)]
           FROM work JOIN wins ON stamp >= ws AND stamp < we GROUP BY w""",
    ]
    ctes = """WITH
        ttfd AS (
            SELECT o.created_at AS ts, o.owner AS tg,
                   (epoch(min(d.finished_at)) - epoch(o.created_at)) / 60 / 60 AS v
            FROM own o JOIN dep d
              ON d.service = o.service AND d.ok AND d.finished_at >= o.created_at
            GROUP BY o.service, o.created_at, o.owner),
        cf AS (
            SELECT finished_at, tg,
                   id IN (SELECT cause FROM inc WHERE cause IS NOT NULL)
                   OR coalesce(next_rb, false) AS failed
            FROM dep WHERE ok AND NOT rb),
        rt AS (
            SELECT resolved_at AS ts, tg, (epoch(resolved_at) - epoch(started_at)) / 60 AS v
            FROM inc WHERE resolved_at IS NOT NULL),
        tr AS (
            SELECT resolved_at AS ts, tg,
                   (epoch(resolved_at) - epoch(opened_at)) / 60 / 60 AS v
            FROM tk WHERE resolved_at IS NOT NULL),
        clipped AS (
            SELECT w, unnest(['*', tg]) AS grp,
                   epoch(greatest(started_at, ws)) AS s,
                   epoch(least(coalesce(resolved_at, we), we)) AS e
            FROM inc JOIN wins ON started_at < we AND coalesce(resolved_at, we) > ws
            WHERE platform),
        down AS (
            SELECT w, grp, sum(greatest(0.0, e - greatest(s, coalesce(reach, s)))) AS down
            FROM (SELECT w, grp, s, e, max(e) OVER (
                      PARTITION BY w, grp ORDER BY s, e
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
                  FROM clipped)
            GROUP BY w, grp),
        in_window AS (
            SELECT w, wave, ts, tg, nps, sat FROM sv JOIN wins ON ts >= ws AND ts < we),
        latest_wave AS (
            SELECT w, wave FROM (
                SELECT w, wave, max(ts) AS last FROM in_window GROUP BY w, wave)
            QUALIFY row_number() OVER (PARTITION BY w ORDER BY last DESC, wave DESC) = 1),
        answers AS (SELECT * FROM in_window SEMI JOIN latest_wave USING (w, wave)),
        latest_facts AS (
            SELECT w, customers, developers FROM wins JOIN facts ON dated < we
            QUALIFY row_number() OVER (PARTITION BY w ORDER BY dated DESC) = 1),
        active AS (
            SELECT DISTINCT w, team FROM used JOIN wins ON day >= a_start AND day < we),
        fw AS (
            SELECT w, dated, customers, cost FROM facts JOIN wins
            ON dated >= ws AND dated < we)
    """
    return ctes + "\nUNION ALL\n".join(parts)


def script(windows: WindowBounds, production_pattern: str = DEFAULT_PATTERN) -> list[str]:
    """The whole floor as SQL statements; the last one returns every KPI."""
    return [*copy_statements(windows, production_pattern), kpi_query()]


# --- running it -----------------------------------------------------------------------------


def connect(sqlite_path: Path) -> duckdb.DuckDBPyConnection:
    """An in-process DuckDB with the store attached read-only, as the engine attaches it."""
    con = duckdb.connect()
    con.execute(f"LOAD '{sqlite_scanner_path()}'")
    quoted = str(Path(sqlite_path).resolve()).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS store (TYPE sqlite, READ_ONLY)")
    return con


def collect(rows: list[tuple[Any, ...]]) -> Result:
    """(family, w, grp, n, vals) rows -> (kpi, w, grp) -> (value, sample size)."""
    result: Result = {}
    for family, w, grp, n, vals in rows:
        sample = int(n or 0)
        for kpi, value in zip(FAMILY_KPIS[family], vals, strict=True):
            number = None if (not sample or value is None or value != value) else float(value)
            result[(kpi, int(w), str(grp))] = (number, sample)
    return result


def floor_dashboard(
    sqlite_path: Path,
    windows: list[tuple[datetime, datetime]],
    *,
    production_pattern: str = DEFAULT_PATTERN,
    timings: dict[str, float] | None = None,
) -> Result:
    """Every KPI for every window (naive UTC [start, end)), overall and by team, by hand."""
    if not windows:
        return {}
    started = time.perf_counter()
    con = connect(sqlite_path)
    try:
        *copies, query = script(windows, production_pattern)
        for statement in copies:
            con.execute(statement)
        copied = time.perf_counter()
        rows = con.execute(query).fetchall()
    finally:
        con.close()
    done = time.perf_counter()
    if timings is not None:
        timings["copy"] = copied - started
        timings["compute"] = done - copied
    return collect(rows)


# --- the self-check -------------------------------------------------------------------------


def dashboard_windows(end: Any) -> list[Any]:
    """The benchmark's windows: last 30 days, the 30 before, and 26 weekly windows."""
    from pavedroad.metrics.windows import last_days, weekly_windows

    window = last_days(30, until=end + timedelta(days=1))
    return [window, window.previous(), *weekly_windows(26, until=end)]


def bounds(windows: Sequence[Any]) -> list[tuple[datetime, datetime]]:
    """Window objects -> naive UTC (start, end) tuples."""
    from datetime import UTC

    return [
        (w.start.astimezone(UTC).replace(tzinfo=None), w.end.astimezone(UTC).replace(tzinfo=None))
        for w in windows
    ]


# Cells the engine hides under the anonymity rule (survey numbers from fewer than five
# answers, and the teams hidden with them): the floor and pandas compute the raw number, so
# these are left out of the comparison (and counted).
ENGINE_HIDDEN: set[Key] = set()


def engine_dashboard(sqlite_path: Path, windows: Sequence[Any]) -> Result:
    """pavedroad's own answer: `service.compute` for every KPI, overall and by team."""
    from sqlalchemy.orm import Session

    from pavedroad.db import make_engine
    from pavedroad.metrics import service
    from pavedroad.metrics.definitions import KPI_IDS
    from pavedroad.metrics.expressions import Cut

    engine = make_engine(f"sqlite:///{sqlite_path}")
    ENGINE_HIDDEN.clear()
    result: Result = {}
    try:
        with Session(engine) as session:
            for cut in (Cut(), Cut(by="team")):
                cells = service.compute(
                    session=session, kpi_ids=list(KPI_IDS), windows=windows, cut=cut
                )
                for kpi, found in cells.items():
                    for (w, grp), cell in (found or {}).items():
                        if cell.hidden:
                            ENGINE_HIDDEN.add((kpi, w, grp))
                        else:
                            result[(kpi, w, grp)] = (cell.value, cell.sample_size)
    finally:
        engine.dispose()
    return result


def compare(label: str, ours: Result, theirs: Result, *, rel: float = 1e-6) -> list[str]:
    """Every (kpi, window, group) whose value or sample size differs; prints a summary."""
    import math

    from pavedroad.metrics.definitions import KPI_IDS

    problems: list[str] = []
    bad: set[str] = set()
    hidden = ENGINE_HIDDEN & set(ours)
    for key in sorted((set(ours) | set(theirs)) - hidden):
        mine, engine = ours.get(key), theirs.get(key)
        a, n = mine if mine is not None else (None, 0)
        b, m = engine if engine is not None else (None, 0)
        same = n == m and (
            (a is None and b is None)
            or (a is not None and b is not None and math.isclose(a, b, rel_tol=rel, abs_tol=1e-12))
        )
        if mine is None or engine is None:
            same = False
        if not same:
            bad.add(key[0])
            problems.append(f"{key}: {label} {mine} vs engine {engine}")
    for line in problems[:40]:
        print("   ", line)
    if len(problems) > 40:
        print(f"    ... and {len(problems) - 40} more")
    agree = [kpi for kpi in KPI_IDS if kpi not in bad]
    print(
        f"  {label}: {len(theirs)} engine cells ({len(hidden)} survey cells hidden by the "
        f"anonymity rule, not compared), {len(problems)} mismatches; "
        f"{len(agree)}/{len(KPI_IDS)} KPIs agree"
        + (f"; differ: {', '.join(sorted(bad))}" if bad else "")
    )
    with_data = sum(1 for value, _ in theirs.values() if value is not None)
    empty = [
        kpi
        for kpi in KPI_IDS
        if not any(k[0] == kpi and v[0] is not None for k, v in theirs.items())
    ]
    print(
        f"    cells with a value: {with_data}"
        + (f"; KPIs without any value: {', '.join(empty)}" if empty else "")
    )
    return problems


def augment(path: Path, seed: int = 11) -> None:
    """The rows `bench.kpis.build` does not write, so every KPI has data and edge cases."""
    import random
    import sqlite3

    rng = random.Random(seed)
    end = datetime(2026, 12, 1)
    base = end - timedelta(days=365)

    def moment(days: float = 365) -> datetime:
        return end - timedelta(seconds=rng.random() * days * 86400)

    def s(at: datetime | None) -> str | None:
        return None if at is None else at.strftime("%Y-%m-%d %H:%M:%S.%f")

    con = sqlite3.connect(path)
    teams = [row[0] for row in con.execute("SELECT slug FROM teams")]
    con.execute("UPDATE teams SET eligible = 0 WHERE id % 7 = 3")
    con.execute(
        "INSERT INTO teams (slug, name, eligible, headcount, source) "
        "VALUES ('idle', 'Idle', 1, 3, 'bench')"
    )
    # New services created over the last year; most get production deployments after that.
    owners = [row[0] for row in con.execute("SELECT id FROM teams")]
    new = [(f"new-{i}", rng.choice(owners), s(moment(300))) for i in range(60)]
    con.executemany(
        "INSERT INTO services (name, owner_team_id, created_at, source) VALUES (?, ?, ?, 'bench')",
        new,
    )
    deployments = []
    envs = ["production", "Prod", "PRODUCTION", "prod", "prod-eu", "staging"]
    for i in range(3000):
        name, _, created = rng.choice(new)
        created_at = datetime.fromisoformat(created) if created else base
        at = created_at + timedelta(hours=rng.random() * 24 * 40 - 24)
        team = rng.choice([None, None, None, rng.choice(teams)])
        service = name if rng.random() > 0.05 else "unknown-service"
        result = rng.choice(["success", "SUCCESS", "success", "failed"])
        deployments.append(
            (
                f"x{i}",
                service,
                rng.choice(envs),
                s(at),
                result,
                int(rng.random() < 0.1),
                team,
                int(rng.random() < 0.5),
            )
        )
    # Ties on finished_at within a service: the id decides which is next.
    deployments.append(
        ("y1", "new-0", "production", "2026-10-01 10:00:00.000000", "success", 0, None, 1)
    )
    deployments.append(
        ("y2", "new-0", "production", "2026-10-01 10:00:00.000000", "success", 1, None, 1)
    )
    con.executemany(
        "INSERT INTO deployments (id, service, environment, finished_at, result, is_rollback, "
        "team, via_platform, channel, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'bench', 'h')",
        deployments,
    )
    con.executemany(
        "INSERT INTO changes (id, service, first_commit_at, deployment_id, channel, row_hash) "
        "VALUES (?, ?, ?, ?, 'bench', 'h')",
        [
            (
                f"xc{i}",
                d[1],
                s(datetime.fromisoformat(d[3]) - timedelta(minutes=rng.random() * 900)),
                d[0],
            )
            for i, d in enumerate(deployments)
            if rng.random() < 0.7
        ],
    )
    named = [d[0] for d in deployments if d[2] in ("production", "prod")]
    incidents = []
    for i in range(400):
        at = moment(250)
        resolved = None if rng.random() < 0.05 else at + timedelta(minutes=rng.random() * 600)
        incidents.append(
            (
                f"xi{i}",
                rng.choice([None, rng.choice(new)[0], "unknown-service"]),
                rng.choice([None, None, rng.choice(teams)]),
                s(at),
                s(resolved),
                rng.choice([None, rng.choice(named), "d1", "d2", "d3"]),
                int(rng.random() < 0.5),
            )
        )
    con.executemany(
        "INSERT INTO incidents (id, service, team, started_at, resolved_at, "
        "caused_by_deployment_id, platform_caused, channel, row_hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'bench', 'h')",
        incidents,
    )
    con.executemany(
        "INSERT INTO tickets (id, team, opened_at, resolved_at, category, kind, self_service, "
        "text, channel, row_hash) VALUES (?, ?, ?, ?, 'ci', ?, ?, '', 'bench', 'h')",
        [
            (
                f"xt{i}",
                rng.choice([None, rng.choice(teams)]),
                s(at := moment()),
                s(None if rng.random() < 0.3 else at + timedelta(hours=rng.random() * 300)),
                rng.choice(["request", "question", "bug"]),
                int(rng.random() < 0.5),
            )
            for i in range(800)
        ],
    )
    con.executemany(
        "INSERT INTO survey_responses (id, survey, wave, submitted_at, team, nps, satisfaction, "
        "comments, channel, row_hash) VALUES (?, 'pulse', ?, ?, ?, ?, ?, '', 'bench', 'h')",
        [
            (
                f"xs{i}",
                rng.choice(["q-a", "q-b", "q-c"]),
                moment().date().isoformat(),
                rng.choice([None, rng.choice(teams)]),
                rng.choice([None, rng.randrange(11)]),
                rng.choice([None, rng.randrange(1, 6)]),
            )
            for i in range(300)
        ],
    )
    con.executemany(
        "INSERT INTO usage_events (id, at, capability, team, channel, row_hash) "
        "VALUES (?, ?, 'docs', ?, 'bench', 'h')",
        [(f"xu{i}", s(moment()), rng.choice(["ghost-team", "idle"])) for i in range(5)],
    )
    con.executemany(
        "INSERT INTO onboarding (developer, team, started_at, first_deploy_at, channel, row_hash) "
        "VALUES (?, ?, ?, ?, 'bench', 'h')",
        [
            (
                f"dev{i}@x.example",
                rng.choice(teams),
                s(at := moment(380)),
                s(None if rng.random() < 0.2 else at + timedelta(hours=rng.random() * 400)),
            )
            for i in range(500)
        ],
    )
    month = base.replace(day=1)
    facts = []
    for i in range(13):
        day = (month + timedelta(days=31 * i)).replace(day=1 + (i % 3) * 7).date()
        facts.append(
            (
                day.isoformat(),
                None if i == 4 else 1000 + 50 * i,
                None if i == 6 else 40 + i,
                rng.random() * 10000,
                None if i % 5 == 0 else rng.random() * 50,
                rng.random() * 100,
            )
        )
    con.executemany(
        "INSERT INTO org_facts (date, customers, developers, compute_cost, ops_hours, hourly_rate, "
        "channel, row_hash) VALUES (?, ?, ?, ?, ?, ?, 'bench', 'h')",
        facts,
    )
    try:
        con.executemany(
            "INSERT INTO initiatives (title, description, owner, status, category, impact, "
            "confidence, effort, lane_locked, created_at, done_at) "
            "VALUES (?, '', '', ?, ?, 1, 0.5, ?, 0, ?, ?)",
            [
                (
                    f"Initiative {i}",
                    rng.choice(["done", "done", "killed", "building"]),
                    rng.choice(["roadmap", "roadmap", "platform", "unplanned"]),
                    rng.choice([0.5, 1, 2, 3, 5]),
                    s(base),
                    s(None if rng.random() < 0.2 else moment()),
                )
                for i in range(120)
            ],
        )
    except sqlite3.Error as error:  # the backlog schema may move under us
        print(f"  (no initiatives added: {error})")
    con.commit()
    con.close()


def fixture_org(path: Path) -> Any:
    """The hand-computed organisation of tests/metrics/conftest.py, written to a SQLite file."""
    from tests.metrics import conftest

    from pavedroad.catalog.service import seed_default_personas
    from pavedroad.db import make_engine, unit_of_work
    from pavedroad.schema import upgrade

    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with unit_of_work(engine) as session:
        seed_default_personas(session=session)
    org = getattr(conftest.org, "_get_wrapped_function", lambda: conftest.org)()
    org(engine)
    engine.dispose()


def check_fixture(folder: Path, dashboard: DashboardFn, label: str) -> bool:
    """The hand-computed values of tests/metrics/test_kpis.py, and the engine on that org."""
    import math

    from tests.metrics.test_kpis import EXPECTED, WEEK

    path = folder / "fixture.db"
    fixture_org(path)
    from pavedroad.metrics.windows import weekly_windows

    windows = [WEEK, WEEK.previous(), *weekly_windows(2, until=WEEK.end.date() - timedelta(days=1))]
    ours = dashboard(path, bounds(windows))
    wrong = []
    for kpi, (value, sample) in EXPECTED.items():
        got = ours.get((kpi, 0, "*"))
        if (
            got is None
            or got[1] != sample
            or got[0] is None
            or not math.isclose(got[0], value, rel_tol=1e-9)
        ):
            wrong.append(f"{kpi}: {got} expected {(value, sample)}")
    for line in wrong:
        print("   ", line)
    print(
        f"  {label} vs hand-computed fixture: {len(EXPECTED) - len(wrong)}/{len(EXPECTED)} KPIs agree"
    )
    problems = compare(f"{label} (fixture org)", ours, engine_dashboard(path, windows))
    return not wrong and not problems


def check_demo(folder: Path, dashboard: DashboardFn, label: str) -> bool:
    """The demo company (`pavedroad demo`): another generator, with every table filled."""
    from bench.kpis import END

    from pavedroad.catalog.service import seed_default_personas
    from pavedroad.db import make_engine, unit_of_work
    from pavedroad.demo.loader import load_demo
    from pavedroad.schema import upgrade

    path = folder / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with unit_of_work(engine) as session:
        seed_default_personas(session=session)
    with unit_of_work(engine) as session:
        load_demo(session)
    engine.dispose()
    windows = dashboard_windows(END)
    ours = dashboard(path, bounds(windows))
    return not compare(f"{label} (demo company)", ours, engine_dashboard(path, windows))


def self_check(dashboard: DashboardFn, label: str, argv: Sequence[str] | None = None) -> int:
    """Build organisations, compare `dashboard` with the engine on each, print timings."""
    import argparse
    import shutil
    import tempfile

    parser = argparse.ArgumentParser(description=f"self-check of the {label} dashboard")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--no-fixture", action="store_true")
    parser.add_argument("--demo", action="store_true", help="also check on the demo company")
    parser.add_argument("--no-engine", action="store_true", help="time only this dashboard")
    parser.add_argument(
        "--store", type=Path, default=None, help="a store to reuse (built there when missing)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="time this dashboard N times")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix=f"pavedroad-{label}-"))
    try:
        return _self_check(dashboard, label, args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _self_check(dashboard: DashboardFn, label: str, args: Any, folder: Path) -> int:
    from bench.kpis import END

    from pavedroad.metrics.expressions import FAMILY_OF

    families = {kpi: family for family, kpis in FAMILY_KPIS.items() for kpi in kpis}
    ok = families == FAMILY_OF
    if not ok:
        print(f"  the engine's KPIs changed: ours {families}, engine {FAMILY_OF}")
    if not args.no_fixture:
        ok = check_fixture(folder, dashboard, label) and ok
    if args.demo:
        ok = check_demo(folder, dashboard, label) and ok
    # Import the engine's modules now, so that no timing below pays for them.
    import pavedroad.metrics.service  # noqa: F401

    path = args.store or folder / "bench.db"
    print(f"\n{args.events:,} events, {args.teams} teams ({path})")
    if not path.exists():
        from bench.kpis import build

        started = time.perf_counter()
        build(path, args.events, args.teams)
        augment(path)
        print(f"  build + augment the store          {time.perf_counter() - started:8.3f} s")
    windows = dashboard_windows(END)
    for _ in range(max(1, args.repeat)):
        timings: dict[str, float] = {}
        started = time.perf_counter()
        ours = dashboard(path, bounds(windows), timings=timings)
        seconds = time.perf_counter() - started
        parts = ", ".join(f"{name} {value:.3f} s" for name, value in timings.items())
        print(f"  {label + ' dashboard':<34} {seconds:8.3f} s  ({parts})")
    if not args.no_engine:
        started = time.perf_counter()
        theirs = engine_dashboard(path, windows)
        print(f"  {'engine dashboard (cold)':<34} {time.perf_counter() - started:8.3f} s")
        ok = not compare(label, ours, theirs) and ok
    print("OK" if ok else "MISMATCHES")
    return 0 if ok else 1


if __name__ == "__main__":
    if "--sql" in sys.argv[1:]:
        from bench.kpis import END

        print(";\n\n".join(script(bounds(dashboard_windows(END)))) + ";")
        sys.exit(0)
    sys.exit(self_check(floor_dashboard, "floor"))
