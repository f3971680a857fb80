"""Every platform KPI as a declared thing: id, name, unit, direction, target, kind, cadence.

The ids are public contract (docs/kpis.md). The computation of each KPI lives in `engine.py`,
keyed by the same ids; `semantics` is the window rule the docs' KPI table shows for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["up", "down", "near"]
Kind = Literal["leading", "lagging"]

# The effort one resolved support ticket stands for in the capacity KPIs and the capacity
# budget: two hours of a person-month of 160 working hours.
TICKET_EFFORT_PERSON_MONTHS = 2 / 160
# Net Promoter Score: promoters answer 9-10, detractors 0-6 (the KPI engine and the survey
# results both read these).
NPS_PROMOTER_FROM = 9
NPS_DETRACTOR_UP_TO = 6

# How close a "near" KPI (the capacity shares) must be to its target to count as met.
NEAR_TOLERANCE = 0.05


@dataclass(frozen=True, kw_only=True)
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
    # The unit people read this KPI in, everywhere (headline, delta, chart axis, target); the
    # stored value stays in `unit`. Empty: the same as `unit`.
    display_unit: str = ""

    @property
    def shown_unit(self) -> str:
        """The unit every page shows this KPI in (`hours` for lead time, `%` for fractions)."""
        return self.display_unit or self.unit

    def display(self, value: float | None) -> float | None:
        """A stored value in the display unit (fractions as percent, minutes as hours...)."""
        if value is None:
            return None
        if self.unit == "fraction":
            return value * 100
        return value * _SCALE.get((self.unit, self.shown_unit), 1.0)

    def stored(self, shown: float) -> float:
        """A value typed in the display unit, back in the stored unit (targets)."""
        if self.unit == "fraction":
            return shown / 100
        return shown / _SCALE.get((self.unit, self.shown_unit), 1.0)

    def axis_title(self, currency: str = "") -> str:
        """The chart axis title: the display unit as people write it."""
        if self.unit == "currency":
            return f"{currency or 'money'} per customer a month"
        return {"fraction": "%", "score": "NPS"}.get(self.unit, self.shown_unit)

    def show(self, value: float | None, *, currency: str = "") -> str:
        """A value in this KPI's one display unit: `23.3 h`, `78.6%`, `113.40 USD`."""
        if value is None:
            return "no data"
        if self.unit == "fraction":
            return format_value(value, "fraction")
        number = self.display(value) or 0.0
        return _with_unit(number, self.shown_unit, currency)

    def delta_text(self, change: float | None, basis: str, *, currency: str = "") -> str:
        """A change with its unit and basis: `down 4.9 h vs the previous 30 days`."""
        if change is None:
            return ""
        if abs(change) <= 1e-12:
            return f"no change vs {basis}"
        word = "up" if change > 0 else "down"
        if self.unit == "fraction":
            amount = f"{abs(change) * 100:.1f} pts"
        else:
            amount = _with_unit(abs(self.display(change) or 0.0), self.shown_unit, currency)
            if self.unit == "score":
                amount = f"{abs(change):.0f} points"
        return f"{word} {amount} vs {basis}"

    @property
    def cadence(self) -> str:
        """Leading indicators are reviewed weekly, lagging ones monthly."""
        return "weekly" if self.kind == "leading" else "monthly"

    def target_text(self, target: float | None = None) -> str:
        """The target as people say it: `≤ 30 min`, `≥ 80%`, `no target set`."""
        value = self.target if target is None else target
        if value is None:
            return "no target set"
        shown = self.show(value)
        return {"up": "≥ ", "down": "≤ ", "near": "≈ "}[self.direction] + shown

    def meets(self, value: float, target: float) -> bool:
        """Whether a value meets a numeric target in this KPI's direction."""
        if self.direction == "up":
            return value >= target
        if self.direction == "down":
            return value <= target
        return abs(value - target) <= NEAR_TOLERANCE


# Stored unit -> display unit: the factor a stored value is multiplied by.
_SCALE: dict[tuple[str, str], float] = {
    ("minutes", "hours"): 1 / 60,
    ("minutes", "days"): 1 / 1440,
    ("hours", "days"): 1 / 24,
}
_SHORT = {"minutes": "min", "hours": "h", "days": "d"}


