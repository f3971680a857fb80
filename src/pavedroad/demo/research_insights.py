"""Demo research: the insights the research produced, linked to the backlog's problems.

Week 1 of the story, promoted through the same one-step promotions a user has: every pain
point of the fifteen interviews, the shadowing friction points and wishes, the largest ticket
categories of the six months analysed, the survey themes of the wave before, and the usage
finding that many eligible teams never used the service templates. A few developers asked
for solutions instead of stating a pain; the databases problem is supported by nothing else,
so its page warns that its evidence is only solution requests. Coverage of 2026-Q2 then tells
the real picture: eight teams interviewed, three shadowed, most eligible teams never heard.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.orm import Session

from pavedroad.demo.backlog import AWARENESS, CI, DATABASES, DOCS, FLAKY, ROLLBACK
from pavedroad.demo.company import PM_HIRED, DemoCompany
from pavedroad.demo.story import SURVEY
from pavedroad.errors import InvalidInputError
from pavedroad.research import insights, interviews, shadowing
from pavedroad.research.coverage import quarter_label
from pavedroad.research.schemas import InsightIn

WEEK_ONE = PM_HIRED.date()
QUARTER = quarter_label(f"{WEEK_ONE.year}-Q{(WEEK_ONE.month - 1) // 3 + 1}")
# The six months of tickets analysed in week 1, and the usage reviewed.
ANALYSED = f"{(WEEK_ONE - timedelta(days=182)).isoformat()}..{WEEK_ONE.isoformat()}"

# Which problem a finding supports, by what it says; the first match wins.
SUPPORTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"flak", re.IGNORECASE), FLAKY),
    (re.compile(r"roll(ing|ed)? ?back|runbook|deploy on tuesdays", re.IGNORECASE), ROLLBACK),
    (
        re.compile(r"service template|did not know|never heard|heard of|offered", re.IGNORECASE),
        AWARENESS,
    ),
    (re.compile(r"\bCI\b|pipeline|re-?run|build", re.IGNORECASE), CI),
    (re.compile(r"docs|confluence|wiki|slack|find", re.IGNORECASE), DOCS),
)

# (finding, what was said, team, the problem it is filed under): solution requests of week 1.
SOLUTION_REQUESTS: tuple[tuple[str, str, str, str], ...] = (
    (
        "Asks for bigger CI runners",
        "We need bigger CI runners, just give us more machines",
        "web-app",
        CI,
    ),
    (
        "Asks for a rollback button in the portal",
        "Give us a rollback button in the portal",
        "payments-gateway",
        ROLLBACK,
    ),
    (
        "Asks for self-service databases",
        "I need a self-service database, like RDS but ours",
        "reporting",
        DATABASES,
    ),
    (
        "Asks for a Terraform module for databases",
        "We should build a Terraform module so teams can make their own databases",
        "ledger",
        DATABASES,
    ),
)
# (promotion, argument, problem)
TICKET_CATEGORIES = (("ci", CI), ("deploy", ROLLBACK), ("docs", DOCS))
SURVEY_THEMES = (("Documentation", DOCS), ("Awareness of what the platform offers", AWARENESS))
USAGE_FINDINGS = (("service-template", AWARENESS),)


def supported_problem(*texts: str | None) -> str | None:
    """The demo problem a finding's words support, if any."""
    joined = " ".join(t for t in texts if t)
    return next((problem for pattern, problem in SUPPORTS if pattern.search(joined)), None)


def _known(session: Session) -> set[tuple[str, str]]:
    return {(i.source_kind, i.source_ref) for i in insights.list_insights(session=session)}


def load_insights(session: Session, company: DemoCompany) -> None:
    """The insights the research produced, linked to the backlog's problems."""
    known = _known(session)

    def new(kind: str, ref: str) -> bool:
        return (kind, ref) not in known

    for interview in interviews.list_interviews(session=session, quarter=QUARTER).interviews:
        for number, point in enumerate(interview.pain_points, start=1):
            if not new("interview", f"{interview.id}#pain-{number}"):
                continue
            problem = supported_problem(point.quote, point.context)
            insights.promote_interview(
                session=session,
                interview_id=interview.id,
                number=number,
                problems=[problem] if problem else [],
            )
    for found in shadowing.list_sessions(session, quarter=QUARTER).sessions:
        for kind, items in (("friction", found.friction_points), ("wish", found.wishes)):
            for number, text in enumerate(items, start=1):
                if not new("shadowing", f"{found.id}#{kind}-{number}"):
                    continue
                problem = supported_problem(text)
                insights.promote_shadowing(
                    session=session,
                    session_id=found.id,
                    kind=kind,
                    number=number,
                    problems=[problem] if problem else [],
                )
    for number, (text, said, team, problem) in enumerate(SOLUTION_REQUESTS, start=1):
        ref = f"demo solution request {number}"
        if new("interview", ref):
            insights.add_insight(
                session=session,
                data=InsightIn(
                    text=text,
                    quote=said,
                    source_kind="interview",
                    source_ref=ref,
                    team=team,
                    framing="solution",
                    observed_on=WEEK_ONE + timedelta(days=number % 5),
                    problems=[problem],
                ),
            )
    _promote_reports(session, known)


def _promote_reports(session: Session, known: set[tuple[str, str]]) -> None:
    """Ticket categories, survey themes and a usage finding; one a report lacks is skipped."""
    day = WEEK_ONE + timedelta(days=4)
    wave = QUARTER
    for category, problem in TICKET_CATEGORIES:
        if ("ticket_category", category) in known:
            continue
        try:
            insights.promote_ticket_category(
                session=session, category=category, window=ANALYSED, problems=[problem], on=day
            )
        except InvalidInputError:
            continue
    for theme, problem in SURVEY_THEMES:
        if ("survey_comment", f"{SURVEY}/{wave}#{theme}") in known:
            continue
        try:
            insights.promote_survey_theme(
                session=session, survey=SURVEY, theme=theme, wave=wave, problems=[problem], on=day
            )
        except InvalidInputError:
            continue
    for capability, problem in USAGE_FINDINGS:
        if ("usage", capability) in known:
            continue
        try:
            insights.promote_usage(
                session=session,
                capability=capability,
                window=ANALYSED,
                problems=[problem],
                on=day,
            )
        except InvalidInputError:
            continue
