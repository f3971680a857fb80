"""The demo company's backlog: problems in developers' words, initiatives with RICE inputs,
success and kill criteria, the decisions taken, and the platform product canvas.

The story: until the PM arrives (2026-06-01) the platform team's own order puts the
multi-cloud abstraction first; RICE puts faster CI far above it. Goals of the impact map are
linked by the roadmap's demo step, which runs after this one. Loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from pavedroad.backlog import canvas as canvas_service
from pavedroad.backlog import criteria as criteria_service
from pavedroad.backlog import problems as problem_service
from pavedroad.backlog import service
from pavedroad.backlog.schemas import (
    CanvasUpdate,
    CriterionIn,
    DecisionIn,
    InitiativeIn,
    InitiativeUpdate,
    ProblemIn,
    ValidationIn,
)
from pavedroad.demo.company import DemoCompany

if TYPE_CHECKING:
    from pavedroad.backlog.models import Initiative

FEATURE = "Feature engineers"
SUPPORT = "Support teams"
SALES = "Sales engineers"
DATA = "Data teams"

# (title, description, teams it hurts, personas)
PROBLEMS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "“CI takes 18 minutes, so I batch my changes and lose the thread while I wait”",
        "Heard in 11 of 15 interviews in June 2026; shadowing showed two context switches per push.",
        ("web-app", "payments-gateway", "billing-core", "customer-portal", "public-api"),
        (FEATURE,),
    ),
    (
        "“Rolling back is a seven-step runbook, so at 2 a.m. we fix forward instead”",
        "The rollback runbook has seven manual steps; on-call engineers in three teams described "
        "skipping it.",
        ("payments-gateway", "ledger", "billing-core", "sre"),
        (FEATURE, SUPPORT),
    ),
    (
        "“I can't find how to do things in the platform docs, so I ask in Slack”",
        "Support tickets of kind question doubled from January to May 2026.",
        ("onboarding-flow", "mobile-ios", "mobile-android", "growth-experiments"),
        (FEATURE,),
    ),
    (
        "“I wait days on a ticket to get a test environment”",
        "Environment requests are the largest ticket category; median wait 2.5 days.",
        ("integrations-hub", "crm-sync", "erp-connectors", "sales-engineering"),
        (FEATURE, SALES),
    ),
    (
        "“A new service takes a week of copy-pasted config before its first deploy”",
        "Shadowing a Search engineer: 31 files copied from an older service, four of them wrong.",
        ("search", "recommendations", "ml-scoring", "messaging"),
        (FEATURE,),
    ),
    (
        "“I didn't know the platform could do that”",
        "Half the teams that do not use the platform had never heard what it offers.",
        ("tax", "localization", "partner-portal", "status-and-comms"),
        (FEATURE, SUPPORT, SALES, DATA),
    ),
    (
        "“Flaky tests fail my pipeline and I re-run it until it goes green”",
        "One in six pipeline failures passes on a plain re-run.",
        ("web-app", "mobile-android", "customer-portal"),
        (FEATURE,),
    ),
    (
        "“Getting a database means a ticket and a two-week wait”",
        "Data teams keep shared databases alive past their purpose to avoid the wait.",
        ("data-pipelines", "reporting", "analytics"),
        (DATA,),
    ),
)
CI, ROLLBACK, DOCS, ENVS, NEW_SERVICE, AWARENESS, FLAKY, DATABASES = (p[0] for p in PROBLEMS)


@dataclass(frozen=True)
class DemoInitiative:
    """One initiative of the demo backlog; reach None derives it from `teams`."""

    title: str
    description: str
    owner: str
    status: str
    category: str
    reach: float | None
    impact: float
    confidence: float
    effort: float
    created: date
    priority: int | None = None
    teams: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    started: date | None = None
    done: date | None = None
    criteria: tuple[tuple[str, date], ...] = field(default=())


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


CACHE_TEAMS = ("search", "recommendations", "reporting", "analytics", "exports")


def demo_initiatives(company: DemoCompany) -> list[DemoInitiative]:
    """The backlog as the platform team has it on 2026-12-01."""
    eligible = tuple(t.slug for t in company.teams if t.eligible)
    d = date
    return [
        DemoInitiative(
            "Faster CI pipelines",
            "Remote build cache, test sharding and right-sized runners: CI from 18 minutes to "
            "under 5.",
            "Mei Tanaka",
            "in_progress",
            "roadmap",
            None,
            2,
            0.8,
            4,
            d(2026, 6, 20),
            priority=6,
            teams=eligible,
            problems=(CI, FLAKY),
            started=d(2026, 7, 6),
            criteria=(
                ("ci_duration_p50 < 8 by 2026-09-30", d(2026, 6, 25)),
                ("ci_duration_p50 < 8 by 2026-11-15", d(2026, 10, 2)),
                ("ci_duration_p50 < 5 by 2027-03-31", d(2026, 6, 25)),
            ),
        ),
        DemoInitiative(
            "One-command rollback",
            "`platform rollback SERVICE` replaces the seven-step runbook.",
            "Jamal Okafor",
            "done",
            "roadmap",
            180,
            2,
            0.8,
            2.5,
            d(2026, 6, 20),
            priority=10,
            teams=("payments-gateway", "ledger", "billing-core", "sre"),
            problems=(ROLLBACK,),
            started=d(2026, 9, 14),
            done=d(2026, 11, 3),
            criteria=(("mttr_p50 < 90 by 2026-11-30", d(2026, 9, 1)),),
        ),
        DemoInitiative(
            "Weekly platform changelog",
            "What changed this week, with before/after examples, on Slack and by email.",
            "Priya Platform-PM",
            "done",
            "roadmap",
            300,
            0.5,
            0.8,
            0.5,
            d(2026, 6, 8),
            problems=(AWARENESS,),
            started=d(2026, 6, 10),
            done=d(2026, 6, 19),
        ),
        DemoInitiative(
            "Champions program",
            "Six developer advocates with early access, design reviews and a monthly demo day.",
            "Priya Platform-PM",
            "done",
            "roadmap",
            250,
            1,
            0.8,
            1,
            d(2026, 6, 8),
            problems=(AWARENESS,),
            started=d(2026, 6, 22),
            done=d(2026, 7, 17),
            criteria=(("adoption_rate > 0.75 by 2026-11-30", d(2026, 6, 15)),),
        ),
        DemoInitiative(
            "Getting-started docs",
            "Task-based docs for the ten things developers ask most in Slack.",
            "Ana Silva",
            "done",
            "roadmap",
            300,
            1,
            0.8,
            1.5,
            d(2026, 6, 8),
            problems=(DOCS,),
            started=d(2026, 6, 29),
            done=d(2026, 7, 31),
            criteria=(("onboarding_time_p50 < 5 by 2026-11-30", d(2026, 6, 20)),),
        ),
        DemoInitiative(
            "Flaky test quarantine",
            "Detect tests that pass on re-run and quarantine them with an owner.",
            "Mei Tanaka",
            "idea",
            "roadmap",
            300,
            1,
            0.5,
            1.5,
            d(2026, 7, 2),
            priority=9,
            problems=(FLAKY,),
        ),
        DemoInitiative(
            "Golden-path service templates",
            "A template per service kind with CI, deploy, alerts and docs wired in.",
            "Sven Eriksen",
            "planned",
            "roadmap",
            120,
            2,
            0.8,
            2.5,
            d(2026, 7, 2),
            priority=7,
            problems=(NEW_SERVICE,),
            criteria=(("time_to_first_deploy_p50 < 2 by 2027-03-31", d(2026, 11, 2)),),
        ),
        DemoInitiative(
            "Self-service environments",
            "Preview and test environments from a pull request label, gone after merge.",
            "Jamal Okafor",
            "planned",
            "roadmap",
            220,
            2,
            0.8,
            4,
            d(2026, 7, 2),
            priority=8,
            teams=("integrations-hub", "crm-sync", "erp-connectors", "sales-engineering"),
            problems=(ENVS,),
            criteria=(("self_service_ratio > 0.9 by 2027-03-31", d(2026, 11, 2)),),
        ),
        DemoInitiative(
            "Self-service databases",
            "Provision a managed PostgreSQL from the portal, with backups and owners.",
            "Sven Eriksen",
            "idea",
            "roadmap",
            80,
            3,
            0.8,
            3,
            d(2026, 3, 10),
            priority=5,
            problems=(DATABASES,),
        ),
        DemoInitiative(
            "Developer portal v2",
            "A rebuilt portal with a plugin system.",
            "Sven Eriksen",
            "idea",
            "roadmap",
            300,
            1,
            0.5,
            6,
            d(2026, 2, 1),
            priority=4,
            criteria=(("kill if nps < 40 by 2027-06-30", d(2026, 11, 2)),),
        ),
        DemoInitiative(
            "Service mesh rollout",
            "Mutual TLS and traffic shifting for every service.",
            "Sven Eriksen",
            "idea",
            "platform",
            200,
            1,
            0.5,
            6,
            d(2026, 1, 12),
            priority=2,
        ),
        DemoInitiative(
            "Multi-cloud abstraction",
            "One deployment abstraction over AWS and GCP. Four months in when the PM arrived; "
            "paused since.",
            "Sven Eriksen",
            "planned",
            "roadmap",
            40,
            1,
            0.5,
            2.5,
            d(2026, 1, 12),
            priority=1,
            started=d(2026, 2, 2),
            criteria=(("adoption_rate > 0.7 by 2026-06-30", d(2026, 1, 20)),),
        ),
        DemoInitiative(
            "Custom Kubernetes operator for cache invalidation",
            "An operator that invalidates caches across the five teams that share them.",
            "Dev Patel",
            "killed",
            "roadmap",
            None,
            1,
            1,
            3,
            d(2026, 3, 2),
            priority=3,
            teams=CACHE_TEAMS,
        ),
        DemoInitiative(
            "Kubernetes 1.31 upgrade",
            "Cluster upgrade before end of support.",
            "Dev Patel",
            "done",
            "platform",
            550,
            0.25,
            1,
            2,
            d(2026, 6, 1),
            started=d(2026, 7, 20),
            done=d(2026, 8, 21),
        ),
        DemoInitiative(
            "Certificate expiry outage follow-up",
            "Automated renewal and alerts after the expired certificate took down the API "
            "gateway for 40 minutes.",
            "Dev Patel",
            "done",
            "unplanned",
            100,
            0.5,
            1,
            0.5,
            d(2026, 8, 3),
            started=d(2026, 8, 3),
            done=d(2026, 8, 7),
        ),
    ]


# (initiative, decision, reason, by, when)
DECISIONS: tuple[tuple[str, str, str, str, date], ...] = (
    (
        "Custom Kubernetes operator for cache invalidation",
        "kill",
        "It serves five teams (RICE 15.7 against 224 for faster CI). Technically "
        "interesting is not a reason; revisit if those teams' cache incidents grow.",
        "Priya Platform-PM",
        date(2026, 6, 24),
    ),
    (
        "Faster CI pipelines",
        "continue",
        "CI is at 14.6 minutes over September, not 8: the remote build cache slipped to "
        "October. The trend is right and nothing else on the backlog comes close on RICE. "
        "New checkpoint: under 8 minutes by 15 November.",
        "Priya Platform-PM",
        date(2026, 10, 2),
    ),
)

CANVAS = CanvasUpdate(
    users="Brightwave's ~590 product engineers in 56 teams: feature engineers shipping "
    "invoicing and payments services, on-call engineers, data teams and sales engineers.",
    problems=[CI, ROLLBACK, DOCS, ENVS, AWARENESS],
    alternatives="Hand-rolled Jenkins jobs per team, the seven-step rollback runbook, asking in "
    "#platform-help, and tickets to the platform team for environments and databases.",
    key_metrics=["adoption_rate", "lead_time_p50", "ci_duration_p50", "nps", "tickets_per_month"],
    unfair_advantage="We own the deploy path and the clusters: one change fixes CI and rollback "
    "for every team at once, and we see every pipeline run.",
    channels="Weekly changelog on Slack and email, six champions, monthly demo day, office "
    "hours, the portal's what's-new page.",
    cost_structure="8 platform engineers and a PM; CI runners and clusters (about 38% of the "
    "compute bill); on-call for the platform.",
)
VALIDATIONS: tuple[ValidationIn, ...] = (
    ValidationIn(
        on=date(2026, 6, 18),
        shared_with="3 developers: Payments Gateway, Web App, Data Pipelines",
        said="“Yes — but you left out that we wait on tickets for environments.” Added to problems.",
    ),
    ValidationIn(
        on=date(2026, 6, 25),
        shared_with="The six champions",
        said="“Channels should name office hours; that is where we actually learn things.”",
    ),
    ValidationIn(
        on=date(2026, 9, 10),
        shared_with="2 engineering managers, Integrations",
        said="“Accurate. Cost structure should say CI runners are the biggest line.”",
    ),
)


def _problems(session: Session) -> None:
    existing = {p.title for p in problem_service.list_problems(session=session)}
    for title, description, teams, personas in PROBLEMS:
        if title in existing:
            continue
        data = ProblemIn(
            title=title, description=description, teams=list(teams), personas=list(personas)
        )
        problem_service.create_problem(
            session=session, data=data, created_at=datetime(2026, 6, 12, 16, tzinfo=UTC)
        )


def _initiatives(session: Session, company: DemoCompany) -> None:
    existing = {ref.title for ref in service.initiative_refs(session=session).values()}
    for item in demo_initiatives(company):
        stored = (
            service.get_initiative_by_ref_or_raise(session=session, ref=item.title)
            if item.title in existing
            else None
        )
        # Killed ones get there through their recorded decision, below.
        decided = stored is not None and bool(stored.decisions)
        status = "planned" if item.status == "killed" and not decided else item.status
        if stored is not None and stored.status == "killed":
            status = "killed"
        values = {
            "description": item.description,
            "owner": item.owner,
            "status": status,
            "category": item.category,
            "reach": item.reach,
            "impact": item.impact,
            "confidence": item.confidence,
            "effort": item.effort,
            "priority": item.priority,
            "done_at": _at(item.done) if item.done else None,
            "teams": list(item.teams),
            "problems": list(item.problems),
        }
        if stored is None:
            initiative = service.create_initiative(
                session=session,
                data=InitiativeIn(title=item.title, **values),
                created_at=_at(item.created),
                started_at=_at(item.started) if item.started else None,
            )
        else:
            initiative = service.update_initiative(
                session=session, initiative=stored, data=InitiativeUpdate(**values)
            )
        _criteria(session, initiative, item)


def _criteria(session: Session, initiative: Initiative, item: DemoInitiative) -> None:
    have = {
        criteria_service.criterion_text(c.kind, c.kpi_id, c.comparator, c.threshold, c.due)
        for c in initiative.criteria
    }
    for text, set_on in item.criteria:
        data: CriterionIn = criteria_service.parse_criterion(text)
        if (
            criteria_service.criterion_text(
                data.kind, data.kpi_id, data.comparator, data.threshold, data.due
            )
            in have
        ):
            continue
        criteria_service.add_criterion(
            session=session, initiative=initiative, data=data, created_at=_at(set_on)
        )


def _decisions(session: Session) -> None:
    existing = {ref.title for ref in service.initiative_refs(session=session).values()}
    for title, decision, reason, by, when in DECISIONS:
        if title not in existing:
            continue
        initiative = service.get_initiative_by_ref_or_raise(session=session, ref=title)
        if any(d.decision == decision and d.decided_at == _at(when) for d in initiative.decisions):
            continue
        criteria_service.record_decision(
            session=session,
            initiative=initiative,
            data=DecisionIn(decision=decision, reason=reason, decided_by=by),
            at=_at(when),
        )


def _canvas(session: Session) -> None:
    if not canvas_service.get_canvas(session=session).users:
        canvas_service.update_canvas(
            session=session, data=CANVAS, at=datetime(2026, 9, 10, 17, tzinfo=UTC)
        )
    logged = {(v.on, v.shared_with) for v in canvas_service.get_canvas(session=session).validations}
    for entry in VALIDATIONS:
        if (entry.on, entry.shared_with) not in logged:
            canvas_service.add_validation(session=session, data=entry)


def load_backlog(session: Session, company: DemoCompany) -> None:
    """Problems, initiatives with criteria, the decisions taken, and the canvas."""
    _problems(session)
    _initiatives(session, company)
    _decisions(session)
    _canvas(session)
