"""Backlog services on SQLite and PostgreSQL: problems, initiatives, ranks, goals, flags."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pavedroad.backlog import canvas, problems, service
from pavedroad.backlog.schemas import (
    CanvasUpdate,
    InitiativeIn,
    InitiativeUpdate,
    ProblemIn,
    ProblemUpdate,
    ValidationIn,
)
from pavedroad.db import unit_of_work
from pavedroad.errors import ConflictError, InvalidInputError, NotFoundError
from tests.backlog.conftest import WORKED_EXAMPLE, add_goal


def _by_title(engine):
    with unit_of_work(engine) as s:
        return {r.title: r for r in service.list_initiatives(session=s)}


def test_the_backlog_ranks_the_worked_example_by_rice(engine, worked_example):
    with unit_of_work(engine) as s:
        ranked = service.list_initiatives(session=s)
    assert [(r.title, r.rice, r.rank, r.ranked_of) for r in ranked] == [
        ("Faster CI pipelines", 160.0, 1, 5),
        ("Self-service databases", 64.0, 2, 5),
        ("Database migrations", 60.0, 3, 5),
        ("Service mesh", 16.67, 4, 5),
        ("Custom Kubernetes operator", 10.0, 5, 5),
    ]
    assert {r.title: r.rice for r in ranked} == {t: rice for t, *_, rice in WORKED_EXAMPLE}


def test_done_and_killed_initiatives_are_listed_but_not_ranked(engine, worked_example):
    with unit_of_work(engine) as s:
        for title, status in (("Faster CI pipelines", "done"), ("Service mesh", "killed")):
            found = service.get_initiative_by_ref_or_raise(session=s, ref=title)
            service.update_initiative(
                session=s, initiative=found, data=InitiativeUpdate(status=status)
            )
    ranked = _by_title(engine)
    assert ranked["Faster CI pipelines"].rank is None and ranked["Service mesh"].rank is None
    assert ranked["Self-service databases"].rank == 1
    assert ranked["Custom Kubernetes operator"].rank == 3
    assert ranked["Self-service databases"].ranked_of == 3
    with unit_of_work(engine) as s:
        order = [r.title for r in service.list_initiatives(session=s)]
    assert order[-2:] == ["Faster CI pipelines", "Service mesh"]  # done, then killed


def test_ties_share_a_rank(engine, teams):
    with unit_of_work(engine) as s:
        for title in ("A", "B"):
            service.create_initiative(
                session=s,
                data=InitiativeIn(title=title, reach=10, impact=1, confidence=1, effort=1),
            )
        service.create_initiative(
            session=s, data=InitiativeIn(title="C", reach=5, impact=1, confidence=1, effort=1)
        )
    assert [(r.title, r.rank) for r in _by_title(engine).values()] == [
        ("A", 1),
        ("B", 1),
        ("C", 3),
    ]


def test_reach_is_derived_from_the_targeted_teams_headcount_and_says_so(engine, teams):
    with unit_of_work(engine) as s:
        service.create_initiative(
            session=s,
            data=InitiativeIn(
                title="Faster CI", teams=["web", "payments"], impact=2, confidence=0.8, effort=2
            ),
        )
    ranked = _by_title(engine)["Faster CI"]
    assert (ranked.reach, ranked.reach_source, ranked.rice) == (42.0, "teams", 33.6)
    assert ranked.teams == ["payments", "web"]
    with unit_of_work(engine) as s:
        found = service.get_initiative_by_ref_or_raise(session=s, ref="faster ci")
        service.update_initiative(session=s, initiative=found, data=InitiativeUpdate(reach=100))
    assert _by_title(engine)["Faster CI"].reach_source == "typed"


def test_an_initiative_needs_a_reach_or_teams(engine, teams):
    with pytest.raises(InvalidInputError) as caught, unit_of_work(engine) as s:
        service.create_initiative(
            session=s, data=InitiativeIn(title="X", impact=1, confidence=1, effort=1)
        )
    assert caught.value.problems[0].field == "reach"
    assert "teams it targets" in caught.value.problems[0].reason


def test_unknown_teams_problems_and_goals_are_refused_by_name(engine, teams):
    with pytest.raises(InvalidInputError) as caught, unit_of_work(engine) as s:
        service.create_initiative(
            session=s,
            data=InitiativeIn(
                title="X", impact=1, confidence=1, effort=1, teams=["web", "nope", "gone"]
            ),
        )
    assert [(p.field, p.value) for p in caught.value.problems] == [
        ("teams", "nope"),
        ("teams", "gone"),
    ]
    with pytest.raises(InvalidInputError, match="unknown problem"), unit_of_work(engine) as s:
        service.create_initiative(
            session=s,
            data=InitiativeIn(title="X", reach=1, impact=1, confidence=1, effort=1, problems=["?"]),
        )
    with pytest.raises(InvalidInputError, match="no goals yet"), unit_of_work(engine) as s:
        service.create_initiative(
            session=s,
            data=InitiativeIn(title="X", reach=1, impact=1, confidence=1, effort=1, goal="Faster"),
        )
    with unit_of_work(engine) as s:
        assert service.list_initiatives(session=s) == []


def test_a_title_is_unique(engine, worked_example):
    with pytest.raises(ConflictError, match="exists already"), unit_of_work(engine) as s:
        service.create_initiative(
            session=s,
            data=InitiativeIn(title="Service mesh", reach=1, impact=1, confidence=1, effort=1),
        )
    with (
        pytest.raises(NotFoundError, match="pavedroad initiatives list"),
        unit_of_work(engine) as s,
    ):
        service.get_initiative_by_ref_or_raise(session=s, ref="Nothing like it")


def test_an_initiative_serving_no_goal_is_flagged_until_a_goal_or_impact_names_it(
    engine, worked_example
):
    assert all("no_goal" in r.flags for r in _by_title(engine).values())
    add_goal(engine, "Time to production halved", deliverables=["Faster CI pipelines"])
    add_goal(engine, "Incidents down 30%", priority=2)
    with unit_of_work(engine) as s:
        found = service.get_initiative_by_ref_or_raise(session=s, ref="Service mesh")
        service.update_initiative(
            session=s, initiative=found, data=InitiativeUpdate(goal="Incidents down 30%")
        )
    ranked = _by_title(engine)
    assert ranked["Faster CI pipelines"].goal == "Time to production halved"
    assert "no_goal" not in ranked["Faster CI pipelines"].flags
    assert ranked["Service mesh"].goal == "Incidents down 30%"
    assert "no_goal" in ranked["Self-service databases"].flags
    with unit_of_work(engine) as s:
        found = service.get_initiative_by_ref_or_raise(session=s, ref="Service mesh")
        service.update_initiative(session=s, initiative=found, data=InitiativeUpdate(goal=None))
    assert "no_goal" in _by_title(engine)["Service mesh"].flags


def test_planned_work_without_a_success_criterion_and_without_a_problem_is_flagged(
    engine, worked_example
):
    with unit_of_work(engine) as s:
        problems.create_problem(session=s, data=ProblemIn(title="CI is slow"))
        found = service.get_initiative_by_ref_or_raise(session=s, ref="Faster CI pipelines")
        service.update_initiative(
            session=s,
            initiative=found,
            data=InitiativeUpdate(status="planned", problems=["CI is slow"]),
        )
    flags = _by_title(engine)
    assert flags["Faster CI pipelines"].flags == ["no_goal", "no_success_criteria"]
    assert flags["Service mesh"].flags == ["no_goal", "no_problem"]


def test_done_records_when_and_leaving_done_clears_it(engine, worked_example):
    with unit_of_work(engine) as s:
        found = service.get_initiative_by_ref_or_raise(session=s, ref="Service mesh")
        service.update_initiative(
            session=s,
            initiative=found,
            data=InitiativeUpdate(status="done", done_at="2026-07-15"),
        )
    ranked = _by_title(engine)["Service mesh"]
    assert ranked.done_at == datetime(2026, 7, 15, tzinfo=UTC)
    assert ranked.started_at is not None and ranked.started_at <= ranked.done_at
    with unit_of_work(engine) as s:
        found = service.get_initiative_by_ref_or_raise(session=s, ref="Service mesh")
        service.update_initiative(session=s, initiative=found, data=InitiativeUpdate(status="done"))
    assert _by_title(engine)["Service mesh"].done_at == datetime(2026, 7, 15, tzinfo=UTC)
    with unit_of_work(engine) as s:
        found = service.get_initiative_by_ref_or_raise(session=s, ref="Service mesh")
        service.update_initiative(
            session=s, initiative=found, data=InitiativeUpdate(status="in_progress")
        )
    assert _by_title(engine)["Service mesh"].done_at is None


def test_a_lane_set_by_hand_is_locked_and_none_frees_it(engine, worked_example):
    with unit_of_work(engine) as s:
        found = service.get_initiative_by_ref_or_raise(session=s, ref="Service mesh")
        service.update_initiative(session=s, initiative=found, data=InitiativeUpdate(lane="now"))
    assert (
        _by_title(engine)["Service mesh"].lane,
        _by_title(engine)["Service mesh"].lane_locked,
    ) == (
        "now",
        True,
    )
    with unit_of_work(engine) as s:
        found = service.get_initiative_by_ref_or_raise(session=s, ref="Service mesh")
        service.update_initiative(session=s, initiative=found, data=InitiativeUpdate(lane=None))
    mesh = _by_title(engine)["Service mesh"]
    assert (mesh.lane, mesh.lane_locked) == (None, False)


def test_an_update_that_fails_leaves_the_initiative_as_it_was(engine, worked_example):
    with pytest.raises(InvalidInputError), unit_of_work(engine) as s:
        found = service.get_initiative_by_ref_or_raise(session=s, ref="Service mesh")
        service.update_initiative(
            session=s, initiative=found, data=InitiativeUpdate(effort=9, reach=None)
        )
    assert _by_title(engine)["Service mesh"].effort == 6


def test_problems_name_who_they_hurt_and_what_addresses_them(engine, worked_example):
    with unit_of_work(engine) as s:
        created = problems.create_problem(
            session=s,
            data=ProblemIn(
                title="“CI takes 18 minutes”",
                teams=["WEB", "payments"],
                personas=["feature engineers"],
            ),
        )
        found = service.get_initiative_by_ref_or_raise(session=s, ref="Faster CI pipelines")
        service.update_initiative(
            session=s, initiative=found, data=InitiativeUpdate(problems=["“CI takes 18 minutes”"])
        )
        problem_id = created.id
    with unit_of_work(engine) as s:
        refs = service.initiative_refs(session=s)
        out = problems.problem_out(problems.get_problem_or_raise(session=s, ref=problem_id), refs)
        assert (
            problems.get_problem_or_raise(session=s, ref="“CI takes 18 minutes”").id == problem_id
        )
    assert out.teams == ["payments", "web"] and out.personas == ["Feature engineers"]
    assert [(i.title, i.rank, i.rice) for i in out.initiatives] == [
        ("Faster CI pipelines", 1, 160.0)
    ]
    with unit_of_work(engine) as s:
        found = problems.get_problem_or_raise(session=s, ref=problem_id)
        problems.update_problem(
            session=s, problem=found, data=ProblemUpdate(teams=[], description="Heard 11 times")
        )
    with unit_of_work(engine) as s:
        listed = problems.list_problems(session=s, search="heard")
        assert [p.teams for p in listed] == [[]]
        problems.delete_problem(
            session=s, problem=problems.get_problem_or_raise(session=s, ref=problem_id)
        )
    assert _by_title(engine)["Faster CI pipelines"].problems == []


def test_problems_refuse_unknown_personas_and_duplicate_titles(engine, teams):
    with pytest.raises(InvalidInputError, match="catalog list personas"), unit_of_work(engine) as s:
        problems.create_problem(session=s, data=ProblemIn(title="X", personas=["Martians"]))
    with unit_of_work(engine) as s:
        problems.create_problem(session=s, data=ProblemIn(title="X"))
    with pytest.raises(ConflictError), unit_of_work(engine) as s:
        problems.create_problem(session=s, data=ProblemIn(title="X"))


def test_the_canvas_links_kpis_and_problems_and_logs_validations(engine, teams):
    with unit_of_work(engine) as s:
        assert canvas.get_canvas(session=s).updated_at is None  # reading creates nothing
        problems.create_problem(session=s, data=ProblemIn(title="CI is slow"))
        canvas.update_canvas(
            session=s,
            data=CanvasUpdate(
                users="Feature engineers", key_metrics=["nps", "adoption_rate", "nps"]
            ),
        )
        canvas.set_canvas_field(session=s, field="problems", value="CI is slow")
        canvas.set_canvas_field(session=s, field="key-metrics", value="ci_duration_p50, nps")
        canvas.add_validation(
            session=s,
            data=ValidationIn(shared_with="3 developers", said="Accurate", on="2026-06-18"),
        )
    with unit_of_work(engine) as s:
        out = canvas.get_canvas(session=s)
    assert out.users == "Feature engineers"
    assert [k.id for k in out.key_metrics] == ["ci_duration_p50", "nps"]
    assert out.key_metrics[0].name == "CI duration (median)"
    assert [p.title for p in out.problems] == ["CI is slow"]
    assert [(v.on.isoformat(), v.said) for v in out.validations] == [("2026-06-18", "Accurate")]
    with (
        pytest.raises(InvalidInputError, match="blocks: users, problems"),
        unit_of_work(engine) as s,
    ):
        canvas.set_canvas_field(session=s, field="vision", value="x")
    with pytest.raises(Exception, match="unknown KPI"), unit_of_work(engine) as s:
        canvas.set_canvas_field(session=s, field="key_metrics", value="happiness")
