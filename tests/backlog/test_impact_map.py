"""The impact map: YAML import (errors, idempotence, hostile input), editing, flags, Mermaid."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from pavedroad.backlog.map_file import mermaid_label, read_map, to_mermaid
from pavedroad.backlog.models import Goal, Initiative
from pavedroad.db import unit_of_work
from pavedroad.errors import InvalidInputError
from pavedroad.yamlfile import MAX_ALIAS_VALUES

# The roadmap's worked example is the backlog the map is drawn over; its fixtures are shared.
from tests.roadmap.conftest import MAP_YAML, backlog, mapped

__all__ = ["backlog", "mapped"]  # fixtures, used by name


def goal_of(engine, title: str) -> str | None:
    with unit_of_work(engine) as session:
        initiative = session.scalar(select(Initiative).where(Initiative.title == title))
        return initiative.goal.title if initiative.goal else None


def show(cli) -> dict:
    result = cli("map", "show", "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_import_builds_the_map_and_links_deliverables_to_their_goal(cli, engine, mapped):
    found = show(cli)
    assert [g["title"] for g in found["goals"]] == [
        "Time to production halved",
        "Incidents down 30%",
    ]
    speed = found["goals"][0]
    assert (speed["kpi_id"], speed["target"], speed["due"], speed["priority"]) == (
        "lead_time_p50",
        45.0,
        "2027-03-31",
        1,
    )
    assert speed["target_text"] == "≤ 0.75 h"  # lead time is shown in hours everywhere (issue 16)
    deliverables = speed["actors"][0]["impacts"][0]["deliverables"]
    assert [(d["title"], d["rice"], d["rank"]) for d in deliverables] == [
        ("Faster CI pipelines", 160.0, 1),
        ("Self-service databases", 64.0, 2),
    ]
    assert goal_of(engine, "Faster CI pipelines") == "Time to production halved"
    assert goal_of(engine, "Automated database migrations") == "Incidents down 30%"
    # Initiatives on no goal are flagged, with their RICE beside their rank.
    assert [(d["title"], d["rank"]) for d in found["flagged"]] == [
        ("Service mesh", 4),
        ("Custom Kubernetes operator", 5),
        ("Multi-cloud abstraction", 6),
    ]


def test_importing_the_same_file_again_changes_nothing(cli, mapped):
    before = show(cli)
    again = cli("map", "import", mapped, "--json")
    assert again.exit_code == 0
    report = json.loads(again.stdout)
    assert report["changed"] is False
    assert report["counts"]["goals"] == {"created": 0, "updated": 0, "removed": 0, "unchanged": 2}
    assert show(cli) == before


def test_an_exported_map_imports_back_unchanged(cli, mapped, tmp_path):
    exported = cli("map", "export", "--yaml")
    assert exported.exit_code == 0
    path = tmp_path / "exported.yaml"
    path.write_text(exported.stdout)
    report = json.loads(cli("map", "import", str(path), "--json").stdout)
    assert report["changed"] is False


def test_a_file_makes_its_goals_exactly_as_written(cli, engine, mapped, tmp_path):
    edited = MAP_YAML.replace("target: 45", "target: 40").replace(
        "deliverables: [Faster CI pipelines, Self-service databases]",
        "deliverables: [Faster CI pipelines]",
    )
    edited = edited.replace("      - name: On-call engineers", "      - name: SREs")
    path = tmp_path / "edited.yaml"
    path.write_text(edited)
    report = json.loads(cli("map", "import", str(path), "--json").stdout)["counts"]
    assert report["goals"]["updated"] == 1
    assert report["actors"] == {"created": 1, "updated": 0, "removed": 1, "unchanged": 1}
    assert report["deliverables"]["removed"] == 2  # off one impact, and with the removed actor
    found = show(cli)
    assert found["goals"][0]["target"] == 40
    assert [a["name"] for a in found["goals"][1]["actors"]] == ["SREs"]
    # Taken off its only impact, an initiative serves no goal any more: it is flagged.
    assert goal_of(engine, "Self-service databases") is None
    assert "Self-service databases" in [d["title"] for d in found["flagged"]]
    # The SREs impact lists it again, so it serves that goal.
    assert goal_of(engine, "Automated database migrations") == "Incidents down 30%"


def test_goals_not_in_the_file_stay_unless_pruned(cli, engine, mapped, tmp_path):
    only_speed = MAP_YAML.split("  - title: Incidents down 30%")[0]
    path = tmp_path / "speed.yaml"
    path.write_text(only_speed)
    assert cli("map", "import", str(path)).exit_code == 0
    assert len(show(cli)["goals"]) == 2
    pruned = cli("map", "import", str(path), "--prune", "--json")
    assert json.loads(pruned.stdout)["counts"]["goals"]["removed"] == 1
    assert [g["title"] for g in show(cli)["goals"]] == ["Time to production halved"]
    assert goal_of(engine, "Automated database migrations") is None


BAD_CASES = [
    (
        "goals:\n  - title: Faster\n    kpi: lead_time_p51\n    target: 45\n    due: 2027-03-31\n",
        3,
        "goals[0].kpi",
        "unknown KPI 'lead_time_p51'; known: adoption_rate",
    ),
    (
        MAP_YAML.replace("Self-service databases]", "Warp drive]"),
        11,
        "goals[0].actors[0].impacts[0].deliverables[1]",
        "no initiative has this title",
    ),
    (
        "goals:\n  - title: A\n    kpi: nps\n    target: high\n    due: 2027-03-31\n",
        4,
        "goals[0].target",
        "valid number",
    ),
    (
        "goals:\n  - title: A\n    kpi: nps\n    target: 40\n",
        2,
        "goals[0].due",
        "is required but missing",
    ),
    (
        "goals:\n  - title: A\n    kpi: nps\n    target: 40\n    due: 2027-03-31\n    colour: red\n",
        6,
        "goals[0].colour",
        "unknown field; allowed: title, kpi, target, due, priority, actors",
    ),
    (
        "goals:\n  - {title: A, kpi: nps, target: 40, due: 2027-03-31, priority: 0}\n",
        2,
        "goals[0].priority",
        "greater than or equal to 1",
    ),
    (
        "goals:\n  - {title: A, kpi: nps, target: .nan, due: 2027-03-31}\n",
        2,
        "goals[0].target",
        "finite number",
    ),
    (
        "goals:\n  - {title: A, kpi: nps, target: true, due: 2027-03-31}\n",
        2,
        "goals[0].target",
        "must be a number",
    ),
    (
        "goals:\n  - {title: A, kpi: nps, target: 1, due: 2027-03-31}\n  - {title: a, kpi: nps, target: 1, due: 2027-03-31}\n",
        3,
        "goals[1].title",
        "same title",
    ),
    (
        "goals:\n  - title: A\n    kpi: nps\n    target: 1\n    due: 2027-03-31\n    actors:\n      - name: Devs\n      - name: devs\n",
        8,
        "goals[0].actors[1].name",
        "another actor of this goal has this name",
    ),
    (
        "goals:\n  - title: A\n    kpi: nps\n    target: 1\n    due: 2027-03-31\n    actors: {name: Devs}\n",
        6,
        "goals[0].actors",
        "expected a list of actors",
    ),
    ("goals: 3\n", 1, "goals", "expected a list of goals"),
    ("- just a list\n", 1, None, "expected a mapping with `goals:`"),
    (
        "goals:\n  - title: [1, 2]\n    kpi: nps\n    target: 1\n    due: 2027-03-31\n",
        2,
        "goals[0].title",
        "must be text",
    ),
]


@pytest.mark.parametrize("text, line, field, reason", BAD_CASES)
def test_a_bad_map_names_line_path_and_field_and_writes_nothing(
    cli, engine, backlog, tmp_path, text, line, field, reason
):
    path = tmp_path / "map.yaml"
    path.write_text(text)
    result = cli("map", "import", str(path))
    assert result.exit_code == 1
    prefix = f"{path}:{line}: "
    assert any(
        row.startswith(("error: " + prefix, prefix))
        and reason in row
        and (field is None or f"field {field!r}" in row)
        for row in result.stderr.splitlines()
    ), result.stderr
    with unit_of_work(engine) as session:
        assert session.scalar(select(Goal)) is None


def test_every_problem_is_reported_at_once_and_nothing_is_written(cli, engine, backlog, tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text(
        MAP_YAML.replace("kpi: lead_time_p50", "kpi: speed").replace(
            "Self-service databases]", "Nope]"
        )
    )
    result = cli("map", "import", str(path))
    assert result.exit_code == 1
    assert "goals[0].kpi" in result.stderr and "deliverables[1]" in result.stderr
    with unit_of_work(engine) as session:
        assert session.scalar(select(Goal)) is None


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"goals: [\n", "broken YAML"),
        (b"goals: []\n---\ngoals: []\n", "broken YAML"),
        (b"\xff\xfe garbage", "not valid UTF-8"),
        (b"goals: []\ngoals: []\n", "appears twice"),
        (b"? [a]\n: b\n", "a key must be plain text"),
        (b"goals:\n  - due: 2027-02-30\n", "broken YAML"),
        (b"a: &a [*a, *a]\n", "nests deeper than 20 levels"),
        (
            b"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
            b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
            "values once its aliases are expanded",
        ),
        (b"goals: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nest"),
    ],
)
def test_hostile_and_broken_files_stop_with_a_message_and_exit_2(
    cli, engine, tmp_path, content, reason
):
    path = tmp_path / "map.yaml"
    path.write_bytes(content)
    result = cli("map", "import", str(path))
    assert result.exit_code == 2, result.stderr
    assert reason in result.stderr
    with unit_of_work(engine) as session:
        assert session.scalar(select(Goal)) is None


def test_a_missing_file_is_unusable_input(cli, tmp_path):
    result = cli("map", "import", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "cannot read file" in result.stderr


def test_a_huge_map_with_a_thousand_goals_imports_in_one_go(cli, engine, backlog, tmp_path):
    goals = "".join(
        f"  - title: Goal {n}\n    kpi: nps\n    target: {n}\n    due: 2027-03-31\n"
        f"    actors:\n      - name: Developers\n        impacts:\n"
        f"          - description: Impact {n}\n            deliverables: [Service mesh]\n"
        for n in range(1000)
    )
    path = tmp_path / "huge.yaml"
    path.write_text("goals:\n" + goals)
    result = cli("map", "import", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["goals"]["created"] == 1000
    # Service mesh serves the most important of the goals that list it.
    assert goal_of(engine, "Service mesh") == "Goal 0"


def test_a_file_past_the_size_limit_is_refused(engine, backlog):
    with unit_of_work(engine) as session, pytest.raises(InvalidInputError) as caught:
        read_map(session=session, text="# " + "x" * (6 * 2**20), source="big.yaml")
    assert caught.value.unusable
    assert "larger than 5 MB" in str(caught.value)


def test_the_values_budget_counts_expanded_aliases(engine):
    text = "goals: &g [" + ", ".join(["1"] * 400) + "]\nx: [" + ", ".join(["*g"] * 300) + "]\n"
    assert MAX_ALIAS_VALUES < 300 * 400
    with unit_of_work(engine) as session, pytest.raises(InvalidInputError, match="aliases"):
        read_map(session=session, text=text, source="alias.yaml")


# --- editing by command --------------------------------------------------------------------


def test_every_level_can_be_added_and_removed_from_the_cli(cli, engine, backlog):
    assert (
        cli(
            "map",
            "add-goal",
            "Faster onboarding",
            "--kpi",
            "onboarding_time_p50",
            "--target",
            "3",
            "--due",
            "2027-06-30",
            "--priority",
            "2",
        ).exit_code
        == 0
    )
    assert cli("map", "add-actor", "New joiners", "--goal", "faster onboarding").exit_code == 0
    assert (
        cli(
            "map",
            "add-impact",
            "Ship on day one",
            "--goal",
            "Faster onboarding",
            "--actor",
            "new joiners",
        ).exit_code
        == 0
    )
    linked = cli(
        "map",
        "link",
        "Service mesh",
        "--goal",
        "Faster onboarding",
        "--actor",
        "New joiners",
        "--impact",
        "ship on day one",
    )
    assert linked.exit_code == 0, linked.stderr
    assert goal_of(engine, "Service mesh") == "Faster onboarding"
    goal = show(cli)["goals"][0]
    assert goal["current"] is None  # no telemetry yet
    assert goal["actors"][0]["impacts"][0]["deliverables"][0]["title"] == "Service mesh"

    assert (
        cli(
            "map",
            "unlink",
            "Service mesh",
            "--goal",
            "Faster onboarding",
            "--actor",
            "New joiners",
            "--impact",
            "Ship on day one",
        ).exit_code
        == 0
    )
    assert goal_of(engine, "Service mesh") is None
    assert (
        cli(
            "map",
            "remove-impact",
            "Ship on day one",
            "--goal",
            "Faster onboarding",
            "--actor",
            "New joiners",
        ).exit_code
        == 0
    )
    assert cli("map", "remove-actor", "New joiners", "--goal", "Faster onboarding").exit_code == 0
    assert show(cli)["goals"][0]["actors"] == []
    assert (
        cli(
            "map",
            "set-goal",
            "Faster onboarding",
            "--target",
            "2.5",
            "--title",
            "Onboarding in days",
        ).exit_code
        == 0
    )
    assert show(cli)["goals"][0]["title"] == "Onboarding in days"
    assert show(cli)["goals"][0]["target"] == 2.5
    assert cli("map", "remove-goal", "Onboarding in days").exit_code == 0
    assert show(cli)["goals"] == []


def test_removing_a_goal_leaves_its_deliverables_serving_their_other_goals(cli, engine, mapped):
    assert cli("map", "add-actor", "Platform team", "--goal", "Incidents down 30%").exit_code == 0
    assert (
        cli(
            "map",
            "add-impact",
            "Prevent bad deploys",
            "--goal",
            "Incidents down 30%",
            "--actor",
            "Platform team",
        ).exit_code
        == 0
    )
    assert (
        cli(
            "map",
            "link",
            "Faster CI pipelines",
            "--goal",
            "Incidents down 30%",
            "--actor",
            "Platform team",
            "--impact",
            "Prevent bad deploys",
        ).exit_code
        == 0
    )
    assert goal_of(engine, "Faster CI pipelines") == "Incidents down 30%"
    assert cli("map", "remove-goal", "Incidents down 30%").exit_code == 0
    assert goal_of(engine, "Faster CI pipelines") == "Time to production halved"
    assert goal_of(engine, "Automated database migrations") is None


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["add-goal", "G", "--kpi", "speed", "--target", "1", "--due", "2027-01-01"],
            "unknown KPI 'speed'",
        ),
        (
            ["add-goal", "G", "--kpi", "nps", "--target", "1", "--due", "next year"],
            "expected a date",
        ),
        (
            [
                "add-goal",
                "Time to production halved",
                "--kpi",
                "nps",
                "--target",
                "1",
                "--due",
                "2027-01-01",
            ],
            "already exists",
        ),
        (["add-actor", "Devs", "--goal", "No such goal"], "no goal titled 'No such goal'"),
        (
            ["add-actor", "feature developers", "--goal", "Time to production halved"],
            "already has an actor",
        ),
        (
            ["add-impact", "X", "--goal", "Time to production halved", "--actor", "Nobody"],
            "has no actor 'Nobody'; its actors: 'Feature developers'",
        ),
        (
            [
                "link",
                "Warp drive",
                "--goal",
                "Time to production halved",
                "--actor",
                "Feature developers",
                "--impact",
                "Deploy faster",
            ],
            "no initiative titled 'Warp drive'",
        ),
        (
            [
                "unlink",
                "Service mesh",
                "--goal",
                "Time to production halved",
                "--actor",
                "Feature developers",
                "--impact",
                "Deploy faster",
            ],
            "is not a deliverable",
        ),
    ],
)
def test_editing_mistakes_say_what_exists(cli, mapped, args, message):
    result = cli("map", *args)
    assert result.exit_code == 1
    assert message in result.stderr


# --- Mermaid ---------------------------------------------------------------------------------


def test_the_mermaid_export_draws_goal_actor_impact_deliverable_and_flags(cli, mapped):
    result = cli("map", "export", "--mermaid")
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("graph LR\n")
    assert 'G1["Time to production halved (lead_time_p50 #8804; 0.75 h by 2027-03-31)"]' in text
    assert "G1 --> G1A1" in text and "G1A1 --> G1A1I1" in text
    assert re.search(r'(D\d+)\["Faster CI pipelines"\]', text)
    assert "class" in text and "flagged;" in text
    flagged = re.search(r"class (\S+) flagged;", text).group(1).split(",")
    assert len(flagged) == 3


def _decode(label: str) -> str:
    assert label.startswith('"') and label.endswith('"')
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), label[1:-1])


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_mermaid_labels_cannot_break_out_and_decode_to_the_text(text):
    label = mermaid_label(text)
    inner = label[1:-1]
    # Only safe characters stand as themselves; everything else (quotes, brackets, pipes, `<`,
    # `#`, `;`, line breaks) is a `#NNN;` code, so nothing can end the label or start a node.
    assert re.fullmatch(r"(?:[A-Za-z0-9 .,:/+%_'?!()\-]|#\d+;)*", inner)
    assert _decode(label) == " ".join(text.split())


def test_hostile_titles_stay_inside_their_mermaid_node(cli, engine, backlog):
    hostile = 'Evil"] --> X[pwned]; click X "javascript:alert(1)" %% <script>'
    with unit_of_work(engine) as session:
        session.scalar(select(Initiative).where(Initiative.title == "Service mesh")).title = hostile
    assert (
        cli(
            "map", "add-goal", "G", "--kpi", "nps", "--target", "40", "--due", "2027-01-01"
        ).exit_code
        == 0
    )
    assert cli("map", "add-actor", "A", "--goal", "G").exit_code == 0
    assert cli("map", "add-impact", "I", "--goal", "G", "--actor", "A").exit_code == 0
    assert (
        cli("map", "link", hostile, "--goal", "G", "--actor", "A", "--impact", "I").exit_code == 0
    )
    text = cli("map", "export").stdout
    node = next(line for line in text.splitlines() if "Evil" in line)
    assert node.count('"') == 2 and "[pwned]" not in node and "<script>" not in node
    assert "-->" not in node.split("[", 1)[1]
    with unit_of_work(engine) as session:
        from pavedroad.backlog.impact_map import get_map

        assert to_mermaid(get_map(session=session)) == text
