"""The coach's diagnoses for a window: every rule over the facts gathered once, by severity.

`pavedroad coach`, `pavedroad kpis --diagnose`, `/api/v1/coach`, `/api/v1/kpis/diagnoses`, the
coach page and the KPI dashboard all answer with this one list.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from pavedroad.coach import marketing, ownership, planning
from pavedroad.coach.diagnosis import Diagnosis, by_severity, kpi_link
from pavedroad.coach.facts import gather
from pavedroad.coach.practice import better_approach, practice_row
from pavedroad.comms.schemas.reports import CoachDigestOut, DigestLine
from pavedroad.metrics import diagnoses as kpi_diagnoses
from pavedroad.metrics import service as metrics
from pavedroad.metrics.definitions import DEFINITIONS
from pavedroad.metrics.windows import Window
from pavedroad.research import insights as research

_KPI_NAMES = {d.id: d.name for d in DEFINITIONS}
# KPIs each KPI-based diagnosis is about, for its links.
_KPI_LINKS = {
    "captive_audience": ("adoption_rate", "satisfaction", "nps"),
    "output_without_outcome": ("lead_time_p50",),
}


def _from_kpis(found: list[kpi_diagnoses.Diagnosis]) -> list[Diagnosis]:
    """The KPI engine's own diagnoses, with the practice's words and their links."""
    out = []
    for item in found:
        kpis = _KPI_LINKS.get(item.id) or (
            (str(item.evidence["kpi"]),) if "kpi" in item.evidence else ()
        )
        out.append(
            Diagnosis(
                item.id,
                "critical" if item.severity == "critical" else "warning",
                item.message,
                item.evidence,
                better_approach(item.id),
                tuple(kpi_link(k, _KPI_NAMES.get(k, k)) for k in kpis),
                practice_row(item.id),
            )
        )
    return out


def _research_warnings(session: Session, quarter: str) -> list[Diagnosis]:
    report = research.coverage(session=session, quarter=quarter)
    return [
        Diagnosis(
            "power_users_only",
            "warning",
            str(warning["message"]).rstrip(".") + ".",
            dict(warning["evidence"]),
            better_approach("power_users_only"),
            (),
            practice_row("power_users_only"),
        )
        for warning in report["warnings"]
        if warning["id"] == "power_users_only"
    ]


def diagnose(
    *, session: Session, window: Window | None = None, board: metrics.Dashboard | None = None
) -> list[Diagnosis]:
    """Every diagnosis the data shows for the window (default: the last 30 days), as of the
    window's last day."""
    board = board or metrics.dashboard(session=session, window=window)
    today = (board.window.end - timedelta(seconds=1)).date()
    facts = gather(session=session, today=today)
    found = _from_kpis(kpi_diagnoses.diagnose(session=session, board=board))
    for rule in (
        planning.no_research_before_build,
        planning.pet_project,
        planning.never_killed,
        planning.loudest_voice,
        planning.rice_out_of_context,
    ):
        found += rule(facts)
    found += marketing.silent_launch(session, facts) + marketing.unaware_teams(session, facts)
    found += ownership.unowned_product(session, facts)
    found += ownership.survey_only_research(session, facts)
    found += _research_warnings(session, f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    return by_severity(found)


def _key(diagnosis: Diagnosis) -> tuple[str, str]:
    """What makes two weeks' diagnoses the same finding: the id and what it is about."""
    about = diagnosis.links[0].label if diagnosis.links else ""
    return diagnosis.id, about


def weekly_digest(*, session: Session, window: Window) -> tuple[list[Diagnosis], list[Diagnosis]]:
    """Diagnoses new in the window against the week before it, and those resolved since."""
    now = diagnose(session=session, window=window)
    before = diagnose(
        session=session,
        window=Window(window.start - timedelta(days=7), window.end - timedelta(days=7), "before"),
    )
    seen, had = {_key(d) for d in before}, {_key(d) for d in now}
    return [d for d in now if _key(d) not in seen], [d for d in before if _key(d) not in had]


def report_digest(session: Session, window: Window) -> CoachDigestOut:
    """The weekly report's coach section (`comms.reports.weekly_report(digest=...)`)."""
    new, resolved = weekly_digest(session=session, window=window)

    def lines(found: list[Diagnosis]) -> list[DigestLine]:
        return [DigestLine(id=d.id, severity=d.severity, message=d.message) for d in found]

    return CoachDigestOut(new=lines(new), resolved=lines(resolved))
