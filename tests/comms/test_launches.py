"""Launch plans from the CLI: the dated checklist, tick/move/assign, overdue, and the success
criteria judged on a hand-built store (usage, survey answers, tickets)."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from pavedroad.catalog.schemas import TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
TEAMS = ("alpha", "beta", "gamma", "delta", "eps", "zeta")
LAUNCH = "2026-07-01"


def _json(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def teams(engine) -> None:
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(
                teams=[TeamIn(slug=t, name=t.title(), eligible=True) for t in TEAMS]
            ),
        )


@pytest.fixture
def signals(cli, teams, tmp_path) -> None:
    """fast-ci usage around a 2026-07-01 launch, two survey waves, and tickets."""
    uses = [
        ("2026-06-20T09:00:00Z", "alpha"),  # before the launch: not an adoption
        ("2026-07-02T09:00:00Z", "beta"),
        ("2026-07-02T10:00:00Z", "beta"),
        ("2026-07-15T09:00:00Z", "gamma"),
        ("2026-07-30T09:00:00Z", "delta"),
        ("2026-07-31T23:00:00Z", "eps"),  # day 30 after the launch: still within
        ("2026-08-05T09:00:00Z", "zeta"),  # after the 30 days
    ]
    usage = [{"at": at, "capability": "fast-ci", "team": team} for at, team in uses]
    usage.append({"at": "2026-07-03T09:00:00Z", "capability": "logs", "team": "zeta"})
    # Six answers in July (mean 4.0); four in October, under the anonymity threshold.
    july = [4, 4, 5, 4, 3, 4]
    answers = [
        {
            "id": f"j{i}",
            "survey": "pulse",
            "wave": "2026-07",
            "submitted_at": "2026-07-10",
            "team": TEAMS[i],
            "nps": 8,
            "satisfaction": s,
        }
        for i, s in enumerate(july)
    ] + [
        {
            "id": f"o{i}",
            "survey": "pulse",
            "wave": "2026-10",
            "submitted_at": "2026-10-10",
            "team": TEAMS[i],
            "nps": 9,
            "satisfaction": 5,
        }
        for i in range(4)
    ]
    tickets = [
        {
            "id": f"t{i}",
            "opened_at": f"2026-07-{1 + i:02d}T10:00:00Z",
            "kind": "question",
            "category": "fast-ci" if i % 2 else "FAST-CI",
        }
        for i in range(14)
    ] + [
        {
            "id": "old",
            "opened_at": "2026-06-15T10:00:00Z",
            "kind": "question",
            "category": "fast-ci",
        },
        {
            "id": "other",
            "opened_at": "2026-07-05T10:00:00Z",
            "kind": "question",
            "category": "docs",
        },
    ]
    for kind, rows in (
        ("usage-events", usage),
        ("survey-responses", answers),
        ("tickets", tickets),
    ):
        result = cli("import", kind, str(_csv(tmp_path / f"{kind}.csv", rows)))
        assert result.exit_code == 0, result.stdout + result.stderr


def _create(cli, *extra: str) -> dict:
    return _json(
        cli("launch", "create", "--feature", "Faster CI", "--date", LAUNCH, *extra, "--json")
    )


def test_create_prints_the_contract_with_the_dated_plan_owned_by_the_owner(cli, signals):
    plan = _create(cli, "--capability", "fast-ci", "--owner", " PM@Example.com ")
    assert {"id", "feature", "capability", "launch_date", "items", "criteria"} <= set(plan)
    assert plan["feature"] == "Faster CI" and plan["capability"] == "fast-ci"
    assert plan["launch_date"] == LAUNCH
    assert len(plan["items"]) == 13
    for item in plan["items"]:
        assert {"phase", "title", "due", "owner", "done"} <= set(item)
        assert item["owner"] == "pm@example.com" and item["done"] is False
    launch = date.fromisoformat(LAUNCH)
    for item in plan["items"]:
        due = date.fromisoformat(item["due"])
        if item["phase"] == "pre_launch":
            assert launch - timedelta(days=30) <= due < launch
        elif item["phase"] == "launch":
            assert launch <= due < launch + timedelta(days=7 - launch.weekday())
        else:
            assert launch < due <= launch + timedelta(days=60)
    dues = [item["due"] for item in plan["items"]]
    assert dues == sorted(dues)
    assert [c["kind"] for c in plan["criteria"]] == [
        "adopted_teams",
        "satisfaction",
        "tickets_per_week",
    ]
    for criterion in plan["criteria"]:
        assert {"id", "target", "value", "status"} <= set(criterion)
    shown = _json(cli("launch", "show", str(plan["id"]), "--json"))
    assert shown["items"] == plan["items"]
    assert _json(cli("launch", "show", "faster ci", "--json"))["id"] == plan["id"]


def test_tick_untick_move_and_assign_an_item_and_overdue_ones_stand_out(cli, teams):
    plan = _create(cli, "--owner", "pm@example.com")
    first = plan["items"][0]
    before = _json(cli("launch", "show", "1", "--as-of", "2026-06-08", "--json"))
    assert [i["overdue"] for i in before["items"][:2]] == [True, False]
    assert first["due"] == "2026-06-07"

    ticked = _json(cli("launch", "tick", "1", str(first["id"]), "--json"))
    assert ticked["done"] is True and ticked["overdue"] is False
    assert _json(cli("launch", "untick", "1", str(first["id"]), "--json"))["done"] is False

    moved = _json(cli("launch", "move", "1", str(first["id"]), "--due", "2026-06-20", "--json"))
    assert moved["due"] == "2026-06-20"
    again = _json(cli("launch", "show", "1", "--as-of", "2026-06-08", "--json"))
    assert again["items"][0]["id"] != first["id"]  # it moved behind the week-2 item
    assert not next(i for i in again["items"] if i["id"] == first["id"])["overdue"]

    assigned = _json(
        cli("launch", "assign", "1", str(first["id"]), "--owner", "Ana@Example.com", "--json")
    )
    assert assigned["owner"] == "ana@example.com"
    bad = cli("launch", "assign", "1", str(first["id"]), "--owner", "not an email")
    assert bad.exit_code == 1 and "email" in bad.stderr
    listed = _json(cli("launch", "list", "--as-of", "2026-06-30", "--json"))["launches"]
    assert listed[0]["progress"] == {"done": 0, "total": 13, "overdue": 4}
    text = cli("launch", "show", "1", "--as-of", "2026-06-30")
    assert text.exit_code == 0 and "OVERDUE" in text.stdout


def test_duplicate_features_unknown_plans_and_items_are_clear_errors(cli, teams):
    _create(cli)
    again = cli("launch", "create", "--feature", "  faster   CI ", "--date", LAUNCH)
    assert again.exit_code == 1 and "exists" in again.stderr
    missing = cli("launch", "show", "9999")
    assert missing.exit_code == 1 and "no launch plan '9999'" in missing.stderr
    assert "no launch plan" in cli("launch", "show", "Nope").stderr
    no_item = cli("launch", "tick", "1", "999")
    assert no_item.exit_code == 1 and "has no item 999" in no_item.stderr
    unknown = cli("launch", "create", "--feature", "X", "--date", LAUNCH, "--capability", "nope")
    assert unknown.exit_code == 1 and "no capability named 'nope'" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--date", "2026-02-30"], "expected a date"),
        (["--date", "0001-01-01"], "between 1970-01-01"),
        (["--date", LAUNCH, "--owner", "a@b"], "email"),
        (["--date", LAUNCH, "--satisfaction", "7"], "satisfaction"),
    ],
)
def test_bad_input_is_refused_with_the_field(cli, teams, args, words):
    result = cli("launch", "create", "--feature", "X", *args)
    assert result.exit_code == 1 and words in result.stderr
    assert _json(cli("launch", "list", "--json")) == {"launches": []}


def test_nul_huge_and_hostile_features(cli, teams):
    nul = cli("launch", "create", "--feature", "a\x00b", "--date", LAUNCH)
    assert nul.exit_code == 1 and "NUL" in nul.stderr
    huge = cli("launch", "create", "--feature", "x" * 5000, "--date", LAUNCH)
    assert huge.exit_code == 1 and "200" in huge.stderr
    plan = _json(cli("launch", "create", "--feature", HOSTILE, "--date", LAUNCH, "--json"))
    assert plan["feature"] == HOSTILE
    shown = cli("launch", "list")
    assert shown.exit_code == 0 and "<script>" in shown.stdout


def _criteria(cli, as_of: str) -> dict[str, dict]:
    shown = _json(cli("launch", "show", "1", "--as-of", as_of, "--json"))
    return {c["kind"]: c for c in shown["criteria"]}


def test_adopted_teams_counts_teams_that_used_the_capability_within_30_days(cli, signals):
    _create(cli, "--capability", "fast-ci", "--adopted", "4")
    final = _criteria(cli, "2026-09-01")["adopted_teams"]
    assert final["value"] == 4 and final["status"] == "met"
    assert final["target"] == ">= 4 teams within 30 days"
    early = _criteria(cli, "2026-07-16")["adopted_teams"]
    assert early["value"] == 2 and early["status"] == "at_risk"  # beta and gamma so far
    assert _criteria(cli, "2026-07-01")["adopted_teams"]["status"] == "no_data"  # launch day
    cli("launch", "criteria", "remove", "1", str(final["id"]))
    _json(
        cli(
            "launch",
            "criteria",
            "add",
            "1",
            "--kind",
            "adopted_teams",
            "--threshold",
            "5",
            "--json",
        )
    )
    assert _criteria(cli, "2026-09-01")["adopted_teams"]["status"] == "missed"
    assert _criteria(cli, "2026-07-16")["adopted_teams"]["status"] == "at_risk"


def test_satisfaction_is_judged_over_the_30_days_after_launch_and_hidden_under_five(cli, signals):
    _create(cli, "--satisfaction", "4")
    july = _criteria(cli, "2026-09-15")["satisfaction"]
    assert july["value"] == 4.0 and july["status"] == "met"
    assert _criteria(cli, "2026-07-20")["satisfaction"]["status"] == "on_track"
    strict = _json(
        cli(
            "launch",
            "create",
            "--feature",
            "Strict",
            "--date",
            LAUNCH,
            "--satisfaction",
            "4.5",
            "--json",
        )
    )
    shown = _json(cli("launch", "show", str(strict["id"]), "--as-of", "2026-09-15", "--json"))
    assert [c["status"] for c in shown["criteria"] if c["kind"] == "satisfaction"] == ["missed"]
    # Four answers in October: under the anonymity threshold, nothing to judge.
    october = _json(
        cli("launch", "create", "--feature", "October", "--date", "2026-10-01", "--json")
    )
    judged = _json(cli("launch", "show", str(october["id"]), "--as-of", "2026-12-15", "--json"))
    satisfaction = next(c for c in judged["criteria"] if c["kind"] == "satisfaction")
    assert satisfaction["value"] is None and satisfaction["status"] == "no_data"


def test_tickets_per_week_counts_the_capabilitys_category_per_week_after_launch(cli, signals):
    _create(cli, "--capability", "fast-ci", "--tickets-per-week", "4")
    final = _criteria(cli, "2026-09-15")["tickets_per_week"]
    # 14 tickets of fast-ci (any case) over the 31 days from the launch to the judging day.
    assert final["value"] == round(14 / (31 / 7), 2) and final["status"] == "met"
    assert final["target"] == "<= 4 tickets/week"
    early = _criteria(cli, "2026-07-08")["tickets_per_week"]
    assert early["value"] == 7.0 and early["status"] == "at_risk"  # 7 tickets in one week
    without = _json(
        cli("launch", "create", "--feature", "No capability", "--date", LAUNCH, "--json")
    )
    shown = _json(cli("launch", "show", str(without["id"]), "--as-of", "2026-09-15", "--json"))
    statuses = {c["kind"]: c["status"] for c in shown["criteria"]}
    assert statuses["tickets_per_week"] == "no_data" and statuses["adopted_teams"] == "no_data"


def test_criteria_add_remove_refuse_a_second_of_a_kind_and_bad_kinds(cli, teams):
    plan = _create(cli)
    first = plan["criteria"][0]
    again = cli("launch", "criteria", "add", "1", "--kind", "adopted_teams", "--threshold", "3")
    assert again.exit_code == 1 and "already has" in again.stderr
    bad = cli("launch", "criteria", "add", "1", "--kind", "nps", "--threshold", "3")
    assert bad.exit_code == 1 and "adopted_teams" in bad.stderr
    assert cli("launch", "criteria", "remove", "1", str(first["id"])).exit_code == 0
    missing = cli("launch", "criteria", "remove", "1", str(first["id"]))
    assert missing.exit_code == 1 and "no criterion" in missing.stderr
    added = _json(
        cli(
            "launch",
            "criteria",
            "add",
            "1",
            "--kind",
            "adopted-teams",
            "--threshold",
            "3",
            "--json",
        )
    )
    assert added["kind"] == "adopted_teams" and added["target"].startswith(">= 3")
    assert cli("launch", "delete", "1").exit_code == 0
    assert _json(cli("launch", "list", "--json")) == {"launches": []}
