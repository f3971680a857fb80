"""Twelve months of the demo company's telemetry, told so the war story holds under the KPIs.

Plain functions, no I/O: the same company (and so the same seed) always gives the same rows.
Each table has its own generator and its own `random.Random`, derived from the company's seed
and the table's name, so a change to one table does not reshuffle the others. Rows are dicts
keyed by the column names of the ingest contract (`pavedroad.ingest.kinds`), with Python
values (aware UTC datetimes, dates, bools); the loader turns them into contract rows.

The story (dates relative to `PM_HIRED`, months counted from the PM's first day):
before the PM, adoption stalls near half of the eligible teams, CI takes about 18 minutes,
rollback is a manual seven-step runbook (rare but slow), NPS is 12 and tickets pile up.
Month 2 brings the changelog and the champions program, months 3-4 the CI speed work
(18 -> 6 minutes), month 5 the one-command rollback. By the end adoption is about 78%,
NPS 48, support tickets are down about 40%, and most requests are self-service.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pavedroad.demo.company import HISTORY_END, HISTORY_START, PM_HIRED, DemoCompany

Event = dict[str, Any]

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


# ---------------------------------------------------------------------------------------------
# The story over time


def _progress(at: datetime, start: datetime, end: datetime) -> float:
    """0 before `start`, 1 after `end`, linear in between."""
    if at <= start:
        return 0.0
    if at >= end:
        return 1.0
    return (at - start) / (end - start)


def _blend(before: float, after: float, progress: float) -> float:
    return before + (after - before) * progress


def product_effect(at: datetime) -> float:
    """How far the product team's work has reached developers: 0 until month 2, 1 by month 5."""
    return _progress(at, CHANGELOG_LAUNCH, ROLLBACK_COMMAND)


def ci_minutes(at: datetime) -> float:
    """Median CI minutes at `at`: 18 until the CI work, about 12 after caching, 6 when done."""
    halfway = CI_WORK_START + (CI_WORK_DONE - CI_WORK_START) / 2
    if at < halfway:
        return _blend(CI_MINUTES_BEFORE, 12.0, _progress(at, CI_WORK_START, halfway))
    return _blend(12.0, CI_MINUTES_AFTER, _progress(at, halfway, CI_WORK_DONE))


def onboarding_days(at: datetime) -> float:
    """Median days from a developer's first day to their first production deploy."""
    return _blend(ONBOARDING_DAYS_BEFORE, ONBOARDING_DAYS_AFTER, product_effect(at))


def months() -> list[tuple[datetime, datetime]]:
    """The twelve calendar months of the history as half-open [start, end) pairs."""
    out: list[tuple[datetime, datetime]] = []
    start = HISTORY_START
    while start < HISTORY_END:
        out.append((start, add_months(start, 1)))
        start = add_months(start, 1)
    return out


def _rng(company: DemoCompany, table: str) -> random.Random:
    return random.Random(f"pavedroad-demo-{company.seed}-{table}")


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


def _work_time(rng: random.Random, day: datetime) -> datetime:
    """A moment of the working day (08:00-18:00 UTC) of `day`."""
    return day + timedelta(hours=8, seconds=rng.randrange(10 * 3600))


def _days(start: datetime, end: datetime) -> list[datetime]:
    """Midnight of every day from the day of `start` up to `end` (exclusive)."""
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    out: list[datetime] = []
    while day < end:
        out.append(day)
        day += timedelta(days=1)
    return out


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _blend_weights(
    before: dict[str, float], after: dict[str, float], progress: float
) -> dict[str, float]:
    return {k: _blend(before.get(k, 0.0), after.get(k, 0.0), progress) for k in before | after}


# ---------------------------------------------------------------------------------------------
# Adoption


def team_adoption(company: DemoCompany) -> dict[str, datetime]:
    """When each eligible team started using the platform (teams that never did are absent)."""
    # A team whose service the catalog puts on the platform adopted then; other teams start
    # through capabilities (logs, metrics, portal), so that about half the eligible teams use
    # the platform before the PM arrives and about 78% six months later.
    rng = _rng(company, "adoption")
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
        adopted[candidates.pop()] = _day(rng, early, PM_HIRED - timedelta(days=60))
        before += 1
    while len(adopted) < round(ADOPTION_AFTER * len(eligible)) and candidates:
        late = HISTORY_END - timedelta(days=35)
        adopted[candidates.pop()] = _day(rng, CHAMPIONS_LAUNCH, late)
    return adopted


