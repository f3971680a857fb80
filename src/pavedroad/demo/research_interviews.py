"""Demo research: week 1 of the story: fifteen developers interviewed across eight teams.

The syntheses tell the war story: CI is slow, rollback is manual, nobody finds the docs, and
half of the teams do not know what the platform offers. Two calls have a transcript; in one
the product manager talked too much, so the page shows the warning.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from pavedroad.demo.company import PM_HIRED, DemoCompany
from pavedroad.research.interviews import import_interview

INTERVIEWER = "Priya Platform-PM"
# Eight teams, two developers each but the last: fifteen interviews.
TEAMS = (
    "billing-core",
    "payments-gateway",
    "identity",
    "web-app",
    "mobile-ios",
    "integrations-hub",
    "reporting",
    "ledger",
)

# (pain point quote, context) per theme of the war story.
CI = (
    "I push, then I go get coffee. CI takes eighteen minutes on a good day",
    "describing the last deploy to production",
)
CI_FLAKY = (
    "Half my reruns are the integration suite flaking, not my code",
    "asked what they would automate",
)
ROLLBACK = (
    "Rolling back is seven manual steps in a wiki page, at 2am",
    "telling the story of the last incident",
)
ROLLBACK_FEAR = (
    "We deploy on Tuesdays only, because rolling back on a Friday is too scary",
    "explaining the team's release habit",
)
DOCS = (
    "The docs exist somewhere, I just never find them; I ask in Slack instead",
    "walking through a typical day on a new feature",
)
DOCS_STALE = (
    "Every page I find in Confluence is two versions out of date",
    "when asked about the last time they worked around the platform",
)
UNAWARE = (
    "Wait, there is a service template? We copied our last repo by hand",
    "hearing about the templates for the first time during the call",
)
UNAWARE_DB = (
    "We run our own Postgres on a VM because we did not know you offered databases",
    "when asked about working around the platform",
)

STORIES: tuple[tuple[tuple[tuple[str, str], ...], str, bool], ...] = (
    # (pain points, surprise, knows what the platform offers)
    ((CI, ROLLBACK, DOCS), "They keep a personal list of CI re-run tricks", True),
    ((CI, CI_FLAKY, DOCS_STALE), "The team gave up on the staging environment", False),
    ((ROLLBACK, CI, UNAWARE), "Nobody on the team had heard of the service templates", False),
    ((DOCS, CI, ROLLBACK_FEAR), "Onboarding a new hire took two weeks of pairing", True),
    ((CI, DOCS, UNAWARE_DB), "They built their own deploy script to skip the pipeline", False),
    ((ROLLBACK_FEAR, CI, DOCS), "They schedule deploys around the CI queue at lunch", True),
    ((CI, UNAWARE, DOCS), "The portal bookmark was broken for everyone on the team", False),
    (
        (DOCS_STALE, ROLLBACK, CI),
        "Support tickets are their main way to ask the platform team",
        True,
    ),
)


def _developers(company: DemoCompany) -> list[tuple[str, str]]:
    """Fifteen (email, team) pairs: two engineers of each team, one of the last."""
    picked: list[tuple[str, str]] = []
    for index, team in enumerate(TEAMS):
        people = [d for d in company.developers if d.team == team and d.email]
        engineers = [d for d in people if d.role != "engineering manager"] or people
        wanted = 1 if index == len(TEAMS) - 1 else 2
        picked += [(d.email or "", team) for d in engineers[:wanted]]
    return picked


def _notes(number: int, team: str, day: date) -> str:
    pains, surprise, aware = STORIES[number % len(STORIES)]
    first, second, third = pains
    lines = [
        f"# Interview Synthesis - {day.isoformat()}",
        "════════════════════════════",
        "",
        "## Opening (5 min)",
        "### Tell me about the last time you deployed something to production.",
        f'- "{first[0]}"',
        "- Watched the pipeline for most of the call's first minutes",
        "## Exploration (15 min)",
        "### What's the most frustrating part of your development workflow?",
        f"- {second[0]}",
        "### Tell me about a time you worked around our platform instead of using it.",
        f"- {third[0]}",
        "## Closing (5 min)",
        "### Can I follow up with you next month?",
        "- Yes",
        "",
        "Top 3 pain points mentioned:",
        *[f'{i}. "{quote}" -- {context}' for i, (quote, context) in enumerate(pains, start=1)],
        "Surprises (things I didn't expect):",
        f"1. {surprise}",
        "Assumptions validated:",
        "[+] CI speed is the first thing developers complain about — confirmed by "
        + ("the opening story" if CI in pains else "a mention in passing"),
        (
            "[+] Teams know what the platform offers — confirmed by their use of the portal"
            if aware
            else "[-] Teams know what the platform offers — contradicted by "
            f"{team} never having heard of the templates"
        ),
        "[-] Developers read the docs — contradicted by “I ask in Slack instead”",
        "Actions:",
        "1. Measure CI duration per team (p50 and p95)",
        "2. Write the rollback down as one command, then automate it",
    ]
    if not aware:
        lines.append("3. Tell this team what the platform already offers")
    return "\n".join(lines) + "\n"


def _transcript(interviewer_share: float, *, developer: str, cues: int = 40) -> list[str]:
    """A WebVTT call in Zoom's `Name: text` form where the interviewer speaks this share."""
    lines = ["WEBVTT", ""]
    clock = 0.0
    for index in range(cues):
        asks = index % 2 == 0
        length = 60.0 * (interviewer_share if asks else 1 - interviewer_share)
        start, clock = clock, clock + length
        speaker = INTERVIEWER if asks else developer
        text = "Can you tell me more about that?" if asks else "Well, it goes like this."
        lines += [str(index + 1), f"{_stamp(start)} --> {_stamp(clock)}", f"{speaker}: {text}", ""]
    return lines


def _stamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def load_interviews(session: Session, company: DemoCompany) -> None:
    """Week 1 of the story: fifteen developers interviewed across eight teams."""
    first_day = PM_HIRED.date()
    for number, (email, team) in enumerate(_developers(company)):
        day = first_day + timedelta(days=number // 3)
        name = email.split("@", 1)[0].replace(".", " ").title()
        transcript = None
        if number == 2:
            transcript = _transcript(0.31, developer=name)
        elif number == 7:
            transcript = _transcript(0.12, developer=name)
        import_interview(
            session,
            notes=_notes(number, team, day),
            transcript=transcript,
            interviewer=INTERVIEWER,
            developer=email,
            team=team,
            held_on=day,
            source="demo",
            notes_source=f"demo interview {number + 1}",
        )
