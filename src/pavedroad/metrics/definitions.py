"""Every platform KPI as a declared thing: id, name, unit, direction, target, kind, cadence.

The ids are public contract (DESIGN.md). The computation of each KPI lives in `engine.py`,
keyed by the same ids; `semantics` is the window rule the README documents for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["up", "down", "near"]
Kind = Literal["leading", "lagging"]

# The effort one resolved support ticket stands for in the capacity KPIs and the capacity
# budget: two hours of a person-month of 160 working hours.
TICKET_EFFORT_PERSON_MONTHS = 2 / 160

# How close a "near" KPI (the capacity shares) must be to its target to count as met.
NEAR_TOLERANCE = 0.05


@dataclass(frozen=True)
class KpiDefinition:
    """One KPI; `target` is None when the default target is only a direction."""

    id: str
    name: str
    unit: str
    direction: Direction
    target: float | None
    kind: Kind
    semantics: str
    family: str

    @property
    def cadence(self) -> str:
        """Leading indicators are reviewed weekly, lagging ones monthly."""
        return "weekly" if self.kind == "leading" else "monthly"

    def target_text(self, target: float | None = None) -> str:
        """The target as people say it: `< 30 min`, `> 80%`, `lower is better`."""
        value = self.target if target is None else target
        if value is None:
            return "↑ higher" if self.direction == "up" else "↓ lower"
        shown = format_value(value, self.unit)
        return {"up": "≥ ", "down": "≤ ", "near": "≈ "}[self.direction] + shown

    def meets(self, value: float, target: float) -> bool:
        """Whether a value meets a numeric target in this KPI's direction."""
        if self.direction == "up":
            return value >= target
        if self.direction == "down":
            return value <= target
        return abs(value - target) <= NEAR_TOLERANCE


def format_value(value: float | None, unit: str) -> str:
    """A KPI value for people: fractions as percentages, durations with their unit."""
    if value is None:
        return "no data"
    if unit == "fraction":
        percent = value * 100
        return f"{percent:.2f}%" if 99 < percent < 100 else f"{percent:.1f}%"
    if unit == "minutes" and value >= 120:
        value, unit = value / 60, "hours"
    if unit == "hours" and value >= 72:
        value, unit = value / 24, "days"
    if unit in {"minutes", "hours", "days"}:
        return f"{value:.1f} {unit[:-1] if value == 1 else unit}".replace("minutes", "min")
    if unit == "score":
        return f"{value:+.0f}"
    if unit == "per week" or unit == "per month":
        return f"{value:.1f}/{'wk' if unit == 'per week' else 'mo'}"
    if unit == "currency":
        return f"{value:,.2f}"
    return f"{value:.2f} {unit}".strip()


