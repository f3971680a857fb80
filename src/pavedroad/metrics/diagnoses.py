"""Diagnoses the data already shows: patterns a platform team should act on this week.

Each diagnosis reads KPI results from the one engine (never its own numbers) and says what
it saw, with the evidence, so a reviewer can check it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from pavedroad.backlog.lanes import done_between
from pavedroad.metrics import service
from pavedroad.metrics.definitions import DEFINITIONS
from pavedroad.metrics.windows import Window, window_between

CAPTIVE_ADOPTION = 0.8
CAPTIVE_SATISFACTION = 3.0
DECLINE_WEEKS = 3
# Time to production counts as flat when it moved less than this share between two periods.
FLAT_SHARE = 0.1
OUTCOME_WEEKS = 8


@dataclass(frozen=True)
class Diagnosis:
    """One finding: an id from the contract, a severity, a sentence and its evidence."""

    id: str
    severity: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_contract(self) -> dict[str, Any]:
        """The `--diagnose --json` shape."""
        return {
            "id": self.id,
            "severity": self.severity,
            "message": self.message,
            "evidence": self.evidence,
        }


def worsening_run(values: list[float | None], direction: str) -> int:
    """How many consecutive week-on-week moves at the end of `values` went the wrong way."""
    run = 0
    for before, after in zip(values[-2::-1], values[:0:-1], strict=False):
        if before is None or after is None:
            break
        worse = after < before if direction == "up" else after > before
        if not worse:
            break
        run += 1
    return run


def leading_declines(board: service.Dashboard) -> list[Diagnosis]:
    """Leading indicators that got worse three weeks in a row."""
    found = []
    for definition in DEFINITIONS:
        series = board.weekly.get(definition.id)
        if definition.kind != "leading" or series is None or definition.direction == "near":
            continue
        values = [value for _, value, _ in series.points]
        run = worsening_run(values, definition.direction)
        if run >= DECLINE_WEEKS:
            weeks = series.points[-(run + 1) :]
            found.append(
                Diagnosis(
                    "leading_indicator_decline",
                    "warning",
                    f"{definition.name} has worsened {run} weeks in a row: a leading "
                    "indicator, so the lagging ones will follow unless something changes.",
                    {
                        "kpi": definition.id,
                        "weeks": [
                            {"week": window.label, "value": value} for window, value, _ in weeks
                        ],
                    },
                )
            )
    return found


def captive_audience(results: dict[str, service.KpiResult]) -> list[Diagnosis]:
    """High adoption with low satisfaction: teams use the platform because they must."""
    adoption = results["adoption_rate"].value
    satisfaction = results["satisfaction"].value
    nps = results["nps"].value
    if adoption is None or adoption <= CAPTIVE_ADOPTION:
        return []
    unhappy = (satisfaction is not None and satisfaction < CAPTIVE_SATISFACTION) or (
        nps is not None and nps < 0
    )
    if not unhappy:
        return []
    return [
        Diagnosis(
            "captive_audience",
            "critical",
            f"Adoption is {adoption:.0%} but developers are not satisfied "
            f"(satisfaction {_shown(satisfaction)}, NPS {_shown(nps)}): a captive audience "
            "uses the platform because it has to. Research why before adding features.",
            {"adoption_rate": adoption, "satisfaction": satisfaction, "nps": nps},
        )
    ]


def output_without_outcome(session: Session, window: Window) -> list[Diagnosis]:
    """More initiatives shipped while time to production stays flat: output, not outcome."""
    span = timedelta(weeks=OUTCOME_WEEKS)
    end = window.end.date()
    recent = window_between(end - span, end)
    before = window_between(end - 2 * span, end - span)

    def shipped(period: Window) -> int:
        return len(done_between(session=session, start=period.start, end=period.end))

    now_shipped, then_shipped = shipped(recent), shipped(before)
    if now_shipped <= then_shipped:
        return []
    lead_now = service.window_values(
        session=session, kpi_ids=["lead_time_p50"], start=recent.start.date(), end=end
    )["lead_time_p50"]
    lead_then = service.window_values(
        session=session,
        kpi_ids=["lead_time_p50"],
        start=before.start.date(),
        end=before.end.date(),
    )["lead_time_p50"]
    if lead_now is None or lead_then is None or lead_then == 0:
        return []
    change = (lead_now - lead_then) / lead_then
    if abs(change) >= FLAT_SHARE:
        return []
    return [
        Diagnosis(
            "output_without_outcome",
            "warning",
            f"{now_shipped} initiatives shipped in the last {OUTCOME_WEEKS} weeks against "
            f"{then_shipped} before, yet time to production moved only {change:+.0%}: "
            "shipping more has not changed the outcome developers feel.",
            {
                "initiatives_shipped": {"recent": now_shipped, "before": then_shipped},
                "lead_time_p50": {"recent": lead_now, "before": lead_then},
            },
        )
    ]


def diagnose(
    *, session: Session, window: Window | None = None, board: service.Dashboard | None = None
) -> list[Diagnosis]:
    """Every diagnosis that holds for the window (default: the last 30 days)."""
    board = board or service.dashboard(session=session, window=window)
    results = {result.definition.id: result for result in board.results}
    found = captive_audience(results) + leading_declines(board)
    found += output_without_outcome(session, board.window)
    order = {"critical": 0, "warning": 1, "info": 2}
    return sorted(found, key=lambda d: order.get(d.severity, 3))


def _shown(value: float | None) -> str:
    return "no data" if value is None else f"{value:.1f}"
