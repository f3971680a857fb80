"""Weekly and monthly reports: assembled from the other services, written as Markdown + PNGs.

A weekly report (an ISO week) holds the leading indicators with their trend against the week
before, the week's changelog, the initiatives at risk against their success or kill criteria,
and the launches in flight with their overdue items. A monthly report holds the same for a
calendar month, plus the lagging indicators and the capacity budget of the month's quarter.
Criteria and launches are judged on the period's last day. Charts are the KPI pages' own
Vega-Lite specs (`web/charts.py`), rendered to PNG by vl-convert.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from pavedroad.backlog import service as backlog
from pavedroad.backlog.criteria import proposes_kill
from pavedroad.backlog.schemas import ACTIVE_STATUSES
from pavedroad.comms import changelog, launches
from pavedroad.comms.report_markdown import report_markdown
from pavedroad.comms.schemas.changelog import ChangelogEntryOut
from pavedroad.comms.schemas.reports import (
    CoachDigestOut,
    CriterionAtRiskOut,
    IndicatorOut,
    InitiativeAtRiskOut,
    LaunchInFlightOut,
    OverdueItemOut,
    ReportKind,
    ReportOut,
)
from pavedroad.errors import InvalidInputError
from pavedroad.metrics import service as metrics
from pavedroad.metrics.definitions import DEFINITIONS, format_value
from pavedroad.metrics.windows import Window, quarter_of, today_utc, week_start, window_between
from pavedroad.roadmap import service as roadmap

LEADING = tuple(d.id for d in DEFINITIONS if d.kind == "leading")
LAGGING = tuple(d.id for d in DEFINITIONS if d.kind == "lagging")
# As many weeks as the KPI pages chart, so a report's chart is the page's chart.
CHART_WEEKS = 26
CHART_WIDTH = 640
# Reports cover the years the KPI windows cover (with room for 26 weeks of history).
FIRST_YEAR, LAST_YEAR = 1901, 8999
AT_RISK_STATES = frozenset({"at_risk", "missed", "triggered"})
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")


@dataclass(frozen=True)
class Period:
    """A report's period: its kind, label (`2026-W47`, `2026-11`), first and last day."""

    kind: ReportKind
    label: str
    start: date
    end: date

    @property
    def window(self) -> Window:
        """The KPI window [start, end + 1 day)."""
        return window_between(self.start, self.end + timedelta(days=1), self.label)


@dataclass(frozen=True)
class Report:
    """The report's content, and each chart's Vega-Lite spec by its PNG file name."""

    content: ReportOut
    charts: dict[str, dict[str, Any]]

    @property
    def markdown(self) -> str:
        """The report as one Markdown document, charts linked by their file names."""
        return report_markdown(self.content)

    @property
    def file_name(self) -> str:
        """`weekly-2026-W47.md` or `monthly-2026-11.md`."""
        return f"{self.content.kind}-{self.content.period}.md"


def _years_or_raise(year: int, text: str, source: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInputError.because(
            f"reports cover the years {FIRST_YEAR} to {LAST_YEAR}", source=source, value=text[:40]
        )


def week_period(text: str | None, *, today: date | None = None, source: str = "--week") -> Period:
    """The ISO week asked (`2026-W47`), or the last complete week before `today`."""
    if text is None or not text.strip():
        monday = week_start(today or today_utc()) - timedelta(days=7)
        text = changelog.week_label(monday)
    label, monday, sunday = changelog.parse_week(text, source=source)
    _years_or_raise(monday.year, text, source)
    return Period("weekly", label, monday, sunday)


def month_period(text: str | None, *, today: date | None = None, source: str = "--month") -> Period:
    """The calendar month asked (`2026-11`), or the last complete month before `today`."""
    if text is None or not text.strip():
        first = (today or today_utc()).replace(day=1) - timedelta(days=1)
        text = f"{first.year:04d}-{first.month:02d}"
    match = _MONTH.fullmatch(text.strip())
    if match is None:
        raise InvalidInputError.because(
            "expected a month such as 2026-11", source=source, value=text[:40]
        )
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise InvalidInputError.because("a month runs 01 to 12", source=source, value=text[:40])
    _years_or_raise(year, text, source)
    start = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period("monthly", f"{year:04d}-{month:02d}", start, following - timedelta(days=1))


# ---- sections ------------------------------------------------------------------------------


def _trend_text(result: metrics.KpiResult) -> str:
    change = result.trend
    if change is None:
        return ""
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "■")
    unit = result.definition.unit
    if unit == "fraction":
        size = f"{abs(change) * 100:.1f} pts"
    elif unit == "score":
        size = f"{abs(change):.0f}"
    else:
        size = format_value(abs(change), unit)
    return f"{arrow} {size} ({result.trend_direction})"


