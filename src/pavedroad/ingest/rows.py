"""Turn one raw row (CSV strings or NDJSON values) into typed values, or say what is wrong."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from pavedroad.ingest.kinds import Column, EventKind
from pavedroad.parsing import ValueProblem, parse_bool, parse_timestamp


@dataclass(frozen=True)
class RowProblem:
    """Why a row was refused: the field (when one is to blame), the reason and the value seen."""

    field: str | None
    reason: str
    value: str | None = None

    def __str__(self) -> str:
        text = f"field {self.field!r}: {self.reason}" if self.field else self.reason
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            text += f" (got {shown!r})"
        return text


Row = dict[str, Any]


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _convert(column: Column, value: object, tz: tzinfo) -> object:
    """One value to its column type; raises ValueProblem with the expected form."""
    if column.type == "bool":
        if isinstance(value, bool):
            return value
        return parse_bool(_as_text(value))
    if column.type in ("int", "float"):
        if isinstance(value, bool):
            raise ValueProblem("expected a number")
        try:
            number: float = float(value) if not isinstance(value, int | float) else value  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueProblem("expected a number") from None
        if math.isnan(number) or math.isinf(number):
            raise ValueProblem("expected a finite number")
        if column.type == "int":
            if number != int(number):
                raise ValueProblem("expected a whole number")
            number = int(number)
        if column.low is not None and number < column.low:
            raise ValueProblem(f"must be at least {column.low:g}")
        if column.high is not None and number > column.high:
            raise ValueProblem(f"must be at most {column.high:g}")
        return number
    if not isinstance(value, str):
        if column.type == "text" and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        else:
            raise ValueProblem("expected text")
    text = value.strip()
    if column.type == "timestamp":
        return parse_timestamp(text, default_tz=tz)
    if column.type == "day":
        try:
            return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
        except ValueError:
            raise ValueProblem("expected a day such as 2026-03-04") from None
    if column.type == "enum":
        lowered = text.lower()
        if lowered not in column.choices:
            raise ValueProblem(f"expected one of {', '.join(column.choices)}")
        return lowered
    if len(text) > column.max_length:
        raise ValueProblem(f"longer than {column.max_length} characters")
    if "\x00" in text:
        raise ValueProblem("contains a NUL character")
    return text


def convert_row(
    kind: EventKind, raw: Mapping[str, object], *, tz: tzinfo
) -> tuple[Row | None, list[RowProblem]]:
    """Typed values for every column of `kind`, or every problem of the row."""
    row: Row = {}
    problems: list[RowProblem] = []
    for column in kind.columns:
        value = raw.get(column.name)
        empty = value is None or (isinstance(value, str) and not value.strip())
        if empty:
            if column.required:
                problems.append(RowProblem(column.name, "is required but empty"))
            row[column.name] = column.default
            continue
        try:
            row[column.name] = _convert(column, value, tz)
        except ValueProblem as exc:
            problems.append(RowProblem(column.name, str(exc), _as_text(value)))
    if problems:
        return None, problems
    for earlier, later in kind.ordered:
        if (
            row.get(earlier) is not None
            and row.get(later) is not None
            and row[later] < row[earlier]
        ):
            return None, [RowProblem(later, f"is before {earlier}", _as_text(row[later]))]
    if kind.hashed_key and not row.get(kind.key):
        row[kind.key] = "h:" + value_hash(kind, row)
    return row, []


def _canonical(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return _as_text(value)


def value_hash(kind: EventKind, row: Row) -> str:
    """A stable hash of the row's values (its key excluded), for unchanged checks and hashed ids."""
    text = "\x1f".join(_canonical(row.get(c.name)) for c in kind.columns if c.name != kind.key)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
