"""Demo research: the quarterly developer survey as a hosted survey with its waves.

The telemetry step already imported four waves of answers into `survey_responses`; here they
become closed waves of the `developer-experience` survey, and one more wave is open after
the story's end with two questions of its own and a handful of hosted answers (on days
after the last closed wave, so the earlier waves' KPI numbers stay as they were). The comment
rules theme what the war story is about: CI slowness, manual rollback, documentation nobody
finds, and teams unaware of what the platform offers.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from pavedroad.demo.company import HISTORY_END, DemoCompany
from pavedroad.demo.sampling import table_rng
from pavedroad.demo.story import SURVEY, WAVES
from pavedroad.errors import NotFoundError
from pavedroad.research import surveys
from pavedroad.research.categorise import Rule
from pavedroad.research.rules import replace_rules
from pavedroad.research.survey_schemas import AnswerIn, QuestionIn, SurveyIn, WaveIn

WAVE_DAYS = 14
OPEN_WAVE = "2026-Q4-pulse"
OPEN_QUESTIONS = (
    QuestionIn(key="aware", kind="agreement", text="I know what the platform offers"),
    QuestionIn(
        key="biggest_pain",
        kind="single",
        text="What slows you down most?",
        options=["CI speed", "Rollback", "Finding docs", "Knowing what exists", "Something else"],
    ),
)
# (nps, satisfaction, aware, biggest pain, comment): NPS 50 and satisfaction 4.2 over six,
# in line with the story's end.
HOSTED_ANSWERS: tuple[tuple[int, int, int, str, str], ...] = (
    (10, 5, 5, "Knowing what exists", "CI is so much faster; the changelog told me about rollback"),
    (9, 4, 4, "Finding docs", "The docs for secrets are still hard to find"),
    (9, 5, 4, "CI speed", ""),
    (8, 4, 2, "Knowing what exists", "I didn't know the platform could do preview environments"),
    (10, 4, 3, "Rollback", "One-command rollback saved our Friday"),
    (5, 3, 2, "Finding docs", "Docs are out of date, I ask in Slack instead"),
)

COMMENT_RULES = (
    Rule(
        category="CI speed",
        keywords=("CI", "pipeline", "pipelines", "build", "builds"),
        patterns=(r"\b\d+\s*minutes?\b",),
    ),
    Rule(category="Rollback", keywords=("rollback", "roll back", "rolled back", "roll forward")),
    Rule(category="Documentation", keywords=("docs", "documentation", "runbook", "ask in Slack")),
    Rule(
        category="Awareness of what the platform offers",
        keywords=("didn't know", "did not know", "nobody tells us", "what's new", "changelog"),
        patterns=(r"\bshowed (?:me|us)\b",),
    ),
    Rule(category="Adoption", keywords=("paved road", "moved", "move to", "champion")),
)


def load_surveys(session: Session, company: DemoCompany) -> None:
    """The quarterly developer survey as a hosted survey with its waves."""
    replace_rules(session, ruleset="comments", rules=COMMENT_RULES)
    try:
        survey = surveys.get_survey_or_raise(session, name=SURVEY)
    except NotFoundError:
        survey = surveys.create_survey(
            session, data=SurveyIn(name=SURVEY, title="Developer experience survey")
        )
    for wave in WAVES:
        found = surveys.ensure_wave(session, survey=survey, name=wave.name)
        found.status = "closed"
        found.opened_on = wave.opens.date()
        found.closed_on = (wave.opens + timedelta(days=WAVE_DAYS)).date()
    pulse = next((w for w in survey.waves if w.name == OPEN_WAVE), None)
    opens = (HISTORY_END - timedelta(days=1)).date()
    if pulse is None:
        pulse = surveys.add_wave(
            session, survey=survey, data=WaveIn(name=OPEN_WAVE, questions=list(OPEN_QUESTIONS))
        )
        surveys.open_wave(session, wave=pulse, today=opens)
    rng = table_rng(company, "hosted-survey")
    for number, (nps, satisfaction, aware, pain, comment) in enumerate(HOSTED_ANSWERS, 1):
        team = rng.choice([t for t in company.teams if t.eligible]).slug
        surveys.record_answer(
            session,
            wave=pulse,
            response_id=f"demo-hosted-{OPEN_WAVE}-{number:02d}",
            submitted_on=opens,
            data=AnswerIn(
                nps=nps,
                satisfaction=satisfaction,
                team=team,
                comments=comment,
                answers={"aware": aware, "biggest_pain": pain},
            ),
        )
    session.flush()
