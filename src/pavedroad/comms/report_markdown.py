"""The weekly and monthly report as one Markdown document (pure: a `ReportOut` in, text out).

Every piece of text that people typed (changelog entries, initiative titles, launch items) goes
through `inert`, so it reads as what was typed and never as Markdown or HTML: no heading, link,
image, table cell or script can come out of it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date

from pavedroad.comms.schemas.reports import (
    CoachDigestOut,
    IndicatorOut,
    InitiativeAtRiskOut,
    LaunchInFlightOut,
    ReportOut,
)
from pavedroad.errors import printable
from pavedroad.roadmap.schemas import QuarterCapacityOut

# Markdown's inline punctuation, escaped with a backslash wherever it appears.
_ESCAPED = frozenset("\\`*_{}[]()#+!|~")
# HTML's three characters, written as entities (a backslash does not stop raw HTML everywhere).
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# What starts a block when it opens a line: a list `-`, a setext rule `=`, an ordered list `1.`.
_BLOCK_START = re.compile(r"^(\d{1,9})([.)])|^([-=])")

NO_CHANGELOG = "No changelog entries this {period}."
NO_RISK = "No initiative is at risk against its success or kill criteria."
NO_LAUNCH = "No launch in flight."
NO_INDICATOR = "No {kind} indicator has data for this {period}."


def _one_line(text: str) -> str:
    """Control characters (line breaks among them) as spaces, runs of whitespace as one."""
    safe = printable(text)
    spaced = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in safe)
    return " ".join(spaced.split())


def inert(text: str) -> str:
    """Typed text as Markdown that renders exactly as the text, on one line, in any context."""
    line = _one_line(text)
    out = []
    for char in line:
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _ESCAPED:
            out.append("\\" + char)
        else:
            out.append(char)
    escaped = "".join(out)
    match = _BLOCK_START.match(escaped)
    if match and match.group(1):
        return match.group(1) + "\\" + escaped[len(match.group(1)) :]
    if match:
        return "\\" + escaped
    return escaped


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _plain(text: str) -> str:
    """Text pavedroad wrote itself (KPI names, formatted values): only what a table cell or an
    image's alt text would misread is escaped, so the Markdown stays readable."""
    return " ".join(text.split()).replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")


def _code(text: str) -> str:
    """Generated text shown literally as a code span (typed text goes through `inert`)."""
    return f"`{text}`" if "`" not in text and text.strip() == text else inert(text)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_plain(cell) for cell in cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [_row(header), "|" + "---|" * len(header), *(_row(r) for r in rows)]


def _indicators(title: str, kind: str, report: ReportOut, found: list[IndicatorOut]) -> list[str]:
    period = "week" if report.kind == "weekly" else "month"
    lines = [f"## {title}", ""]
    shown = [i for i in found if i.status != "not_applicable"]
    if not any(i.value is not None for i in shown):
        lines += [NO_INDICATOR.format(kind=kind, period=period), ""]
    if shown:
        header = ["Indicator", "Value", "Target", "Status", f"Trend vs previous {period}"]
        rows = [
            [
                i.name,
                i.value_text,
                i.target_text,
                i.status.replace("_", " "),
                i.trend_text or "no trend",
            ]
            for i in shown
        ]
        lines += [*_table(header, rows), ""]
    for indicator in shown:
        if indicator.chart:
            lines += [f"![{_plain(indicator.name)}]({indicator.chart})", ""]
    return lines


def _changelog(report: ReportOut) -> list[str]:
    period = "week" if report.kind == "weekly" else "month"
    lines = ["## Changelog", ""]
    if not report.changelog:
        return [*lines, NO_CHANGELOG.format(period=period), ""]
    for entry in report.changelog:
        lines.append(f"- **{entry.date.isoformat()} · {inert(entry.title)}**: {inert(entry.body)}")
        if entry.before or entry.after:
            lines.append(f"  - Before: {inert(entry.before) or '-'}")
            lines.append(f"  - After: {inert(entry.after) or '-'}")
        about = [
            *([f"capability {inert(entry.capability)}"] if entry.capability else []),
            *([f"initiative {inert(entry.initiative)}"] if entry.initiative else []),
            *([f"for {inert(', '.join(entry.audience))}"] if entry.audience else []),
        ]
        if about:
            lines.append(f"  - {'; '.join(about)}")
    return [*lines, ""]


