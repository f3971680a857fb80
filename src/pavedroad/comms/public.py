"""The public dashboard's view model: organisation-level KPIs and the latest changelog.

Built only from the metrics service (`dashboard`, org-level: no team or service cut; the
survey threshold is applied there, never recomputed here) and `comms.changelog.recent`.
Nothing personal enters it: no names, emails, teams or audiences, and no sample sizes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pavedroad.comms import changelog
from pavedroad.comms.schemas.changelog import ChangelogEntryOut
from pavedroad.comms.schemas.public import PublicChange, PublicDashboard, PublicKpi, PublicWeek
from pavedroad.metrics import service as metrics
from pavedroad.metrics.definitions import format_value

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# Time to production, CI time, reliability, adoption and NPS, in the order the page shows them.
PUBLIC_KPIS = (
    "lead_time_p50",
    "ci_duration_p50",
    "availability",
    "change_failure_rate",
    "mttr_p50",
    "adoption_rate",
    "nps",
)
WEEKS = 26
CHANGES = 10


def _kpi(result: metrics.KpiResult, series: metrics.Series | None) -> PublicKpi:
    definition = result.definition
    hidden = result.status == "hidden"
    weekly = [
        PublicWeek(week=window.label, start=window.start.date(), value=value)
        for window, value, _ in (series.points if series else [])
    ]
    return PublicKpi(
        id=definition.id,
        name=definition.name,
        unit=definition.unit,
        value=None if hidden else result.value,
        shown="hidden" if hidden else format_value(result.value, definition.unit),
        target=definition.target_text(result.target),
        status=result.status,
        trend_direction=None if hidden else result.trend_direction,
        weekly=weekly,
    )


def public_view(board: metrics.Dashboard, entries: list[ChangelogEntryOut]) -> PublicDashboard:
    """The public dashboard from an org-level board and changelog entries (pure)."""
    if board.cut.team is not None or board.cut.service is not None or board.cut.by is not None:
        raise ValueError("the public dashboard shows the whole organisation only")
    return PublicDashboard(
        window_start=board.window.start.date(),
        window_end=board.window.end.date(),
        kpis=[_kpi(r, board.weekly.get(r.definition.id)) for r in board.results],
        changelog=[
            PublicChange(title=e.title, date=e.date, capability=e.capability) for e in entries
        ],
    )


def public_dashboard(session: Session) -> PublicDashboard:
    """The public dashboard on the store: the last 30 days, 26 weeks of trend, 10 changes."""
    board = metrics.dashboard(session=session, weeks=WEEKS, kpi_ids=list(PUBLIC_KPIS))
    return public_view(board, changelog.recent(session, CHANGES))
