"""The demo company's story: what happens when, and the before/after curves the data follows.

Every demo generator (telemetry today, research and comms next) reads its dates and numbers
here, so they all tell the same story from the same dates. Dates count months from
`PM_HIRED`, the product manager's first day (`pavedroad.demo.company` holds the history's
bounds):

Before the PM, adoption stalls near half of the eligible teams, CI takes about 18 minutes,
rollback is a manual seven-step runbook (rare but slow), NPS is 12 and tickets pile up.
Month 2 brings the changelog and the champions program, months 3-4 the CI speed work
(18 -> 6 minutes), month 5 the one-command rollback. By the end adoption is about 78%,
NPS 48, support tickets are down about 40%, and most requests are self-service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pavedroad.demo.company import HISTORY_END, HISTORY_START, PM_HIRED, DemoCompany
from pavedroad.demo.sampling import (
    day_between,
    table_rng,
)

# The story's numbers.
CI_MINUTES_BEFORE = 18.0
CI_MINUTES_AFTER = 6.0
NPS_BEFORE = 12
NPS_AFTER = 48
SATISFACTION_BEFORE = 3.1
SATISFACTION_AFTER = 4.1
ADOPTION_BEFORE = 0.5
ADOPTION_AFTER = 0.78
TICKET_DROP = 0.4
TICKETS_PER_MONTH_BEFORE = 300
SELF_SERVICE_BEFORE = 0.3
SELF_SERVICE_AFTER = 0.85
ONBOARDING_DAYS_BEFORE = 9.0
ONBOARDING_DAYS_AFTER = 3.0
AVAILABILITY_BEFORE = 0.998
AVAILABILITY_AFTER = 0.9995
ROLLBACK_STEPS_BEFORE = 7
ROLLBACK_MINUTES_BEFORE = 75.0
ROLLBACK_MINUTES_AFTER = 4.0
CUSTOMERS_AT_START = 1400
HOURLY_RATE = 95.0
OPS_HOURS_BEFORE = 640.0
OPS_HOURS_AFTER = 430.0

# How busy the services are.
PROD_DEPLOYS_PER_WEEKDAY = 0.45
DEPLOY_GROWTH = 1.7
CHANGES_PER_DEPLOY = 2.5
FAILED_DEPLOYS_BEFORE = 0.05
FAILED_DEPLOYS_AFTER = 0.03
BAD_DEPLOYS_BEFORE = 0.075
BAD_DEPLOYS_AFTER = 0.045
FLAKY_CI_BEFORE = 0.2
FLAKY_CI_AFTER = 0.07
USAGE_PER_TEAM_WEEKDAY_BEFORE = 1.6
USAGE_PER_TEAM_WEEKDAY_AFTER = 2.8

SURVEY = "developer-experience"
PRODUCTION = "production"
STAGING = "staging"
CAPABILITIES = (
    "deploy",
    "logs",
    "metrics",
    "service-template",
    "secrets",
    "rollback",
    "docs",
    "portal",
)


def add_months(at: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months later (day 1 in the story's use)."""
    index = at.year * 12 + at.month - 1 + months
    return at.replace(year=index // 12, month=index % 12 + 1)


# Month 0 is the PM's first month; the product team's work lands in months 2 to 5.
CHANGELOG_LAUNCH = add_months(PM_HIRED, 2)
CHAMPIONS_LAUNCH = add_months(PM_HIRED, 2)
CI_WORK_START = add_months(PM_HIRED, 3)
CI_WORK_DONE = add_months(PM_HIRED, 5)
ROLLBACK_COMMAND = add_months(PM_HIRED, 5)


@dataclass(frozen=True)
class Wave:
    """One wave of the developer-experience survey and the mood it should show."""

    name: str
    opens: datetime
    nps: int
    satisfaction: float
    response_rate: float


def _quarter_name(at: datetime) -> str:
    return f"{at.year}-Q{(at.month - 1) // 3 + 1}"


def _wave(months_from_pm: int, nps: int, satisfaction: float, rate: float) -> Wave:
    opens = add_months(PM_HIRED, months_from_pm) + timedelta(days=9)
    return Wave(_quarter_name(opens), opens, nps, satisfaction, rate)


WAVES: tuple[Wave, ...] = (
    _wave(-4, 10, 3.0, 0.37),
    _wave(-1, NPS_BEFORE, SATISFACTION_BEFORE, 0.39),
    _wave(2, 27, 3.5, 0.41),
    _wave(5, NPS_AFTER, SATISFACTION_AFTER, 0.44),
)


# ---------------------------------------------------------------------------------------------
# The story over time


def progress_between(at: datetime, start: datetime, end: datetime) -> float:
    """0 before `start`, 1 after `end`, linear in between."""
    if at <= start:
        return 0.0
    if at >= end:
        return 1.0
    return (at - start) / (end - start)


def blend(before: float, after: float, progress: float) -> float:
    return before + (after - before) * progress


def product_effect(at: datetime) -> float:
    """How far the product team's work has reached developers: 0 until month 2, 1 by month 5."""
    return progress_between(at, CHANGELOG_LAUNCH, ROLLBACK_COMMAND)


def ci_minutes(at: datetime) -> float:
    """Median CI minutes at `at`: 18 until the CI work, about 12 after caching, 6 when done."""
    halfway = CI_WORK_START + (CI_WORK_DONE - CI_WORK_START) / 2
    if at < halfway:
        return blend(CI_MINUTES_BEFORE, 12.0, progress_between(at, CI_WORK_START, halfway))
    return blend(12.0, CI_MINUTES_AFTER, progress_between(at, halfway, CI_WORK_DONE))


def onboarding_days(at: datetime) -> float:
    """Median days from a developer's first day to their first production deploy."""
    return blend(ONBOARDING_DAYS_BEFORE, ONBOARDING_DAYS_AFTER, product_effect(at))


def months() -> list[tuple[datetime, datetime]]:
    """The twelve calendar months of the history as half-open [start, end) pairs."""
    out: list[tuple[datetime, datetime]] = []
    start = HISTORY_START
    while start < HISTORY_END:
        out.append((start, add_months(start, 1)))
        start = add_months(start, 1)
    return out


def blend_weights(
    before: dict[str, float], after: dict[str, float], progress: float
) -> dict[str, float]:
    return {k: blend(before.get(k, 0.0), after.get(k, 0.0), progress) for k in before | after}


# ---------------------------------------------------------------------------------------------
# Adoption


def team_adoption(company: DemoCompany) -> dict[str, datetime]:
    """When each eligible team started using the platform (teams that never did are absent)."""
    # A team whose service the catalog puts on the platform adopted then; other teams start
    # through capabilities (logs, metrics, portal), so that about half the eligible teams use
    # the platform before the PM arrives and about 78% six months later.
    rng = table_rng(company, "adoption")
    eligible = [t.slug for t in company.teams if t.eligible]
    adopted: dict[str, datetime] = {}
    for service in company.services:
        onboarded = service.onboarded_to_platform_at
        if onboarded and service.owner in eligible:
            adopted[service.owner] = min(adopted.get(service.owner, onboarded), onboarded)
    candidates = [slug for slug in eligible if slug not in adopted]
    rng.shuffle(candidates)
    before = sum(1 for at in adopted.values() if at < PM_HIRED)
    while before < round(ADOPTION_BEFORE * len(eligible)) and candidates:
        early = HISTORY_START - timedelta(days=420)
        adopted[candidates.pop()] = day_between(rng, early, PM_HIRED - timedelta(days=60))
        before += 1
    while len(adopted) < round(ADOPTION_AFTER * len(eligible)) and candidates:
        late = HISTORY_END - timedelta(days=35)
        adopted[candidates.pop()] = day_between(rng, CHAMPIONS_LAUNCH, late)
    return adopted


# Rates the generators read off the story.


QUEUE_MINUTES_BEFORE = 4.0
QUEUE_MINUTES_AFTER = 0.6


def planned_availability(month_start: datetime) -> float:
    """The platform availability each month should show: 99.8% before, 99.95%+ after."""
    since_pm = (month_start.year - PM_HIRED.year) * 12 + month_start.month - PM_HIRED.month
    if since_pm < 0:
        return AVAILABILITY_BEFORE
    return {0: 0.9988, 1: 0.9992}.get(since_pm, 0.9997)


def tickets_per_month(month_start: datetime) -> float:
    """Planned tickets in the month: flat before the PM, falling about 40% over five months."""
    since_pm = (month_start.year - PM_HIRED.year) * 12 + month_start.month - PM_HIRED.month
    drop = TICKET_DROP * min(max(since_pm, 0), 5) / 5
    return TICKETS_PER_MONTH_BEFORE * (1 - drop)


def survey_phase(at: datetime) -> str:
    if at < CHANGELOG_LAUNCH:
        return "before"
    return "quick wins" if at < CI_WORK_DONE else "after"