def _at_risk(found: list[InitiativeAtRiskOut]) -> list[str]:
    lines = ["## Initiatives at risk", ""]
    if not found:
        return [*lines, NO_RISK, ""]
    for initiative in found:
        flag = ": **proposed for killing**" if initiative.kill_proposed else ""
        status = inert(initiative.status.replace("_", " "))
        lines.append(f"- **{inert(initiative.title)}** ({status}){flag}")
        for criterion in initiative.criteria:
            state = criterion.state.replace("_", " ")
            lines.append(
                f"  - {_code(criterion.text)}: {state} ({_plain(criterion.value_text)}, "
                f"due {criterion.due.isoformat()})"
            )
    return [*lines, ""]


def _launches(found: list[LaunchInFlightOut]) -> list[str]:
    lines = ["## Launches in flight", ""]
    if not found:
        return [*lines, NO_LAUNCH, ""]
    for launch in found:
        overdue = f"{len(launch.overdue)} overdue" if launch.overdue else "nothing overdue"
        lines.append(
            f"- **{inert(launch.feature)}**: launch {launch.launch_date.isoformat()}, "
            f"{launch.items_done} of {launch.items_total} items done, {overdue}"
        )
        for item in launch.overdue:
            owner = f", {inert(item.owner)}" if item.owner else ", no owner"
            lines.append(
                f"  - {inert(item.title)} ({item.phase.replace('_', '-')}, "
                f"due {item.due.isoformat()}{owner})"
            )
    return [*lines, ""]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _months(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _capacity(capacity: QuarterCapacityOut) -> list[str]:
    lines = [f"## Capacity budget ({capacity.quarter}): planned against actual", ""]
    planned = (
        f"{capacity.person_months:g} person-months, split {capacity.split_text}"
        if capacity.person_months is not None
        else f"no plan set (default split {capacity.split_text})"
    )
    lines += [f"Plan: {_plain(planned)}.", ""]
    header = ["Work", "Planned share", "Planned PM", "Delivered PM", "Actual share"]
    rows = [
        [
            category,
            _share(capacity.split.get(category)),
            _months(capacity.planned.get(category)),
            _months(capacity.delivered.get(category)),
            _share(capacity.actual_shares.get(category)),
        ]
        for category in capacity.split
    ]
    lines += [*_table(header, rows), ""]
    lines.append(
        f"Delivered {capacity.delivered_total:.1f} person-months: "
        f"{_count(len(capacity.initiatives_done), 'initiative')} done and "
        f"{_count(capacity.tickets_resolved, 'support ticket')} resolved."
    )
    lines.append("")
    lines += [f"> {inert(warning)}" for warning in capacity.warnings]
    return [*lines, ""] if capacity.warnings else lines


def _coach(digest: CoachDigestOut) -> list[str]:
    lines = ["## Coach: new and resolved diagnoses", ""]
    if not digest.new and not digest.resolved:
        return [*lines, "Nothing new and nothing resolved since last week.", ""]
    for title, found in (
        ("New this week", digest.new),
        ("Resolved since last week", digest.resolved),
    ):
        lines += [f"{title}:", ""]
        lines += [f"- **{d.severity}** {_plain(d.id)}: {_plain(d.message)}" for d in found] or [
            "- none"
        ]
        lines.append("")
    return lines


def report_markdown(report: ReportOut) -> str:
    """The whole report: title, dates, then every section, empty ones saying so."""
    lines = [f"# {inert(report.title)}", "", f"{_day(report.start)} to {_day(report.end)}", ""]
    lines += _indicators("Leading indicators", "leading", report, report.leading)
    if report.lagging is not None:
        lines += _indicators("Lagging indicators", "lagging", report, report.lagging)
    lines += _changelog(report)
    lines += _at_risk(report.initiatives_at_risk)
    lines += _launches(report.launches_in_flight)
    if report.capacity is not None:
        lines += _capacity(report.capacity)
    if report.coach is not None:
        lines += _coach(report.coach)
    return "\n".join(lines).rstrip("\n") + "\n"
