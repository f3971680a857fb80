"""Where KPI expressions run: DuckDB over a mirror of the SQLite store, or PostgreSQL itself.

The engine never writes to the store. Expressions are built with Ibis over unbound tables whose
schemas come from the models, compiled once per (family, cut) to the backend's SQL, and run
against a small `pr_windows` table that holds the windows of the call, so one compiled query
serves every window set.

- SQLite: an in-process DuckDB keeps a columnar mirror of the columns the KPIs read. This
  process never opens the store through a second SQLite library (see `feeder`): a large table
  is copied whole by a short-lived feeder process (DuckDB's sqlite scanner, from its PyPI
  wheel, loaded by path) and streamed here as Arrow; a small table, and the rows inserted
  since a copy (found by rowid), are read through Python's own `sqlite3`. A table whose rows
  were updated in place (ingestion reports it) is copied again.
- PostgreSQL: the compiled SQL runs on the server; `pr_windows` is a session temp table.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from pavedroad.lazy import lazy_module

if TYPE_CHECKING:
    import ibis
    import ibis.expr.types as ir
else:
    ibis = lazy_module("ibis")
    ir = lazy_module("ibis.expr.types")
from sqlalchemy import Boolean, Date, Float, Integer, String, Text
from sqlalchemy.engine import make_url

from pavedroad.db import Base, UTCDateTime
from pavedroad.errors import PavedroadError
from pavedroad.metrics.expressions import (
    FAMILIES,
    FAMILY_OF,
    Cut,
    NotApplicable,
    Tables,
    evidence,
)
from pavedroad.metrics.windows import Window
from pavedroad.settings import DEFAULT_PRODUCTION_PATTERN

WINDOWS_TABLE = "pr_windows"
WINDOW_SCHEMA = {
    "w": "int64",
    "start": "timestamp",
    "end": "timestamp",
    "a_start": "timestamp",
    "days": "float64",
}

# The columns the KPIs read, per table (the mirror keeps only these), and the time column
# each mirror is sorted by so DuckDB's zone maps skip what a window does not need.
COLUMNS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "deployments": (
        (
            "id",
            "service",
            "environment",
            "finished_at",
            "result",
            "is_rollback",
            "team",
            "via_platform",
        ),
        "finished_at",
    ),
    "changes": (("id", "service", "first_commit_at", "deployment_id"), None),
    "ci_runs": (
        ("id", "service", "started_at", "finished_at", "result", "queued_at"),
        "finished_at",
    ),
    "incidents": (
        (
            "id",
            "service",
            "team",
            "started_at",
            "resolved_at",
            "severity",
            "caused_by_deployment_id",
            "platform_caused",
        ),
        "started_at",
    ),
    "tickets": (
        ("id", "team", "opened_at", "resolved_at", "category", "kind", "self_service"),
        "opened_at",
    ),
    "survey_responses": (
        ("id", "survey", "wave", "submitted_at", "team", "nps", "satisfaction"),
        "submitted_at",
    ),
    "usage_events": (("id", "at", "capability", "team"), "at"),
    "onboarding": (("developer", "team", "started_at", "first_deploy_at"), None),
    "org_facts": (
        ("date", "customers", "developers", "compute_cost", "ops_hours", "hourly_rate"),
        None,
    ),
    "teams": (("id", "slug", "eligible", "headcount"), None),
    "services": (("id", "name", "owner_team_id", "created_at"), None),
    "initiatives": (("id", "status", "category", "effort", "done_at"), None),
}
_DUCKDB_TYPES = {
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "boolean": "BOOLEAN",
    "int64": "BIGINT",
    "float64": "DOUBLE",
    "string": "VARCHAR",
}
# Small tables are re-copied whenever their fingerprint changes; event tables append.
CATALOG_TABLES = frozenset({"teams", "services", "initiatives"})
# Tables up to this many rows are copied through `sqlite3` here; larger ones by the feeder,
# which reads about six times faster but costs a process start (about 0.3 s).
IN_PROCESS_COPY_ROWS = 20_000
_ARROW_TYPES = {"int64": "int64", "float64": "float64", "boolean": "int64"}


def _ibis_type(column: Any) -> str:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "timestamp"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, Integer):
        return "int64"
    if isinstance(kind, Float):
        return "float64"
    if isinstance(kind, String | Text):
        return "string"
    raise TypeError(f"no Ibis type for {column.table.name}.{column.name} ({kind})")


@functools.cache
def table_schema(name: str) -> dict[str, str]:
    """The Ibis schema of the columns the KPIs read from a table, from its model."""
    from pavedroad.schema import load_models

    load_models()
    table = Base.metadata.tables[name]
    return {column: _ibis_type(table.c[column]) for column in COLUMNS[name][0]}


_CHANGES_KEPT = 10_000


def _ordering(name: str) -> str:
    """The ORDER BY that keeps a mirror table sorted by its time column, if it has one."""
    order = COLUMNS[name][1]
    return f' ORDER BY "{order}"' if order else ""


@dataclass(frozen=True)
class Change:
    """One sync of a mirrored table: `span` is the time its new rows cover, None for all."""

    seq: int
    table: str
    span: tuple[datetime, datetime] | None


def _instant(value: object) -> datetime:
    """A stored SQLite time value as a naive UTC datetime."""
    parsed = datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=None) if parsed.tzinfo is None else _naive_utc(parsed)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def window_rows(windows: Sequence[Window]) -> list[tuple[int, datetime, datetime, datetime, float]]:
    """The windows as rows of `pr_windows`: w, start, end, a_start (end - 30 days), days."""
    return [
        (
            index,
            _naive_utc(window.start),
            _naive_utc(window.end),
            _naive_utc(window.end - timedelta(days=30)),
            window.days,
        )
        for index, window in enumerate(windows)
    ]


@dataclass
class Backend:
    """One engine connection that compiled KPI queries run on."""

    kind: str  # duckdb or postgres
    raw: Any
    production_pattern: str
    database: str | None  # where the tables live: the mirror schema on DuckDB
    lock: threading.RLock = field(default_factory=threading.RLock)
    store_path: str | None = None
    current_windows: tuple[Window, ...] | None = None
    # Every sync of the mirror, numbered, with the time span of what it brought in
    # (None = the whole table changed), so cached windows outside that span stay valid.
    seq: int = 0
    changes: list[Change] = field(default_factory=list)
    compiled: dict[tuple[Any, ...], str] = field(default_factory=dict)
    mirrored: dict[str, tuple[Any, int]] = field(default_factory=dict)
    in_process_rows: int = IN_PROCESS_COPY_ROWS

    # --- tables and windows ---------------------------------------------------------------

    def tables(self) -> Tables:
        """Every table the expressions read, as unbound Ibis tables."""
        return Tables(
            **{
                name: ibis.table(table_schema(name), name=name, database=self.database)
                for name in COLUMNS
            },
            production_pattern=self.production_pattern,
        )

    @staticmethod
    def windows() -> ir.Table:
        """The windows of the current call, as the expressions see them."""
        return ibis.table(WINDOW_SCHEMA, name=WINDOWS_TABLE)

    def _set_windows(self, windows: Sequence[Window]) -> None:
        wanted = tuple(windows)
        if wanted == self.current_windows:
            return
        rows = window_rows(windows)
        self.current_windows = wanted
        if self.kind == "duckdb":
            self.raw.execute(
                f"CREATE OR REPLACE TEMP TABLE {WINDOWS_TABLE} (w BIGINT, start TIMESTAMP, "
                '"end" TIMESTAMP, a_start TIMESTAMP, days DOUBLE)'
            )
            self.raw.executemany(f"INSERT INTO {WINDOWS_TABLE} VALUES (?, ?, ?, ?, ?)", rows)
            return
        with self.raw.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {WINDOWS_TABLE} (w BIGINT, start TIMESTAMP, "
                '"end" TIMESTAMP, a_start TIMESTAMP, days DOUBLE PRECISION)'
            )
            cursor.execute(f"TRUNCATE {WINDOWS_TABLE}")
            cursor.executemany(f"INSERT INTO {WINDOWS_TABLE} VALUES (%s, %s, %s, %s, %s)", rows)

    # --- the mirror (DuckDB only) -----------------------------------------------------------

    def prepare(self, names: Iterable[str], stamps: Mapping[str, Any]) -> None:
        """Bring the mirror of these tables up to the store (a no-op on PostgreSQL)."""
        if self.kind != "duckdb":
            return
        with self.lock:
            copies: list[str] = []
            for name in dict.fromkeys(names):
                stamp = stamps.get(name)
                known = self.mirrored.get(name)
                if known is not None and known[0] == stamp:
                    continue
                appendable = (
                    known is not None
                    and name not in CATALOG_TABLES
                    and isinstance(stamp, tuple)
                    and isinstance(known[0], tuple)
                    and stamp[1:] == known[0][1:]  # no updated rows since the last copy
                )
                if not appendable:
                    copies.append(name)
                    continue
                assert known is not None
                added, span = self._append(name, known[1])
                if added:
                    self._record(name, span)
                self.mirrored[name] = (stamp, self._top(name))
            if copies:
                self._copy(copies, stamps)

    def _copy(self, names: Sequence[str], stamps: Mapping[str, Any]) -> None:
        """Copy tables whole: small ones through `sqlite3`, the rest in one feeder process."""
        from pavedroad.metrics import feeder

        large: list[str] = []
        for name in names:
            self._record(name, None)
            if self._rows_at_most(name, self.in_process_rows):
                self._read(name, 0, replace=True)
            else:
                large.append(name)

        def keep(index: int, rows: Any) -> None:
            self.raw.register("pr_copied_rows", rows)
            try:
                self.raw.execute(
                    f"CREATE OR REPLACE TABLE mirror.{large[index]} AS SELECT * FROM pr_copied_rows"
                )
            finally:
                self.raw.unregister("pr_copied_rows")

        if large:
            # Sorted in the feeder, which has a core of its own, so rows arrive in mirror order.
            queries = [
                f"SELECT {self._selected(name, 'rowid')} FROM store.{name}{_ordering(name)}"
                for name in large
            ]
            assert self.store_path is not None
            feeder.read_tables(self.store_path, queries, keep)
        for name in names:
            self.mirrored[name] = (stamps.get(name), self._top(name))

    @staticmethod
    def _selected(name: str, rowid: str) -> str:
        """The mirror's columns as typed SQL over a store table (SQLite keeps booleans as 0/1)."""
        schema = table_schema(name)
        return ", ".join(
            [f"{rowid} AS _rowid"]
            + [
                f'("{c}" = 1) AS "{c}"'
                if schema[c] == "boolean"
                else f'CAST("{c}" AS {_DUCKDB_TYPES[schema[c]]}) AS "{c}"'
                for c in COLUMNS[name][0]
            ]
        )

    def _top(self, name: str) -> int:
        top = self.raw.execute(f"SELECT coalesce(max(_rowid), 0) FROM mirror.{name}").fetchone()
        return int(top[0]) if top else 0

    def _store(self) -> sqlite3.Connection:
        """A read-only connection to the store through the one SQLite library writers use."""
        assert self.store_path is not None
        return sqlite3.connect(f"file:{self.store_path}?mode=ro", uri=True)

    def _rows_at_most(self, name: str, limit: int) -> bool:
        source = self._store()
        try:
            top = source.execute(f"SELECT max(rowid) FROM {name}").fetchone()
        finally:
            source.close()
        return top is None or top[0] is None or int(top[0]) <= limit

    def _record(self, name: str, span: tuple[datetime, datetime] | None) -> None:
        self.seq += 1
        self.changes.append(Change(self.seq, name, span))
        del self.changes[:-_CHANGES_KEPT]

    def changes_since(self, seq: int, tables: Iterable[str]) -> list[Change] | None:
        """What changed in these tables after sync `seq`; None when that is not known."""
        if self.kind != "duckdb" or (self.changes and self.changes[0].seq > seq + 1):
            return None
        wanted = set(tables)
        return [c for c in self.changes if c.seq > seq and c.table in wanted]

    def _append(self, name: str, after: int) -> tuple[int, tuple[datetime, datetime] | None]:
        """Copy the rows inserted since the last sync; SQLite finds them by rowid at once.

        Returns how many, and the earliest and latest instant they carry (any time column)."""
        return self._read(name, after, replace=False)

    def _read(
        self, name: str, after: int, *, replace: bool
    ) -> tuple[int, tuple[datetime, datetime] | None]:
        """Rows past rowid `after` through `sqlite3`, appended or replacing the mirror table."""
        import pyarrow as pa

        columns = COLUMNS[name][0]
        schema = table_schema(name)
        selected = ", ".join(f'"{column}"' for column in columns)
        source = self._store()
        try:
            rows = source.execute(
                f"SELECT rowid, {selected} FROM {name} WHERE rowid > ? ORDER BY rowid", (after,)
            ).fetchall()
        finally:
            source.close()
        if not rows and not replace:
            return 0, None
        values = list(zip(*rows, strict=True)) if rows else [() for _ in range(len(columns) + 1)]
        fresh = pa.table(
            [pa.array(values[0], type=pa.int64())]
            + [
                pa.array(values[i + 1], type=_ARROW_TYPES.get(schema[c], "string"))
                for i, c in enumerate(columns)
            ],
            names=["_rowid", *columns],
        )
        self.raw.register("pr_fresh_rows", fresh)
        try:
            typed = self._selected(name, "_rowid")
            if replace:
                self.raw.execute(
                    f"CREATE OR REPLACE TABLE mirror.{name} AS SELECT {typed} "
                    f"FROM pr_fresh_rows{_ordering(name)}"
                )
            else:
                self.raw.execute(f"INSERT INTO mirror.{name} SELECT {typed} FROM pr_fresh_rows")
        finally:
            self.raw.unregister("pr_fresh_rows")
        timed = [i + 1 for i, c in enumerate(columns) if schema[c] in {"timestamp", "date"}]
        instants = [_instant(row[i]) for row in rows for i in timed if row[i] is not None]
        return len(rows), ((min(instants), max(instants)) if instants else None)

    # --- running ----------------------------------------------------------------------------

    def _sql(self, key: tuple[Any, ...], build: Any) -> str:
        sql = self.compiled.get(key)
        if sql is None:
            sql = str(ibis.to_sql(build(), dialect=self.kind))
            self.compiled[key] = sql
        return sql

    def _fetch(self, sql: str) -> list[dict[str, Any]]:
        if self.kind == "duckdb":
            cursor = self.raw.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        with self.raw.cursor() as cursor:
            cursor.execute(sql)
            names = [d.name for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def run_family(
        self, family: str, windows: Sequence[Window], cut: Cut
    ) -> list[dict[str, Any]] | None:
        """One family's rows for every window at once; None when the cut does not apply."""
        key = ("family", family, cut)
        with self.lock:
            try:
                sql = self._sql(key, lambda: FAMILIES[family](self.tables(), self.windows(), cut))
            except NotApplicable:
                return None
            self._set_windows(windows)
            return self._fetch(sql)

    def run_evidence(
        self, family: str, window: Window, cut: Cut, limit: int, offset: int = 0
    ) -> list[dict[str, Any]]:
        """The rows behind a family's number in one window: `limit` of them after `offset`."""

        def build() -> Any:
            return evidence(self.tables(), self.windows(), cut, family).limit(limit, offset=offset)

        with self.lock:
            try:
                # Only first pages are kept compiled: later offsets are as many as callers ask.
                if offset:
                    sql = str(ibis.to_sql(build(), dialect=self.kind))
                else:
                    sql = self._sql(("evidence", family, cut, limit), build)
            except NotApplicable:
                return []
            self._set_windows([window])
            return self._fetch(sql)

    def count_evidence(self, family: str, window: Window, cut: Cut) -> int:
        """How many rows are behind a family's number in one window (every page together)."""

        def build() -> Any:
            rows = evidence(self.tables(), self.windows(), cut, family)
            return rows.aggregate(rows=rows.count())

        with self.lock:
            try:
                sql = self._sql(("evidence_count", family, cut), build)
            except NotApplicable:
                return 0
            self._set_windows([window])
            found = self._fetch(sql)
            return int(found[0]["rows"]) if found else 0

    def close(self) -> None:
        """Release the connection."""
        self.raw.close()


def open_backend(
    database_url: str,
    *,
    production_pattern: str | None = None,
    in_process_rows: int | None = None,
) -> Backend:
    """The engine for a store: DuckDB over a SQLite file, or PostgreSQL itself."""
    url = make_url(database_url)
    pattern = production_pattern or DEFAULT_PRODUCTION_PATTERN
    if url.get_backend_name() == "sqlite":
        import duckdb

        path = url.database
        if not path or path == ":memory:":
            raise PavedroadError("KPIs need a SQLite file or PostgreSQL, not an in-memory store")
        store = Path(path).resolve()
        if not store.is_file():
            raise PavedroadError(f"no SQLite store at {store}; run `pavedroad init` first")
        raw = duckdb.connect()
        raw.execute("CREATE SCHEMA mirror")
        backend = Backend("duckdb", raw, pattern, "mirror", store_path=str(store))
        if in_process_rows is not None:
            backend.in_process_rows = in_process_rows
        return backend
    if url.get_backend_name() == "postgresql":
        import psycopg

        params: dict[str, Any] = {
            key: value
            for key, value in url.translate_connect_args(database="dbname", username="user").items()
            if value is not None
        }
        params.update({key: value for key, value in url.query.items() if isinstance(value, str)})
        if "password" in params:
            params["password"] = unquote(str(params["password"]))
        raw_pg = psycopg.connect(autocommit=True, **params)
        # Windows are naive UTC instants: the session must read them as UTC.
        raw_pg.execute("SET TIME ZONE 'UTC'")
        return Backend("postgres", raw_pg, pattern, None)
    raise PavedroadError(f"KPIs run on SQLite or PostgreSQL, not {url.get_backend_name()}")


@dataclass(frozen=True)
class Cell:
    """One computed number: a KPI in a window for a group, with its sample size.

    A hidden cell stands for a number that may not be shown (survey answers below the
    anonymity threshold): it carries neither the value nor the sample size."""

    value: float | None
    sample_size: int
    hidden: bool = False


HIDDEN = Cell(None, 0, hidden=True)


# (window index, group) -> KPI id -> cell
FamilyResult = dict[tuple[int, str], dict[str, Cell]]


def compute_family(
    backend: Backend, family: str, windows: Sequence[Window], cut: Cut
) -> FamilyResult | None:
    """Run one family for every window at once; None when the cut does not apply to it."""
    rows = backend.run_family(family, windows, cut)
    if rows is None:
        return None
    ids = [kpi for kpi, owner in FAMILY_OF.items() if owner == family]
    result: FamilyResult = {}
    for row in rows:
        sample = int(row["n"] or 0)
        result[(int(row["w"]), str(row["grp"]))] = {
            kpi: Cell(_number(row.get(kpi)) if sample else None, sample) for kpi in ids
        }
    return result


def families_for(kpi_ids: Iterable[str]) -> list[str]:
    """The families that compute these KPIs, each once, in a stable order."""
    wanted = {FAMILY_OF[kpi] for kpi in kpi_ids}
    return [family for family in FAMILIES if family in wanted]


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    if number != number:
        return None
    # Parallel aggregation adds floats in no fixed order, so two runs can differ in the
    # last bit; twelve significant digits give every caller the same answer.
    return float(f"{number:.12g}")