def _indicators(
    board: metrics.Dashboard, ids: tuple[str, ...]
) -> tuple[list[IndicatorOut], dict[str, dict[str, Any]]]:
    # Imported here: charts build on Altair, which only the commands that draw need.
    from pavedroad.web import charts as chart_specs

    found: list[IndicatorOut] = []
    specs: dict[str, dict[str, Any]] = {}
    for result in board.results:
        definition = result.definition
        if definition.id not in ids:
            continue
        series = board.weekly.get(definition.id)
        chart = None
        drawable = series is not None and sum(v is not None for _, v, _ in series.points) >= 2
        if result.status not in {"hidden", "not_applicable"} and series is not None and drawable:
            chart = f"{definition.id}.png"
            spec = chart_specs.weekly_chart(definition, series, result.target)
            specs[chart] = {**spec, "width": CHART_WIDTH, "title": definition.name}
        hidden = result.status == "hidden"
        found.append(
            IndicatorOut(
                id=definition.id,
                name=definition.name,
                kind=definition.kind,
                unit=definition.unit,
                value=result.value,
                value_text=f"hidden ({metrics.HIDDEN_REASON})"
                if hidden
                else format_value(result.value, definition.unit),
                target=result.target,
                target_text=definition.target_text(result.target),
                status=result.status,
                previous=result.previous,
                trend=result.trend,
                trend_text=_trend_text(result),
                trend_direction=result.trend_direction,
                chart=chart,
            )
        )
    return found, specs


def _changelog(session: Session, period: Period) -> list[ChangelogEntryOut]:
    """The entries dated in the period: one ISO week, or every week the month touches."""
    entries: dict[int, ChangelogEntryOut] = {}
    monday = week_start(period.start)
    while monday <= period.end:
        assembled = changelog.week(session, changelog.week_label(monday), today=period.end)
        for entry in assembled.entries:
            if period.start <= entry.date <= period.end:
                entries.setdefault(entry.id, entry)
        monday += timedelta(days=7)
    return sorted(entries.values(), key=lambda e: (e.date, e.id))


def _at_risk(session: Session, period: Period) -> list[InitiativeAtRiskOut]:
    found = []
    for initiative in backlog.judged_criteria(session=session, today=period.end):
        if initiative.status not in ACTIVE_STATUSES:
            continue
        risky = [
            c
            for c in initiative.criteria
            if c.state == "at_risk" or (c.state in AT_RISK_STATES and proposes_kill(c))
        ]
        if not risky and not initiative.kill_proposed:
            continue
        found.append(
            InitiativeAtRiskOut(
                title=initiative.title,
                status=initiative.status,
                kill_proposed=initiative.kill_proposed,
                criteria=[
                    CriterionAtRiskOut(
                        text=c.text, kind=c.kind, state=c.state, value_text=c.value_text, due=c.due
                    )
                    for c in risky
                ],
            )
        )
    found.sort(key=lambda i: (not i.kill_proposed, i.title.casefold()))
    return found


