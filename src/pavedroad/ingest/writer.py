"""Upsert typed rows into an event table on their natural key, counting new / updated / unchanged.

This is the hot path of every import and webhook, so it speaks to the driver directly: one
`SELECT key, row_hash ... IN (...)` per batch, then one `INSERT ... ON CONFLICT DO UPDATE`
executemany for the rows that are new or changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection

from pavedroad.ingest.kinds import EventKind
from pavedroad.ingest.rows import Row, value_hash

_IN_CHUNK = 900  # below SQLite's default limit of 999 bound parameters


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


def _columns(kind: EventKind) -> list[str]:
    return [*kind.column_names, "channel", "row_hash", "run_id"]


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


def existing_keys(connection: Connection, table: str, key: str, keys: Sequence[str]) -> set[str]:
    """Which of `keys` exist in `table` (used for references such as deployment ids)."""
    sqlite = connection.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    found: set[str] = set()
    unique = sorted(set(keys))
    cursor = connection.connection.cursor()
    try:
        for start in range(0, len(unique), _IN_CHUNK):
            chunk = unique[start : start + _IN_CHUNK]
            cursor.execute(
                f"SELECT {key} FROM {table} WHERE {key} IN ({','.join([mark] * len(chunk))})", chunk
            )
            found.update(str(r[0]) for r in cursor.fetchall())
    finally:
        cursor.close()
    return found


def upsert_rows(
    connection: Connection,
    kind: EventKind,
    rows: Sequence[Row],
    *,
    channel: str,
    run_id: int | None,
) -> UpsertCounts:
    """Write rows (later duplicates of a key win) and count what changed."""
    counts = UpsertCounts()
    if not rows:
        return counts
    # A key repeated within one batch is written once, as its last version.
    by_key: dict[str, Row] = {_key_text(row[kind.key]): row for row in rows}
    stored = existing_hashes(connection, kind, [r[kind.key] for r in by_key.values()])
    sqlite = connection.dialect.name == "sqlite"
    columns = _columns(kind)
    names = kind.column_names
    lookup = _SQLITE_VALUE.get
    to_write: list[list[Any]] = []
    for key_text, row in by_key.items():
        digest = value_hash(kind, row)
        previous = stored.get(key_text)
        if previous == digest:
            counts.unchanged += 1
            continue
        if previous is None:
            counts.new += 1
        else:
            counts.updated += 1
        values = [row.get(c) for c in names]
        values += (channel, digest, run_id)
        if sqlite:
            values = [adapt(v) if (adapt := lookup(type(v))) else v for v in values]
        to_write.append(values)
    counts.unchanged += len(rows) - len(by_key)
    if to_write:
        mark = "?" if sqlite else "%s"
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != kind.key)
        sql = (
            f"INSERT INTO {kind.table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "
            f"ON CONFLICT ({kind.key}) DO UPDATE SET {updates}"
        )
        cursor = connection.connection.cursor()
        try:
            cursor.executemany(sql, to_write)
            # Tell the metrics engine this table changed (same transaction as the rows).
            changed = 1 if counts.updated else 0
            cursor.execute(
                f"INSERT INTO event_versions (table_name, version, updates) "
                f"VALUES ({mark}, 1, {mark}) ON CONFLICT (table_name) DO UPDATE SET "
                "version = event_versions.version + 1, "
                "updates = event_versions.updates + excluded.updates",
                (kind.table, changed),
            )
        finally:
            cursor.close()
    return counts


def _key_text(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