DEFINITIONS: tuple[KpiDefinition, ...] = (
    KpiDefinition(
        "adoption_rate",
        "Adoption rate",
        "fraction",
        "up",
        0.8,
        "lagging",
        "Eligible teams with platform use in the 30 days before the window end (a successful "
        "production deployment with via_platform, or a usage event), over eligible teams. "
        "Teams marked not eligible count in neither part.",
        "adoption",
    ),
    KpiDefinition(
        "lead_time_p50",
        "Lead time to production (median)",
        "minutes",
        "down",
        30.0,
        "lagging",
        "Per change whose deployment is a successful production deployment finishing in the "
        "window: that deployment's finished_at minus the change's first_commit_at. A change "
        "whose deployment failed has no lead time until a later deployment that ships it names "
        "it. Median, linear interpolation.",
        "delivery",
    ),
    KpiDefinition(
        "lead_time_p95",
        "Lead time to production (p95)",
        "minutes",
        "down",
        None,
        "lagging",
        "As lead_time_p50, 95th percentile with linear interpolation (quantile_cont).",
        "delivery",
    ),
    KpiDefinition(
        "time_to_first_deploy_p50",
        "Time to first deploy of a new service",
        "hours",
        "down",
        2.0,
        "leading",
        "Per service created in the window (catalog created_at): created_at to the finish of "
        "its first successful production deployment, at any time after. A service never "
        "deployed is left out of the median but counted in the sample note. Median.",
        "delivery",
    ),
    KpiDefinition(
        "deploy_frequency",
        "Deployment frequency",
        "per week",
        "up",
        None,
        "leading",
        "Successful production deployments (rollbacks included) finishing in the window, "
        "divided by the window's days / 7.",
        "delivery",
    ),
    KpiDefinition(
        "rollback_rate",
        "Rollback rate",
        "fraction",
        "down",
        None,
        "lagging",
        "Production deployments finishing in the window with is_rollback, over production "
        "deployments finishing in the window (any result).",
        "reliability",
    ),
    KpiDefinition(
        "change_failure_rate",
        "Change failure rate",
        "fraction",
        "down",
        0.15,
        "lagging",
        "Successful, non-rollback production deployments finishing in the window that an "
        "incident names as its cause (however many incidents name it: a deployment counts "
        "once) or that the next production deployment of the same service rolls back, over "
        "successful, non-rollback production deployments finishing in the window.",
        "reliability",
    ),
    KpiDefinition(
        "incident_frequency",
        "Incident frequency",
        "per week",
        "down",
        None,
        "lagging",
        "Incidents whose started_at is in the window, divided by the window's days / 7.",
        "reliability",
    ),
    KpiDefinition(
        "mttr_mean",
        "Mean time to restore",
        "minutes",
        "down",
        60.0,
        "lagging",
        "Over incidents whose resolved_at is in the window: resolved_at minus started_at, "
        "mean. Incidents still open at the window end are not counted until they resolve.",
        "reliability",
    ),
    KpiDefinition(
        "mttr_p50",
        "Time to restore (median)",
        "minutes",
        "down",
        60.0,
        "lagging",
        "As mttr_mean, median with linear interpolation.",
        "reliability",
    ),
    KpiDefinition(
        "availability",
        "Platform availability",
        "fraction",
        "up",
        0.999,
        "lagging",
        "1 minus the minutes of platform-caused incidents overlapping the window (clipped to "
        "the window, overlapping incidents merged, an incident still open counts until the "
        "window end) over the minutes in the window. Incidents of other teams never count.",
        "reliability",
    ),
    KpiDefinition(
        "ci_duration_p50",
        "CI duration (median)",
        "minutes",
        "down",
        5.0,
        "leading",
        "Over CI runs whose finished_at is in the window (any result): finished_at minus "
        "started_at. Median, linear interpolation.",
        "delivery",
    ),
    KpiDefinition(
        "ci_duration_p95",
        "CI duration (p95)",
        "minutes",
        "down",
        None,
        "leading",
        "As ci_duration_p50, 95th percentile with linear interpolation.",
        "delivery",
    ),
    KpiDefinition(
        "ci_queue_p50",
        "CI queue time (median)",
        "minutes",
        "down",
        None,
        "leading",
        "Over CI runs whose finished_at is in the window and whose provider says when they were "
        "queued (queued_at): started_at minus queued_at, which CI duration leaves out. Median, "
        "linear interpolation.",
        "delivery",
    ),
    KpiDefinition(
        "nps",
        "Developer NPS",
        "score",
        "up",
        40.0,
        "leading",
        "Over the responses of the latest wave (by its last submission day) submitted in the "
        "window that carry an NPS score: percent 9-10 minus percent 0-6. Hidden wherever it would "
        "stand on fewer than five responses (see Anonymity), so no answer can be traced to a "
        "person.",
        "satisfaction",
    ),
    KpiDefinition(
        "satisfaction",
        "Developer satisfaction",
        "out of 5",
        "up",
        4.0,
        "leading",
        "Mean 1-5 satisfaction over the same responses as nps (the latest wave in the window), "
        "hidden below five responses like nps.",
        "satisfaction",
    ),
    KpiDefinition(
        "self_service_ratio",
        "Self-service ratio",
        "fraction",
        "up",
        0.9,
        "lagging",
        "Tickets of kind request opened in the window with self_service, over tickets of kind "
        "request opened in the window.",
        "support",
    ),
    KpiDefinition(
        "onboarding_time_p50",
        "Onboarding time (median)",
        "days",
        "down",
        3.0,
        "leading",
        "Per developer whose first_deploy_at is in the window: first_deploy_at minus "
        "started_at in days. Median.",
        "adoption",
    ),
    KpiDefinition(
        "tickets_per_month",
        "Support tickets",
        "per month",
        "down",
        None,
        "lagging",
        "Tickets opened in the window, divided by the window's days / 30.4375.",
        "support",
    ),
    KpiDefinition(
        "tickets_per_1k_customers",
        "Support tickets per 1K customers",
        "per month",
        "down",
        None,
        "lagging",
        "tickets_per_month over the customers of the latest org facts dated before the window "
        "end, times 1,000.",
        "support",
    ),
    KpiDefinition(
        "tickets_per_100_developers",
        "Support tickets per 100 developers",
        "per month",
        "down",
        None,
        "lagging",
        "tickets_per_month over the developers of the latest org facts dated before the window "
        "end, times 100.",
        "support",
    ),
    KpiDefinition(
        "ticket_resolution_p50",
        "Ticket resolution time (median)",
        "hours",
        "down",
        None,
        "leading",
        "Over tickets whose resolved_at is in the window: resolved_at minus opened_at in "
        "hours. Median.",
        "support",
    ),
    KpiDefinition(
        "cost_to_serve_per_customer",
        "Cost to serve per customer",
        "currency",
        "down",
        None,
        "lagging",
        "Over org facts dated in the window: the sum of compute_cost + ops_hours x "
        "hourly_rate, over the customers of the latest of those facts.",
        "cost",
    ),
    KpiDefinition(
        "capacity_roadmap_share",
        "Capacity on roadmap work",
        "fraction",
        "near",
        0.7,
        "lagging",
        "Share of the effort delivered in the window that is roadmap work: initiatives whose "
        "done_at is in the window weigh their effort in person-months, tickets resolved in "
        "the window weigh the configured ticket effort and count as unplanned.",
        "capacity",
    ),
    KpiDefinition(
        "capacity_platform_share",
        "Capacity on platform work",
        "fraction",
        "near",
        0.2,
        "lagging",
        "As capacity_roadmap_share, for platform (maintenance and upgrades) work.",
        "capacity",
    ),
    KpiDefinition(
        "capacity_unplanned_share",
        "Capacity on unplanned work",
        "fraction",
        "down",
        0.1,
        "lagging",
        "As capacity_roadmap_share, for unplanned work (resolved tickets and unplanned "
        "initiatives). At or under the budget share is met.",
        "capacity",
    ),
)

BY_ID: dict[str, KpiDefinition] = {definition.id: definition for definition in DEFINITIONS}
KPI_IDS: tuple[str, ...] = tuple(BY_ID)


def get_definition(kpi_id: str) -> KpiDefinition:
    """The definition of a KPI id, or a KeyError listing the ids that exist."""
    try:
        return BY_ID[kpi_id]
    except KeyError:
        raise KeyError(f"unknown KPI {kpi_id!r}; known: {', '.join(KPI_IDS)}") from None


def definitions_markdown() -> str:
    """The README's KPI table: id, unit, direction, default target, kind and window rule."""
    lines = [
        "| id | KPI | unit | default target | kind (review) | what puts an event in the window |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for d in DEFINITIONS:
        lines.append(
            f"| `{d.id}` | {d.name} | {d.unit} | {d.target_text()} | {d.kind} ({d.cadence}) "
            f"| {d.semantics} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(definitions_markdown())
