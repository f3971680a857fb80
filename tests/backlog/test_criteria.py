"""Success and kill criteria judged against KPIs computed from real CI runs, the kill proposal,
and the decisions that answer it."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.backlog.conftest import ci_runs


@pytest.fixture
def ci_history(engine, teams) -> None:
    """A CI run a day from May to July 2026: 18 minutes until 20 June, 6 minutes after."""
    days = {}
    day = date(2026, 5, 1)
    while day <= date(2026, 7, 31):
        days[day.isoformat()] = 18 if day <= date(2026, 6, 20) else 6
        day += timedelta(days=1)
    ci_runs(engine, days)


@pytest.fixture
def faster_ci(cli, ci_history) -> None:
    added = cli(
        "initiatives", "add", "Faster CI", "--reach", "200", "--impact", "2",
        "--confidence", "80%", "--effort", "2", "--status", "in_progress",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    cli("initiatives", "add", "Other", "--reach", "10", "--impact", "1", "--confidence", "1",
        "--effort", "1")  # fmt: skip


def _states(cli, as_of: str) -> dict[str, str]:
    result = cli("initiatives", "criteria", "list", "Faster CI", "--as-of", as_of, "--json")
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)
    return {c["text"]: c["state"] for c in row["criteria"]}


def _flags(cli, as_of: str) -> dict[str, list[str]]:
    result = cli("initiatives", "list", "--as-of", as_of, "--json")
    return {item["title"]: item["flags"] for item in json.loads(result.stdout)}


def test_criteria_are_judged_on_the_kpi_of_their_window(cli, faster_ci):
    for text in (
        "ci_duration_p50 < 8 by 2026-06-30",
        "ci_duration_p50 < 8 by 2026-07-31",
        "nps > 40 by 2026-06-30",
    ):
        assert cli("initiatives", "criteria", "add", "Faster CI", text).exit_code == 0
    added = cli(
        "initiatives", "criteria", "add", "Faster CI", "--kpi", "ci_duration_p50",
        "--above", "15", "--by", "2026-06-30", "--kill",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert "kill if ci_duration_p50 > 15 by 2026-06-30" in added.stdout

    # 25 June: May 26..June 24 is mostly 18-minute runs; nothing is due yet.
    assert _states(cli, "2026-06-25") == {
        "ci_duration_p50 < 8 by 2026-06-30": "at_risk",
        "ci_duration_p50 < 8 by 2026-07-31": "at_risk",
        "nps > 40 by 2026-06-30": "no_data",
        "kill if ci_duration_p50 > 15 by 2026-06-30": "at_risk",
    }
    # 10 July: June's criteria are final on June (20 days of 18 minutes); July's is on track.
    assert _states(cli, "2026-07-10") == {
        "ci_duration_p50 < 8 by 2026-06-30": "missed",
        "ci_duration_p50 < 8 by 2026-07-31": "on_track",
        "nps > 40 by 2026-06-30": "no_data",
        "kill if ci_duration_p50 > 15 by 2026-06-30": "triggered",
    }
    assert _states(cli, "2026-08-05")["ci_duration_p50 < 8 by 2026-07-31"] == "met"

    result = cli("initiatives", "criteria", "list", "--as-of", "2026-07-10", "--json")
    [row] = json.loads(result.stdout)
    values = {c["text"]: (c["value"], c["judged_on"], c["final"]) for c in row["criteria"]}
    assert values["ci_duration_p50 < 8 by 2026-06-30"] == (18.0, "2026-06-30", True)
    assert values["ci_duration_p50 < 8 by 2026-07-31"] == (6.0, "2026-07-09", False)
    assert row["kill_proposed"] is True


def test_a_missed_criterion_proposes_killing_until_a_continue_decision_answers_it(cli, faster_ci):
    cli("initiatives", "criteria", "add", "Faster CI", "ci_duration_p50 < 8 by 2026-06-30")
    assert "kill_proposed" not in _flags(cli, "2026-06-25")["Faster CI"]
    assert "kill_proposed" in _flags(cli, "2026-07-10")["Faster CI"]
    shown = cli("initiatives", "show", "Faster CI", "--as-of", "2026-07-10")
    assert "Proposed for killing" in shown.stdout and "18.0 min" in shown.stdout

    decided = cli(
        "initiatives", "decide", "Faster CI", "continue", "--reason", "Cache lands in July",
        "--by", "Priya",
    )  # fmt: skip
    assert decided.exit_code == 0, decided.stderr
    assert "kill_proposed" not in _flags(cli, "2026-07-10")["Faster CI"]
    detail = json.loads(cli("initiatives", "show", "Faster CI", "--json").stdout)
    assert detail["decisions"][0]["decision"] == "continue"
    assert detail["decisions"][0]["decided_by"] == "Priya"
    assert detail["criteria"][0]["state"] == "missed"
    assert detail["criteria"][0]["answered_on"] is not None
    assert detail["kill_reasons"] == []


def test_kill_sets_the_status_and_takes_it_out_of_the_ranking(cli, faster_ci):
    result = cli("initiatives", "decide", "Faster CI", "kill", "--reason", "Missed twice")
    assert result.exit_code == 0 and "it is now killed" in result.stdout
    items = {i["title"]: i for i in json.loads(cli("initiatives", "list", "--json").stdout)}
    assert items["Faster CI"]["status"] == "killed" and items["Faster CI"]["rank"] is None
    assert items["Other"]["rank"] == 1
    again = cli("initiatives", "decide", "Faster CI", "continue", "--reason", "Oops")
    assert again.exit_code == 1 and "is killed" in again.stderr
    shown = cli("initiatives", "show", "Faster CI")
    assert "Missed twice" in shown.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ci_duration < 5 by 2026-06-30"], "unknown KPI"),
        (["--kpi", "ci_duration_p50", "--by", "2026-06-30"], "give exactly one"),
        (["--kpi", "ci_duration_p50", "--below", "5"], "--by"),
        (["--kpi", "nps", "--below", "5", "--above", "9", "--by", "2026-06-30"], "exactly one"),
        (["--kpi", "speed", "--below", "5", "--by", "2026-06-30"], "known: adoption_rate"),
        (["--kpi", "adoption_rate", "--above", "80", "--by", "2026-06-30"], "0.8 or 80%"),
        (["--kpi", "nps", "--above", "40", "--by", "someday"], "due"),
    ],
)
def test_a_criterion_that_cannot_be_read_is_refused(cli, faster_ci, args, message):
    result = cli("initiatives", "criteria", "add", "Faster CI", *args)
    assert result.exit_code == 1
    assert message in result.stderr


def test_the_same_criterion_twice_is_refused_and_one_can_be_removed(cli, faster_ci):
    assert (
        cli("initiatives", "criteria", "add", "Faster CI", "nps > 40 by 2026-12-31").exit_code == 0
    )
    twice = cli("initiatives", "criteria", "add", "Faster CI", "nps > 40 by 2026-12-31")
    assert twice.exit_code == 1 and "already has this criterion" in twice.stderr
    [row] = json.loads(cli("initiatives", "criteria", "list", "--json").stdout)
    removed = cli("initiatives", "criteria", "remove", "Faster CI", str(row["criteria"][0]["id"]))
    assert removed.exit_code == 0
    assert json.loads(cli("initiatives", "criteria", "list", "--json").stdout) == []
    assert cli("initiatives", "criteria", "remove", "Faster CI", "999").exit_code == 1


def test_a_criterion_added_after_work_started_says_so(cli, faster_ci):
    cli("initiatives", "criteria", "add", "Faster CI", "nps > 40 by 2026-12-31")
    detail = json.loads(cli("initiatives", "show", "Faster CI", "--json").stdout)
    assert detail["criteria"][0]["set_after_start"] is True
