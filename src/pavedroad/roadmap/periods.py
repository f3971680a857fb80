"""Quarters and halves of the roadmap, pure: `2026-Q4`, the one after it, the half holding it."""

from __future__ import annotations

from datetime import date

from pavedroad.metrics.windows import parse_window, quarter_of


def next_quarter(quarter: str) -> str:
    """The quarter after `2026-Q4`: `2027-Q1`."""
    return quarter_of(parse_window(quarter).end.date())


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First day of a quarter (or half) and the first day after it."""
    window = parse_window(quarter)
    return window.start.date(), window.end.date()


def half_of(quarter: str) -> str:
    """The half that holds a quarter: `2026-Q3` -> `2026-H2`; a half stays itself."""
    year, _, part = quarter.partition("-")
    if part.startswith("H"):
        return quarter
    return f"{year}-H{1 if int(part[1]) <= 2 else 2}"


def period(quarter: str, horizon: str) -> str:
    """A quarter as the roadmap shows it: itself, or its half when the view is by halves."""
    return half_of(quarter) if horizon == "half" else quarter


def planning_quarters(as_of: date) -> tuple[str, str]:
    """Now's quarter (the one holding `as_of`) and Next's (the following one)."""
    now = quarter_of(as_of)
    return now, next_quarter(now)


def quarters_between(first: str, last: str) -> list[str]:
    """Every quarter from `first` to `last`, both included (empty when last is before first)."""
    found: list[str] = []
    current = first
    while quarter_bounds(current)[0] <= quarter_bounds(last)[0] and len(found) < 400:
        found.append(current)
        current = next_quarter(current)
    return found
