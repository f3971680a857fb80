"""`pavedroad initiatives import`: CSV and YAML, idempotent upserts by title, all or nothing,
and broken, hostile and huge files."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pavedroad.backlog import service
from pavedroad.backlog.importer import read_initiatives_file
from pavedroad.backlog.problems import create_problem
from pavedroad.backlog.schemas import InitiativeUpdate, ProblemIn
from pavedroad.db import unit_of_work
from pavedroad.errors import InvalidInputError
from tests.backlog.conftest import add_goal

CSV = """title,reach,impact,confidence,effort,category,goal,lane,priority,teams,problems,status
Faster CI pipelines,200,2,80%,2,roadmap,,now,4,,CI is slow,in_progress
Self-service databases,80,massive,0.8,3,roadmap,,,2,,,
Service mesh,200,1,50%,6,platform,,,1,,,idea
Custom Kubernetes operator,20,2,100%,4,roadmap,,,3,,,
Database migrations,,2,80%,4,roadmap,,,,web;payments,,planned
"""

YAML = """initiatives:
  - title: Faster CI pipelines
    reach: 200
    impact: high
    confidence: 80%
    effort: 2
    category: roadmap
    goal: Time to production halved
    lane: now
    priority: 1
    teams: [web]
  - title: Multi-cloud abstraction
    reach: 40
    impact: 1
    confidence: 0.5
    effort: 2.5
    category: roadmap
    goal:
    lane:
    priority: 2
    status: done
    done_at: 2026-07-31
