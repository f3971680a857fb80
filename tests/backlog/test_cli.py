"""The backlog from the command line: the worked example, the JSON contract, problems, the
backlog views and the canvas."""

from __future__ import annotations

import json

import pytest

from tests.backlog.conftest import WORKED_EXAMPLE, add_goal
from tests.conftest import Cli


@pytest.fixture
def backlog(cli, teams) -> None:
    for title, reach, impact, confidence, effort, _ in WORKED_EXAMPLE:
        result = cli(
            "initiatives", "add", title, "--reach", str(reach), "--impact", str(impact),
            "--confidence", confidence, "--effort", str(effort),
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
    for title, priority in (
        ("Service mesh", 1),
        ("Custom Kubernetes operator", 2),
        ("Self-service databases", 3),
        ("Faster CI pipelines", 4),
    ):
        assert cli("initiatives", "update", title, "--priority", str(priority)).exit_code == 0


def test_adding_shows_the_score_with_its_rank(cli, teams):
    result = cli(
        "initiatives", "add", "Faster CI pipelines", "--reach", "200", "--impact", "2",
        "--confidence", "80%", "--effort", "2",
    )  # fmt: skip
    assert result.exit_code == 0
    assert "RICE 160, rank 1 of 1" in result.stdout


def test_initiatives_list_json_follows_the_contract(cli, engine, backlog):
    add_goal(engine, "Time to production halved", deliverables=["Faster CI pipelines"])
    cli("initiatives", "update", "Service mesh", "--lane", "later")
    result = cli("initiatives", "list", "--json")
    assert result.exit_code == 0 and result.stderr == ""
    items = json.loads(result.stdout)
    assert isinstance(items, list) and len(items) == 5
    for item in items:
        assert {"title", "rice", "rank", "lane", "goal", "flags"} <= set(item)
        assert isinstance(item["flags"], list) and all(isinstance(f, str) for f in item["flags"])
        assert round(item["rice"], 2) == item["rice"]
    by_title = {i["title"]: i for i in items}
    assert [(i["title"], i["rice"], i["rank"]) for i in items] == [
        ("Faster CI pipelines", 160.0, 1),
        ("Self-service databases", 64.0, 2),
        ("Database migrations", 60.0, 3),
        ("Service mesh", 16.67, 4),
        ("Custom Kubernetes operator", 10.0, 5),
    ]
    assert by_title["Faster CI pipelines"]["goal"] == "Time to production halved"
    assert "no_goal" not in by_title["Faster CI pipelines"]["flags"]
    assert "no_goal" in by_title["Service mesh"]["flags"]
    assert by_title["Service mesh"]["lane"] == "later"


def test_the_table_says_what_to_do_when_empty(cli):
    result = cli("initiatives", "list")
    assert result.exit_code == 0 and "pavedroad initiatives import" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--impact", "4"], "allowed: 3 (massive), 2 (high), 1 (medium), 0.5 (low), 0.25"),
        (["--confidence", "60%"], "allowed: 100%, 80%, 50%"),
        (["--effort", "0"], "above 0"),
        (["--category", "fun"], "'roadmap', 'platform' or 'unplanned'"),
        (["--lane", "someday"], "'now', 'next', 'later' or 'exploring'"),
        (["--goal", "Unknown goal"], "unknown goal"),
    ],
)
def test_update_refuses_what_is_off_the_scales(cli, backlog, args, message):
    result = cli("initiatives", "update", "Service mesh", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    item = next(
        i
        for i in json.loads(cli("initiatives", "list", "--json").stdout)
        if i["title"] == "Service mesh"
    )
    assert item["rice"] == 16.67


def test_update_changes_only_what_is_given(cli, backlog):
    result = cli(
        "initiatives", "update", "Service mesh", "--title", "Service mesh evaluation",
        "--effort", "2", "--owner", "Sven", "--status", "planned",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "RICE 50, rank 4 of 5" in result.stdout
    detail = json.loads(cli("initiatives", "show", "Service mesh evaluation", "--json").stdout)
    assert (detail["owner"], detail["status"], detail["priority"], detail["reach"]) == (
        "Sven",
        "planned",
        1,
        200.0,
    )
    cli("initiatives", "update", "Service mesh evaluation", "--priority", "none", "--reach", "teams",
        "--team", "web")  # fmt: skip
    detail = json.loads(cli("initiatives", "show", "Service mesh evaluation", "--json").stdout)
    assert (detail["priority"], detail["reach"], detail["reach_source"]) == (None, 30.0, "teams")


def test_show_places_the_initiative_among_its_neighbours(cli, backlog):
    result = cli("initiatives", "show", "Database migrations")
    assert result.exit_code == 0
    out = result.stdout
    assert "rank 3 of 5" in out and "→ Database migrations" in out
    assert "Self-service databases" in out and "Service mesh" in out
    missing = cli("initiatives", "show", "Nope")
    assert missing.exit_code == 1 and "no initiative titled 'Nope'" in missing.stderr


def test_delete_removes_it_from_the_ranking(cli, backlog):
    assert cli("initiatives", "delete", "Faster CI pipelines").exit_code == 0
    items = json.loads(cli("initiatives", "list", "--json").stdout)
    assert items[0]["title"] == "Self-service databases" and items[0]["rank"] == 1


def test_disagreements_show_the_teams_favourites_against_rice(cli, backlog):
    result = cli("initiatives", "disagreements", "--json")
    report = json.loads(result.stdout)
    assert report["compared"] == 4
    assert [(d["title"], d["gap"]) for d in report["team_favours"]] == [
        ("Custom Kubernetes operator", 2),
        ("Service mesh", 2),
    ]
    assert [(d["title"], d["gap"]) for d in report["rice_favours"]] == [
        ("Faster CI pipelines", -3),
        ("Self-service databases", -1),
    ]
    assert report["without_priority"] == ["Database migrations"]
    table = cli("initiatives", "disagreements")
    assert "The team ranks these higher than RICE does" in table.stdout


def test_sensitivity_lists_each_pair_of_neighbours(cli, backlog):
    pairs = json.loads(cli("initiatives", "sensitivity", "--json").stdout)
    assert [(p["upper"], p["lower"]) for p in pairs] == [
        ("Faster CI pipelines", "Self-service databases"),
        ("Self-service databases", "Database migrations"),
        ("Database migrations", "Service mesh"),
        ("Service mesh", "Custom Kubernetes operator"),
    ]
    assert pairs[1]["fragile"] and pairs[1]["upper_confidence_to"] == 0.5
    assert pairs[0]["upper_effort_above"] == 5.0
    assert "fragile" in cli("initiatives", "sensitivity").stdout


def test_problems_from_the_command_line(cli, backlog):
    added = cli(
        "problems", "add", "CI takes 18 minutes", "--team", "web", "--persona", "Feature engineers",
        "--description", "Heard in 11 interviews", "--json",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    problem = json.loads(added.stdout)
    assert problem["teams"] == ["web"] and problem["personas"] == ["Feature engineers"]
    linked = cli("initiatives", "update", "Faster CI pipelines", "--problem", "CI takes 18 minutes")
    assert linked.exit_code == 0
    listed = json.loads(cli("problems", "list", "--json").stdout)
    assert listed[0]["initiatives"][0]["title"] == "Faster CI pipelines"
    assert listed[0]["initiatives"][0]["rank"] == 1
    shown = cli("problems", "show", str(problem["id"]))
    assert "Faster CI pipelines" in shown.stdout and "Heard in 11 interviews" in shown.stdout
    assert cli("problems", "update", "CI takes 18 minutes", "--clear-teams").exit_code == 0
    assert json.loads(cli("problems", "list", "--json").stdout)[0]["teams"] == []
    unknown = cli("problems", "add", "Other", "--team", "mars")
    assert unknown.exit_code == 1 and "unknown team" in unknown.stderr
    assert cli("problems", "delete", "CI takes 18 minutes").exit_code == 0
    assert json.loads(cli("problems", "list", "--json").stdout) == []


def test_the_canvas_from_the_command_line(cli, teams):
    assert "The canvas is empty" in cli("canvas", "show").stdout
    cli("problems", "add", "CI is slow")
    assert cli("canvas", "set", "users", "Feature engineers").exit_code == 0
    assert cli("canvas", "set", "key_metrics", "adoption_rate, nps").exit_code == 0
    assert cli("canvas", "set", "problems", "CI is slow").exit_code == 0
    bad = cli("canvas", "set", "key_metrics", "happiness")
    assert bad.exit_code == 1 and "unknown KPI" in bad.stderr
    logged = cli(
        "canvas", "validate", "--with", "3 developers", "--said", "Accurate", "--on", "2026-06-18",
        "--json",
    )  # fmt: skip
    assert logged.exit_code == 0 and json.loads(logged.stdout)["on"] == "2026-06-18"
    out = json.loads(cli("canvas", "show", "--json").stdout)
    assert out["users"] == "Feature engineers"
    assert [k["id"] for k in out["key_metrics"]] == ["adoption_rate", "nps"]
    assert [p["title"] for p in out["problems"]] == ["CI is slow"]
    assert out["validations"][0]["shared_with"] == "3 developers"


def test_the_template_prints_the_import_header():
    cli = Cli("sqlite:///never-opened.db")
    result = cli("initiatives", "template", db=False)
    assert result.stdout.startswith(
        "title,reach,impact,confidence,effort,category,goal,lane,priority"
    )


def _lane_of(cli, title: str) -> str | None:
    result = cli("initiatives", "list", "--json")
    return next(i["lane"] for i in json.loads(result.stdout) if i["title"] == title)


def test_roadmap_set_and_initiatives_update_resolve_a_title_the_same_way(cli):
    for title in ("Faster CI", "Faster  CI pipelines"):
        added = cli(
            "initiatives",
            "add",
            title,
            "--reach",
            "10",
            "--impact",
            "1",
            "--confidence",
            "80%",
            "--effort",
            "1",
        )
        assert added.exit_code == 0, added.stderr
    # Not the exact title: the one title equal without case and extra spaces.
    assert cli("roadmap", "set", " faster   ci ", "--lane", "later").exit_code == 0
    updated = cli("initiatives", "update", "FASTER CI", "--lane", "next", "--json")
    assert updated.exit_code == 0, updated.stderr
    assert json.loads(updated.stdout)["title"] == "Faster CI"
    assert _lane_of(cli, "Faster CI") == "next"
    assert _lane_of(cli, "Faster  CI pipelines") is None


def test_a_title_that_fits_several_initiatives_is_refused_by_both_commands_alike(cli):
    for title in ("Faster CI", "faster  ci"):
        added = cli(
            "initiatives",
            "add",
            title,
            "--reach",
            "10",
            "--impact",
            "1",
            "--confidence",
            "80%",
            "--effort",
            "1",
        )
        assert added.exit_code == 0, added.stderr
    by_roadmap = cli("roadmap", "set", "FASTER CI", "--lane", "later")
    by_update = cli("initiatives", "update", "FASTER CI", "--lane", "later")
    assert by_roadmap.exit_code == by_update.exit_code == 1
    assert by_roadmap.stderr == by_update.stderr
    assert "'Faster CI', 'faster  ci'" in by_roadmap.stderr
    assert "give the exact title" in by_roadmap.stderr
    # The exact title still names one of them.
    assert cli("roadmap", "set", "faster  ci", "--lane", "later").exit_code == 0
