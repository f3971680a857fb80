"""Every import kind, fed files that mix valid and out-of-range values: each row is either
taken or refused with its line and a reason, the run's counts add up, and the table holds
exactly the rows taken (issue 13)."""

from __future__ import annotations

import csv
import os
import re
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pavedroad.ingest.files import import_file
from pavedroad.ingest.kinds import KINDS, Column, EventKind

# Values no column may store, or that sit at the edge of what one can.
HOSTILE = st.sampled_from(
    [
        "",
        "\x00",
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:00:00+05:00",
        "2030-03-04garbage",
        str(2**63),
        str(2**31),
        "-1",
        "1e309",
        "nan",
        '=HYPERLINK("x")',
        "x" * 5000,
        "true",
        "<script>alert(1)</script>",
    ]
)
MOMENTS = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)
REFERENCES = {
    "service": st.sampled_from(["ledger-service", "search-api", "unknown-service"]),
    "team": st.sampled_from(["payments", "search", "nobody"]),
    "deployment": st.just(""),
}


def _valid(column: Column) -> st.SearchStrategy[str]:
    """A value of the column's type (a reference may still name nothing)."""
    if column.reference is not None:
        return REFERENCES[column.reference]
    if column.type == "timestamp":
        return MOMENTS.map(lambda moment: moment.isoformat())
    if column.type == "day":
        return st.dates(date(2020, 1, 1), date(2030, 1, 1)).map(date.isoformat)
    if column.type == "bool":
        return st.sampled_from(["true", "false", "1", "0"])
    if column.type == "enum":
        return st.sampled_from(column.choices)
    if column.type in ("int", "float"):
        low = int(column.low) if column.low is not None else -1000
        high = int(column.high) if column.high is not None else 10**6
        numbers = st.integers(low, high).map(str)
        if column.type == "float":
            numbers = numbers | st.floats(low, high, allow_nan=False).map(repr)
        return numbers
    return st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


def _rows(kind: EventKind) -> st.SearchStrategy[list[dict[str, str]]]:
    row = st.fixed_dictionaries(
        {
            column.name: (_valid(column) | HOSTILE) if column.name != "id" else st.just("")
            for column in kind.columns
        }
    )
    return st.lists(row, min_size=1, max_size=12)


def _write(kind: EventKind, rows: list[dict[str, str]]) -> Path:
    fd, name = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(kind.column_names)
        for number, row in enumerate(rows):
            # Distinct ids, so every row taken is a new row; kinds keyed by a hash get none.
            if "id" in row:
                row = {**row, "id": "" if kind.hashed_key else f"fuzz-{number}"}
            writer.writerow([row[name] for name in kind.column_names])
    return Path(name)


def _count(engine, kind: EventKind) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(kind.model)) or 0


@pytest.mark.parametrize("kind_name", sorted(KINDS))
def test_every_row_is_taken_or_refused_with_a_reason(engine, catalog, kind_name):
    kind = KINDS[kind_name]

    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(rows=_rows(kind))
    def check(rows: list[dict[str, str]]) -> None:
        with Session(engine) as session, session.begin():
            session.execute(kind.model.__table__.delete())
        path = _write(kind, rows)
        # Quoted values may hold line breaks: a row's line is where it starts in the file.
        lines = len(re.findall(rb"\r\n|\r|\n", path.read_bytes()))
        try:
            result = import_file(engine, kind_name, path)
        finally:
            path.unlink()
        assert result.read == len(rows)
        assert result.new + result.updated + result.unchanged + result.rejected == len(rows)
        assert _count(engine, kind) == result.new + result.updated + result.unchanged
        expected = "succeeded" if not result.rejected else "partly_succeeded"
        if result.rejected == len(rows):
            expected = "failed"
        assert result.status == expected, (result.status, result.errors[:3])
        assert len(result.errors) >= min(result.rejected, 1)
        for error in result.errors:
            line = error.split(":", 1)[0]
            assert line.startswith("line ") and line[5:].isdigit(), error
            assert 2 <= int(line[5:]) <= lines, error

    check()
