"""Upsert typed rows into an event table on their natural key, counting new / updated / unchanged.

This is the hot path of every import and webhook, so it speaks to the driver directly.
A small batch (a webhook delivery) looks up the stored hashes of its keys and upserts the
rows that are new or changed with one `executemany`. A large one (a file import) is loaded
into a temporary table and upserted from it by one `INSERT ... SELECT ... ON CONFLICT`
statement that skips unchanged rows and returns the rows it wrote, for the counts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Connection

from pavedroad.ingest.kinds import EventKind
from pavedroad.ingest.rows import KEPT, Row, value_hash

_IN_CHUNK = 900  # below SQLite's default limit of 999 bound parameters
# From this many rows a SQLite batch is written through a staging table (`_write_staged`).
STAGE_FROM_ROWS = 500
# SQLite's default SQLITE_MAX_VARIABLE_NUMBER since 3.32.
_MAX_PARAMETERS = 32_766
STAGE_CACHE_KIB = 16 * 1024


@dataclass
class UpsertCounts:
    """What a batch did to the table."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


def _staged_columns(kind: EventKind) -> list[str]:
    """Columns as `Prepared` holds them: the values, then the row hash."""
    return [*kind.column_names, "row_hash"]


def _columns(kind: EventKind) -> list[str]:
    """Every column a write sets: the prepared ones, then the run's."""
    return [*_staged_columns(kind), "channel", "run_id"]


def _sqlite_datetime(value: datetime) -> str:
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


# Values as SQLite stores them, matching SQLAlchemy's own DateTime and Date storage.
_SQLITE_VALUE: dict[type, Callable[[Any], Any]] = {
    datetime: _sqlite_datetime,
    date: lambda v: v.isoformat(),
    bool: int,
}


def _adapt(value: Any, sqlite: bool) -> Any:
    """A value as the driver stores it."""
    if not sqlite:
        return value
    adapt = _SQLITE_VALUE.get(type(value))
    return adapt(value) if adapt else value


def existing_hashes(
    connection: Connection, kind: EventKind, keys: Sequence[object]
) -> dict[str, str]:
    """Stored row hashes by key for the keys given."""
    sqlite = connection.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    found: dict[str, str] = {}
    cursor = connection.connection.cursor()
    try:
        for start in range(0, len(keys), _IN_CHUNK):
            chunk = [_adapt(k, sqlite) for k in keys[start : start + _IN_CHUNK]]
            sql = f"SELECT {kind.key}, row_hash FROM {kind.table} WHERE {kind.key} IN ({','.join([mark] * len(chunk))})"
            cursor.execute(sql, chunk)
            for key, row_hash in cursor.fetchall():
                found[str(key)] = row_hash
    finally:
        cursor.close()
    return found


def _rows_with_keys(
    connection: Connection, table: str, key: str, keys: Sequence[str], columns: str
) -> list[tuple[Any, ...]]:
    """`columns` of the rows of `table` whose `key` is one of `keys`."""
    mark = "?" if connection.dialect.name == "sqlite" else "%s"
    found: list[tuple[Any, ...]] = []
    unique = sorted(set(keys))
    cursor = connection.connection.cursor()
    try:
        for start in range(0, len(unique), _IN_CHUNK):
            chunk = unique[start : start + _IN_CHUNK]
            cursor.execute(
                f"SELECT {columns} FROM {table} WHERE {key} IN ({','.join([mark] * len(chunk))})",
                chunk,
            )
            found.extend(tuple(r) for r in cursor.fetchall())
    finally:
        cursor.close()
    return found


def deployment_finishes(connection: Connection, ids: Sequence[str]) -> dict[str, datetime]:
    """When each stored deployment among `ids` finished (a change must be merged before)."""
    finishes: dict[str, datetime] = {}
    for key, finished in _rows_with_keys(connection, "deployments", "id", ids, "id, finished_at"):
        moment = finished if isinstance(finished, datetime) else datetime.fromisoformat(finished)
        finishes[str(key)] = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return finishes


def upsert_rows(
    connection: Connection,
    kind: EventKind,
    rows: Sequence[Row],
    *,
    channel: str,
    run_id: int | None,
) -> UpsertCounts:
    """Write typed rows (later duplicates of a key win) and count what changed."""
    if not rows:
        return UpsertCounts()
    prepared = prepare_rows(kind, rows, sqlite=connection.dialect.name == "sqlite")
    return write_prepared(connection, kind, prepared, channel=channel, run_id=run_id)


def prepare_rows(kind: EventKind, rows: Sequence[Row], *, sqlite: bool) -> Prepared:
    """Typed rows as the driver stores them, with their keys and value hashes."""
    lookup = _SQLITE_VALUE.get
    columns: list[list[Any]] = []
    for name in kind.column_names:
        values = [row.get(name) for row in rows]
        if sqlite:
            values = [adapt(v) if (adapt := lookup(type(v))) else v for v in values]
        columns.append(values)
    columns.append([value_hash(kind, row) for row in rows])
    return Prepared([_key_text(row[kind.key]) for row in rows], columns)