def _day(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return (start + timedelta(days=rng.randrange(max((end - start).days, 1)))).replace(
        hour=10, minute=0, second=0, microsecond=0
    )


# ---------------------------------------------------------------------------------------------
# Deployments (and the failures that incidents and rollbacks follow from)


@dataclass
class _Deploy:
    service: str
    team: str
    environment: str
    started_at: datetime
    finished_at: datetime
    via_platform: bool
    result: str = "success"
    is_rollback: bool = False
    hotfix: bool = False
    id: str = ""

    def row(self) -> Event:
        return {
            "id": self.id,
            "service": self.service,
            "environment": self.environment,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "result": self.result,
            "is_rollback": self.is_rollback,
            "team": self.team,
            "via_platform": self.via_platform,
        }


@dataclass
class _Failure:
    """A successful production deployment that hurt: an incident, a rollback, or both."""

    deploy: _Deploy
    detected_at: datetime
    resolved_at: datetime
    incident: bool


@dataclass
class _Timeline:
    deploys: list[_Deploy] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)


_TIER_PACE = {1: 1.2, 2: 1.0, 3: 0.75}
_FAILURE_MODES_BEFORE = {"incident": 0.45, "incident+rollback": 0.3, "rollback": 0.25}
_FAILURE_MODES_AFTER = {"incident": 0.15, "incident+rollback": 0.45, "rollback": 0.4}


class _ServiceDeploys:
    """Production and staging deployments of one service over the history."""

    def __init__(
        self,
        rng: random.Random,
        timeline: _Timeline,
        *,
        service: str,
        team: str,
        tier: int,
        onboarded: datetime | None,
        start: datetime,
    ) -> None:
        self.rng, self.timeline, self.start = rng, timeline, start
        self.service, self.team, self.tier, self.onboarded = service, team, tier, onboarded

    def run(self) -> None:
        cursor = self.start
        for day in _days(self.start, HISTORY_END):
            pace = PROD_DEPLOYS_PER_WEEKDAY * _TIER_PACE.get(self.tier, 1.0)
            pace *= _blend(1.0, DEPLOY_GROWTH, _progress(day, CHANGELOG_LAUNCH, HISTORY_END))
            if self._on_platform(day):
                pace *= 1.15
            if day.weekday() >= 5:
                pace *= 0.06
            for at in sorted(_work_time(self.rng, day) for _ in range(_poisson(self.rng, pace))):
                at = max(at, cursor + _minutes(self.rng.uniform(10, 40)))
                if at >= HISTORY_END - timedelta(hours=12):
                    return
                cursor = self._release(at)

    def _on_platform(self, at: datetime) -> bool:
        return self.onboarded is not None and self.onboarded <= at

    def _deploy(
        self, at: datetime, minutes: float, environment: str = PRODUCTION, **extra: Any
    ) -> _Deploy:
        deploy = _Deploy(
            self.service,
            self.team,
            environment,
            at,
            at + _minutes(minutes),
            self._on_platform(at),
            **extra,
        )
        self.timeline.deploys.append(deploy)
        return deploy

    def _deploy_minutes(self, at: datetime) -> float:
        median = 7.0 if self._on_platform(at) else 14.0
        median *= _blend(1.0, 0.7, _progress(at, CI_WORK_START, CI_WORK_DONE))
        return self.rng.lognormvariate(math.log(median), 0.3)

    def _release(self, at: datetime, *, hotfix: bool = False) -> datetime:
        """A production deployment (after its staging one); returns when the service is free."""
        rng = self.rng
        if at >= HISTORY_END - timedelta(hours=1):
            return at
        staged = at - _minutes(rng.uniform(25, 180))
        if not hotfix and staged >= self.start:
            failed = rng.random() < 0.06
            self._deploy(
                staged,
                self._deploy_minutes(staged),
                STAGING,
                result="failed" if failed else "success",
            )
        effect = product_effect(at)
        deploy = self._deploy(at, self._deploy_minutes(at), hotfix=hotfix)
        if rng.random() < _blend(FAILED_DEPLOYS_BEFORE, FAILED_DEPLOYS_AFTER, effect):
            deploy.result = "failed"
            if rng.random() < 0.5:
                return self._release(deploy.finished_at + _minutes(rng.uniform(20, 90)))
            return deploy.finished_at
        if not hotfix and rng.random() < _blend(BAD_DEPLOYS_BEFORE, BAD_DEPLOYS_AFTER, effect):
            return self._fail(deploy)
        return deploy.finished_at

    def _fail(self, bad: _Deploy) -> datetime:
        """The deployment hurts: an incident, a rollback, or both; returns when it is over."""
        rng = self.rng
        one_command = self._on_platform(bad.finished_at) and bad.finished_at >= ROLLBACK_COMMAND
        modes = _FAILURE_MODES_AFTER if one_command else _FAILURE_MODES_BEFORE
        mode = _weighted(rng, modes)
        detected = bad.finished_at + _minutes(rng.lognormvariate(math.log(18), 0.5))
        if "rollback" in mode:
            if one_command:
                start = detected + _minutes(rng.uniform(3, 10))
                minutes = rng.lognormvariate(math.log(ROLLBACK_MINUTES_AFTER), 0.3)
            else:
                # The seven-step runbook: find the old image, freeze, scale, migrate back, ...
                start = detected + _minutes(rng.uniform(20, 60))
                minutes = rng.lognormvariate(math.log(ROLLBACK_MINUTES_BEFORE), 0.25)
                if rng.random() < 0.12:
                    failed = self._deploy(start, minutes, is_rollback=True, result="failed")
                    start = failed.finished_at + _minutes(rng.uniform(10, 30))
            done = self._deploy(start, minutes, is_rollback=True).finished_at
        else:
            fix_minutes = rng.lognormvariate(
                math.log(_blend(150, 70, product_effect(detected))), 0.4
            )
            done = self._release(detected + _minutes(fix_minutes), hotfix=True)
        resolved = done + _minutes(rng.uniform(5, 15))
        self.timeline.failures.append(_Failure(bad, detected, resolved, "incident" in mode))
        return done


