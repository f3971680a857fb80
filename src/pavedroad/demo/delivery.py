"""Demo delivery telemetry: deployments (with the failures incidents and rollbacks follow
from), changes, CI runs and incidents, following the story's curves."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pavedroad.demo.company import HISTORY_END, HISTORY_START, DemoCompany
from pavedroad.demo.sampling import (
    Event,
    as_minutes,
    days_between,
    poisson,
    table_rng,
    weighted,
    work_time,
)
from pavedroad.demo.story import (
    AVAILABILITY_BEFORE,
    BAD_DEPLOYS_AFTER,
    BAD_DEPLOYS_BEFORE,
    CHANGELOG_LAUNCH,
    CHANGES_PER_DEPLOY,
    CI_WORK_DONE,
    CI_WORK_START,
    DEPLOY_GROWTH,
    FAILED_DEPLOYS_AFTER,
    FAILED_DEPLOYS_BEFORE,
    FLAKY_CI_AFTER,
    FLAKY_CI_BEFORE,
    PROD_DEPLOYS_PER_WEEKDAY,
    PRODUCTION,
    QUEUE_MINUTES_AFTER,
    QUEUE_MINUTES_BEFORE,
    ROLLBACK_COMMAND,
    ROLLBACK_MINUTES_AFTER,
    ROLLBACK_MINUTES_BEFORE,
    STAGING,
    blend,
    ci_minutes,
    months,
    planned_availability,
    product_effect,
    progress_between,
)

# ---------------------------------------------------------------------------------------------
# Deployments (and the failures that incidents and rollbacks follow from)


@dataclass
class Deploy:
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
class Failure:
    """A successful production deployment that hurt: an incident, a rollback, or both."""

    deploy: Deploy
    detected_at: datetime
    resolved_at: datetime
    incident: bool


@dataclass
class Timeline:
    deploys: list[Deploy] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


_TIER_PACE = {1: 1.2, 2: 1.0, 3: 0.75}
_FAILURE_MODES_BEFORE = {"incident": 0.45, "incident+rollback": 0.3, "rollback": 0.25}
_FAILURE_MODES_AFTER = {"incident": 0.15, "incident+rollback": 0.45, "rollback": 0.4}


class _ServiceDeploys:
    """Production and staging deployments of one service over the history."""

    def __init__(
        self,
        rng: random.Random,
        timeline: Timeline,
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
        for day in days_between(self.start, HISTORY_END):
            pace = PROD_DEPLOYS_PER_WEEKDAY * _TIER_PACE.get(self.tier, 1.0)
            pace *= blend(1.0, DEPLOY_GROWTH, progress_between(day, CHANGELOG_LAUNCH, HISTORY_END))
            if self._on_platform(day):
                pace *= 1.15
            if day.weekday() >= 5:
                pace *= 0.06
            for at in sorted(work_time(self.rng, day) for _ in range(poisson(self.rng, pace))):
                at = max(at, cursor + as_minutes(self.rng.uniform(10, 40)))
                if at >= HISTORY_END - timedelta(hours=12):
                    return
                cursor = self._release(at)

    def _on_platform(self, at: datetime) -> bool:
        return self.onboarded is not None and self.onboarded <= at

    def _deploy(
        self, at: datetime, minutes: float, environment: str = PRODUCTION, **extra: Any
    ) -> Deploy:
        deploy = Deploy(
            self.service,
            self.team,
            environment,
            at,
            at + as_minutes(minutes),
            self._on_platform(at),
            **extra,
        )
        self.timeline.deploys.append(deploy)
        return deploy

    def _deploy_minutes(self, at: datetime) -> float:
        median = 7.0 if self._on_platform(at) else 14.0
        median *= blend(1.0, 0.7, progress_between(at, CI_WORK_START, CI_WORK_DONE))
        return self.rng.lognormvariate(math.log(median), 0.3)

    def _release(self, at: datetime, *, hotfix: bool = False) -> datetime:
        """A production deployment (after its staging one); returns when the service is free."""
        rng = self.rng
        if at >= HISTORY_END - timedelta(hours=1):
            return at
        staged = at - as_minutes(rng.uniform(25, 180))
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
        if rng.random() < blend(FAILED_DEPLOYS_BEFORE, FAILED_DEPLOYS_AFTER, effect):
            deploy.result = "failed"
            if rng.random() < 0.5:
                return self._release(deploy.finished_at + as_minutes(rng.uniform(20, 90)))
            return deploy.finished_at
        if not hotfix and rng.random() < blend(BAD_DEPLOYS_BEFORE, BAD_DEPLOYS_AFTER, effect):
            return self._fail(deploy)
        return deploy.finished_at

    def _fail(self, bad: Deploy) -> datetime:
        """The deployment hurts: an incident, a rollback, or both; returns when it is over."""
        rng = self.rng
        one_command = self._on_platform(bad.finished_at) and bad.finished_at >= ROLLBACK_COMMAND
        modes = _FAILURE_MODES_AFTER if one_command else _FAILURE_MODES_BEFORE
        mode = weighted(rng, modes)
        detected = bad.finished_at + as_minutes(rng.lognormvariate(math.log(18), 0.5))
        if "rollback" in mode:
            if one_command:
                start = detected + as_minutes(rng.uniform(3, 10))
                minutes = rng.lognormvariate(math.log(ROLLBACK_MINUTES_AFTER), 0.3)
            else:
                # The seven-step runbook: find the old image, freeze, scale, migrate back, ...
                start = detected + as_minutes(rng.uniform(20, 60))
                minutes = rng.lognormvariate(math.log(ROLLBACK_MINUTES_BEFORE), 0.25)
                if rng.random() < 0.12:
                    failed = self._deploy(start, minutes, is_rollback=True, result="failed")
                    start = failed.finished_at + as_minutes(rng.uniform(10, 30))
            done = self._deploy(start, minutes, is_rollback=True).finished_at
        else:
            fix_minutes = rng.lognormvariate(
                math.log(blend(150, 70, product_effect(detected))), 0.4
            )
            done = self._release(detected + as_minutes(fix_minutes), hotfix=True)
        resolved = done + as_minutes(rng.uniform(5, 15))
        self.timeline.failures.append(Failure(bad, detected, resolved, "incident" in mode))
        return done


def deployment_timeline(company: DemoCompany) -> Timeline:
    """Every deployment of every service, numbered in time order, and the failures among them."""
    rng = table_rng(company, "deployments")
    timeline = Timeline()
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
class Change:
    service: str
    first_commit_at: datetime
    merged_at: datetime
    deploy: Deploy


def _coding_hours(at: datetime) -> float:
    return blend(20.0, 10.0, product_effect(at))


def changes_for(company: DemoCompany, deploys: Sequence[Deploy]) -> list[Change]:
    """The changes each production deployment shipped; a failed one's mostly ship with the next."""
    rng = table_rng(company, "changes")
    by_service: dict[str, list[Deploy]] = defaultdict(list)
    for deploy in deploys:
        if deploy.environment == PRODUCTION and not deploy.is_rollback:
            by_service[deploy.service].append(deploy)
    out: list[Change] = []
    for service, releases in by_service.items():
        previous: datetime | None = None
        carried: list[tuple[datetime, datetime]] = []
        for deploy in releases:
            window_start = previous or deploy.started_at - timedelta(days=2)
            previous = deploy.started_at
            count = 1 if deploy.hotfix else 1 + poisson(rng, CHANGES_PER_DEPLOY - 1)
            own = [_change_times(rng, deploy, window_start) for _ in range(count)]
            if deploy.result == "failed":
                for times in own:
                    if rng.random() < 0.3:
                        out.append(Change(service, *times, deploy))
                    else:
                        carried.append(times)
                continue
            out.extend(Change(service, *times, deploy) for times in [*carried, *own])
            carried = []
    out.sort(key=lambda c: (c.merged_at, c.service))
    return out