"""


@pytest.fixture
def problem(engine, teams) -> None:
    with unit_of_work(engine) as s:
        create_problem(session=s, data=ProblemIn(title="CI is slow"))


def _ranked(cli) -> dict[str, dict]:
    result = cli("initiatives", "list", "--json")
    assert result.exit_code == 0, result.stderr
    return {item["title"]: item for item in json.loads(result.stdout)}


def test_a_csv_import_scores_the_worked_example(cli, tmp_path, problem):
    path = tmp_path / "backlog.csv"
    path.write_text(CSV)
    result = cli("initiatives", "import", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"created": 5, "updated": 0, "unchanged": 0}
    ranked = _ranked(cli)
    assert {t: (r["rice"], r["rank"]) for t, r in ranked.items()} == {
        "Faster CI pipelines": (160.0, 1),
        "Self-service databases": (64.0, 2),
        "Database migrations": (16.8, 3),
        "Service mesh": (16.67, 4),
        "Custom Kubernetes operator": (10.0, 5),
    }
    ci = ranked["Faster CI pipelines"]
    assert (ci["lane"], ci["lane_locked"], ci["status"], ci["problems"]) == (
        "now",
        True,
        "in_progress",
        ["CI is slow"],
    )
    assert ranked["Database migrations"]["reach_source"] == "teams"
    assert ranked["Service mesh"]["category"] == "platform"


def test_importing_the_same_file_again_changes_nothing(cli, tmp_path, problem):
    path = tmp_path / "backlog.csv"
    path.write_text(CSV)
    assert cli("initiatives", "import", str(path)).exit_code == 0
    before = _ranked(cli)
    again = cli("initiatives", "import", str(path), "--json")
    assert json.loads(again.stdout) == {"created": 0, "updated": 0, "unchanged": 5}
    assert _ranked(cli) == before
    path.write_text(CSV.replace("Service mesh,200,1,50%,6", "Service mesh,200,1,50%,3"))
    changed = cli("initiatives", "import", str(path), "--json")
    assert json.loads(changed.stdout) == {"created": 0, "updated": 1, "unchanged": 4}
    assert _ranked(cli)["Service mesh"]["rice"] == 33.33


def test_a_yaml_import_links_goals_and_records_done(cli, engine, tmp_path, teams):
    add_goal(engine, "Time to production halved")
    path = tmp_path / "backlog.yaml"
    path.write_text(YAML)
    result = cli("initiatives", "import", str(path))
    assert result.exit_code == 0, result.stderr
    assert "2 created" in result.stdout
    ranked = _ranked(cli)
    assert ranked["Faster CI pipelines"]["goal"] == "Time to production halved"
    assert "no_goal" not in ranked["Faster CI pipelines"]["flags"]
    multi = ranked["Multi-cloud abstraction"]
    assert multi["status"] == "done" and multi["rank"] is None
    assert multi["done_at"].startswith("2026-07-31")
    assert multi["flags"] == []  # done work is no longer flagged


def test_an_empty_lane_unlocks_but_keeps_the_planners_lane(cli, engine, tmp_path, problem):
    path = tmp_path / "backlog.csv"
    path.write_text(CSV)
    cli("initiatives", "import", str(path))
    with unit_of_work(engine) as s:
        mesh = service.get_initiative_by_ref_or_raise(session=s, ref="Service mesh")
        mesh.lane = "later"  # as the planner places it: not locked
    path.write_text(CSV.replace(",now,4,", ",,4,"))
    assert cli("initiatives", "import", str(path)).exit_code == 0
    ranked = _ranked(cli)
    assert (ranked["Service mesh"]["lane"], ranked["Service mesh"]["lane_locked"]) == (
        "later",
        False,
    )
    assert (
        ranked["Faster CI pipelines"]["lane"],
        ranked["Faster CI pipelines"]["lane_locked"],
    ) == (
        "now",
        False,
    )


def test_fields_a_file_does_not_carry_keep_their_stored_values(cli, engine, tmp_path, teams):
    full = tmp_path / "full.csv"
    full.write_text(
        "title,reach,impact,confidence,effort,priority,owner\nFaster CI,200,2,80%,2,3,Mei\n"
    )
    cli("initiatives", "import", str(full))
    with unit_of_work(engine) as s:
        found = service.get_initiative_by_ref_or_raise(session=s, ref="Faster CI")
        service.update_initiative(
            session=s, initiative=found, data=InitiativeUpdate(status="planned")
        )
    narrow = tmp_path / "narrow.csv"
    narrow.write_text("title,impact,confidence,effort\nFaster CI,3,80%,2\n")
    assert cli("initiatives", "import", str(narrow)).exit_code == 0
    ci = _ranked(cli)["Faster CI"]
    assert (ci["impact"], ci["reach"], ci["priority"], ci["owner"], ci["status"]) == (
        3.0,
        200.0,
        3,
        "Mei",
        "planned",
    )


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ("X,200,4,80%,2,roadmap,,,", "impact", "allowed: 3 (massive), 2 (high), 1 (medium)"),
        ("X,200,2,75%,2,roadmap,,,", "confidence", "allowed: 100%, 80%, 50%"),
        ("X,200,2,80%,0,roadmap,,,", "effort", "above 0"),
        ("X,-5,2,80%,2,roadmap,,,", "reach", "0 or more"),
        ("X,,2,80%,2,roadmap,,,", "reach", "give a reach or the teams"),
        ("X,200,2,80%,2,misc,,,", "category", "'roadmap', 'platform' or 'unplanned'"),
        ("X,200,2,80%,2,roadmap,Nope,,", "goal", "unknown goal"),
        ("X,200,2,80%,2,roadmap,,soon,", "lane", "'now', 'next', 'later' or 'exploring'"),
        ("X,200,2,80%,2,roadmap,,,first", "priority", "valid integer"),
        (",200,2,80%,2,roadmap,,,", "title", "at least 1 character"),
    ],
)
def test_a_bad_row_is_named_by_file_line_and_field_and_nothing_is_written(
    cli, tmp_path, teams, row, field, reason
):
    path = tmp_path / "backlog.csv"
    path.write_text(
        "title,reach,impact,confidence,effort,category,goal,lane,priority\n"
        "Good one,100,1,100%,1,roadmap,,,\n" + row + "\n"
    )
    result = cli("initiatives", "import", str(path))
    assert result.exit_code == 1
    assert f"{path}:3: field '{field}'" in result.stderr
    assert reason in result.stderr
    assert _ranked(cli) == {}


def test_unknown_teams_problems_and_repeated_titles_name_their_lines(cli, tmp_path, teams):
    path = tmp_path / "backlog.csv"
    path.write_text(
        "title,impact,confidence,effort,teams,problems\n"
        "A,1,1,1,web;mars,\n"
        "B,1,1,1,web,Unheard of\n"
        "A,1,1,1,web,\n"
    )
    result = cli("initiatives", "import", str(path))
    assert result.exit_code == 1
    assert f"{path}:2: field 'teams': unknown team (got 'mars')" in result.stderr
    assert f"{path}:3: field 'problems': unknown problem" in result.stderr
    assert f"{path}:4: field 'title': duplicate title, first at line 2" in result.stderr


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("b.csv", "name,reach\nx,1\n", "missing field(s) title, impact, confidence, effort"),
        ("b.csv", "title,impact,confidence,effort,colour\n", "unknown field(s) colour"),
        ("b.csv", "title,impact,confidence,effort,title\n", "repeated field(s) title"),
        ("b.csv", "", "file is empty"),
        ("b.csv", "title,impact\x00\n", "NUL bytes"),
        ("b.txt", "title\n", "expected a .csv, .yaml or .yml file"),
        ("b.yaml", "initiatives: [\n", "broken YAML"),
        ("b.yaml", "just: text\n", "expected a list of initiatives"),
        ("b.yaml", "- a\n---\n- b\n", "broken YAML"),
        ("b.yaml", "\xff\xfe", "not valid UTF-8"),
    ],
)
def test_unusable_files_exit_2_and_write_nothing(cli, tmp_path, teams, name, content, reason):
    path = tmp_path / name
    path.write_bytes(
        content.encode("utf-8", "surrogateescape") if "\xff" not in content else b"\xff\xfe"
    )
    result = cli("initiatives", "import", str(path))
    assert result.exit_code == 2, result.stderr
    assert reason in result.stderr


def test_a_missing_file_exits_2(cli, tmp_path):
    result = cli("initiatives", "import", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2 and "cannot read file" in result.stderr


def test_hostile_values_are_refused_per_line(cli, tmp_path, teams):
    path = tmp_path / "backlog.csv"
    path.write_bytes(
        b"title,reach,impact,confidence,effort,description\n"
        b"Bad bytes \xff,1,1,1,1,\n"
        b'"Quoted\nnewline",1,1,1,1,\n'
        b"Nul,1,1,1,1,a\x00b\n"
        b"Long,1,1,1,1," + b"x" * 70_000 + b"\n"
        b"<script>alert(1)</script>,1,1,1,1,\n"
    )
    result = cli("initiatives", "import", str(path))
    assert result.exit_code == 2  # NUL bytes make the file unusable as a whole
    path.write_bytes(path.read_bytes().replace(b"\x00", b"0"))
    result = cli("initiatives", "import", str(path))
    assert result.exit_code == 1
    assert f"{path}:2: field 'title': is not valid UTF-8" in result.stderr
    assert f"{path}:3: field 'title': must fit on one line" in result.stderr
    assert f"{path}:6: field 'description': is longer than 65536 characters" in result.stderr
    assert _ranked(cli) == {}


def test_yaml_of_the_wrong_shape_is_refused_without_printing_huge_values(cli, tmp_path, teams):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefgh":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 10) + "]\n"
    path = tmp_path / "bomb.yaml"
    path.write_text(
        "initiatives:\n"
        "  - {title: A, reach: 1, impact: 1, confidence: 1, effort: 1, teams: [[web]]}\n"
        "  - {title: B, reach: 1, impact: 1, confidence: 1, effort: 1, colour: red}\n"
        "  - just text\n"
        "  - {title: [1, 2], reach: 1, impact: 1, confidence: 1, effort: 1}\n"
        "  - {reach: 1, impact: 1, confidence: 1, effort: 1}\n"
    )
    result = cli("initiatives", "import", str(path))
    assert result.exit_code == 1
    for expected in (
        f"{path}:2: field 'teams': expected a list of names",
        f"{path}:3: field 'colour': unknown field",
        f"{path}:4: expected a mapping of fields",
        f"{path}:5: field 'title': expected a single value",
        f"{path}:6: field 'title': is required but missing",
    ):
        assert expected in result.stderr
    alias = tmp_path / "alias.yaml"
    alias.write_text("defs:\n  " + bomb.replace("\n", "\n  ").rstrip() + "\ninitiatives: []\n")
    started = time.monotonic()
    result = cli("initiatives", "import", str(alias))
    assert result.exit_code == 2 and "once its aliases are expanded" in result.stderr
    titled = tmp_path / "titled.yaml"
    titled.write_text(bomb + "x: 1\n")
    assert cli("initiatives", "import", str(titled)).exit_code == 2
    assert time.monotonic() - started < 10
    assert len(result.stderr) < 2000


def test_a_large_backlog_imports_in_seconds_and_again_unchanged(cli, tmp_path, teams):
    rows = ["title,reach,impact,confidence,effort,category,goal,lane,priority,teams"]
    rows += [
        f"Initiative {n},{n % 500},{[3, 2, 1, 0.5, 0.25][n % 5]},{[100, 80, 50][n % 3]}%,"
        f"{1 + n % 7},roadmap,,,{n + 1},{'web;payments' if n % 2 else 'data'}"
        for n in range(3000)
    ]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n")
    started = time.monotonic()
    result = cli("initiatives", "import", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["created"] == 3000
    again = cli("initiatives", "import", str(path), "--json")
    assert json.loads(again.stdout)["unchanged"] == 3000
    listed = _ranked(cli)
    assert time.monotonic() - started < 60
    assert len(listed) == 3000 and sorted(r["rank"] for r in listed.values())[0] == 1


def test_more_rows_than_allowed_is_unusable(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("title,reach,impact,confidence,effort\n" + "x,1,1,1,1\n" * 10_001)
    with pytest.raises(InvalidInputError) as caught:
        read_initiatives_file(path)
    assert caught.value.unusable and "more than 10000" in str(caught.value)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=400))
def test_any_bytes_either_read_or_are_refused_with_a_located_reason(tmp_path, data):
    for name in ("fuzz.csv", "fuzz.yaml"):
        path = tmp_path / name
        path.write_bytes(
            b"title,reach,impact,confidence,effort\n" + data if name.endswith("csv") else data
        )
        try:
            read = read_initiatives_file(path)
        except InvalidInputError as exc:
            assert exc.problems and all(p.source == str(path) for p in exc.problems)
            continue
        assert all(p.source == str(path) and p.reason for p in read.problems)
        assert all(row.record is not None or read.problems for row in read.rows)
