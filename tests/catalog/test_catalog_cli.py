"""`pavedroad catalog list|show` and personas, as scripts use them."""

from __future__ import annotations

import json

import pytest

from pavedroad.db import unit_of_work
from pavedroad.demo.loader import CATALOG_ONLY, load_demo


@pytest.fixture
def demo(engine):
    with unit_of_work(engine) as session:
        return load_demo(session, only=CATALOG_ONLY)


def test_list_teams_json_is_one_array_with_sizes(cli, demo):
    result = cli("catalog", "list", "teams", "--json")
    assert result.exit_code == 0, result.stderr
    teams = json.loads(result.stdout)
    assert len(teams) == len(demo.teams)
    platform = next(t for t in teams if t["slug"] == "platform")
    assert platform == {
        "slug": "platform",
        "name": "Developer Platform",
        "eligible": False,
        "headcount": 8,
        "developers": 8,
        "services": 0,
        "source": "demo",
    }
    assert sum(t["developers"] for t in teams) == demo.engineers
    names = [t["name"].lower() for t in teams]
    assert names == sorted(names)


def test_list_developers_and_services_json_filter_by_team(cli, demo):
    devs = json.loads(cli("catalog", "list", "developers", "--team", "ledger", "--json").stdout)
    assert devs and {d["team"] for d in devs} == {"ledger"}
    assert set(devs[0]) == {"identity", "email", "name", "team", "started_at", "role", "source"}
    services = json.loads(cli("catalog", "list", "services", "--json").stdout)
    assert len(services) == 45
    gateway = next(s for s in services if s["name"] == "payments-gateway")
    assert (
        gateway["owner"] == "payments-gateway"
        and gateway["tier"] == 1
        and gateway["system"] == "payments"
    )
    assert gateway["created_at"].endswith("Z") or gateway["created_at"].endswith("+00:00")


def test_list_tables_for_people_and_an_empty_state_that_says_what_to_do(cli):
    empty = cli("catalog", "list", "teams")
    assert empty.exit_code == 0 and "pavedroad import teams" in empty.stdout
    assert json.loads(cli("catalog", "list", "teams", "--json").stdout) == []


def test_show_a_team_with_people_and_services(cli, demo):
    detail = json.loads(cli("catalog", "show", "ledger", "--json").stdout)
    assert detail["name"] == "Ledger" and [s["name"] for s in detail["owned_services"]] == [
        "ledger-service"
    ]
    assert len(detail["people"]) == detail["developers"] > 0
    missing = cli("catalog", "show", "nope")
    assert missing.exit_code == 1 and "no team with slug 'nope'" in missing.stderr


def test_personas_start_with_the_four_of_the_practice_and_users_add_their_own(cli):
    personas = json.loads(cli("catalog", "list", "personas", "--json").stdout)
    assert [p["name"] for p in personas] == [
        "Data teams",
        "Feature engineers",
        "Sales engineers",
        "Support teams",
    ]
    assert personas[1]["jobs"] == ["Ship a change to production safely and quickly"]
    added = cli(
        "catalog",
        "persona",
        "add",
        "Mobile engineers",
        "--job",
        "Ship an app build",
        "--job",
        "Read crash reports",
    )
    assert added.exit_code == 0, added.stderr
    again = cli("catalog", "persona", "add", "Mobile engineers", "--job", "Ship an app build")
    assert "unchanged" in again.stdout
    mobile = next(
        p
        for p in json.loads(cli("catalog", "list", "personas", "--json").stdout)
        if p["name"] == "Mobile engineers"
    )
    assert mobile == {
        "name": "Mobile engineers",
        "description": "",
        "builtin": False,
        "jobs": ["Ship an app build", "Read crash reports"],
    }


def test_every_command_explains_itself_and_takes_db(cli):
    for args in (
        ["catalog", "list"],
        ["catalog", "show"],
        ["import", "teams"],
        ["import", "backstage"],
        ["demo", "load"],
        ["token", "create"],
        ["user", "add"],
        ["init"],
        ["serve"],
    ):
        result = cli(*args, "--help", db=False)
        assert result.exit_code == 0, args
        assert "--db" in result.stdout, args
    root = cli("--help", db=False).stdout
    for group in ("catalog", "import", "user", "token", "demo", "init", "serve"):
        assert group in root
