"""Where KPI expressions run: DuckDB reading the SQLite store, or PostgreSQL itself.

The engine never writes. On SQLite, an in-process DuckDB attaches the store read-only through
the sqlite scanner extension shipped as a PyPI wheel (loaded by file path: nothing is
downloaded). On PostgreSQL, Ibis sends the same expressions to the server.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import ibis
import ibis.expr.types as ir
from sqlalchemy.engine import make_url

from pavedroad.errors import PavedroadError
from pavedroad.metrics.expressions import FAMILIES, FAMILY_OF, Cut, NotApplicable, Tables
from pavedroad.metrics.windows import Window

DEFAULT_PRODUCTION_PATTERN = r"^(prod|production)$"

EVENT_TABLES = (
    "deployments",
    "changes",
    "ci_runs",
    "incidents",
    "tickets",
    "survey_responses",
    "usage_events",
    "onboarding",
    "org_facts",
    "teams",
    "services",
    "initiatives",
)

# SQLite stores booleans as 0/1; the expressions want real booleans on every engine.
BOOLEAN_COLUMNS: dict[str, tuple[str, ...]] = {
    "deployments": ("is_rollback", "via_platform"),
    "incidents": ("platform_caused",),
    "tickets": ("self_service",),
    "teams": ("eligible",),
}


def sqlite_scanner_path() -> Path:
    """The sqlite scanner extension file inside its PyPI wheel, for this DuckDB version."""
    import duckdb
    import duckdb_extension_sqlite_scanner as wheel

    folder = Path(wheel.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    found = sorted(folder.glob("sqlite_scanner.duckdb_extension"))
    if not found:
        raise PavedroadError(
            f"the DuckDB sqlite scanner for DuckDB {duckdb.__version__} is not installed "
            f"(looked in {folder}); install duckdb-extension-sqlite-scanner=={duckdb.__version__}"
        )
    return found[0]


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


@dataclass
class Backend:
    """One Ibis connection that KPI expressions run on, with its kind (`duckdb`, `postgres`)."""

    kind: str
    connection: Any
    database: tuple[str, str] | None
    production_pattern: str
    lock: threading.Lock = field(default_factory=threading.Lock)

    def table(self, name: str) -> ir.Table:
        """An event or catalog table with booleans as booleans."""
        table = self.connection.table(name, database=self.database)
        flags = BOOLEAN_COLUMNS.get(name, ())
        if self.kind == "duckdb" and flags:
            table = table.mutate(**{column: table[column] == 1 for column in flags})
        return table

    def tables(self) -> Tables:
        """Every table the expressions read."""
        return Tables(
            **{name: self.table(name) for name in EVENT_TABLES},
            production_pattern=self.production_pattern,
        )

    def run(self, expression: ir.Table) -> list[dict[str, Any]]:
        """Execute an expression and return its rows as dicts."""
        with self.lock:
            rows: list[dict[str, Any]] = self.connection.to_pyarrow(expression).to_pylist()
        return rows

    def close(self) -> None:
        """Release the connection."""
        self.connection.disconnect()


def open_backend(database_url: str, *, production_pattern: str | None = None) -> Backend:
    """The engine for a store: DuckDB over a SQLite file, or PostgreSQL itself."""
    url = make_url(database_url)
    pattern = production_pattern or DEFAULT_PRODUCTION_PATTERN
    if url.get_backend_name() == "sqlite":
        import duckdb

        path = url.database
        if not path or path == ":memory:":
            raise PavedroadError("KPIs need a SQLite file or PostgreSQL, not an in-memory store")
        raw = duckdb.connect()
        raw.execute(f"LOAD '{sqlite_scanner_path()}'")
        quoted = str(Path(path).resolve()).replace("'", "''")
        raw.execute(f"ATTACH '{quoted}' AS store (TYPE sqlite, READ_ONLY)")
        connection = ibis.duckdb.from_connection(raw)
        return Backend("duckdb", connection, ("store", "main"), pattern)
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
        connection = ibis.postgres.from_connection(raw_pg)
        # Windows are naive UTC instants: the session must read them as UTC.
        connection.raw_sql("SET TIME ZONE 'UTC'")
        return Backend("postgres", connection, None, pattern)
    raise PavedroadError(f"KPIs run on SQLite or PostgreSQL, not {url.get_backend_name()}")


def windows_table(windows: Sequence[Window]) -> ir.Table:
    """The windows as a small table the families join to: w, start, end, a_start, days."""
    from datetime import timedelta

    return ibis.memtable(
        {
            "w": list(range(len(windows))),
            "start": [_naive_utc(window.start) for window in windows],
            "end": [_naive_utc(window.end) for window in windows],
            "a_start": [_naive_utc(window.end - timedelta(days=30)) for window in windows],
            "days": [window.days for window in windows],
        },
        schema={
            "w": "int64",
            "start": "timestamp",
            "end": "timestamp",
            "a_start": "timestamp",
            "days": "float64",
        },
    )


@dataclass(frozen=True)
class Cell:
    """One computed number: a KPI in a window for a group, with its sample size."""

    value: float | None
    sample_size: int


# (family, window index, group) -> KPI id -> cell; a missing family means not applicable.
FamilyResult = dict[tuple[int, str], dict[str, Cell]]


def compute_family(
    backend: Backend, family: str, windows: Sequence[Window], cut: Cut
) -> FamilyResult | None:
    """Run one family for every window at once; None when the cut does not apply to it."""
    try:
        expression = FAMILIES[family](backend.tables(), windows_table(windows), cut)
    except NotApplicable:
        return None
    ids = [kpi for kpi, owner in FAMILY_OF.items() if owner == family]
    result: FamilyResult = {}
    for row in backend.run(expression):
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
    return None if number != number else number