def deployment_timeline(company: DemoCompany) -> _Timeline:
    """Every deployment of every service, numbered in time order, and the failures among them."""
    rng = _rng(company, "deployments")
    timeline = _Timeline()
    for service in company.services:
        _ServiceDeploys(
            rng,
            timeline,
            service=service.name,
            team=service.owner,
            tier=service.tier or 2,
            onboarded=service.onboarded_to_platform_at,
            start=max(service.created_at or HISTORY_START, HISTORY_START),
        ).run()
    timeline.deploys.sort(key=lambda d: (d.started_at, d.service, d.environment))
    for number, deploy in enumerate(timeline.deploys, 1):
        deploy.id = f"demo-dep-{number:06d}"
    return timeline


# ---------------------------------------------------------------------------------------------
# Changes and CI runs


@dataclass
class _Change:
    service: str
    first_commit_at: datetime
    merged_at: datetime
    deploy: _Deploy


def _coding_hours(at: datetime) -> float:
    return _blend(20.0, 10.0, product_effect(at))


def changes_for(company: DemoCompany, deploys: Sequence[_Deploy]) -> list[_Change]:
    """The changes each production deployment shipped; a failed one's mostly ship with the next."""
    rng = _rng(company, "changes")
    by_service: dict[str, list[_Deploy]] = defaultdict(list)
    for deploy in deploys:
        if deploy.environment == PRODUCTION and not deploy.is_rollback:
            by_service[deploy.service].append(deploy)
    out: list[_Change] = []
    for service, releases in by_service.items():
        previous: datetime | None = None
        carried: list[tuple[datetime, datetime]] = []
        for deploy in releases:
            window_start = previous or deploy.started_at - timedelta(days=2)
            previous = deploy.started_at
            count = 1 if deploy.hotfix else 1 + _poisson(rng, CHANGES_PER_DEPLOY - 1)
            own = [_change_times(rng, deploy, window_start) for _ in range(count)]
            if deploy.result == "failed":
                for times in own:
                    if rng.random() < 0.3:
                        out.append(_Change(service, *times, deploy))
                    else:
                        carried.append(times)
                continue
            out.extend(_Change(service, *times, deploy) for times in [*carried, *own])
            carried = []
    out.sort(key=lambda c: (c.merged_at, c.service))
    return out


def _change_times(
    rng: random.Random, deploy: _Deploy, window_start: datetime
) -> tuple[datetime, datetime]:
    """(first commit, merge) of a change that the deployment starting at `deploy` ships."""
    latest = deploy.started_at - _minutes(ci_minutes(deploy.started_at) + 3)
    if deploy.hotfix:
        merged = latest - _minutes(rng.uniform(0, 15))
        return merged - _minutes(ci_minutes(merged) * 1.5 + rng.uniform(10, 40)), merged
    if latest > window_start:
        merged = window_start + (latest - window_start) * rng.random()
    else:
        merged = latest - _minutes(rng.uniform(0, 30))
    coding = max(0.25, rng.lognormvariate(math.log(_coding_hours(merged)), 0.9))
    return merged - timedelta(hours=coding), merged


QUEUE_MINUTES_BEFORE = 4.0
QUEUE_MINUTES_AFTER = 0.6