@dataclass
class Prepared:
    """Rows ready for the driver, in file order, held by column: each row's key text, and
    one list per column of `kind.column_names` (values as the driver stores them) followed
    by the rows' value hashes."""

    keys: list[str]
    columns: list[list[Any]]

    def __len__(self) -> int:
        return len(self.keys)

    def rows(self) -> list[tuple[Any, ...]]:
        return list(zip(*self.columns, strict=True))

    def pick(self, indices: Sequence[int]) -> Prepared:
        """The rows at `indices`, in that order."""
        return Prepared(
            [self.keys[i] for i in indices],
            [[column[i] for i in indices] for column in self.columns],
        )

    def __add__(self, other: Prepared) -> Prepared:
        if not other.keys:
            return self
        if not self.keys:
            return other
        return Prepared(
            self.keys + other.keys,
            [mine + theirs for mine, theirs in zip(self.columns, other.columns, strict=True)],
        )

    def last_of_each_key(self) -> Prepared:
        """The rows with a repeated key dropped but for its last (file order kept otherwise)."""
        if len(set(self.keys)) == len(self.keys):
            return self
        last = {key: i for i, key in enumerate(self.keys)}
        return self.pick(sorted(last.values()))


def write_prepared(
    connection: Connection,
    kind: EventKind,
    prepared: Prepared,
    *,
    channel: str,
    run_id: int | None,
) -> UpsertCounts:
    """Upsert prepared rows on their key and count new / updated / unchanged.

    A repeated key is written once, as its last version; its earlier rows count as unchanged.
    Large batches go through a staging table (`_write_staged` on SQLite, `_write_copied`
    on PostgreSQL). Rows of a kind with snapshots merge with the stored row
    (`_snapshot_merge`); snapshots that leave columns out (webhooks) are written one by one.
    """
    unique = prepared.last_of_each_key()
    if kind.snapshots and (len(unique) < STAGE_FROM_ROWS or _keeps_any(kind, unique)):
        counts = _write_snapshots(connection, kind, unique, channel=channel, run_id=run_id)
    elif len(unique) >= STAGE_FROM_ROWS and connection.dialect.name == "sqlite":
        counts = _write_staged(connection, kind, unique, channel=channel, run_id=run_id)
    elif len(unique) >= STAGE_FROM_ROWS and connection.dialect.name == "postgresql":
        counts = _write_copied(connection, kind, unique, channel=channel, run_id=run_id)
    else:
        counts = _write_each(connection, kind, unique, channel=channel, run_id=run_id)
    counts.unchanged += len(prepared) - len(unique)
    return counts


def _upsert_sql(kind: EventKind, mark: str) -> str:
    """`INSERT ... VALUES ... ON CONFLICT (key) DO UPDATE` of every column."""
    columns = _columns(kind)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != kind.key)
    return (
        f"INSERT INTO {kind.table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT ({kind.key}) DO UPDATE SET {updates}"
    )


def _upsert_from_stage(kind: EventKind, stage: str, mark: str, returning: str) -> str:
    """The statement both staged writers end with: upsert every row of `stage` in key order,
    skip the unchanged ones, and return `returning` for each row written.

    `channel` and `run_id` are its two parameters."""
    columns = _columns(kind)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != kind.key)
    differs = "IS NOT" if mark == "?" else "IS DISTINCT FROM"  # SQLite before 3.39 lacks the latter
    guard = f"{kind.table}.row_hash {differs} excluded.row_hash"
    if kind.snapshots:
        updates, merges = _snapshot_merge(kind, {})
        guard += f" AND {merges}"
    return (
        f"INSERT INTO {kind.table} ({', '.join(columns)}) "
        f"SELECT {', '.join(_staged_columns(kind))}, {mark}, {mark} FROM {stage} WHERE true "
        f"ORDER BY {kind.key} ON CONFLICT ({kind.key}) DO UPDATE SET {updates} "
        f"WHERE {guard} RETURNING {returning}"
    )


