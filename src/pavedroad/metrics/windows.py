"""Time windows for KPIs: half-open [start, end) in UTC, parsed from the contract's forms.

`2026-W14` (ISO week), `2026-03` (month), `2026-Q1` (quarter), `2026-H2` (half), `last-30d`
(the 30 whole days up to and including today, UTC), `qtd` and `ytd` (the quarter and the year
to date, today included), `since:2026-06-01` (that day up to and including today), and
`START..END` dates, end exclusive.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pavedroad.errors import PavedroadError

WINDOW_FORMS = (
    "2026-W14, 2026-03, 2026-Q1, 2026-H2, last-30d, qtd, ytd, since:2026-06-01, "
    "or START..END dates (end exclusive)"
)


@dataclass(frozen=True, order=True)
class Window:
    """A half-open interval of time [start, end), both UTC, with the label it was asked as."""

    start: datetime
    end: datetime
    label: str

    @property
    def days(self) -> float:
        """The window's length in days (fractional for odd bounds)."""
        return (self.end - self.start).total_seconds() / 86400

    def previous(self) -> Window:
        """The window of the same length that ends where this one starts (trends compare it)."""
        length = self.end - self.start
        return Window(self.start - length, self.start, f"before {self.label}")

    def year_before(self) -> Window:
        """The same dates a year earlier (29 February falls back to the 28th)."""
        return Window(_year_back(self.start), _year_back(self.end), f"{self.label} a year earlier")

    def as_dict(self) -> dict[str, str]:
        """The JSON form of the contract: ISO start and end."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _month_start(year: int, month: int) -> date:
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, 1)


def _year_back(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - 1, day=28)


def today_utc() -> date:
    """Today's date in UTC (the reference for `last-Nd` and the default window)."""
    return datetime.now(UTC).date()


def window_between(start: date, end: date, label: str | None = None) -> Window:
    """The window from midnight UTC of `start` to midnight UTC of `end` (exclusive)."""
    if end <= start:
        raise PavedroadError(f"window end {end} must be after its start {start}")
    return Window(_midnight(start), _midnight(end), label or f"{start}..{end}")


def last_days(days: int, *, until: date | None = None) -> Window:
    """The `days` whole days before `until` (exclusive; default: up to and including today)."""
    end = until if until is not None else today_utc() + timedelta(days=1)
    return window_between(end - timedelta(days=days), end, f"last-{days}d")


# Windows lie in this span, so the previous window, 26 weeks of history and adoption's 30-day
# look-back still have dates.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9000, 1, 1)


def parse_window(text: str, *, today: date | None = None) -> Window:
    """A window from one of the contract's forms, or an error listing the forms."""
    try:
        window = _parse_window(text, today=today)
    except (ValueError, OverflowError):
        window = None
    if window is None or window.start.date() < FIRST_DAY or window.end.date() > LAST_DAY:
        raise PavedroadError(
            f"window {text!r} is outside the dates KPIs cover "
            f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})"
        )
    return window