def ci_runs_for(company: DemoCompany, changes: Sequence[_Change]) -> list[Event]:
    """The pipeline run that let each change merge, and the flaky or cancelled runs before it."""
    rng = _rng(company, "ci-runs")
    runs: list[tuple[str, datetime, datetime, str]] = []
    for change in changes:
        slack = (change.merged_at - change.first_commit_at) / 4
        finished = change.merged_at - min(_minutes(rng.uniform(1, 45)), slack)
        started = finished - _minutes(rng.lognormvariate(math.log(ci_minutes(finished)), 0.28))
        started = max(started, change.first_commit_at)
        runs.append((change.service, started, finished, "success"))
        flaky = _blend(
            FLAKY_CI_BEFORE, FLAKY_CI_AFTER, _progress(finished, CI_WORK_START, CI_WORK_DONE)
        )
        roll = rng.random()
        if roll < flaky + 0.03:
            result = "failed" if roll < flaky else "cancelled"
            finished = started - _minutes(rng.uniform(5, 90))
            minutes = rng.lognormvariate(math.log(ci_minutes(finished)), 0.28)
            minutes *= rng.uniform(0.8, 1.1) if result == "failed" else rng.uniform(0.1, 0.6)
            if finished - _minutes(minutes) >= change.first_commit_at:
                runs.append((change.service, finished - _minutes(minutes), finished, result))
    runs = [r for r in runs if r[2] >= HISTORY_START]
    runs.sort(key=lambda r: (r[1], r[0]))
    # Runs waited for a shared runner pool (about 4 minutes) until the faster-CI work gave
    # them autoscaled runners; a stream of its own, so the other numbers stay as they were.
    queue = _rng(company, "ci-queue")
    return [
        {
            "id": f"demo-ci-{number:06d}",
            "service": service,
            "queued_at": started
            - _minutes(
                queue.lognormvariate(
                    math.log(
                        _blend(
                            QUEUE_MINUTES_BEFORE,
                            QUEUE_MINUTES_AFTER,
                            _progress(started, CI_WORK_START, CI_WORK_DONE),
                        )
                    ),
                    0.5,
                )
            ),
            "started_at": started,
            "finished_at": finished,
            "result": result,
        }
        for number, (service, started, finished, result) in enumerate(runs, 1)
    ]


def _change_rows(changes: Sequence[_Change]) -> list[Event]:
    return [
        {
            "id": f"demo-chg-{number:06d}",
            "service": change.service,
            "first_commit_at": change.first_commit_at,
            "merged_at": change.merged_at,
            "deployment_id": change.deploy.id,
        }
        for number, change in enumerate(changes, 1)
    ]


# ---------------------------------------------------------------------------------------------
# Incidents


def _availability(month_start: datetime) -> float:
    """The platform availability each month should show: 99.8% before, 99.95%+ after."""
    since_pm = (month_start.year - PM_HIRED.year) * 12 + month_start.month - PM_HIRED.month
    if since_pm < 0:
        return AVAILABILITY_BEFORE
    return {0: 0.9988, 1: 0.9992}.get(since_pm, 0.9997)


def _severity(rng: random.Random, tier: int) -> str:
    weights = {
        1: {"SEV1": 0.1, "SEV2": 0.4, "SEV3": 0.5},
        2: {"SEV2": 0.3, "SEV3": 0.7},
        3: {"SEV3": 0.85, "SEV4": 0.15},
    }
    return _weighted(rng, weights.get(tier, weights[2]))


def incidents_for(company: DemoCompany, failures: Sequence[_Failure]) -> list[Event]:
    """Incidents: the ones bad deployments caused, the rest of life, and the platform's own."""
    rng = _rng(company, "incidents")
    tiers = {s.name: s.tier or 2 for s in company.services}
    rows: list[Event] = []
    for failure in failures:
        if not failure.incident:
            continue
        deploy = failure.deploy
        rows.append(
            _incident(
                deploy.service,
                deploy.team,
                failure.detected_at,
                failure.resolved_at,
                _severity(rng, tiers[deploy.service]),
                cause=deploy.id,
            )
        )
    for start, end in months():
        effect = product_effect(start)
        for _ in range(round(_blend(7, 5, effect)) + rng.randrange(-1, 2)):
            service = rng.choice(company.services)
            begun = start + (end - start) * rng.random()
            minutes = rng.lognormvariate(math.log(_blend(80, 50, effect)), 0.6)
            rows.append(
                _incident(
                    service.name,
                    service.owner,
                    begun,
                    begun + _minutes(minutes),
                    _severity(rng, service.tier or 2),
                )
            )
        rows.extend(_platform_outages(rng, start, end))
    rows = [r for r in rows if r["started_at"] < HISTORY_END]
    for row in rows:
        if row["resolved_at"] >= HISTORY_END:
            row["resolved_at"] = None
    rows.sort(key=lambda r: (r["started_at"], r["service"] or ""))
    for number, row in enumerate(rows, 1):
        row["id"] = f"demo-inc-{number:04d}"
    return rows


