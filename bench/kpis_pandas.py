"""A straightforward pandas implementation of every KPI, for the KPI benchmark.

`pandas_dashboard(path, windows)` reads the columns the KPIs need from the SQLite store with
`pd.read_sql_query`, then for each KPI family and each window filters the events whose
timestamp falls in [start, end) and aggregates them with `groupby` by team and overall. Medians
and p95 are linear-interpolated quantiles (the same as DuckDB's `quantile_cont`). The result has
the engine's shape: (kpi id, window index, group) -> (value, sample size), None for no data.

    .venv/bin/python bench/kpis_pandas.py                  # self-check at 50k events + fixture
    .venv/bin/python bench/kpis_pandas.py --events 1000000 --teams 80

The self-check is the floor's (bench/kpis_floor.py): the same organisations, compared with
pavedroad's engine cell by cell (relative tolerance 1e-6).
"""

from __future__ import annotations

import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.kpis_floor import (
    DEFAULT_PATTERN,
    FAMILY_KPIS,
    TICKET_EFFORT,
    Result,
    self_check,
    window_rows,
)

NO_TEAM = "(no team)"
ALL = "*"

Agg = Callable[[Any], pd.DataFrame]


def _read(con: sqlite3.Connection, sql: str, dates: Iterable[str] = ()) -> pd.DataFrame:
    frame = pd.read_sql_query(sql, con)
    for column in dates:
        frame[column] = pd.to_datetime(frame[column], format="ISO8601")
    return frame


def _seconds(moments: pd.Series) -> pd.Series:
    """Seconds since the epoch, as floats (whatever the datetime resolution)."""
    return (moments - pd.Timestamp("1970-01-01")).dt.total_seconds()


