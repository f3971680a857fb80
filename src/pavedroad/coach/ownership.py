"""Diagnoses of who runs the product and how it learns: nobody owning the product function,
and research that is only surveys while a capability struggles."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy.orm import Session

from pavedroad.backlog import service as backlog
from pavedroad.coach.diagnosis import Diagnosis, Link
from pavedroad.coach.facts import LOOKBACK_DAYS, Facts
from pavedroad.coach.practice import better_approach, practice_row
from pavedroad.research import insights as research

# The practice: without a PM, engineering preferences drive priorities; 60 quiet days shows it.
QUIET_DAYS = 60
# A capability used by fewer than this share of eligible teams is poorly adopted.
POOR_ADOPTION = 0.5
SURVEY_METHODS = frozenset({"survey"})
SURVEY_SOURCES = frozenset({"survey_wave", "survey_comment"})


def unowned_product(session: Session, facts: Facts) -> list[Diagnosis]:
    """No backlog, research or decision activity for QUIET_DAYS while there is a backlog."""
    if not facts.initiatives:
        return []
    activity = backlog.latest_activity(session=session)
    since = datetime.combine(facts.today, time.min, tzinfo=UTC) - timedelta(days=QUIET_DAYS)
    dated = {k: v for k, v in activity.items() if v is not None}
    researched = [c.on for c in facts.contacts]
    last_research = max(researched) if researched else None
    recent = [v for v in dated.values() if v >= since]
    if recent or (last_research is not None and last_research >= since.date()):
        return []
    last = max([*dated.values()], default=None)
    days = (facts.today - last.date()).days if last else None
    return [
        Diagnosis(
            "unowned_product",
            "critical",
            f"Nothing was added to the backlog, scored, researched or decided for "
            f"{days if days is not None else 'more than ' + str(QUIET_DAYS)} days: nobody "
            "seems to own the product function, so engineering preferences will drive "
            "priorities.",
            {
                "quiet_days": days,
                "threshold_days": QUIET_DAYS,
                "last": {k: v.isoformat() for k, v in dated.items()},
                "last_research": last_research.isoformat() if last_research else None,
            },
            better_approach("unowned_product"),
            (),
            practice_row("unowned_product"),
        )
    ]


def survey_only_research(session: Session, facts: Facts) -> list[Diagnosis]:
    """Capabilities poorly adopted or abandoned while the lookback's research is surveys only."""
    start = facts.today - timedelta(days=LOOKBACK_DAYS)
    recent = [
        i
        for i in research.list_insights(session=session, limit=100_000)
        if start <= i.observed_on <= facts.today
    ]
    surveyed = [i for i in recent if i.source_kind in SURVEY_SOURCES]
    if not surveyed or len(surveyed) < len(recent) or facts.contacts:
        return []  # no surveys, or other research happened too
    struggling: list[tuple[str, float, list[str]]] = []
    for cap in facts.capabilities:
        if cap.launched_at is None or cap.launched_at > facts.today:
            continue
        eligible = len(cap.teams) + len(cap.never_used)
        share = len(cap.teams) / eligible if eligible else 0.0
        if share < POOR_ADOPTION or cap.abandoned:
            struggling.append((cap.capability, round(share, 3), cap.abandoned))
    if not struggling:
        return []
    names = ", ".join(name for name, _, _ in struggling[:5])
    return [
        Diagnosis(
            "survey_only_research",
            "warning",
            f"{len(struggling)} capabilities are poorly adopted or abandoned ({names}) and the "
            f"last {LOOKBACK_DAYS} days of research are {len(surveyed)} survey insights and no "
            "interview or shadowing: surveys only report what developers notice; shadow them "
            "to see the friction they have normalised.",
            {
                "capabilities": [
                    {"capability": name, "adoption": share, "abandoned": abandoned}
                    for name, share, abandoned in struggling
                ],
                "survey_insights": len(surveyed),
                "other_research": 0,
            },
            better_approach("survey_only_research"),
            tuple(Link("capability", name, "/api/v1/usage", "/usage") for name, _, _ in struggling),
            practice_row("survey_only_research"),
        )
    ]