def _launches(session: Session, period: Period) -> list[LaunchInFlightOut]:
    """Plans that have begun (an item due by the period's end) and still have open items."""
    found = []
    for plan in launches.list_launches(session, today=period.end):
        if not plan.items or all(item.done for item in plan.items):
            continue
        if min(item.due for item in plan.items) > period.end:
            continue
        found.append(
            LaunchInFlightOut(
                id=plan.id,
                feature=plan.feature,
                launch_date=plan.launch_date,
                items_done=sum(item.done for item in plan.items),
                items_total=len(plan.items),
                overdue=[
                    OverdueItemOut(phase=i.phase, title=i.title, due=i.due, owner=i.owner)
                    for i in plan.items
                    if i.overdue
                ],
            )
        )
    return sorted(found, key=lambda launch: (launch.launch_date, launch.id))


# ---- the reports ---------------------------------------------------------------------------


# The coach's digest of a week: its new and resolved diagnoses. The coach reads this domain,
# so the report is handed the digest by its caller rather than importing the coach.
Digest = Callable[[Session, Window], CoachDigestOut]


def build_report(*, session: Session, period: Period, digest: Digest | None = None) -> Report:
    """The report of a period from the metrics, changelog, backlog, launch and roadmap services."""
    monthly = period.kind == "monthly"
    board = metrics.dashboard(
        session=session,
        window=period.window,
        weeks=CHART_WEEKS,
        kpi_ids=[*LEADING, *LAGGING] if monthly else list(LEADING),
    )
    leading, specs = _indicators(board, LEADING)
    lagging, lagging_specs = _indicators(board, LAGGING) if monthly else (None, {})
    specs.update(lagging_specs)
    noun = "Weekly" if period.kind == "weekly" else "Monthly"
    content = ReportOut(
        kind=period.kind,
        period=period.label,
        title=f"{noun} platform report: {period.label}",
        start=period.start,
        end=period.end,
        leading=leading,
        lagging=lagging,
        changelog=_changelog(session, period),
        initiatives_at_risk=_at_risk(session, period),
        launches_in_flight=_launches(session, period),
        capacity=roadmap.quarter_capacity(session=session, quarter=quarter_of(period.end))
        if monthly
        else None,
        charts=list(specs),
        coach=digest(session, period.window) if digest is not None and not monthly else None,
    )
    return Report(content=content, charts=specs)


def weekly_report(
    *,
    session: Session,
    week: str | None = None,
    today: date | None = None,
    source: str = "--week",
    digest: Digest | None = None,
) -> Report:
    """The report of an ISO week (default: the last complete week), with the coach's digest
    when `digest` is given (`pavedroad.coach.service.report_digest`)."""
    return build_report(
        session=session, period=week_period(week, today=today, source=source), digest=digest
    )


def monthly_report(
    *,
    session: Session,
    month: str | None = None,
    today: date | None = None,
    source: str = "--month",
) -> Report:
    """The report of a calendar month (default: the last complete month)."""
    return build_report(session=session, period=month_period(month, today=today, source=source))


def chart_png(spec: dict[str, Any]) -> bytes:
    """A Vega-Lite spec as PNG; the data is inline, so no URL may be fetched."""
    import vl_convert

    png: bytes = vl_convert.vegalite_to_png(spec, scale=1, allowed_base_urls=[])
    return png


def chart_pngs(report: Report) -> dict[str, bytes]:
    """Every chart of the report as PNG bytes, by its file name."""
    return {name: chart_png(spec) for name, spec in report.charts.items()}


def write_report(report: Report, out_dir: Path) -> Path:
    """The Markdown and its PNGs written into `out_dir` (created); returns the Markdown's path."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, png in chart_pngs(report).items():
            (out_dir / name).write_bytes(png)
        path = out_dir / report.file_name
        path.write_text(report.markdown, encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError.because(
            f"cannot write the report: {exc.strerror or exc}", source=str(out_dir), unusable=True
        ) from None
    return path