def _snapshot_merge(kind: EventKind, keep_marks: dict[str, str]) -> tuple[str, str]:
    """The `SET` and the `WHERE` of an upsert that merges a snapshot with the stored row.

    A row replaces the stored one when either has no snapshot time (a file row is taken as
    it is) or its time is at least as new; columns in `keep_marks` (the SQL of a per-row
    flag: this snapshot does not carry the column) keep their stored value. An older snapshot
    changes nothing but an empty `fixed` column (an incident's unknown start), which any row
    may fill; the stored row hash then stays, so the newer row it came from still matches.
    """
    snapshots = kind.snapshots
    assert snapshots is not None
    table, at = kind.table, snapshots.at
    newer = f"(excluded.{at} IS NULL OR {table}.{at} IS NULL OR excluded.{at} >= {table}.{at})"
    sets: list[str] = []
    for column in _columns(kind):
        if column == kind.key:
            continue
        if column in ("channel", "run_id"):
            sets.append(f"{column} = excluded.{column}")
            continue
        taken = f"excluded.{column}"
        if column in keep_marks:
            taken = f"CASE WHEN {keep_marks[column]} THEN {table}.{column} ELSE {taken} END"
        older = (
            f"coalesce({table}.{column}, excluded.{column})"
            if column in snapshots.fixed
            else f"{table}.{column}"
        )
        sets.append(f"{column} = CASE WHEN {newer} THEN {taken} ELSE {older} END")
    fills = [f"({table}.{c} IS NULL AND excluded.{c} IS NOT NULL)" for c in snapshots.fixed]
    return ", ".join(sets), f"({' OR '.join([newer, *fills])})"


def _keeps_any(kind: EventKind, prepared: Prepared) -> bool:
    """Whether any row leaves a column to its stored value (`rows.KEPT`)."""
    assert kind.snapshots is not None
    index = {name: i for i, name in enumerate(kind.column_names)}
    return any(
        value is KEPT for name in kind.snapshots.partial for value in prepared.columns[index[name]]
    )


def _write_snapshots(
    connection: Connection,
    kind: EventKind,
    prepared: Prepared,
    *,
    channel: str,
    run_id: int | None,
) -> UpsertCounts:
    """Small batches of a kind with snapshots: one merging upsert per row that is not
    unchanged, each telling by `RETURNING` whether it wrote (an older snapshot may not)."""
    assert kind.snapshots is not None
    sqlite = connection.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    flagged = [c for c in _columns(kind) if c in kind.snapshots.partial]
    updates, merges = _snapshot_merge(kind, dict.fromkeys(flagged, mark))
    columns = _columns(kind)
    differs = "IS NOT" if sqlite else "IS DISTINCT FROM"
    sql = (
        f"INSERT INTO {kind.table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT ({kind.key}) DO UPDATE SET {updates} "
        f"WHERE {kind.table}.row_hash {differs} excluded.row_hash AND {merges} RETURNING 1"
    )
    defaults = {
        i: _adapt(kind.columns[i].default, sqlite)
        for i, name in enumerate(kind.column_names)
        if name in kind.snapshots.partial
    }
    flags = [kind.column_names.index(c) for c in flagged]
    counts = UpsertCounts()
    stored = existing_hashes(connection, kind, prepared.keys)
    cursor = connection.connection.cursor()
    try:
        for key, row in zip(prepared.keys, prepared.rows(), strict=True):
            if stored.get(key) == row[-1]:
                counts.unchanged += 1
                continue
            values = [defaults[i] if value is KEPT else value for i, value in enumerate(row)]
            cursor.execute(sql, [*values, channel, run_id, *(row[i] is KEPT for i in flags)])
            wrote = bool(cursor.fetchall())
            if key not in stored:
                counts.new += 1
            elif wrote:
                counts.updated += 1
            else:
                counts.unchanged += 1
        if counts.new or counts.updated:
            _bump_version(cursor, kind, mark, updated=counts.updated > 0)
    finally:
        cursor.close()
    return counts


def _stage_sql(kind: EventKind, stage: str) -> str:
    """A temporary table shaped like the event table's values and row hash, without indexes."""
    return (
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS "
        f"SELECT {', '.join(_staged_columns(kind))} FROM {kind.table} WHERE false"
    )


def _bump_version(cursor: Any, kind: EventKind, mark: str, *, updated: bool) -> None:
    """Tell the metrics engine this table changed (same transaction as the rows)."""
    cursor.execute(
        f"INSERT INTO event_versions (table_name, version, updates) "
        f"VALUES ({mark}, 1, {mark}) ON CONFLICT (table_name) DO UPDATE SET "
        "version = event_versions.version + 1, "
        "updates = event_versions.updates + excluded.updates",
        (kind.table, 1 if updated else 0),
    )


def _write_each(
    connection: Connection,
    kind: EventKind,
    prepared: Prepared,
    *,
    channel: str,
    run_id: int | None,
) -> UpsertCounts:
    """Small batches: look up stored hashes, upsert what is new or changed."""
    counts = UpsertCounts()
    stored = existing_hashes(connection, kind, prepared.keys)
    to_write: list[list[Any]] = []
    for key, row in zip(prepared.keys, prepared.rows(), strict=True):
        digest = row[-1]
        previous = stored.get(key)
        if previous == digest:
            counts.unchanged += 1
            continue
        if previous is None:
            counts.new += 1
        else:
            counts.updated += 1
        to_write.append([*row, channel, run_id])
    if to_write:
        mark = "?" if connection.dialect.name == "sqlite" else "%s"
        cursor = connection.connection.cursor()
        try:
            cursor.executemany(_upsert_sql(kind, mark), to_write)
            _bump_version(cursor, kind, mark, updated=counts.updated > 0)
        finally:
            cursor.close()
    return counts


