"""Twelve months of the demo company's telemetry, told so the war story holds under the KPIs.

Plain functions, no I/O: the same company (and so the same seed) always gives the same rows.
The story (dates, phases, before/after curves) is in `story.py`; the tables are drawn by
`delivery.py` (deployments, changes, CI runs, incidents) and `experience.py` (tickets,
surveys, usage, onboarding), each with its own random stream (`sampling.py`). Rows are dicts
keyed by the column names of the ingest contract (`pavedroad.ingest.kinds`), with Python
values (aware UTC datetimes, dates, bools); the loader turns them into contract rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pavedroad.demo.company import DemoCompany
from pavedroad.demo.delivery import (
    change_rows,
    changes_for,
    ci_runs_for,
    deployment_timeline,
    incidents_for,
)
from pavedroad.demo.experience import (
    onboarding_for,
    survey_for,
    tickets_for,
    usage_for,
)
from pavedroad.demo.sampling import (
    Event,
    table_rng,
)
from pavedroad.demo.story import (
    CUSTOMERS_AT_START,
    HOURLY_RATE,
    OPS_HOURS_AFTER,
    OPS_HOURS_BEFORE,
    blend,
    months,
    product_effect,
    team_adoption,
)


@dataclass
class Telemetry:
    """Every event table of the demo company, as rows in the ingest contract's columns."""

    deployments: list[Event] = field(default_factory=list)
    changes: list[Event] = field(default_factory=list)
    ci_runs: list[Event] = field(default_factory=list)
    incidents: list[Event] = field(default_factory=list)
    tickets: list[Event] = field(default_factory=list)
    survey_responses: list[Event] = field(default_factory=list)
    usage_events: list[Event] = field(default_factory=list)
    onboarding: list[Event] = field(default_factory=list)
    org_facts: list[Event] = field(default_factory=list)

    def by_kind(self) -> dict[str, list[Event]]:
        """Rows by ingest kind name, deployments first (changes and incidents point at them)."""
        return {
            "deployments": self.deployments,
            "changes": self.changes,
            "ci-runs": self.ci_runs,
            "incidents": self.incidents,
            "tickets": self.tickets,
            "survey-responses": self.survey_responses,
            "usage-events": self.usage_events,
            "onboarding": self.onboarding,
            "org-facts": self.org_facts,
        }

    @property
    def size(self) -> int:
        return sum(len(rows) for rows in self.by_kind().values())


def org_facts_for(company: DemoCompany) -> list[Event]:
    """One row of organisation numbers per month: customers grow, ops hours fall after month 2."""
    rng = table_rng(company, "org-facts")
    rows: list[Event] = []
    for index, (start, end) in enumerate(months()):
        customers = round(CUSTOMERS_AT_START * 1.011**index + rng.uniform(-8, 8))
        middle = start + (end - start) / 2
        rows.append(
            {
                "date": start.date(),
                "customers": customers,
                "developers": sum(
                    1 for d in company.developers if d.started_at and d.started_at <= start
                ),
                "compute_cost": round(165_000 * (customers / CUSTOMERS_AT_START) ** 0.9, -2),
                "ops_hours": round(
                    blend(OPS_HOURS_BEFORE, OPS_HOURS_AFTER, product_effect(middle))
                    + rng.uniform(-15, 15)
                ),
                "hourly_rate": HOURLY_RATE,
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------


def generate_telemetry(company: DemoCompany) -> Telemetry:
    """All twelve months of the demo company's telemetry, the same for the same seed."""
    adoption = team_adoption(company)
    timeline = deployment_timeline(company)
    changes = changes_for(company, timeline.deploys)
    return Telemetry(
        deployments=[d.row() for d in timeline.deploys],
        changes=change_rows(changes),
        ci_runs=ci_runs_for(company, changes),
        incidents=incidents_for(company, timeline.failures),
        tickets=tickets_for(company),
        survey_responses=survey_for(company, adoption),
        usage_events=usage_for(company, adoption, timeline.deploys),
        onboarding=onboarding_for(company),
        org_facts=org_facts_for(company),
    )
