"""Parsing of the scalar values every input path shares: booleans, timestamps, counts.

A value that cannot be read raises InvalidInputError with the reason alone; the reader that
knows the file, line and field places the problem (`InputProblem.at`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from pavedroad.errors import InvalidInputError

TRUE_WORDS = frozenset({"true", "yes", "1", "y", "t"})
FALSE_WORDS = frozenset({"false", "no", "0", "n", "f"})


def parse_bool(text: str) -> bool:
    """Read `true/false`, `yes/no` or `1/0` in any case."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidInputError.because("expected a boolean: true/false, yes/no or 1/0")


def parse_timestamp(text: str, *, default_tz: tzinfo = UTC) -> datetime:
    """Read an ISO 8601 date or date-time; values without an offset are in `default_tz`."""
    raw = text.strip()
    if not raw:
        raise InvalidInputError.because("expected an ISO 8601 timestamp, got an empty value")
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        parsed = None
    if parsed is not None:
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=default_tz)
        return parsed if parsed.tzinfo is UTC else in_utc(parsed)
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise InvalidInputError.because(
                "expected an ISO 8601 timestamp such as 2026-03-01 or 2026-03-01T09:30:00Z"
            ) from None
        parsed = datetime(day.year, day.month, day.day)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return in_utc(parsed)


def in_utc(moment: datetime) -> datetime:
    """The instant in UTC, or InvalidInputError when UTC has no such year (past 9999 or before 1)."""
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInputError.because(
            "is out of range once moved to UTC (years 1 to 9999)"
        ) from None


def parse_optional_timestamp(text: str | None, *, default_tz: tzinfo = UTC) -> datetime | None:
    """Like `parse_timestamp`, but an empty value means "not known"."""
    if text is None or not text.strip():
        return None
    return parse_timestamp(text, default_tz=default_tz)


def parse_count(text: str) -> int:
    """Read a whole number that cannot be negative."""
    raw = text.strip()
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInputError.because("expected a whole number such as 12") from None
    if value < 0:
        raise InvalidInputError.because("expected a number of zero or more")
    return value
