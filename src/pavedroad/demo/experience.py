"""Demo developer-experience telemetry: support tickets, survey answers, platform usage and
onboarding, following the story's curves."""

from __future__ import annotations

import bisect
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from pavedroad.demo.company import HISTORY_END, HISTORY_START, PM_HIRED, DemoCompany
from pavedroad.demo.delivery import (
    Deploy,
)
from pavedroad.demo.sampling import (
    Event,
    days_between,
    poisson,
    table_rng,
    weighted,
    weighted_int,
    work_time,
)
from pavedroad.demo.story import (
    NPS_AFTER,
    NPS_BEFORE,
    ROLLBACK_COMMAND,
    ROLLBACK_STEPS_BEFORE,
    SELF_SERVICE_AFTER,
    SELF_SERVICE_BEFORE,
    SURVEY,
    USAGE_PER_TEAM_WEEKDAY_AFTER,
    USAGE_PER_TEAM_WEEKDAY_BEFORE,
    WAVES,
    blend,
    blend_weights,
    months,
    onboarding_days,
    product_effect,
    survey_phase,
    tickets_per_month,
)

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


def tickets_for(company: DemoCompany) -> list[Event]:
    """Support tickets to the platform team: many about CI, deploys and docs before, fewer after."""
    rng = table_rng(company, "tickets")
    teams = [t for t in company.teams if t.slug != "platform"]
    weights = [t.headcount for t in teams]
    names = [s.name for s in company.services]
    rows: list[Event] = []
    for start, end in months():
        jitter = rng.uniform(0.96, 1.04) if start < PM_HIRED else 1.0
        for _ in range(round(tickets_per_month(start) * jitter)):
            opened = work_time(rng, start + timedelta(days=rng.randrange((end - start).days)))
            effect = product_effect(opened)
            moments = {"any", "after" if effect > 0.5 else "before"}
            moments.add("rollback" if opened >= ROLLBACK_COMMAND else "runbook")
            category = weighted(rng, blend_weights(_CATEGORIES_BEFORE, _CATEGORIES_AFTER, effect))
            options = [t for t in _TICKETS if t[0] == category and t[2] in moments]
            _, kind, _, text = rng.choice(options)
            self_service = kind == "request" and rng.random() < blend(
                SELF_SERVICE_BEFORE, SELF_SERVICE_AFTER, effect
            )
            hours = (
                rng.lognormvariate(math.log(0.4), 0.6)
                if self_service
                else rng.lognormvariate(math.log(blend(22, 7, effect)), 1.0)
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
                    "answered_by": None,
                }
            )
    rows.sort(key=lambda r: r["opened_at"])
    for number, row in enumerate(rows, 1):
        row["id"] = f"demo-PLAT-{number:05d}"
        # A third arrive by mail to the platform alias, untriaged: no category from their
        # source. The ticket rules (demo/research_tickets.py) categorise them; no KPI reads
        # the category, and no random number is drawn here, so every other value stays.
        if number % 3 == 0:
            row["category"] = None
    _answered_by_helpers(company, rows)
    return rows


# Developers outside the platform team who answer other teams' tickets once the PM arrives:
# the champion candidates the data suggests (comms/champions.py). No random number is drawn.
TICKET_HELPERS = 5
HELPED_EVERY = 40


def ticket_helpers(company: DemoCompany) -> list[tuple[str, str]]:
    """(email, team) of the first developer by email of each of the first TICKET_HELPERS
    product teams (by slug) who were there from the start of the history."""
    first: dict[str, str] = {}
    for developer in sorted(company.developers, key=lambda d: d.email or ""):
        started = developer.started_at
        if not developer.email or developer.team == "platform":
            continue
        if started is not None and started >= HISTORY_START:
            continue
        first.setdefault(developer.team, developer.email)
    return [(first[team], team) for team in sorted(first)[:TICKET_HELPERS]]


def _answered_by_helpers(company: DemoCompany, rows: list[Event]) -> None:
    helpers = ticket_helpers(company)
    if not helpers:
        return
    for number, row in enumerate(rows, 1):
        if row["opened_at"] < PM_HIRED or number % HELPED_EVERY:
            continue
        # Helper by ticket number; the next one when the first is of the ticket's own team.
        for step in range(len(helpers)):
            email, team = helpers[(number // HELPED_EVERY + step) % len(helpers)]
            if team != row["team"]:
                row["answered_by"] = email
                break


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
    rng = table_rng(company, "survey")
    rows: list[Event] = []
    for wave in WAVES:
        staff = [d for d in company.developers if d.started_at and d.started_at < wave.opens]
        respondents = rng.sample(staff, round(len(staff) * wave.response_rate))
        promoters = blend(0.35, 0.58, (wave.nps - NPS_BEFORE) / (NPS_AFTER - NPS_BEFORE))
        mix = _categories(len(respondents), wave.nps, promoters)

        # Detractors gather in teams that have not adopted the platform yet.
        keys = [
            rng.random() + (0.3 if _adopted_by(adoption, d.team, wave.opens) else 0.0)
            for d in respondents
        ]
        ordered = [d for _, d in sorted(zip(keys, respondents, strict=True), key=lambda p: p[0])]
        phase = survey_phase(wave.opens)
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
                    "nps": weighted_int(rng, _SCORES[category]),
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


def _adopted_by(adoption: dict[str, datetime], team: str, at: datetime) -> bool:
    adopted = adoption.get(team)
    return adopted is not None and adopted < at


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
    mix = blend_weights(_USE_BEFORE, _USE_AFTER, product_effect(day))
    if day >= ROLLBACK_COMMAND:
        mix["rollback"] = 0.02
    return list(mix), list(mix.values())


def usage_for(
    company: DemoCompany, adoption: dict[str, datetime], deploys: Sequence[Deploy]
) -> list[Event]:
    """Uses of platform capabilities by adopted teams; more of them once the changelog tells."""
    rng = table_rng(company, "usage")
    staff = _Staff(company)
    headcount = {t.slug: t.headcount for t in company.teams}
    mixes = {day: _usage_mix(day) for day in days_between(HISTORY_START, HISTORY_END)}
    events: list[tuple[datetime, str, str, str | None]] = []
    for team, adopted in sorted(adoption.items()):
        for day in days_between(max(adopted, HISTORY_START), HISTORY_END):
            effect = product_effect(day)
            pace = blend(USAGE_PER_TEAM_WEEKDAY_BEFORE, USAGE_PER_TEAM_WEEKDAY_AFTER, effect)
            pace *= headcount.get(team, 10) / 10 * (0.12 if day.weekday() >= 5 else 1.0)
            capabilities, weights = mixes[day]
            for _ in range(poisson(rng, pace)):
                at = work_time(rng, day)
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
# Onboarding


def onboarding_for(company: DemoCompany) -> list[Event]:
    """Developers who joined during the history and how long their first deploy took."""
    rng = table_rng(company, "onboarding")
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