def _with_unit(number: float, unit: str, currency: str) -> str:
    """A number in a display unit, without switching units however large it is."""
    if unit in _SHORT:
        # a small round number (a 45 min target is 0.75 h) keeps its second decimal rather
        # than read 0.8 h; measured values show one decimal
        fine = abs(number) < 10 and abs(round(number, 1) - number) > 1e-9
        fine = fine and abs(round(number, 2) - number) < 1e-9
        return f"{number:,.2f} {_SHORT[unit]}" if fine else f"{number:,.1f} {_SHORT[unit]}"
    if unit == "score":
        return f"{number:+.0f}"
    if unit in {"per week", "per month"}:
        return f"{number:,.1f}/{'wk' if unit == 'per week' else 'mo'}"
    if unit == "currency":
        return f"{number:,.2f} {currency}".strip()
    return f"{number:,.2f} {unit}".strip()


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
        id="adoption_rate",
        name="Adoption rate",
        unit="fraction",
        direction="up",
        target=0.8,
        kind="lagging",
        semantics=(
            "Eligible teams with platform use in the 30 days before the window end (a successful "
            "production deployment with via_platform, or a usage event), over eligible teams. "
            "Teams marked not eligible count in neither part. No data when no eligible team "
            "used the platform in those 30 days; otherwise, cut by team, an eligible team "
            "without use is at 0%."
        ),
        family="adoption",
    ),
    KpiDefinition(
        id="lead_time_p50",
        name="Lead time to production (median)",
        unit="minutes",
        direction="down",
        target=30.0,
        kind="lagging",
        semantics=(
            "Per change whose deployment is a successful production deployment finishing in the "
            "window: that deployment's finished_at minus the change's first_commit_at. A change "
            "whose deployment failed has no lead time until a later deployment that ships it names "
            "it. Median, linear interpolation."
        ),
        family="delivery",
        display_unit="hours",
    ),
    KpiDefinition(
        id="lead_time_p95",
        name="Lead time to production (p95)",
        unit="minutes",
        direction="down",
        target=None,
        kind="lagging",
        semantics="As the median lead time to production, 95th percentile with linear interpolation (quantile_cont).",
        family="delivery",
        display_unit="hours",
    ),
    KpiDefinition(
        id="time_to_first_deploy_p50",
        name="Time to first deploy of a new service",
        unit="hours",
        direction="down",
        target=2.0,
        kind="leading",
        semantics=(
            "Per service created in the window (catalog created_at): created_at to the finish of "
            "its first successful production deployment, at any time after. A service never "
            "deployed is left out of the median but counted in the sample note. Median."
        ),
        family="delivery",
    ),
    KpiDefinition(
        id="deploy_frequency",
        name="Deployment frequency",
        unit="per week",
        direction="up",
        target=None,
        kind="leading",
        semantics=(
            "Successful production deployments (rollbacks included) finishing in the window, "
            "divided by the window's days / 7."
        ),
        family="delivery",
    ),
    KpiDefinition(
        id="rollback_rate",
        name="Rollback rate",
        unit="fraction",
        direction="down",
        target=None,
        kind="lagging",
        semantics=(
            "Production deployments finishing in the window with is_rollback, over production "
            "deployments finishing in the window (any result)."
        ),
        family="reliability",
    ),
    KpiDefinition(
        id="change_failure_rate",
        name="Change failure rate",
        unit="fraction",
        direction="down",
        target=0.15,
        kind="lagging",
        semantics=(
            "Successful, non-rollback production deployments finishing in the window that an "
            "incident names as its cause (however many incidents name it: a deployment counts "
            "once) or that the next production deployment of the same service rolls back, over "
            "successful, non-rollback production deployments finishing in the window."
        ),
        family="reliability",
    ),
    KpiDefinition(
        id="incident_frequency",
        name="Incident frequency",
        unit="per week",
        direction="down",
        target=None,
        kind="lagging",
        semantics="Incidents whose started_at is in the window, divided by the window's days / 7.",
        family="reliability",
    ),
    KpiDefinition(
        id="mttr_mean",
        name="Mean time to restore",
        unit="minutes",
        direction="down",
        target=60.0,
        kind="lagging",
        semantics=(
            "Over incidents whose resolved_at is in the window: resolved_at minus started_at, "
            "mean. Incidents still open at the window end are not counted until they resolve."
        ),
        family="reliability",
    ),
    KpiDefinition(
        id="mttr_p50",
        name="Time to restore (median)",
        unit="minutes",
        direction="down",
        target=60.0,
        kind="lagging",
        semantics="As mean time to restore, median with linear interpolation.",
        family="reliability",
    ),
    KpiDefinition(
        id="availability",
        name="Platform availability",
        unit="fraction",
        direction="up",
        target=0.999,
        kind="lagging",
        semantics=(
            "1 minus the minutes of platform-caused incidents overlapping the window (clipped to "
            "the window, overlapping incidents merged, an incident still open counts until the "
            "window end) over the minutes in the window. Incidents of other teams never count."
        ),
        family="reliability",
    ),
    KpiDefinition(
        id="ci_duration_p50",
        name="CI duration (median)",
        unit="minutes",
        direction="down",
        target=5.0,
        kind="leading",
        semantics=(
            "Over CI runs whose finished_at is in the window (any result): finished_at minus "
            "started_at. Median, linear interpolation."
        ),
        family="delivery",
    ),
    KpiDefinition(
        id="ci_duration_p95",
        name="CI duration (p95)",
        unit="minutes",
        direction="down",
        target=None,
        kind="leading",
        semantics="As the median CI duration, 95th percentile with linear interpolation.",
        family="delivery",
    ),
    KpiDefinition(
        id="ci_queue_p50",
        name="CI queue time (median)",
        unit="minutes",
        direction="down",
        target=None,
        kind="leading",
        semantics=(
            "Over CI runs whose finished_at is in the window and whose provider says when they were "
            "queued (queued_at): started_at minus queued_at, which CI duration leaves out. Median, "
            "linear interpolation."
        ),
        family="delivery",
    ),
    KpiDefinition(
        id="nps",
        name="Developer NPS",
        unit="score",
        direction="up",
        target=40.0,
        kind="leading",
        semantics=(
            "Over the responses of the latest wave (by its last submission day) submitted in the "
            "window that carry an NPS score: percent 9-10 minus percent 0-6. Hidden wherever it would "
            "stand on fewer than five responses (see Anonymity), so no answer can be traced to a "
            "person."
        ),
        family="satisfaction",
    ),
    KpiDefinition(
        id="satisfaction",
        name="Developer satisfaction",
        unit="out of 5",
        direction="up",
        target=4.0,
        kind="leading",
        semantics=(
            "Mean 1-5 satisfaction over the same responses as Developer NPS (the latest wave in the "
            "window), hidden below five responses like it."
        ),
        family="satisfaction",
    ),
    KpiDefinition(
        id="self_service_ratio",
        name="Self-service ratio",
        unit="fraction",
        direction="up",
        target=0.9,
        kind="lagging",
        semantics=(
            "Tickets of kind request opened in the window with self_service, over tickets of kind "
            "request opened in the window."
        ),
        family="support",
    ),
    KpiDefinition(
        id="onboarding_time_p50",
        name="Onboarding time (median)",
        unit="days",
        direction="down",
        target=3.0,
        kind="leading",
        semantics=(
            "Per developer whose first_deploy_at is in the window: first_deploy_at minus "
            "started_at in days. Median."
        ),
        family="adoption",
    ),
    KpiDefinition(
        id="tickets_per_month",
        name="Support tickets",
        unit="per month",
        direction="down",
        target=None,
        kind="lagging",
        semantics="Tickets opened in the window, divided by the window's days / 30.4375.",
        family="support",
    ),
    KpiDefinition(
        id="tickets_per_1k_customers",
        name="Support tickets per 1K customers",
        unit="per month",
        direction="down",
        target=None,
        kind="lagging",
        semantics=(
            "Support tickets a month over the customers of the latest org facts dated before the window "
            "end, times 1,000."
        ),
        family="support",
    ),
    KpiDefinition(
        id="tickets_per_100_developers",
        name="Support tickets per 100 developers",
        unit="per month",
        direction="down",
        target=None,
        kind="lagging",
        semantics=(
            "Support tickets a month over the developers of the latest org facts dated before the window "
            "end, times 100."
        ),
        family="support",
    ),
    KpiDefinition(
        id="ticket_resolution_p50",
        name="Ticket resolution time (median)",
        unit="hours",
        direction="down",
        target=None,
        kind="leading",
        semantics=(
            "Over tickets whose resolved_at is in the window: resolved_at minus opened_at in "
            "hours. Median."
        ),
        family="support",
    ),
    KpiDefinition(
        id="cost_to_serve_per_customer",
        name="Cost to serve per customer",
        unit="currency",
        direction="down",
        target=None,
        kind="lagging",
        semantics=(
            "A month's cost per customer, from the latest org facts dated before the window end "
            "(org facts are monthly, like the other KPIs that read them): compute_cost + "
            "ops_hours x hourly_rate, over that month's customers. Money is in the store's "
            "currency setting."
        ),
        family="cost",
    ),
    KpiDefinition(
        id="capacity_roadmap_share",
        name="Capacity on roadmap work",
        unit="fraction",
        direction="near",
        target=0.7,
        kind="lagging",
        semantics=(
            "Share of the effort delivered in the window that is roadmap work: initiatives whose "
            "done_at is in the window weigh their effort in person-months, tickets resolved in "
            "the window weigh the configured ticket effort and count as unplanned."
        ),
        family="capacity",
    ),
    KpiDefinition(
        id="capacity_platform_share",
        name="Capacity on platform work",
        unit="fraction",
        direction="near",
        target=0.2,
        kind="lagging",
        semantics="As capacity on roadmap work, for platform (maintenance and upgrades) work.",
        family="capacity",
    ),
    KpiDefinition(
        id="capacity_unplanned_share",
        name="Capacity on unplanned work",
        unit="fraction",
        direction="down",
        target=0.1,
        kind="lagging",
        semantics=(
            "As capacity on roadmap work, for unplanned work (resolved tickets and unplanned "
            "initiatives). At or under the budget share is met."
        ),
        family="capacity",
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
    """The KPI table of docs/kpis.md: id, unit, direction, default target, kind and window rule."""
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
