"""Turn one raw row (CSV strings or NDJSON values) into typed values, or say what is wrong."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from typing import Any

from pavedroad.catalog.schemas import EMAIL_PATTERN
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.ingest.kinds import Column, EventKind
from pavedroad.parsing import in_utc, parse_bool, parse_timestamp

Row = dict[str, Any]


class Kept:
    """The value of a column a snapshot does not carry: the upsert keeps the stored one
    (the column's default for a new row). Only columns in `EventKind.snapshots.partial`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "(kept)"


KEPT = Kept()


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _convert(column: Column, value: object, tz: tzinfo) -> object:
    """One value to its column type; raises InvalidInputError with the expected form."""
    if column.type == "bool":
        if isinstance(value, bool):
            return value
        return parse_bool(_as_text(value))
    if column.type in ("int", "float"):
        if isinstance(value, bool):
            raise InvalidInputError.because("expected a number")
        try:
            number: float = float(value) if not isinstance(value, int | float) else value  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InvalidInputError.because("expected a number") from None
        if isinstance(number, int) and abs(number) > 2**63:  # a JSON integer, unbounded
            raise InvalidInputError.because("is too large a number")
        if math.isnan(number) or math.isinf(number):
            raise InvalidInputError.because("expected a finite number")
        if column.type == "int":
            if number != int(number):
                raise InvalidInputError.because("expected a whole number")
            number = int(number)
        if column.low is not None and number < column.low:
            raise InvalidInputError.because(f"must be at least {column.low:g}")
        high = column.high if column.high is not None or column.type == "float" else MAX_WHOLE
        if high is not None and number > high:
            raise InvalidInputError.because(
                f"must be at most {high:,g}" if high < 1e6 else f"must be at most {high:,.0f}"
            )
        if column.type == "int" and number < -MAX_WHOLE:
            raise InvalidInputError.because(f"must be at least {-MAX_WHOLE:,}")
        return number
    if not isinstance(value, str):
        if column.type == "text" and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        else:
            raise InvalidInputError.because("expected text")
    text = value.strip()
    if column.type == "timestamp":
        return parse_timestamp(text, default_tz=tz)
    if column.type == "day":
        if len(text) > 10:  # a timestamp: its day in UTC, like every stored instant
            try:
                return parse_timestamp(text, default_tz=tz).date()
            except InvalidInputError:
                raise InvalidInputError.because("expected a day such as 2026-03-04") from None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise InvalidInputError.because("expected a day such as 2026-03-04") from None
    if column.type == "enum":
        lowered = text.lower()
        if lowered not in column.choices:
            raise InvalidInputError.because(f"expected one of {', '.join(column.choices)}")
        return lowered
    if len(text) > column.max_length:
        raise InvalidInputError.because(f"longer than {column.max_length} characters")
    if "\x00" in text:
        raise InvalidInputError.because("contains a NUL character")
    return text


Converter = Callable[[object], object]


def _text_converter(column: Column) -> Converter:
    limit = column.max_length
    email = column.email

    def convert(value: object) -> object:
        if type(value) is str:
            text = value.strip()
        elif isinstance(value, int | float) and not isinstance(value, bool):
            text = str(value)
        else:
            raise InvalidInputError.because("expected text")
        if len(text) > limit:
            raise InvalidInputError.because(f"longer than {limit} characters")
        if "\x00" in text:
            raise InvalidInputError.because("contains a NUL character")
        if email and text and not EMAIL_PATTERN.match(text):
            raise InvalidInputError.because("expected an email address such as ada@example.com")
        return text

    return convert


def _timestamp_converter(tz: tzinfo) -> Converter:
    def convert(value: object) -> object:
        if type(value) is not str:
            raise InvalidInputError.because("expected text")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return parse_timestamp(value, default_tz=tz)
        if parsed.tzinfo is None:
            return (
                in_utc(parsed.replace(tzinfo=tz)) if tz is not UTC else parsed.replace(tzinfo=UTC)
            )
        return parsed if parsed.tzinfo is UTC else in_utc(parsed)

    return convert


def _converter(column: Column, tz: tzinfo) -> Converter:
    if column.type == "text":
        return _text_converter(column)
    if column.type == "timestamp":
        return _timestamp_converter(tz)
    return lambda value: _convert(column, value, tz)


@lru_cache(maxsize=64)
def _compiled(kind: EventKind, tz: tzinfo) -> tuple[tuple[str, Converter, bool, object], ...]:
    return tuple((c.name, _converter(c, tz), c.required, c.default) for c in kind.columns)


def convert_row(
    kind: EventKind,
    raw: Mapping[str, object],
    *,
    tz: tzinfo,
    warnings: list[InputProblem] | None = None,
) -> tuple[Row | None, list[InputProblem]]:
    """Typed values for every column of `kind`, or every problem of the row.

    What was taken but changed (a clamped time) is added to `warnings` when it is given."""
    row: Row = {}
    problems: list[InputProblem] | None = None
    get = raw.get
    partial = kind.snapshots.partial if kind.snapshots else ()
    for name, convert, required, default in _compiled(kind, tz):
        value = get(name)
        if value is KEPT and name in partial:
            row[name] = KEPT
            continue
        if value is None or value == "" or (type(value) is str and not value.strip()):
            if required:
                problems = problems or []
                problems.append(InputProblem(field=name, reason="is required but empty"))
            row[name] = default
            continue
        try:
            row[name] = convert(value)
        except InvalidInputError as exc:
            problems = problems or []
            problems += [p.at(field=name, value=_as_text(value)) for p in exc.problems]
    if problems:
        return None, problems
    for earlier, later in kind.ordered:
        first, second = row[earlier], row[later]
        if first is None or second is None or first is KEPT or second is KEPT:
            continue
        if second < first:
            reason = f"is before {earlier}"
            return None, [InputProblem(field=later, reason=reason, value=_as_text(second))]
    for earlier, later in kind.clamped:
        first, second = row[earlier], row[later]
        if first is not None and second is not None and second < first:
            row[earlier] = second
            if warnings is not None:
                warnings.append(
                    InputProblem(
                        field=earlier,
                        reason=f"is after {later}; taken as {later}",
                        value=_as_text(first),
                    )
                )
    if kind.hashed_key and not row.get(kind.key):
        row[kind.key] = GENERATED_KEY + value_hash(kind, row)
    return row, []


def _canonical_float(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


_CANONICAL: dict[type, Callable[[Any], str]] = {
    str: lambda v: v,
    type(None): lambda v: "",
    bool: lambda v: "true" if v else "false",
    int: str,
    float: _canonical_float,
    datetime: lambda v: v.isoformat(),
    date: lambda v: v.isoformat(),
    # Unlike any stored value, so a snapshot that keeps a column never looks unchanged by
    # mistake next to one that clears it.
    Kept: lambda v: "\x1e",
}


@lru_cache(maxsize=64)
def hashed_columns(kind: EventKind) -> tuple[str, ...]:
    return tuple(name for name in kind.column_names if name != kind.key)


def value_hash(kind: EventKind, row: Row) -> str:
    """A stable hash of the row's values (its key excluded), for unchanged checks and hashed ids.

    Persisted (as row hashes and hashed ids): changing the canonical form re-keys stored rows.
    """
    canonical = _CANONICAL
    return hash_text(
        "\x1f".join([canonical[type(v)](v) for v in map(row.get, hashed_columns(kind))])
    )


def hash_text(text: str) -> str:
    """The row hash of a row's canonical text (its values joined by \\x1f)."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


GENERATED_KEY = "h:"
# Whole numbers are stored in 32-bit columns on every engine (PostgreSQL's INTEGER), so both
# accept exactly the same values.
MAX_WHOLE = 2**31 - 1


def distinct_generated_keys(
    keys: Sequence[str], seen: Counter[str], *, salt: str | None = None
) -> list[str]:
    """Keys that keep identical rows without an id apart (their key is a hash of their values).

    The n-th repeat of a generated key, in source order, becomes `KEY#n` (the first keeps
    `KEY`), counted in `seen` across the batches of one file, so importing the file again
    gives every row the key it had. `salt` (a webhook's delivery id) keeps identical rows of
    two deliveries apart; a redelivery is caught by its delivery id first."""
    tag = "@" + hash_text(salt)[:12] if salt is not None else ""
    out: list[str] = []
    for key in keys:
        if not key.startswith(GENERATED_KEY):
            out.append(key)
            continue
        key += tag
        seen[key] += 1
        out.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return out