def _parse_window(text: str, *, today: date | None) -> Window:
    raw = text.strip()
    upper = raw.upper()
    if match := re.fullmatch(r"(\d{4})-W(\d{1,2})", upper):
        year, week = int(match[1]), int(match[2])
        try:
            start = date.fromisocalendar(year, week, 1)
        except ValueError:
            raise PavedroadError(f"window {text!r}: {year} has no ISO week {week}") from None
        return window_between(start, start + timedelta(days=7), f"{year}-W{week:02d}")
    if match := re.fullmatch(r"(\d{4})-(\d{2})", upper):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise PavedroadError(f"window {text!r}: month must be 01..12")
        return window_between(
            date(year, month, 1), _month_start(year, month + 1), f"{year}-{month:02d}"
        )
    if match := re.fullmatch(r"(\d{4})-Q([1-4])", upper):
        year, quarter = int(match[1]), int(match[2])
        first = 3 * (quarter - 1) + 1
        return window_between(
            date(year, first, 1), _month_start(year, first + 3), f"{year}-Q{quarter}"
        )
    if match := re.fullmatch(r"(\d{4})-H([12])", upper):
        year, half = int(match[1]), int(match[2])
        first = 6 * (half - 1) + 1
        return window_between(
            date(year, first, 1), _month_start(year, first + 6), f"{year}-H{half}"
        )
    if match := re.fullmatch(r"LAST-(\d{1,4})D", upper):
        days = int(match[1])
        if days < 1:
            raise PavedroadError(f"window {text!r}: the number of days must be at least 1")
        reference = today if today is not None else today_utc()
        return last_days(days, until=reference + timedelta(days=1))
    if upper in {"QTD", "YTD"}:
        reference = today if today is not None else today_utc()
        first_day = (
            date(reference.year, 3 * ((reference.month - 1) // 3) + 1, 1)
            if upper == "QTD"
            else date(reference.year, 1, 1)
        )
        return window_between(first_day, reference + timedelta(days=1), upper.lower())
    if upper.startswith("SINCE:"):
        reference = today if today is not None else today_utc()
        try:
            since = date.fromisoformat(raw[6:].strip())
        except ValueError:
            raise PavedroadError(
                f"window {text!r}: since: takes an ISO date like since:2026-06-01"
            ) from None
        if since > reference:
            raise PavedroadError(f"window {text!r}: {since} is after today ({reference})")
        return window_between(since, reference + timedelta(days=1), f"since:{since}")
    if ".." in raw:
        head, _, tail = raw.partition("..")
        try:
            start, end = date.fromisoformat(head.strip()), date.fromisoformat(tail.strip())
        except ValueError:
            raise PavedroadError(
                f"window {text!r}: START..END must be two ISO dates like 2026-01-01..2026-04-01"
            ) from None
        return window_between(start, end)
    raise PavedroadError(f"window {text!r} is not understood; use {WINDOW_FORMS}")


def week_start(day: date) -> date:
    """The Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())


CHART_WEEKS_MIN = 26
CHART_WEEKS_MAX = 104


def chart_weeks(window: Window) -> int:
    """How many weeks a KPI chart shows for `window`: the whole window, at least half a year
    (so a 30-day window still shows its before and after) and at most two years."""
    return max(CHART_WEEKS_MIN, min(CHART_WEEKS_MAX, math.ceil(window.days / 7)))


def weekly_windows(weeks: int, *, until: date | None = None) -> list[Window]:
    """The last `weeks` whole ISO weeks before the week that holds `until`, oldest first.

    The week in progress is left out: a partial week would always look like a drop.
    """
    current = week_start(until if until is not None else today_utc())
    windows = []
    for back in range(weeks, 0, -1):
        start = current - timedelta(days=7 * back)
        iso = start.isocalendar()
        windows.append(window_between(start, start + timedelta(days=7), f"{iso[0]}-W{iso[1]:02d}"))
    return windows


def quarter_of(day: date) -> str:
    """The quarter label (`2026-Q3`) that holds a day."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


# --- presets and comparisons for the KPI pages --------------------------------------------

Compare = str  # "previous" | "year" | "baseline"
COMPARE_MODES: tuple[str, ...] = ("previous", "year", "baseline")


def window_presets(baseline: date | None, *, today: date | None = None) -> list[tuple[str, str]]:
    """The windows a KPI page offers as one click: (what people read, the window text).

    "Since the baseline" is offered only when a baseline is set and lies before today."""
    reference = today if today is not None else today_utc()
    presets = [
        ("30 days", "last-30d"),
        ("90 days", "last-90d"),
        ("quarter to date", "qtd"),
        ("year to date", "ytd"),
    ]
    if baseline is not None and FIRST_DAY <= baseline <= reference:
        presets.append((f"since the baseline ({baseline.isoformat()})", f"since:{baseline}"))
    return presets


def compare_window(window: Window, mode: str, *, baseline: date | None = None) -> Window:
    """The period a window is compared with: the previous period of the same length (the
    default), the same dates a year earlier, or the baseline's first 30 days."""
    if mode == "year":
        return window.year_before()
    if mode == "baseline" and baseline is not None:
        return window_between(baseline, baseline + timedelta(days=30), "the baseline's 30 days")
    return window.previous()


def compare_basis(window: Window, mode: str, *, baseline: date | None = None) -> str:
    """What a delta is measured against, in words: `the previous 30 days`."""
    if mode == "year":
        return "the same days a year earlier"
    if mode == "baseline" and baseline is not None:
        return f"the 30 days from the baseline ({baseline.isoformat()})"
    days = window.days
    return f"the previous {days:g} days" if days != 7 else "the previous week"