def _platform_outages(rng: random.Random, start: datetime, end: datetime) -> list[Event]:
    """Platform-caused incidents whose minutes give the month its planned availability."""
    budget = (end - start).total_seconds() / 60 * (1 - _availability(start))
    count = 3 if _availability(start) <= AVAILABILITY_BEFORE else 1
    shares = [rng.uniform(0.6, 1.4) for _ in range(count)]
    days = rng.sample(range(1, 27), count)
    out: list[Event] = []
    for share, day in zip(shares, days, strict=True):
        begun = _work_time(rng, start + timedelta(days=day))
        minutes = budget * share / sum(shares)
        out.append(
            _incident(None, "platform", begun, begun + _minutes(minutes), "SEV2", platform=True)
        )
    return out


def _incident(
    service: str | None,
    team: str | None,
    started: datetime,
    resolved: datetime | None,
    severity: str,
    *,
    cause: str | None = None,
    platform: bool = False,
) -> Event:
    return {
        "id": "",
        "service": service,
        "team": team,
        "started_at": started,
        "resolved_at": resolved,
        "severity": severity,
        "caused_by_deployment_id": cause,
        "platform_caused": platform,
        "snapshot_at": None,  # taken as a whole, like a file row
    }


# ---------------------------------------------------------------------------------------------
# Support tickets

# (category, kind, when it is asked, text); when: before or after the product work lands
# (`product_effect` past half way), `runbook` until the one-command rollback, `rollback` after it.
_TICKETS: tuple[tuple[str, str, str, str], ...] = (
    ("ci", "bug", "before", "CI for {service} took 25 minutes again and then timed out"),
    ("ci", "bug", "before", "Flaky integration tests keep failing the {service} pipeline"),
    ("ci", "question", "before", "Is there any way to skip the full test suite for a docs change?"),
    ("ci", "request", "before", "Please add more CI runners, our queue is 40 minutes deep"),
    ("ci", "bug", "any", "Cache miss on every {service} build since this morning"),
    ("ci", "question", "after", "How do I turn on test splitting for {service}?"),
    ("deploy", "question", "before", "How do I deploy {service} to staging? The wiki page is gone"),
    (
        "deploy",
        "request",
        "runbook",
        f"Need help rolling back {{service}}: step 4 of the {ROLLBACK_STEPS_BEFORE}-step runbook fails",
    ),
    ("deploy", "bug", "runbook", "Manual rollback of {service} left the old pods running"),
    ("deploy", "bug", "any", "Deploy of {service} stuck in 'pending' for an hour"),
    (
        "deploy",
        "question",
        "rollback",
        "Does `paved rollback` also revert the config of {service}?",
    ),
    ("deploy", "request", "any", "Please move {service} onto the paved-road deploy pipeline"),
    ("access", "request", "any", "Need read access to production logs for {service}"),
    ("access", "request", "any", "New joiner needs access to the {service} repository and CI"),
    ("access", "question", "any", "Who approves production access for {service}?"),
    ("docs", "question", "before", "Does the platform support secrets rotation? Can't find docs"),
    ("docs", "question", "before", "Is there a service template for Python workers?"),
    ("docs", "question", "any", "Where are the docs for custom metrics?"),
    ("docs", "question", "after", "Saw it in the changelog: how do I enable preview environments?"),
    ("databases", "request", "any", "Need a new staging database for {service}"),
    ("databases", "request", "any", "Please restore last night's snapshot of the {service} db"),
    ("databases", "question", "any", "What is the connection limit for the {service} database?"),
    ("secrets", "request", "any", "Rotate the API key used by {service}"),
    ("secrets", "question", "any", "How do I read a secret from {service} in local development?"),
    ("observability", "question", "any", "Dashboards for {service} show no data since Tuesday"),
    ("observability", "request", "any", "Please add alerting on error rate for {service}"),
)
_CATEGORIES_BEFORE = {
    "ci": 0.26,
    "deploy": 0.2,
    "access": 0.14,
    "docs": 0.16,
    "databases": 0.12,
    "secrets": 0.07,
    "observability": 0.05,
}
_CATEGORIES_AFTER = {
    "ci": 0.1,
    "deploy": 0.14,
    "access": 0.2,
    "docs": 0.12,
    "databases": 0.2,
    "secrets": 0.12,
    "observability": 0.12,
}


