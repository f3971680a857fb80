"""The demo company's impact map, capacity budget and roadmap.

Two goals set the direction: time to production halved and incidents down 30%, both by
2027-03-31, each measured against the six months before the PM arrived. The backlog's
initiatives are their deliverables; the multi-cloud abstraction serves neither and is flagged.
Capacity is 20 person-months a quarter (8 engineers, less on-call), 70/20/10. The PM parked
the multi-cloud abstraction in Later by hand; the planner fills Now and Next with what
developers need. Runs after the backlog step; loading twice changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import yaml
from sqlalchemy.orm import Session

from pavedroad.backlog.map_file import apply_map, read_map
from pavedroad.backlog.schemas import ACTIVE_STATUSES
from pavedroad.backlog.service import initiative_refs
from pavedroad.demo.company import HISTORY_END, HISTORY_START, PM_HIRED, DemoCompany
from pavedroad.roadmap.schemas import CapacityIn, LaneIn
from pavedroad.roadmap.service import plan_roadmap, set_capacity, set_lane

SPEED = "Time to production halved"
INCIDENTS = "Incidents down 30%"
DUE = date(2027, 3, 31)
# The pre-PM baselines (2025-12-01 .. 2026-06-01) as the metrics engine measures them on the
# demo's telemetry; tests/roadmap/test_demo.py checks them against the engine.
BASELINE_WINDOW = (HISTORY_START.date(), PM_HIRED.date())
LEAD_TIME_P50_BEFORE = 2701.8  # minutes, 45 hours
INCIDENTS_PER_WEEK_BEFORE = 7.92
QUARTERS = ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1")
CAPACITY = CapacityIn(person_months=20, split="70/20/10")
# The demo's "today": the last day of its history (Now = 2026-Q4, Next = 2027-Q1).
AS_OF = HISTORY_END.date() - timedelta(days=1)
PARKED = "Multi-cloud abstraction"

# goal -> actor -> impact -> deliverables (initiative titles of the demo backlog)
MAP: tuple[
    tuple[str, str, float, int, tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]],
    ...,
] = (
    (
        SPEED,
        "lead_time_p50",
        round(LEAD_TIME_P50_BEFORE / 2, 1),
        1,
        (
            (
                "Feature developers",
                (
                    (
                        "Get CI feedback in minutes, not a coffee break",
                        ("Faster CI pipelines", "Flaky test quarantine"),
                    ),
                    ("Test a change without waiting on a ticket", ("Self-service environments",)),
                    ("Get a database without a two-week ticket", ("Self-service databases",)),
                ),
            ),
            (
                "New joiners",
                (
                    (
                        "Ship a first change in their first week",
                        ("Getting-started docs", "Golden-path service templates"),
                    ),
                ),
            ),
            (
                "Team leads",
                (
                    (
                        "Choose the paved road over hand-rolled pipelines",
                        ("Champions program", "Weekly platform changelog"),
                    ),
                ),
            ),
        ),
    ),
    (
        INCIDENTS,
        "incident_frequency",
        round(INCIDENTS_PER_WEEK_BEFORE * 0.7, 2),
        2,
        (
            (
                "On-call engineers",
                (
                    (
                        "Roll back in one command instead of fixing forward",
                        ("One-command rollback",),
                    ),
                    (
                        "Hear about expiring certificates before customers do",
                        ("Certificate expiry outage follow-up",),
                    ),
                ),
            ),
            (
                "Feature developers",
                (("Trust a green pipeline", ("Flaky test quarantine",)),),
            ),
            (
                "Team leads",
                (
                    (
                        "Start new services with alerts wired in",
                        ("Golden-path service templates",),
                    ),
                ),
            ),
        ),
    ),
)


def map_document(existing: set[str]) -> dict[str, Any]:
    """The map in the import file's shape, linking only initiatives that exist."""
    return {
        "goals": [
            {
                "title": title,
                "kpi": kpi,
                "target": target,
                "due": DUE,
                "priority": priority,
                "actors": [
                    {
                        "name": actor,
                        "impacts": [
                            {
                                "description": description,
                                "deliverables": [t for t in deliverables if t in existing],
                            }
                            for description, deliverables in impacts
                        ],
                    }
                    for actor, impacts in actors
                ],
            }
            for title, kpi, target, priority, actors in MAP
        ]
    }


def load_roadmap(session: Session, _company: DemoCompany) -> None:
    """The impact map, capacity plans for 2026-Q1..2027-Q1, and the lanes as of 2026-11-30."""
    status = {ref.title: ref.status for ref in initiative_refs(session=session).values()}
    existing = set(status)
    text = yaml.safe_dump(map_document(existing), sort_keys=False, allow_unicode=True)
    apply_map(session=session, specs=read_map(session=session, text=text, source="demo map"))
    for quarter in QUARTERS:
        set_capacity(session=session, quarter=quarter, data=CAPACITY)
    if status.get(PARKED) in ACTIVE_STATUSES:
        set_lane(session=session, data=LaneIn(title=PARKED, lane="later"), as_of=AS_OF)
    plan_roadmap(session=session, as_of=AS_OF, apply=True)
