"""The champions program: one or two per team, coverage, candidates from usage and tickets."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pavedroad.catalog import capabilities as catalog_capabilities
from pavedroad.catalog.schemas import DeveloperIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from pavedroad.metrics.usage import first_users
from tests.web.conftest import bearer, csrf_of, sign_in

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def program(engine) -> None:
    """Four teams (corp-it not eligible), seven developers, three capabilities."""
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(
                teams=[
                    TeamIn(slug="payments", name="Payments", eligible=True),
                    TeamIn(slug="search", name="Search", eligible=True),
                    TeamIn(slug="mobile", name="Mobile", eligible=True),
                    TeamIn(slug="corp-it", name="Corporate IT", eligible=False),
                ],
                developers=[
                    DeveloperIn(email="ada@example.com", name="Ada Lovelace", team="payments"),
                    DeveloperIn(email="alan@example.com", name="Alan Turing", team="payments"),
                    DeveloperIn(email="anita@example.com", name="Anita Borg", team="payments"),
                    DeveloperIn(email="sam@example.com", name="Sam Search", team="search"),
                    DeveloperIn(email="sue@example.com", name="Sue Search", team="search"),
                    DeveloperIn(email="mo@example.com", name="Mo Mobile", team="mobile"),
                    DeveloperIn(email="grace@example.com", name="Grace Hopper", team="corp-it"),
                ],
            ),
        )
        catalog_capabilities.ensure_capabilities(session=s, names=["fast-ci", "rollback", "logs"])


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


USES = [
    # payments: ada first with fast-ci, alan first with rollback; sam first in search.
    ("2026-07-03T09:00:00Z", "fast-ci", "payments", "ada@example.com"),
    ("2026-07-04T09:00:00Z", "fast-ci", "payments", "alan@example.com"),
    ("2026-07-05T09:00:00Z", "rollback", "payments", "alan@example.com"),
    ("2026-07-06T09:00:00Z", "rollback", "payments", "ada@example.com"),
    ("2026-07-10T09:00:00Z", "fast-ci", "search", "SAM@example.com"),
    ("2026-07-11T09:00:00Z", "fast-ci", "search", "sue@example.com"),
    ("2026-07-01T09:00:00Z", "logs", "search", ""),  # no developer: no first user
    ("2026-07-02T09:00:00Z", "logs", "mobile", "nobody@elsewhere.example"),  # not in catalog
]
TICKETS = [
    # sue answers 3 tickets of 2 other teams and one of her own; mo answers one of payments.
    ("T-1", "payments", "sue@example.com"),
    ("T-2", "payments", "sue@example.com"),
    ("T-3", "mobile", "Sue@Example.com"),
    ("T-4", "search", "sue@example.com"),
    ("T-5", "payments", "mo@example.com"),
    ("T-6", "payments", ""),
    ("T-7", "", "ada@example.com"),  # no team: says nothing of other teams
]


def _load_signals(cli, tmp_path: Path) -> None:
    uses = [
        {"at": at, "capability": cap, "team": team, "developer": dev} for at, cap, team, dev in USES
    ]
    tickets = [
        {
            "id": ticket,
            "team": team,
            "opened_at": "2026-08-01T10:00:00Z",
            "kind": "question",
            "answered_by": by,
        }
        for ticket, team, by in TICKETS
    ]
    for kind, rows in (("usage-events", uses), ("tickets", tickets)):
        result = cli("import", kind, str(_csv(tmp_path / f"{kind}.csv", rows)))
        assert result.exit_code == 0, result.stderr


def _json(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# --- champions and coverage -------------------------------------------------------------------


def test_add_a_champion_of_the_developers_team_and_list_the_teams_without_one(cli, program):
    added = _json(
        cli(
            "champions",
            "add",
            " ADA@example.com ",
            "--since",
            "2026-08-03",
            "--early-access",
            "FAST-CI",
            "--early-access",
            "rollback",
            "--design-review",
            "CI cache design review",
            "--json",
        )
    )
    assert added["developer"] == "ada@example.com" and added["team"] == "payments"
    assert added["since"] == "2026-08-03"
    assert added["early_access"] == ["fast-ci", "rollback"]
    assert added["design_reviews"] == ["CI cache design review"]
    listed = _json(cli("champions", "list", "--json"))
    assert [c["developer"] for c in listed["champions"]] == ["ada@example.com"]
    assert listed["champions"][0]["name"] == "Ada Lovelace"
    # Eligible teams only: corp-it is not expected to use the platform.
    assert listed["teams_without_champion"] == ["mobile", "search"]
    table = cli("champions", "list")
    assert "Teams without a champion: mobile, search" in table.stdout


def test_a_team_holds_two_champions_and_a_third_is_refused(cli, program):
    assert cli("champions", "add", "ada@example.com").exit_code == 0
    assert cli("champions", "add", "alan@example.com").exit_code == 0
    third = cli("champions", "add", "anita@example.com")
    assert third.exit_code == 1
    assert "team payments already has 2 champions" in third.stderr
    again = cli("champions", "add", "ada@example.com")
    assert again.exit_code == 1 and "already a champion" in again.stderr
    # After one leaves, the third may join.
    assert cli("champions", "remove", "alan@example.com").exit_code == 0
    assert cli("champions", "add", "anita@example.com").exit_code == 0


def test_unknown_developer_capability_and_day_are_refused_with_what_to_do(cli, program):
    unknown = cli("champions", "add", "ghost@example.com")
    assert unknown.exit_code == 1
    assert "no developer with email 'ghost@example.com' in the catalog" in unknown.stderr
    cap = cli("champions", "add", "ada@example.com", "--early-access", "teleport")
    assert cap.exit_code == 1
    assert (
        "early_access" in cap.stderr
        and "unknown capability; known: fast-ci, logs, rollback" in cap.stderr
    )
    day = cli("champions", "add", "ada@example.com", "--since", "03/08/2026")
    assert day.exit_code == 1 and "--since" in day.stderr and "2026-08-03" in day.stderr
    assert _json(cli("champions", "list", "--json"))["champions"] == []
    missing = cli("champions", "recognise", "sam@example.com", "thanks")
    assert missing.exit_code == 1 and "is not a champion" in missing.stderr


def test_edit_and_recognise_a_champion(cli, program):
    cli("champions", "add", "sam@example.com", "--since", "2026-08-10")
    edited = _json(cli("champions", "edit", "sam@example.com", "--early-access", "logs", "--json"))
    assert edited["early_access"] == ["logs"] and edited["since"] == "2026-08-10"
    recognised = _json(
        cli(
            "champions",
            "recognise",
            "sam@example.com",
            "Demo day talk",
            "--on",
            "2026-09-24",
            "--json",
        )
    )
    assert recognised["recognition"] == ["2026-09-24: Demo day talk"]
    empty = cli("champions", "recognise", "sam@example.com", "   ")
    assert empty.exit_code == 1


# --- candidates -------------------------------------------------------------------------------


def test_first_users_per_capability_and_team_from_usage_events(cli, program, tmp_path, session):
    _load_signals(cli, tmp_path)
    found = [
        (u.capability, u.team, u.developer, u.at.date().isoformat())
        for u in first_users(session=session)
    ]
    assert found == [
        ("fast-ci", "payments", "ada@example.com", "2026-07-03"),
        ("fast-ci", "search", "sam@example.com", "2026-07-10"),
        ("logs", "mobile", "nobody@elsewhere.example", "2026-07-02"),
        ("rollback", "payments", "alan@example.com", "2026-07-05"),
    ]


def test_candidates_from_first_uses_and_answered_tickets_strongest_first(cli, program, tmp_path):
    _load_signals(cli, tmp_path)
    found = _json(cli("champions", "candidates", "--json"))
    assert found == {
        "candidates": [
            {
                "developer": "sue@example.com",
                "team": "search",
                "reasons": ["answered 3 tickets of 2 other teams (payments, mobile)"],
            },
            {
                "developer": "mo@example.com",
                "team": "mobile",
                "reasons": ["answered 1 ticket of 1 other team (payments)"],
            },
            {
                "developer": "ada@example.com",
                "team": "payments",
                "reasons": ["first in payments to use fast-ci (2026-07-03)"],
            },
            {
                "developer": "alan@example.com",
                "team": "payments",
                "reasons": ["first in payments to use rollback (2026-07-05)"],
            },
            {
                "developer": "sam@example.com",
                "team": "search",
                "reasons": ["first in search to use fast-ci (2026-07-10)"],
            },
        ]
    }


def test_capability_narrows_first_users_and_champions_are_not_candidates(cli, program, tmp_path):
    _load_signals(cli, tmp_path)
    cli("champions", "add", "sue@example.com")
    narrowed = _json(cli("champions", "candidates", "--capability", "Rollback", "--json"))
    assert [(c["developer"], c["reasons"]) for c in narrowed["candidates"]] == [
        ("mo@example.com", ["answered 1 ticket of 1 other team (payments)"]),
        ("alan@example.com", ["first in payments to use rollback (2026-07-05)"]),
    ]
    unknown = cli("champions", "candidates", "--capability", "teleport")
    assert unknown.exit_code == 1 and "unknown capability" in unknown.stderr
    table = cli("champions", "candidates")
    assert "alan@example.com" in table.stdout and "sue@example.com" not in table.stdout


def test_a_capability_launched_before_the_usage_records_gives_no_first_users(
    cli, program, tmp_path, engine
):
    from pavedroad.catalog.schemas import CapabilityUpdate

    with unit_of_work(engine) as s:
        stored = catalog_capabilities.get_capability_or_raise(session=s, name="fast-ci")
        catalog_capabilities.update_capability(
            session=s, capability=stored, data=CapabilityUpdate(launched_at="2025-01-01")
        )
    _load_signals(cli, tmp_path)
    found = _json(cli("champions", "candidates", "--json"))["candidates"]
    assert [c["developer"] for c in found] == [
        "sue@example.com",
        "mo@example.com",
        "alan@example.com",
    ]


def test_no_candidates_says_where_they_come_from(cli, program):
    result = cli("champions", "candidates")
    assert result.exit_code == 0 and "answered_by" in result.stdout


# --- the import contract ----------------------------------------------------------------------


def test_tickets_import_refuses_an_answered_by_that_is_not_an_email(cli, program, tmp_path):
    rows = [
        {
            "id": "T-1",
            "team": "payments",
            "opened_at": "2026-08-01T10:00:00Z",
            "kind": "bug",
            "answered_by": "sue@example.com",
        },
        {
            "id": "T-2",
            "team": "payments",
            "opened_at": "2026-08-01T10:00:00Z",
            "kind": "bug",
            "answered_by": "Sue from search",
        },
        {
            "id": "T-3",
            "team": "payments",
            "opened_at": "2026-08-01T10:00:00Z",
            "kind": "bug",
            "answered_by": "",
        },
    ]
    path = _csv(tmp_path / "tickets.csv", rows)
    result = cli("import", "tickets", str(path), "--json")
    report = json.loads(result.stdout)
    assert report["source"].endswith("tickets.csv")
    assert report["errors"] == [
        "line 3: field 'answered_by': expected an email address such as ada@example.com "
        "(got 'Sue from search')"
    ]
    assert report["new"] == 2 and report["rejected"] == 1
    template = cli("import", "tickets", "--template", db=False)
    assert "answered_by" in template.stdout


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.text(max_size=60))
def test_answered_by_is_an_email_or_refused_on_both_import_paths(value):
    from datetime import UTC

    from pavedroad.catalog.schemas import EMAIL_PATTERN
    from pavedroad.ingest.kinds import KINDS
    from pavedroad.ingest.rows import convert_row

    raw = {"id": "T-1", "opened_at": "2026-08-01T10:00:00Z", "kind": "bug", "answered_by": value}
    row, problems = convert_row(KINDS["tickets"], raw, tz=UTC)
    text = value.strip()
    if not text:
        assert row is not None and row["answered_by"] is None
    elif "\x00" in text or len(text) > 320 or not EMAIL_PATTERN.match(text):
        assert row is None and problems[0].field == "answered_by"
    else:
        assert row is not None and row["answered_by"] == text


# --- API --------------------------------------------------------------------------------------


def test_api_adds_edits_lists_and_removes_champions_with_scoped_tokens(client, program, tokens):
    write, read = bearer(tokens["write"]), bearer(tokens["read"])
    body = {"developer": "ada@example.com", "since": "2026-08-03", "early_access": ["rollback"]}
    assert client.post("/api/v1/champions", json=body, headers=read).status_code == 403
    created = client.post("/api/v1/champions", json=body, headers=write)
    assert created.status_code == 201, created.text
    champion = created.json()
    assert champion["team"] == "payments"
    patched = client.patch(
        f"/api/v1/champions/{champion['id']}",
        json={"design_reviews": ["Rollback RFC"], "recognition": ["2026-09-01: thanks"]},
        headers=write,
    )
    assert patched.status_code == 200
    assert patched.json()["design_reviews"] == ["Rollback RFC"]
    assert patched.json()["early_access"] == ["rollback"]
    listed = client.get("/api/v1/champions", headers=read).json()
    assert listed["teams_without_champion"] == ["mobile", "search"]
    assert client.get("/api/v1/champions").status_code == 401
    third = client.post("/api/v1/champions", json={"developer": "nobody@x.example"}, headers=write)
    assert third.status_code == 404
    bad = client.post(
        "/api/v1/champions", json={"developer": "sam@example.com", "since": "soon"}, headers=write
    )
    assert bad.status_code == 422
    assert client.get("/api/v1/champions/candidates?capability=rollback", headers=read).json() == {
        "candidates": []
    }
    assert client.delete(f"/api/v1/champions/{champion['id']}", headers=write).status_code == 204
    assert client.delete(f"/api/v1/champions/{champion['id']}", headers=write).status_code == 404
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/champions"])
    assert {"patch", "delete"} <= set(paths["/api/v1/champions/{champion_id}"])
    assert "get" in paths["/api/v1/champions/candidates"]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(st.text(min_size=1, max_size=300), min_size=1, max_size=5))
def test_api_keeps_any_free_text_or_refuses_it_without_a_500(client, program, tokens, texts):
    write = bearer(tokens["write"])
    found = client.get("/api/v1/champions", headers=write).json()["champions"]
    if found:
        champion_id = found[0]["id"]
    else:
        champion_id = client.post(
            "/api/v1/champions", json={"developer": "ada@example.com"}, headers=write
        ).json()["id"]
    answer = client.patch(
        f"/api/v1/champions/{champion_id}", json={"design_reviews": texts}, headers=write
    )
    if any("\x00" in t for t in texts):
        assert answer.status_code == 422
    else:
        assert answer.status_code == 200, answer.text
        kept = [t.strip() for t in texts if t.strip()]
        assert answer.json()["design_reviews"] == list(dict.fromkeys(kept))


# --- page -------------------------------------------------------------------------------------


def test_page_shows_champions_coverage_and_candidates_and_keeps_free_text_inert(
    client, program, users, tmp_path, cli
):
    _load_signals(cli, tmp_path)
    sign_in(client, users["write"])
    page = client.get("/champions")
    assert page.status_code == 200
    assert "No champions yet" in page.text and "sue@example.com" in page.text
    assert "answered 3 tickets of 2 other teams" in page.text
    csrf = csrf_of(page.text)
    refused = client.post("/champions", data={"developer": "sue@example.com"})
    assert refused.status_code in (400, 403)
    added = client.post("/champions", data={"developer": "sue@example.com", "csrf_token": csrf})
    assert added.status_code == 303
    page = client.get("/champions")
    assert "Sue Search" in page.text
    champion_id = int(page.text.split('action="/champions/')[1].split("/")[0])
    recognised = client.post(
        f"/champions/{champion_id}/recognise",
        data={"text": HOSTILE, "on": "2026-09-24", "csrf_token": csrf},
    )
    assert recognised.status_code == 303
    page = client.get("/champions")
    assert HOSTILE not in page.text
    assert "&lt;script&gt;alert(" in page.text
    # Refused input keeps what was typed and says why.
    again = client.post(
        "/champions",
        data={"developer": "alan@example.com", "since": "someday", "csrf_token": csrf},
    )
    assert again.status_code == 422 and 'value="someday"' in again.text
    full = client.post("/champions", data={"developer": "ghost@example.com", "csrf_token": csrf})
    assert full.status_code == 422
    assert "no developer with email &#39;ghost@example.com&#39; in the catalog" in full.text
    assert 'value="ghost@example.com"' in full.text


def test_page_needs_sign_in(client, program):
    answer = client.get("/champions")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_every_champions_command_explains_itself(cli):
    overview = cli("champions", "--help", db=False)
    for command in ("list", "add", "edit", "remove", "recognise", "candidates"):
        assert command in overview.stdout
        assert cli("champions", command, "--help", db=False).exit_code == 0
    assert "--capability" in cli("champions", "candidates", "--help", db=False).stdout