def tickets_per_month(month_start: datetime) -> float:
    """Planned tickets in the month: flat before the PM, falling about 40% over five months."""
    since_pm = (month_start.year - PM_HIRED.year) * 12 + month_start.month - PM_HIRED.month
    drop = TICKET_DROP * min(max(since_pm, 0), 5) / 5
    return TICKETS_PER_MONTH_BEFORE * (1 - drop)


def tickets_for(company: DemoCompany) -> list[Event]:
    """Support tickets to the platform team: many about CI, deploys and docs before, fewer after."""
    rng = _rng(company, "tickets")
    teams = [t for t in company.teams if t.slug != "platform"]
    weights = [t.headcount for t in teams]
    names = [s.name for s in company.services]
    rows: list[Event] = []
    for start, end in months():
        jitter = rng.uniform(0.96, 1.04) if start < PM_HIRED else 1.0
        for _ in range(round(tickets_per_month(start) * jitter)):
            opened = _work_time(rng, start + timedelta(days=rng.randrange((end - start).days)))
            effect = product_effect(opened)
            moments = {"any", "after" if effect > 0.5 else "before"}
            moments.add("rollback" if opened >= ROLLBACK_COMMAND else "runbook")
            category = _weighted(rng, _blend_weights(_CATEGORIES_BEFORE, _CATEGORIES_AFTER, effect))
            options = [t for t in _TICKETS if t[0] == category and t[2] in moments]
            _, kind, _, text = rng.choice(options)
            self_service = kind == "request" and rng.random() < _blend(
                SELF_SERVICE_BEFORE, SELF_SERVICE_AFTER, effect
            )
            hours = (
                rng.lognormvariate(math.log(0.4), 0.6)
                if self_service
                else rng.lognormvariate(math.log(_blend(22, 7, effect)), 1.0)
            )
            resolved: datetime | None = opened + timedelta(hours=hours)
            if resolved is not None and resolved >= HISTORY_END:
                resolved = None
            rows.append(
                {
                    "id": "",
                    "team": rng.choices(teams, weights=weights)[0].slug,
                    "opened_at": opened,
                    "resolved_at": resolved,
                    "category": category,
                    "kind": kind,
                    "self_service": self_service,
                    "text": text.format(service=rng.choice(names)),
                }
            )
    rows.sort(key=lambda r: r["opened_at"])
    for number, row in enumerate(rows, 1):
        row["id"] = f"demo-PLAT-{number:05d}"
    return rows


# ---------------------------------------------------------------------------------------------
# Survey

_COMMENTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("before", "detractor"): (
        "CI takes forever: 18 minutes for a one-line change",
        "Rollback is scary: seven manual steps and I always miss one",
        "I didn't know the platform could do that until a colleague showed me",
        "Docs are out of date, I ask in Slack instead",
        "Why is the platform team building multi-cloud? We need faster CI",
        "Every deploy needs a ticket to the platform team",
    ),
    ("before", "passive"): (
        "Deploys work, but CI is slow",
        "Logs are fine, the rest is hard to find",
        "Didn't know the platform could do that, nobody tells us what's new",
        "Rollback is scary, we roll forward instead",
    ),
    ("before", "promoter"): (
        "The service template saved us a week",
        "Metrics dashboards out of the box are great",
    ),
    ("quick wins", "detractor"): (
        "CI still takes forever, I hear they are working on it",
        "Rollback is still scary",
        "Nobody on our team has moved to the platform yet",
    ),
    ("quick wins", "passive"): (
        "The changelog is great, now please fix CI",
        "Our champion showed us the service template",
        "Didn't know the platform could do that; the changelog showed me",
    ),
    ("quick wins", "promoter"): (
        "The changelog is great: I finally know what's new",
        "Our champion ran a demo and we moved two services in a day",
    ),
    ("after", "detractor"): (
        "Still waiting for our services to move to the paved road",
        "Docs for secrets are still thin",
    ),
    ("after", "passive"): (
        "CI is faster, but the docs still lag behind",
        "The changelog is great, now I want preview environments",
        "Our champion showed us the service template",
    ),
    ("after", "promoter"): (
        "CI is so much faster, I don't context-switch any more",
        "The changelog is great: I finally know what's new",
        "Our champion ran a demo and we moved two services in a day",
        "Didn't know the platform could do that; the changelog showed me",
    ),
}
_ROLLBACK_COMMENTS = (
    "One-command rollback made Friday deploys boring, in a good way",
    "Rolled back in two minutes during an incident, rollback is no longer scary",
)
_SCORES = {
    "detractor": {0: 0.04, 1: 0.03, 2: 0.05, 3: 0.1, 4: 0.15, 5: 0.28, 6: 0.35},
    "passive": {7: 0.55, 8: 0.45},
    "promoter": {9: 0.6, 10: 0.4},
}


