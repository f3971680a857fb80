"""The roadmap from the command line: plan, lanes by hand, show, exports and the what-if contract."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pavedroad.backlog.models import Initiative
from pavedroad.db import unit_of_work
from tests.roadmap.conftest import AS_OF


def lanes(engine) -> dict[str, tuple[str | None, str | None, bool]]:
    with unit_of_work(engine) as session:
        return {
            i.title: (i.lane, i.quarter, i.lane_locked) for i in session.scalars(select(Initiative))
        }


def plan(cli, *extra: str) -> dict:
    result = cli("roadmap", "plan", "--as-of", AS_OF, "--json", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_plan_fills_now_then_next_by_goal_priority_then_rice(cli, engine, mapped, capacity):
    proposal = plan(cli)
    assert (proposal["now"]["quarter"], proposal["next"]["quarter"]) == ("2026-Q4", "2027-Q1")
    placed = {p["title"]: (p["lane"], p["quarter"]) for p in proposal["placements"]}
    assert placed == {
        "Faster CI pipelines": ("now", "2026-Q4"),
        "Self-service databases": ("now", "2026-Q4"),
        "Automated database migrations": ("next", "2027-Q1"),
        "Custom Kubernetes operator": ("later", None),
        "Multi-cloud abstraction": ("later", None),
        "Service mesh": ("exploring", None),
    }
    assert [p["title"] for p in proposal["placements"]][:3] == [
        "Faster CI pipelines",
        "Self-service databases",
        "Automated database migrations",
    ]
    now_use = {u["category"]: (u["used"], u["available"]) for u in proposal["use"]["now"]}
    assert now_use["roadmap"] == (5, 7)
    assert proposal["changes"] == 6 and proposal["applied"] is False
    # Without --apply nothing is written.
    assert all(lane is None for lane, _, _ in lanes(engine).values())


def test_apply_writes_unlocked_lanes_and_a_second_plan_changes_nothing(
    cli, engine, mapped, capacity
):
    applied = plan(cli, "--apply")
    assert applied["applied"] is True and applied["changes"] == 6
    assert lanes(engine)["Faster CI pipelines"] == ("now", "2026-Q4", False)
    assert plan(cli)["changes"] == 0
    text = cli("roadmap", "plan", "--as-of", AS_OF)
    assert "already follows the plan" in text.stdout


def test_a_lane_set_by_hand_is_kept_consumes_capacity_and_the_plan_says_where_it_disagrees(
    cli, engine, mapped, capacity
):
    result = cli("roadmap", "set", "Multi-cloud abstraction", "--lane", "now", "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    assert lanes(engine)["Multi-cloud abstraction"] == ("now", "2026-Q4", True)
    proposal = plan(cli, "--apply")
    placed = {p["title"]: p["lane"] for p in proposal["placements"]}
    assert placed["Multi-cloud abstraction"] == "now"
    assert placed["Faster CI pipelines"] == "next"  # 6 of Now's 7 person-months are taken
    [disagreement] = proposal["disagreements"]
    assert disagreement["title"] == "Multi-cloud abstraction"
    assert (disagreement["lane"], disagreement["proposed"]) == ("now", "later")
    assert "neither 2026-Q4 nor 2027-Q1 has room" in disagreement["reason"]

    assert cli("roadmap", "unlock", "multi-cloud abstraction").exit_code == 0
    assert plan(cli, "--apply")["disagreements"] == []
    assert lanes(engine)["Multi-cloud abstraction"] == ("later", None, False)
    assert lanes(engine)["Faster CI pipelines"][0] == "now"


def test_set_takes_a_quarter_or_a_half_and_refuses_bad_input(cli, engine, mapped, capacity):
    assert (
        cli("roadmap", "set", "Service mesh", "--lane", "later", "--quarter", "2027-h2").exit_code
        == 0
    )
    assert lanes(engine)["Service mesh"] == ("later", "2027-H2", True)
    bad = cli("roadmap", "set", "Service mesh", "--lane", "later", "--quarter", "2027-Q5")
    assert bad.exit_code == 1 and "must look like 2026-Q3" in bad.stderr
    missing = cli("roadmap", "set", "Warp drive", "--lane", "now")
    assert missing.exit_code == 1 and "no initiative titled 'Warp drive'" in missing.stderr
    wrong_lane = cli("roadmap", "set", "Service mesh", "--lane", "someday")
    assert wrong_lane.exit_code == 2


@pytest.mark.parametrize("status", ["done", "killed"])
def test_a_done_or_killed_initiative_cannot_be_put_on_the_roadmap(cli, engine, mapped, status):
    with unit_of_work(engine) as session:
        session.scalar(select(Initiative).where(Initiative.title == "Service mesh")).status = status
    result = cli("roadmap", "set", "Service mesh", "--lane", "now")
    assert result.exit_code == 1
    assert f"'Service mesh' is {status}; only initiatives that are ideas" in result.stderr
    assert cli("roadmap", "unlock", "Service mesh").exit_code == 1


def test_show_lists_lanes_with_rice_rank_goal_effort_and_capacity(cli, mapped, capacity):
    plan(cli, "--apply")
    result = cli("roadmap", "show", "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, result.stderr
    view = json.loads(result.stdout)
    assert [lane["lane"] for lane in view["lanes"]] == ["now", "next", "later", "exploring"]
    now = view["lanes"][0]
    assert (now["period"], now["meaning"]) == ("2026-Q4", "committed")
    card = now["cards"][0]
    assert (
        card["title"],
        card["rice"],
        card["rank"],
        card["goal"],
        card["effort"],
        card["category"],
    ) == (
        "Faster CI pipelines",
        160.0,
        1,
        "Time to production halved",
        2.0,
        "roadmap",
    )
    assert {u["category"]: u["used"] for u in now["use"]}["roadmap"] == 5
    assert view["lanes"][2]["period"] == "after 2027-Q1"
    by_half = json.loads(cli("roadmap", "show", "--as-of", AS_OF, "--by", "half", "--json").stdout)
    assert [lane["period"] for lane in by_half["lanes"]] == [
        "2026-H2",
        "2027-H1",
        "after 2027-H1",
        "no date",
    ]
    text = cli("roadmap", "show", "--as-of", AS_OF)
    assert "Now: 2026-Q4 (committed)" in text.stdout and "160.00" in text.stdout
    assert "capacity used (person-months): roadmap 5/7" in text.stdout


def test_show_warns_when_a_quarter_has_no_capacity_plan(cli, mapped):
    view = json.loads(cli("roadmap", "show", "--as-of", AS_OF, "--json").stdout)
    assert any("no capacity plan for 2026-Q4" in w for w in view["warnings"])
    assert len(view["unplaced"]) == 6


def test_exports_as_markdown_and_mermaid(cli, mapped, capacity):
    plan(cli, "--apply")
    markdown = cli("roadmap", "export", "--format", "markdown", "--as-of", AS_OF)
    assert markdown.exit_code == 0
    assert "## Now: 2026-Q4 (committed)" in markdown.stdout
    assert (
        "| Faster CI pipelines | 160.00 | 1 of 6 | Time to production halved | 2 | roadmap | 2026-Q4 |"
        in markdown.stdout
    )
    mermaid = cli("roadmap", "export", "--format", "mermaid", "--as-of", AS_OF)
    assert mermaid.stdout.startswith("flowchart TB\n")
    assert '  subgraph NOW ["NOW: 2026-Q4"]' in mermaid.stdout
    assert 'nw1["Faster CI pipelines (RICE 160.00)"]' in mermaid.stdout
    assert mermaid.stdout.count("  end\n") == 4


def test_whatif_json_contract_for_the_vps_pet_project(cli, engine, mapped, capacity):
    plan(cli, "--apply")
    before = lanes(engine)
    result = cli(
        "roadmap",
        "whatif",
        "--add",
        "Multi-cloud abstraction",
        "--lane",
        "now",
        "--as-of",
        AS_OF,
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["added"] == "Multi-cloud abstraction"
    for displaced in answer["displaced"]:
        assert {"title", "rice", "from_lane", "to_lane"} <= set(displaced)
    assert [(d["title"], d["rice"], d["from_lane"], d["to_lane"]) for d in answer["displaced"]] == [
        ("Faster CI pipelines", 160.0, "now", "next"),
        ("Self-service databases", 64.0, "now", "next"),
        ("Automated database migrations", 60.0, "next", "later"),
    ]
    assert answer["reach_waiting"] == 200 + 80 + 150
    assert [(g["title"], g["kpi"], g["target"], g["due"]) for g in answer["goals_at_risk"]] == [
        ("Time to production halved", "lead_time_p50", 45.0, "2027-03-31"),
        ("Incidents down 30%", "incident_frequency", 2.1, "2027-03-31"),
    ]
    assert [s["title"] for s in answer["goals_at_risk"][0]["slipping"]] == [
        "Faster CI pipelines",
        "Self-service databases",
    ]
    assert lanes(engine) == before  # nothing written
    text = cli("roadmap", "whatif", "--add", "Multi-cloud abstraction", "--as-of", AS_OF)
    assert "goal at risk: Time to production halved" in text.stdout
    assert "430 developers per quarter wait" in text.stdout


def test_whatif_of_work_already_in_now_displaces_nothing(cli, mapped, capacity):
    answer = json.loads(
        cli("roadmap", "whatif", "--add", "Faster CI pipelines", "--as-of", AS_OF, "--json").stdout
    )
    assert answer["displaced"] == [] and answer["goals_at_risk"] == []
    assert answer["was_lane"] == "now"


def test_whatif_of_a_new_initiative_needs_its_effort_and_uses_documented_defaults(
    cli, mapped, capacity
):
    missing = cli("roadmap", "whatif", "--add", "Edge deployments", "--as-of", AS_OF)
    assert missing.exit_code == 1
    assert "give its effort in person-months (--effort N)" in missing.stderr
    result = cli(
        "roadmap",
        "whatif",
        "--add",
        "Edge deployments",
        "--effort",
        "4",
        "--lane",
        "next",
        "--as-of",
        AS_OF,
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["hypothetical"] is True
    assert (answer["rice"], answer["category"], answer["quarter"]) == (0.0, "roadmap", "2027-Q1")
    assert [d["title"] for d in answer["displaced"]] == ["Automated database migrations"]
    scored = json.loads(
        cli(
            "roadmap",
            "whatif",
            "--add",
            "Edge deployments",
            "--effort",
            "2",
            "--reach",
            "100",
            "--impact",
            "2",
            "--confidence",
            "80%",
            "--as-of",
            AS_OF,
            "--json",
        ).stdout
    )
    assert scored["rice"] == 80.0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--effort", "0"], "effort"),
        (
            ["--effort", "2", "--impact", "5"],
            "allowed: 3 (massive), 2 (high), 1 (medium), 0.5 (low), 0.25 (minimal)",
        ),
        (["--effort", "2", "--confidence", "90%"], "allowed: 100%, 80%, 50%"),
        (["--effort", "2", "--reach", "-5"], "reach"),
    ],
)
def test_whatif_refuses_inputs_off_the_scales(cli, mapped, capacity, args, message):
    result = cli("roadmap", "whatif", "--add", "Edge deployments", *args, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert message in result.stderr


def test_whatif_refuses_later_as_a_forced_lane(cli, mapped):
    assert cli("roadmap", "whatif", "--add", "Service mesh", "--lane", "later").exit_code == 2


def test_the_plan_on_an_empty_backlog_says_what_to_do(cli):
    result = cli("roadmap", "plan", "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "No active initiatives to plan" in result.stdout


def test_work_done_this_quarter_has_spent_part_of_nows_budget(cli, engine, mapped, capacity):
    with unit_of_work(engine) as session:
        operator = session.scalar(
            select(Initiative).where(Initiative.title == "Custom Kubernetes operator")
        )
        operator.status = "done"
        operator.done_at = datetime(2026, 10, 15, tzinfo=UTC)  # 4 person-months of roadmap work
    proposal = plan(cli)
    placed = {p["title"]: p["lane"] for p in proposal["placements"]}
    assert placed["Faster CI pipelines"] == "now"  # 4 + 2 of 7
    assert placed["Self-service databases"] == "next"  # 4 + 2 + 3 > 7
    assert placed["Automated database migrations"] == "next"  # 3 + 4 = 7 in Next
    now_roadmap = next(u for u in proposal["use"]["now"] if u["category"] == "roadmap")
    assert (now_roadmap["used"], now_roadmap["spent"]) == (6, 4)