def _write_staged(
    connection: Connection,
    kind: EventKind,
    prepared: Prepared,
    *,
    channel: str,
    run_id: int | None,
) -> UpsertCounts:
    """Large SQLite batches: load an index-free temporary table, then upsert from it in SQL.

    SQLite inserts into an indexed table much faster from one `INSERT ... SELECT` in key
    order than from a driver `executemany`. Unchanged rows are skipped by the upsert's
    `WHERE`; the rows it wrote come back by rowid, and a rowid above the table's largest
    before the write is a new row. The batch's transaction takes the write lock first, so
    no other writer can change the table in between.
    """
    raw = cast(sqlite3.Connection, connection.connection.dbapi_connection)
    if not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")
    # Index pages stay in memory across the batches of a large import (16 MB, not 2 MB);
    # the setting stays with this pooled connection.
    raw.execute(f"PRAGMA cache_size = -{STAGE_CACHE_KIB}")
    stage = f"pr_stage_{kind.table}"
    cursor = raw.cursor()
    try:
        cursor.execute(_stage_sql(kind, stage))
        cursor.execute(f"DELETE FROM {stage}")
        _fill(cursor, stage, prepared.columns)
        (largest,) = cursor.execute(
            f"SELECT coalesce(max(rowid), 0) FROM main.{kind.table}"
        ).fetchone()
        rowids = cursor.execute(
            _upsert_from_stage(kind, stage, "?", "rowid"), (channel, run_id)
        ).fetchall()
        counts = _counted(cursor, kind, prepared, [rowid > largest for (rowid,) in rowids], "?")
        cursor.execute(f"DELETE FROM {stage}")
    finally:
        cursor.close()
    return counts


def _write_copied(
    connection: Connection,
    kind: EventKind,
    prepared: Prepared,
    *,
    channel: str,
    run_id: int | None,
) -> UpsertCounts:
    """Large PostgreSQL batches: `COPY` into a temporary table, then upsert from it in SQL.

    The upsert skips unchanged rows by its `WHERE` and returns `xmax = 0` for each row it
    wrote: true for an inserted row, false for an updated one.
    """
    stage = f"pr_stage_{kind.table}"
    staged = _staged_columns(kind)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_stage_sql(kind, stage))
        cursor.execute(f"TRUNCATE {stage}")
        with cursor.copy(f"COPY {stage} ({', '.join(staged)}) FROM STDIN") as copy:
            for row in zip(*prepared.columns, strict=True):
                copy.write_row(row)
        cursor.execute(_upsert_from_stage(kind, stage, "%s", "(xmax = 0)"), (channel, run_id))
        counts = _counted(cursor, kind, prepared, [flag for (flag,) in cursor.fetchall()], "%s")
        cursor.execute(f"TRUNCATE {stage}")
    finally:
        cursor.close()
    return counts


def _counted(
    cursor: Any, kind: EventKind, prepared: Prepared, inserted: list[bool], placeholder: str
) -> UpsertCounts:
    """The counts of a staged upsert that wrote one row per flag (true: inserted, false:
    updated), with the kind's event version bumped when it wrote anything."""
    new = sum(inserted)
    counts = UpsertCounts(
        new=new, updated=len(inserted) - new, unchanged=len(prepared) - len(inserted)
    )
    if inserted:
        _bump_version(cursor, kind, placeholder, updated=counts.updated > 0)
    return counts


def _fill(cursor: sqlite3.Cursor, table: str, columns: list[list[Any]]) -> None:
    """Insert rows given by column with multi-row `VALUES` statements (~32k parameters each).

    Unlike `executemany`, which hands the GIL back and forth around every row, this binds a
    few thousand rows at once and runs each statement in one step: the import's converting
    thread and this writing thread then stop waiting on each other.
    """
    width = len(columns)
    per_statement = max(1, _MAX_PARAMETERS // width)
    row_marks = "(" + ", ".join(["?"] * width) + ")"
    total = len(columns[0]) if columns else 0
    for start in range(0, total, per_statement):
        count = min(per_statement, total - start)
        parameters: list[Any] = [None] * (count * width)
        for offset, column in enumerate(columns):
            parameters[offset::width] = column[start : start + count]
        cursor.execute(f"INSERT INTO {table} VALUES " + ", ".join([row_marks] * count), parameters)


def _key_text(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
