"""unowned_product and survey_only_research: fire on 60 quiet days and on survey-only research
while a capability struggles; quiet with recent product work or with shadowing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from pavedroad.backlog import problems as problem_service
from pavedroad.backlog import service as backlog
from pavedroad.backlog.schemas import InitiativeIn, ProblemIn
from pavedroad.coach import ownership
from pavedroad.coach.facts import gather
from pavedroad.db import unit_of_work
from pavedroad.research import insights
from pavedroad.research.schemas import InsightIn
from tests.coach.conftest import TODAY

LONG_AGO = datetime.combine(TODAY - timedelta(days=ownership.QUIET_DAYS + 20), time(9), tzinfo=UTC)


def _found(engine, rule):
    with unit_of_work(engine) as s:
        return rule(s, gather(session=s, today=TODAY))


def _old_backlog(engine) -> None:
    with unit_of_work(engine) as s:
        backlog.create_initiative(
            session=s,
            data=InitiativeIn(title="Old idea", reach=10, impact=1, confidence="50%", effort=1),
            created_at=LONG_AGO,
        )


def test_sixty_quiet_days_mean_nobody_owns_the_product(engine, launched):
    _old_backlog(engine)
    found = _found(engine, ownership.unowned_product)
    assert len(found) == 1
    assert found[0].evidence["quiet_days"] == ownership.QUIET_DAYS + 20
    assert f"{ownership.QUIET_DAYS + 20} days" in found[0].message


def test_a_problem_written_down_this_month_is_product_work(engine, launched):
    _old_backlog(engine)
    with unit_of_work(engine) as s:
        problem_service.create_problem(session=s, data=ProblemIn(title="Rollbacks are scary"))
    assert _found(engine, ownership.unowned_product) == []


def _insight(engine, source_kind: str, person: str | None = None) -> None:
    with unit_of_work(engine) as s:
        insights.add_insight(
            session=s,
            data=InsightIn(
                text="I do not trust the rollback button",
                source_kind=source_kind,
                person=person,
                observed_on=TODAY - timedelta(days=5),
            ),
        )


def test_survey_only_research_while_a_capability_struggles(engine, launched):
    _insight(engine, "survey_comment")
    found = _found(engine, ownership.survey_only_research)
    assert len(found) == 1
    capability = found[0].evidence["capabilities"][0]
    assert capability["capability"] == "rollback" and capability["adoption"] == 0.25
    assert "shadow" in found[0].message


def test_shadowing_alongside_the_survey_is_healthy(engine, launched):
    from pavedroad.research import shadowing
    from pavedroad.research.shadowing_schemas import ShadowingIn

    _insight(engine, "survey_comment")
    with unit_of_work(engine) as s:
        shadowing.add_session(
            s,
            data=ShadowingIn(
                date=TODAY - timedelta(days=3), developer="ada@example.com", team="beta"
            ),
        )
    assert _found(engine, ownership.survey_only_research) == []