def _minutes(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (_seconds(later) - _seconds(earlier)) / 60


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if number != number else number


class _Out:
    """Collects (kpi, w, grp) -> (value, n) rows the way the engine reports them."""

    def __init__(self) -> None:
        self.result: Result = {}

    def put(self, family: str, w: int, grp: str, values: Iterable[Any], n: int) -> None:
        for kpi, value in zip(FAMILY_KPIS[family], values, strict=True):
            self.result[(kpi, w, str(grp))] = (_number(value) if n else None, int(n))

    def frame(self, family: str, w: int, table: pd.DataFrame) -> None:
        """A table indexed by group with the family's KPI columns and `n`."""
        columns = [*FAMILY_KPIS[family], "n"]
        for grp, *values, n in table[columns].itertuples():
            self.put(family, w, grp, values, n)


def _both(out: _Out, family: str, w: int, rows: pd.DataFrame, agg: Agg) -> None:
    """Aggregate the window's rows overall and by team (`tg`)."""
    if rows.empty:
        return
    out.frame(family, w, agg(rows.groupby(pd.Series(ALL, index=rows.index))))
    out.frame(family, w, agg(rows.groupby("tg")))


def _in(frame: pd.DataFrame, column: str, start: datetime, end: datetime) -> pd.DataFrame:
    stamps = frame[column]
    return frame[(stamps >= start) & (stamps < end)]


def _union_seconds(starts: np.ndarray, ends: np.ndarray) -> float:
    """Length of the union of [start, end) intervals."""
    order = np.lexsort((ends, starts))
    starts, ends = starts[order], ends[order]
    reach = np.concatenate([[-np.inf], np.maximum.accumulate(ends)[:-1]])
    return float(np.maximum(0.0, ends - np.maximum(starts, reach)).sum())


def load(sqlite_path: Path, production_pattern: str) -> dict[str, pd.DataFrame]:
    """Every table the KPIs read, with teams resolved and flags as booleans."""
    con = sqlite3.connect(sqlite_path)
    try:
        teams = _read(con, "SELECT id, slug, eligible FROM teams")
        services = _read(
            con, "SELECT name, owner_team_id, created_at FROM services", ["created_at"]
        )
        deployments = _read(
            con,
            "SELECT id, service, environment, finished_at, result, is_rollback, team, "
            "via_platform FROM deployments",
            ["finished_at"],
        )
        changes = _read(
            con, "SELECT first_commit_at, deployment_id FROM changes", ["first_commit_at"]
        )
        ci = _read(
            con,
            "SELECT service, started_at, finished_at, queued_at FROM ci_runs",
            ["started_at", "finished_at", "queued_at"],
        )
        incidents = _read(
            con,
            "SELECT service, team, started_at, resolved_at, caused_by_deployment_id, "
            "platform_caused FROM incidents",
            ["started_at", "resolved_at"],
        )
        tickets = _read(
            con,
            "SELECT team, opened_at, resolved_at, kind, self_service FROM tickets",
            ["opened_at", "resolved_at"],
        )
        survey = _read(
            con,
            "SELECT wave, submitted_at, team, nps, satisfaction FROM survey_responses",
            ["submitted_at"],
        )
        usage = _read(con, "SELECT team, at FROM usage_events", ["at"])
        onboarding = _read(
            con,
            "SELECT team, started_at, first_deploy_at FROM onboarding",
            ["started_at", "first_deploy_at"],
        )
        facts = _read(
            con,
            "SELECT date, customers, developers, compute_cost, ops_hours, hourly_rate FROM org_facts",
            ["date"],
        )
        initiatives = _read(
            con, "SELECT status, category, effort, done_at FROM initiatives", ["done_at"]
        )
    finally:
        con.close()

    owners = services.merge(teams, left_on="owner_team_id", right_on="id")[
        ["name", "slug", "created_at"]
    ].rename(columns={"name": "service", "slug": "owner"})
    owner_of = owners.set_index("service")["owner"]

    # The production pattern is a regular expression searched in the lower-cased environment.
    pattern = re.compile(production_pattern)
    environments = deployments["environment"].str.lower()
    is_prod = {name: bool(pattern.search(name)) for name in environments.unique()}
    prod = deployments[environments.map(is_prod).astype(bool)].copy()
    prod["team"] = prod["team"].fillna(prod["service"].map(owner_of))
    prod["tg"] = prod["team"].fillna(NO_TEAM)
    prod["ok"] = prod["result"].str.lower() == "success"
    prod["rb"] = prod["is_rollback"] == 1
    prod["via"] = prod["via_platform"] == 1
    prod = prod.sort_values(["service", "finished_at", "id"])
    prod["next_rb"] = prod.groupby("service")["rb"].shift(-1, fill_value=False).astype(bool)

    incidents["tg"] = incidents["team"].fillna(incidents["service"].map(owner_of)).fillna(NO_TEAM)
    incidents["platform"] = incidents["platform_caused"] == 1
    ci["tg"] = ci["service"].map(owner_of).fillna(NO_TEAM)
    ci["v"] = _minutes(ci["finished_at"], ci["started_at"])
    queued = ci[ci["queued_at"].notna()].copy()
    queued["v"] = _minutes(queued["started_at"], queued["queued_at"])
    tickets["tg"] = tickets["team"].fillna(NO_TEAM)
    tickets["req"] = tickets["kind"] == "request"
    tickets["ss"] = tickets["req"] & (tickets["self_service"] == 1)
    survey["tg"] = survey["team"].fillna(NO_TEAM)
    onboarding["tg"] = onboarding["team"].fillna(NO_TEAM)
    facts["cost"] = facts["compute_cost"].fillna(0.0) + facts["ops_hours"].fillna(0.0) * facts[
        "hourly_rate"
    ].fillna(0.0)
    return {
        "teams": teams,
        "owners": owners,
        "prod": prod,
        "changes": changes,
        "ci": ci,
        "ci_queue": queued,
        "incidents": incidents,
        "tickets": tickets,
        "survey": survey,
        "usage": usage,
        "onboarding": onboarding,
        "facts": facts.sort_values("date"),
        "initiatives": initiatives,
    }


def compute(t: dict[str, pd.DataFrame], windows: list[tuple[datetime, datetime]]) -> Result:
    """Every KPI for every window, overall and by team, from the loaded tables."""
    out = _Out()
    wins = window_rows(windows)
    prod, incidents, tickets = t["prod"], t["incidents"], t["tickets"]
    shipped = prod[prod["ok"]]

    lead = t["changes"].merge(
        shipped[["id", "finished_at", "tg"]], left_on="deployment_id", right_on="id"
    )
    lead["v"] = _minutes(lead["finished_at"], lead["first_commit_at"])

    firsts = t["owners"].merge(shipped[["service", "finished_at"]], on="service")
    firsts = firsts[firsts["finished_at"] >= firsts["created_at"]]
    firsts = firsts.groupby(["service", "created_at", "owner"], as_index=False)["finished_at"].min()
    firsts["v"] = _minutes(firsts["finished_at"], firsts["created_at"]) / 60
    firsts["tg"] = firsts["owner"]

    causes = set(incidents["caused_by_deployment_id"].dropna())
    base = prod[prod["ok"] & ~prod["rb"]].copy()
    base["failed"] = base["id"].isin(causes) | base["next_rb"]

    restored = incidents[incidents["resolved_at"].notna()].copy()
    restored["v"] = _minutes(restored["resolved_at"], restored["started_at"])
    platform = incidents[incidents["platform"]]

    resolved = tickets[tickets["resolved_at"].notna()].copy()
    resolved["v"] = _minutes(resolved["resolved_at"], resolved["opened_at"]) / 60

    onboarded = t["onboarding"][t["onboarding"]["first_deploy_at"].notna()].copy()
    onboarded["v"] = _minutes(onboarded["first_deploy_at"], onboarded["started_at"]) / 1440

    used_deploys = prod[prod["ok"] & prod["via"]]
    used = pd.concat(
        [
            pd.DataFrame(
                {"team": used_deploys["team"], "day": used_deploys["finished_at"].dt.floor("D")}
            ),
            pd.DataFrame({"team": t["usage"]["team"], "day": t["usage"]["at"].dt.floor("D")}),
        ]
    ).drop_duplicates()
    eligible = t["teams"].loc[t["teams"]["eligible"] == 1, "slug"].tolist()
    catalog_teams = t["teams"]["slug"].tolist()

    initiatives = t["initiatives"]
    done = initiatives[initiatives["done_at"].notna() & (initiatives["status"] != "killed")]
    work = pd.concat(
        [
            pd.DataFrame(
                {"at": done["done_at"], "category": done["category"], "effort": done["effort"]}
            ),
            pd.DataFrame(
                {"at": resolved["resolved_at"], "category": "unplanned", "effort": TICKET_EFFORT}
            ),
        ]
    )
    facts = t["facts"]

    def quantiles(*named: tuple[str, float]) -> Agg:
        def agg(g: Any) -> pd.DataFrame:
            columns = {name: g["v"].quantile(q) for name, q in named}
            return pd.DataFrame({**columns, "n": g.size()})

        return agg

    for w, start, end, a_start, days in wins:
        _both(
            out,
            "lead_time",
            w,
            _in(lead, "finished_at", start, end),
            quantiles(("lead_time_p50", 0.5), ("lead_time_p95", 0.95)),
        )
        _both(
            out,
            "time_to_first_deploy",
            w,
            _in(firsts, "created_at", start, end),
            quantiles(("time_to_first_deploy_p50", 0.5)),
        )
        deploys = _in(prod, "finished_at", start, end)
        _both(
            out,
            "deployments",
            w,
            deploys,
            lambda g, days=days: pd.DataFrame(
                {
                    "deploy_frequency": g["ok"].sum() / (days / 7),
                    "rollback_rate": g["rb"].sum() / g.size(),
                    "n": g.size(),
                }
            ),
        )
        _both(
            out,
            "change_failure",
            w,
            _in(base, "finished_at", start, end),
            lambda g: pd.DataFrame(
                {"change_failure_rate": g["failed"].sum() / g.size(), "n": g.size()}
            ),
        )
        _both(
            out,
            "incident_frequency",
            w,
            _in(incidents, "started_at", start, end),
            lambda g, days=days: pd.DataFrame(
                {"incident_frequency": g.size() / (days / 7), "n": g.size()}
            ),
        )
        _both(
            out,
            "restore_time",
            w,
            _in(restored, "resolved_at", start, end),
            lambda g: pd.DataFrame(
                {"mttr_mean": g["v"].mean(), "mttr_p50": g["v"].quantile(0.5), "n": g.size()}
            ),
        )
        _both(
            out,
            "ci_duration",
            w,
            _in(t["ci"], "finished_at", start, end),
            quantiles(("ci_duration_p50", 0.5), ("ci_duration_p95", 0.95)),
        )
        _both(
            out,
            "ci_queue",
            w,
            _in(t["ci_queue"], "finished_at", start, end),
            quantiles(("ci_queue_p50", 0.5)),
        )
        _both(
            out,
            "ticket_resolution",
            w,
            _in(resolved, "resolved_at", start, end),
            quantiles(("ticket_resolution_p50", 0.5)),
        )
        _both(
            out,
            "onboarding",
            w,
            _in(onboarded, "first_deploy_at", start, end),
            quantiles(("onboarding_time_p50", 0.5)),
        )

        # Availability: platform-caused incidents clipped to the window, overlaps merged;
        # reported for '*' and every catalog team when a production deployment finished in it.
        if len(deploys):
            hit = platform[
                (platform["started_at"] < end) & (platform["resolved_at"].fillna(end) > start)
            ]
            s = _seconds(hit["started_at"].clip(lower=start)).to_numpy()
            e = _seconds(hit["resolved_at"].fillna(end).clip(upper=end)).to_numpy()
            groups = hit["tg"].to_numpy()
            seconds = days * 86400
            down = {ALL: _union_seconds(s, e)} if len(hit) else {}
            for team in set(groups):
                mask = groups == team
                down[team] = _union_seconds(s[mask], e[mask])
            for grp in [ALL, *catalog_teams]:
                out.put("availability", w, grp, [1 - down.get(grp, 0.0) / seconds], len(deploys))

        # Survey: the latest wave answered in the window (ties: the higher wave name).
        answered = _in(t["survey"], "submitted_at", start, end)
        if len(answered):
            waves = answered.groupby("wave", as_index=False)["submitted_at"].max()
            latest = waves.sort_values(["submitted_at", "wave"], ascending=False)["wave"].iloc[0]
            answers = answered[answered["wave"] == latest].assign(
                hi=lambda a: a["nps"] >= 9,
                lo=lambda a: a["nps"] <= 6,
                scored=lambda a: a["nps"].notna(),
            )

            def survey(g: Any) -> pd.DataFrame:
                scored = g["scored"].sum().replace(0, np.nan)
                return pd.DataFrame(
                    {
                        "nps": (g["hi"].sum() - g["lo"].sum()) * 100 / scored,
                        "satisfaction": g["satisfaction"].mean(),
                        "n": g.size(),
                    }
                )

            _both(out, "survey", w, answers, survey)

        # Tickets, with the latest org facts dated before the window's end.
        before = facts[facts["date"] < end]
        customers = before["customers"].iloc[-1] if len(before) else np.nan
        developers = before["developers"].iloc[-1] if len(before) else np.nan
        customers = np.nan if customers == 0 else customers
        developers = np.nan if developers == 0 else developers

        def ticket_counts(
            g: Any, days: float = days, c: Any = customers, d: Any = developers
        ) -> pd.DataFrame:
            per_month = g.size() / (days / 30.4375)
            return pd.DataFrame(
                {
                    "tickets_per_month": per_month,
                    "tickets_per_1k_customers": per_month * 1000 / c,
                    "tickets_per_100_developers": per_month * 100 / d,
                    "self_service_ratio": g["ss"].sum() / g["req"].sum().replace(0, np.nan),
                    "n": g.size(),
                }
            )

        _both(out, "tickets", w, _in(tickets, "opened_at", start, end), ticket_counts)

        # Adoption: eligible teams with a day of use in the 30 days before the window's end.
        if eligible:
            recent = used[(used["day"] >= a_start) & (used["day"] < end)]
            active = set(recent["team"].dropna())
            count = sum(1 for team in eligible if team in active)
            out.put("adoption", w, ALL, [count / len(eligible) if count else None], len(eligible))
            for team in eligible:
                out.put("adoption", w, team, [1.0 if team in active else None], 1)

        # Cost to serve: summed cost of the facts dated in the window over the latest customers.
        dated = _in(facts, "date", start, end)
        if len(dated):
            last = dated["customers"].iloc[-1]
            value = None if pd.isna(last) or last == 0 else dated["cost"].sum() / last
            out.put("cost_to_serve", w, ALL, [value], len(dated))

        # Capacity: effort delivered in the window by category (resolved tickets unplanned).
        delivered = _in(work, "at", start, end)
        if len(delivered):
            total = delivered["effort"].sum()
            with np.errstate(divide="ignore", invalid="ignore"):
                shares = [
                    np.float64(delivered.loc[delivered["category"] == name, "effort"].sum())
                    / np.float64(total)
                    for name in ("roadmap", "platform", "unplanned")
                ]
            out.put("capacity", w, ALL, shares, len(delivered))
    return out.result


def pandas_dashboard(
    sqlite_path: Path,
    windows: list[tuple[datetime, datetime]],
    *,
    production_pattern: str = DEFAULT_PATTERN,
    timings: dict[str, float] | None = None,
) -> Result:
    """Every KPI for every window (naive UTC [start, end)), overall and by team, in pandas."""
    started = time.perf_counter()
    tables = load(sqlite_path, production_pattern)
    loaded = time.perf_counter()
    result = compute(tables, windows)
    if timings is not None:
        timings["read"] = loaded - started
        timings["compute"] = time.perf_counter() - loaded
    return result


if __name__ == "__main__":
    sys.exit(self_check(pandas_dashboard, "pandas"))