def _change_times(
    rng: random.Random, deploy: Deploy, window_start: datetime
) -> tuple[datetime, datetime]:
    """(first commit, merge) of a change that the deployment starting at `deploy` ships."""
    latest = deploy.started_at - as_minutes(ci_minutes(deploy.started_at) + 3)
    if deploy.hotfix:
        merged = latest - as_minutes(rng.uniform(0, 15))
        return merged - as_minutes(ci_minutes(merged) * 1.5 + rng.uniform(10, 40)), merged
    if latest > window_start:
        merged = window_start + (latest - window_start) * rng.random()
    else:
        merged = latest - as_minutes(rng.uniform(0, 30))
    coding = max(0.25, rng.lognormvariate(math.log(_coding_hours(merged)), 0.9))
    return merged - timedelta(hours=coding), merged


def ci_runs_for(company: DemoCompany, changes: Sequence[Change]) -> list[Event]:
    """The pipeline run that let each change merge, and the flaky or cancelled runs before it."""
    rng = table_rng(company, "ci-runs")
    runs: list[tuple[str, datetime, datetime, str]] = []
    for change in changes:
        slack = (change.merged_at - change.first_commit_at) / 4
        finished = change.merged_at - min(as_minutes(rng.uniform(1, 45)), slack)
        started = finished - as_minutes(rng.lognormvariate(math.log(ci_minutes(finished)), 0.28))
        started = max(started, change.first_commit_at)
        runs.append((change.service, started, finished, "success"))
        flaky = blend(
            FLAKY_CI_BEFORE, FLAKY_CI_AFTER, progress_between(finished, CI_WORK_START, CI_WORK_DONE)
        )
        roll = rng.random()
        if roll < flaky + 0.03:
            result = "failed" if roll < flaky else "cancelled"
            finished = started - as_minutes(rng.uniform(5, 90))
            minutes = rng.lognormvariate(math.log(ci_minutes(finished)), 0.28)
            minutes *= rng.uniform(0.8, 1.1) if result == "failed" else rng.uniform(0.1, 0.6)
            if finished - as_minutes(minutes) >= change.first_commit_at:
                runs.append((change.service, finished - as_minutes(minutes), finished, result))
    runs = [r for r in runs if r[2] >= HISTORY_START]
    runs.sort(key=lambda r: (r[1], r[0]))
    # Runs waited for a shared runner pool (about 4 minutes) until the faster-CI work gave
    # them autoscaled runners; a stream of its own, so the other numbers stay as they were.
    queue = table_rng(company, "ci-queue")
    return [
        {
            "id": f"demo-ci-{number:06d}",
            "service": service,
            "queued_at": started
            - as_minutes(
                queue.lognormvariate(
                    math.log(
                        blend(
                            QUEUE_MINUTES_BEFORE,
                            QUEUE_MINUTES_AFTER,
                            progress_between(started, CI_WORK_START, CI_WORK_DONE),
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


def change_rows(changes: Sequence[Change]) -> list[Event]:
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


def _severity(rng: random.Random, tier: int) -> str:
    weights = {
        1: {"SEV1": 0.1, "SEV2": 0.4, "SEV3": 0.5},
        2: {"SEV2": 0.3, "SEV3": 0.7},
        3: {"SEV3": 0.85, "SEV4": 0.15},
    }
    return weighted(rng, weights.get(tier, weights[2]))


def incidents_for(company: DemoCompany, failures: Sequence[Failure]) -> list[Event]:
    """Incidents: the ones bad deployments caused, the rest of life, and the platform's own."""
    rng = table_rng(company, "incidents")
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
        for _ in range(round(blend(7, 5, effect)) + rng.randrange(-1, 2)):
            service = rng.choice(company.services)
            begun = start + (end - start) * rng.random()
            minutes = rng.lognormvariate(math.log(blend(80, 50, effect)), 0.6)
            rows.append(
                _incident(
                    service.name,
                    service.owner,
                    begun,
                    begun + as_minutes(minutes),
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
    budget = (end - start).total_seconds() / 60 * (1 - planned_availability(start))
    count = 3 if planned_availability(start) <= AVAILABILITY_BEFORE else 1
    shares = [rng.uniform(0.6, 1.4) for _ in range(count)]
    days = rng.sample(range(1, 27), count)
    out: list[Event] = []
    for share, day in zip(shares, days, strict=True):
        begun = work_time(rng, start + timedelta(days=day))
        minutes = budget * share / sum(shares)
        out.append(
            _incident(None, "platform", begun, begun + as_minutes(minutes), "SEV2", platform=True)
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