def _categories(count: int, nps: int, promoters: float) -> list[str]:
    """Exactly the mix of promoters, passives and detractors that gives the NPS wanted."""
    top = round(count * promoters)
    bottom = max(0, min(count - top, round(count * (promoters - nps / 100))))
    return ["detractor"] * bottom + ["passive"] * (count - top - bottom) + ["promoter"] * top


def survey_for(company: DemoCompany, adoption: dict[str, datetime]) -> list[Event]:
    """The developer-experience survey: four waves, detractors mostly where nobody adopted."""
    rng = _rng(company, "survey")
    rows: list[Event] = []
    for wave in WAVES:
        staff = [d for d in company.developers if d.started_at and d.started_at < wave.opens]
        respondents = rng.sample(staff, round(len(staff) * wave.response_rate))
        promoters = _blend(0.35, 0.58, (wave.nps - NPS_BEFORE) / (NPS_AFTER - NPS_BEFORE))
        mix = _categories(len(respondents), wave.nps, promoters)

        # Detractors gather in teams that have not adopted the platform yet.
        keys = [
            rng.random() + (0.3 if _adopted_by(adoption, d.team, wave.opens) else 0.0)
            for d in respondents
        ]
        ordered = [d for _, d in sorted(zip(keys, respondents, strict=True), key=lambda p: p[0])]
        phase = _survey_phase(wave.opens)
        satisfaction = _satisfaction(rng, mix, wave.satisfaction)
        answers: list[Event] = []
        for developer, category, score in zip(ordered, mix, satisfaction, strict=True):
            comments = ""
            if rng.random() < 0.55:
                options = _COMMENTS[(phase, category)]
                if wave.opens >= ROLLBACK_COMMAND and category != "detractor":
                    options = options + _ROLLBACK_COMMENTS
                comments = rng.choice(options)
            answers.append(
                {
                    "id": "",
                    "survey": SURVEY,
                    "wave": wave.name,
                    "submitted_at": (wave.opens + timedelta(days=rng.randrange(12))).date(),
                    "team": developer.team,
                    "nps": _weighted_int(rng, _SCORES[category]),
                    "satisfaction": score,
                    "comments": comments,
                }
            )
        # Numbered in the order they came in, so an id says nothing about the answer.
        rng.shuffle(answers)
        answers.sort(key=lambda a: a["submitted_at"])
        for number, answer in enumerate(answers, 1):
            answer["id"] = f"demo-resp-{wave.name}-{number:04d}"
        rows.extend(answers)
    return rows


def _survey_phase(at: datetime) -> str:
    if at < CHANGELOG_LAUNCH:
        return "before"
    return "quick wins" if at < CI_WORK_DONE else "after"


def _adopted_by(adoption: dict[str, datetime], team: str, at: datetime) -> bool:
    adopted = adoption.get(team)
    return adopted is not None and adopted < at


def _weighted_int(rng: random.Random, weights: dict[int, float]) -> int:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _satisfaction(rng: random.Random, mix: Sequence[str], mean: float) -> list[int]:
    """1-5 scores that follow each answer's NPS category and average `mean` for the wave."""
    base = {"detractor": 2.2, "passive": 3.4, "promoter": 4.4}
    scores = [min(5, max(1, round(base[c] + rng.gauss(0, 0.6)))) for c in mix]
    target = round(mean * len(scores))
    while sum(scores) != target:
        step = 1 if sum(scores) < target else -1
        index = rng.randrange(len(scores))
        if 1 <= scores[index] + step <= 5:
            scores[index] += step
    return scores


# ---------------------------------------------------------------------------------------------
# Usage of platform capabilities

_USE_BEFORE = {
    "deploy": 0.34,
    "logs": 0.3,
    "metrics": 0.14,
    "service-template": 0.02,
    "secrets": 0.05,
    "docs": 0.1,
    "portal": 0.05,
}
_USE_AFTER = {
    "deploy": 0.26,
    "logs": 0.2,
    "metrics": 0.17,
    "service-template": 0.04,
    "secrets": 0.1,
    "docs": 0.11,
    "portal": 0.12,
}
_SOURCES = {
    "deploy": "cli",
    "logs": "portal",
    "metrics": "portal",
    "service-template": "cli",
    "secrets": "cli",
    "rollback": "cli",
    "docs": "portal",
    "portal": "portal",
}


