"""The coach's diagnoses and mode: each rule fires on the data that shows the practice's
mistake and stays quiet on a healthy case; the CLI, the API and the page give the same list."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from pavedroad.backlog import criteria as criteria_service
from pavedroad.backlog import problems as problem_service
from pavedroad.backlog import service as backlog
from pavedroad.backlog.schemas import (
    CriterionIn,
    DecisionIn,
    InitiativeIn,
    InitiativeUpdate,
    ProblemIn,
)
from pavedroad.catalog.schemas import TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.coach import mode as mode_service
from pavedroad.coach import planning
from pavedroad.coach.facts import gather
from pavedroad.db import unit_of_work
from pavedroad.research import insights
from pavedroad.research.schemas import InsightIn

TODAY = datetime.now(UTC).date()
TEAMS = [f"team-{i}" for i in range(10)]


@pytest.fixture
def teams(engine) -> None:
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(teams=[TeamIn(slug=t, name=t.title(), headcount=10) for t in TEAMS]),
        )


def _initiative(
    session,
    title: str,
    *,
    rice_reach: float,
    lane: str | None,
    teams=(),
    problems=(),
    status="planned",
    effort=1.0,
):
    return backlog.create_initiative(
        session=session,
        data=InitiativeIn(
            title=title,
            reach=rice_reach,
            impact=1,
            confidence="100%",
            effort=effort,
            teams=list(teams),
            problems=list(problems),
            lane=lane,
            status=status,
        ),
    )


def _evidence(session, problem: str, people: int) -> None:
    for n in range(people):
        insights.add_insight(
            session=session,
            data=InsightIn(
                text=f"Waiting on CI blocks me every day ({n})",
                source_kind="interview",
                person=f"dev{n}@example.com",
                team=TEAMS[n % len(TEAMS)],
                observed_on=TODAY - timedelta(days=10),
                problems=[problem],
            ),
        )


def _ids(session) -> list[str]:
    facts = gather(session=session, today=TODAY)
    found = []
    for rule in (
        planning.no_research_before_build,
        planning.pet_project,
        planning.never_killed,
        planning.loudest_voice,
        planning.rice_out_of_context,
    ):
        found += [d.id for d in rule(facts)]
    return found


def test_no_research_before_build_fires_under_five_developers_and_not_at_five(engine, teams):
    with unit_of_work(engine) as s:
        problem_service.create_problem(session=s, data=ProblemIn(title="CI is slow"))
        problem_service.create_problem(session=s, data=ProblemIn(title="Envs take days"))
        _evidence(s, "CI is slow", 5)
        _evidence(s, "Envs take days", 2)
        _initiative(s, "Faster CI", rice_reach=100, lane="now", problems=["CI is slow"])
        _initiative(s, "Self-service envs", rice_reach=90, lane="now", problems=["Envs take days"])
        _initiative(s, "Later work", rice_reach=80, lane="later")
        found = planning.no_research_before_build(gather(session=s, today=TODAY))
    assert [d.evidence["initiative"] for d in found] == ["Self-service envs"]
    assert found[0].evidence["developers"] == 2 and "2 developers" in found[0].message
    assert found[0].links[0].page.startswith("/initiatives/")
    assert found[0].better_approach.startswith("Interview 5+ developers")


def test_rice_out_of_context_below_three_scored(engine, teams):
    with unit_of_work(engine) as s:
        _initiative(s, "Alone", rice_reach=100, lane="now")
        assert "rice_out_of_context" in _ids(s)
        _initiative(s, "Second", rice_reach=50, lane="next")
        _initiative(s, "Third", rice_reach=30, lane="later")
        assert "rice_out_of_context" not in _ids(s)


def test_pet_project_bottom_quarter_in_now_and_hand_placed_ahead_of_better_work(engine, teams):
    with unit_of_work(engine) as s:
        for n, reach in enumerate((400, 300, 200, 150, 120, 100, 90)):
            _initiative(s, f"Useful {n}", rice_reach=reach, lane="next" if n < 2 else "later")
        _initiative(s, "Multi-cloud abstraction", rice_reach=10, lane="now", teams=TEAMS[:2])
        found = planning.pet_project(gather(session=s, today=TODAY))
    assert [d.evidence["initiative"] for d in found] == ["Multi-cloud abstraction"]
    evidence = found[0].evidence
    assert evidence["rank"] == 8 and evidence["of"] == 8 and evidence["top_rice"] == 400
    assert evidence["placed_by_hand"] is True
    assert {d["title"] for d in evidence["delays"]} >= {"Useful 2", "Useful 6"}
    assert "business justification" in found[0].message


def test_pet_project_quiet_when_now_holds_the_top_of_the_backlog(engine, teams):
    with unit_of_work(engine) as s:
        for n, reach in enumerate((400, 300, 200, 150, 120)):
            _initiative(
                s, f"Useful {n}", rice_reach=reach, lane="now" if n < 2 else "later", teams=TEAMS
            )
        assert "pet_project" not in _ids(s)


def _criterion(
    session, initiative, due: date, threshold: float, kpi: str = "adoption_rate"
) -> None:
    comparator = "<" if kpi == "tickets_per_month" else ">"
    criteria_service.add_criterion(
        session=session,
        initiative=initiative,
        data=CriterionIn(
            kind="success", kpi_id=kpi, comparator=comparator, threshold=threshold, due=due
        ),
    )


def test_never_killed_after_a_missed_criterion_and_quiet_before_the_grace(engine, teams):
    _tickets(engine, {"team-0": 40}, days_ago=planning.REVIEW_GRACE_DAYS + 15)
    _tickets(engine, {"team-1": 40}, days_ago=5)
    with unit_of_work(engine) as s:
        old = _initiative(s, "Sunk cost", rice_reach=100, lane="next")
        _criterion(
            s, old, TODAY - timedelta(days=planning.REVIEW_GRACE_DAYS + 10), 5, "tickets_per_month"
        )
        fresh = _initiative(s, "Just missed", rice_reach=90, lane="next")
        _criterion(s, fresh, TODAY - timedelta(days=3), 5, "tickets_per_month")
        found = planning.never_killed(gather(session=s, today=TODAY))
    assert [d.evidence["initiative"] for d in found] == ["Sunk cost"]
    assert found[0].evidence["criteria"][0]["state"] in ("missed", "triggered")
    assert "Support tickets" in found[0].message and "tickets_per_month" not in found[0].message


def test_a_continue_decision_answers_a_missed_criterion(engine, teams):
    _tickets(engine, {"team-0": 40}, days_ago=planning.REVIEW_GRACE_DAYS + 15)
    with unit_of_work(engine) as s:
        old = _initiative(s, "Sunk cost", rice_reach=100, lane="next")
        _criterion(
            s, old, TODAY - timedelta(days=planning.REVIEW_GRACE_DAYS + 10), 5, "tickets_per_month"
        )
        criteria_service.record_decision(
            session=s,
            initiative=old,
            data=DecisionIn(
                decision="continue", reason="the KPI lags by a quarter", decided_by="pm@example.com"
            ),
        )
        assert "never_killed" not in _ids(s)


def _tickets(engine, per_team: dict[str, int], days_ago: int = 5) -> None:
    from pavedroad.demo.loader import contract_row
    from pavedroad.ingest.kinds import KINDS
    from pavedroad.ingest.writer import upsert_rows

    kind = KINDS["tickets"]
    rows = []
    opened = datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time(), tzinfo=UTC)
    for team, count in per_team.items():
        for n in range(count):
            rows.append(
                contract_row(
                    kind,
                    {
                        "id": f"T-{team}-{days_ago}-{n}",
                        "team": team,
                        "opened_at": opened.isoformat(),
                        "kind": "request",
                        "text": "please",
                    },
                )
            )
    with engine.begin() as conn:
        upsert_rows(conn, kind, rows, channel="test", run_id=None)


def test_loudest_voice_names_the_teams_and_their_share(engine, teams):
    _tickets(engine, {"team-0": 60, "team-1": 30, **dict.fromkeys(TEAMS[2:], 3)})
    with unit_of_work(engine) as s:
        for n, reach in enumerate((500, 400, 300)):
            _initiative(s, f"Impactful {n}", rice_reach=reach, lane="later", teams=TEAMS[3:])
        _initiative(s, "Team 0 request", rice_reach=50, lane="now", teams=["team-0"])
        _initiative(s, "Team 1 request", rice_reach=40, lane="next", teams=["team-1"])
        found = planning.loudest_voice(gather(session=s, today=TODAY))
    assert len(found) == 1
    assert found[0].evidence["loud_teams"] == ["team-0"]
    assert "team-0" in found[0].message and "of the tickets" in found[0].message


def test_loudest_voice_quiet_when_the_top_of_rice_is_committed(engine, teams):
    _tickets(engine, {"team-0": 60, "team-1": 30, **dict.fromkeys(TEAMS[2:], 3)})
    with unit_of_work(engine) as s:
        _initiative(s, "Team 0 and more", rice_reach=500, lane="now", teams=["team-0", *TEAMS[3:]])
        _initiative(s, "Next best", rice_reach=400, lane="next", teams=["team-1"])
        _initiative(s, "Third", rice_reach=100, lane="later")
        assert "loudest_voice" not in _ids(s)


def test_mode_reads_technology_project_then_product_team(engine, teams):
    with unit_of_work(engine) as s:
        _initiative(s, "Cool tech", rice_reach=100, lane="now")
        _initiative(s, "More cool tech", rice_reach=90, lane="next")
        before = mode_service.team_mode(session=s, today=TODAY)
    assert before.mode == "technology_project"
    assert {sig.id for sig in before.signals} == {
        "work_source",
        "research_this_quarter",
        "success_measures",
        "unplanned_share",
    }
    with unit_of_work(engine) as s:
        problem_service.create_problem(session=s, data=ProblemIn(title="CI is slow"))
        _evidence(s, "CI is slow", 6)
        for title in ("Cool tech", "More cool tech"):
            item = backlog.get_initiative_by_ref_or_raise(session=s, ref=title)
            backlog.update_initiative(
                session=s, initiative=item, data=InitiativeUpdate(problems=["CI is slow"])
            )
            _criterion(s, item, TODAY + timedelta(days=60), 0.5)
        after = mode_service.team_mode(session=s, today=TODAY)
    signals = {sig.id: sig for sig in after.signals}
    assert signals["work_source"].points_to == "product_team"
    assert signals["success_measures"].points_to == "product_team"


def test_cli_api_and_page_answer_the_same_diagnoses(engine, teams, cli, client, tokens):
    with unit_of_work(engine) as s:
        _initiative(s, "Alone", rice_reach=100, lane="now")
    result = cli("coach", "--json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)["diagnoses"]
    ids = [d["id"] for d in found]
    assert "rice_out_of_context" in ids and "no_research_before_build" in ids
    for d in found:
        assert set(d) == {"id", "severity", "message", "evidence", "better_approach", "links"}
    assert json.loads(cli("kpis", "--diagnose", "--json").stdout)["diagnoses"] == found
    mode = json.loads(cli("coach", "mode", "--json").stdout)
    assert set(mode) >= {"mode", "signals"} and mode["signals"][0].keys() >= {
        "id",
        "value",
        "points_to",
        "evidence",
    }
    headers = {"Authorization": f"Bearer {tokens['read']}"}
    assert client.get("/api/v1/coach", headers=headers).json()["diagnoses"] == found
    assert client.get("/api/v1/kpis/diagnoses", headers=headers).json()["diagnoses"] == found
    assert client.get("/api/v1/coach/mode", headers=headers).json()["mode"] == mode["mode"]


def test_the_coach_page_shows_the_mode_first_and_renders_titles_inert(engine, teams, client, users):
    from tests.web.conftest import sign_in

    with unit_of_work(engine) as s:
        _initiative(s, "<script>alert(1)</script> operator", rice_reach=100, lane="now")
    sign_in(client, users["read"])
    page = client.get("/coach")
    assert page.status_code == 200
    html = page.text
    assert html.index("the team works as") < html.index("What the data says")
    assert "no research before build" in html and "Better approach:" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert client.get("/coach?quarter=2026-Q9").status_code == 200
    assert "is not a quarter" in client.get("/coach?quarter=2026-Q9").text