class _Staff:
    """Who was on a team at a given moment, to name the developer behind a use."""

    def __init__(self, company: DemoCompany) -> None:
        by_team: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
        for developer in company.developers:
            started = developer.started_at or HISTORY_START
            by_team[developer.team].append((started, developer.key))
        self.started = {team: [s for s, _ in sorted(rows)] for team, rows in by_team.items()}
        self.emails = {team: [e for _, e in sorted(rows)] for team, rows in by_team.items()}

    def pick(self, rng: random.Random, team: str, at: datetime) -> str | None:
        present = bisect.bisect_right(self.started.get(team, []), at)
        return self.emails[team][rng.randrange(present)] if present else None


def _usage_mix(day: datetime) -> tuple[list[str], list[float]]:
    """Which capabilities a use is of on `day`: rollback only once the command exists."""
    mix = _blend_weights(_USE_BEFORE, _USE_AFTER, product_effect(day))
    if day >= ROLLBACK_COMMAND:
        mix["rollback"] = 0.02
    return list(mix), list(mix.values())


def usage_for(
    company: DemoCompany, adoption: dict[str, datetime], deploys: Sequence[_Deploy]
) -> list[Event]:
    """Uses of platform capabilities by adopted teams; more of them once the changelog tells."""
    rng = _rng(company, "usage")
    staff = _Staff(company)
    headcount = {t.slug: t.headcount for t in company.teams}
    mixes = {day: _usage_mix(day) for day in _days(HISTORY_START, HISTORY_END)}
    events: list[tuple[datetime, str, str, str | None]] = []
    for team, adopted in sorted(adoption.items()):
        for day in _days(max(adopted, HISTORY_START), HISTORY_END):
            effect = product_effect(day)
            pace = _blend(USAGE_PER_TEAM_WEEKDAY_BEFORE, USAGE_PER_TEAM_WEEKDAY_AFTER, effect)
            pace *= headcount.get(team, 10) / 10 * (0.12 if day.weekday() >= 5 else 1.0)
            capabilities, weights = mixes[day]
            for _ in range(_poisson(rng, pace)):
                at = _work_time(rng, day)
                if adopted <= at < HISTORY_END:
                    capability = rng.choices(capabilities, weights=weights)[0]
                    events.append((at, capability, team, staff.pick(rng, team, at)))
    for deploy in deploys:
        if deploy.is_rollback and deploy.via_platform and deploy.started_at >= ROLLBACK_COMMAND:
            developer = staff.pick(rng, deploy.team, deploy.started_at)
            events.append((deploy.started_at, "rollback", deploy.team, developer))
    events.sort(key=lambda e: (e[0], e[2]))
    return [
        {
            "id": f"demo-use-{number:06d}",
            "at": at,
            "capability": capability,
            "team": team,
            "developer": developer,
            "source": _SOURCES[capability],
        }
        for number, (at, capability, team, developer) in enumerate(events, 1)
    ]


# ---------------------------------------------------------------------------------------------
# Onboarding and organisation facts


def onboarding_for(company: DemoCompany) -> list[Event]:
    """Developers who joined during the history and how long their first deploy took."""
    rng = _rng(company, "onboarding")
    rows: list[Event] = []
    for developer in company.developers:
        started = developer.started_at
        if started is None or not HISTORY_START <= started < HISTORY_END:
            continue
        days = max(0.6, rng.lognormvariate(math.log(onboarding_days(started)), 0.3))
        first: datetime | None = started + timedelta(days=days)
        if first is not None and first >= HISTORY_END:
            first = None
        rows.append(
            {
                "developer": developer.email,
                "team": developer.team,
                "started_at": started,
                "first_deploy_at": first,
            }
        )
    return rows


def org_facts_for(company: DemoCompany) -> list[Event]:
    """One row of organisation numbers per month: customers grow, ops hours fall after month 2."""
    rng = _rng(company, "org-facts")
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
                    _blend(OPS_HOURS_BEFORE, OPS_HOURS_AFTER, product_effect(middle))
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
        changes=_change_rows(changes),
        ci_runs=ci_runs_for(company, changes),
        incidents=incidents_for(company, timeline.failures),
        tickets=tickets_for(company),
        survey_responses=survey_for(company, adoption),
        usage_events=usage_for(company, adoption, timeline.deploys),
        onboarding=onboarding_for(company),
        org_facts=org_facts_for(company),
    )
