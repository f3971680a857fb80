"""Developer shadowing end to end, on both engines: service, CLI, API, pages and the demo."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from pavedroad.db import unit_of_work
from pavedroad.demo.company import build_company
from pavedroad.demo.loader import load_catalog
from pavedroad.demo.research_shadowing import load_shadowing
from pavedroad.errors import ConflictError, InvalidInputError
from pavedroad.research import shadowing
from pavedroad.research.models import ShadowingSession, TimeLogEntry
from pavedroad.research.notes import MAX_NOTES_BYTES
from pavedroad.research.shadowing_schemas import ShadowingIn
from tests.web.conftest import bearer, csrf_of, sign_in

SESSION_KEYS = {
    "id",
    "date",
    "team",
    "developer",
    "workflow",
    "duration_min",
    "log_entries",
    "context_switches",
    "context_switches_derived",
    "waiting_min",
    "friction_points",
    "wishes",
    "tools",
}

NOTES = """# Shadowing, week 1

Developer Shadowing Notes - 2026-07-07 - Ada Lovelace/payments
═══════════════════════════════════════════════════════════
Workflow observed: deploy a one-line change
Time log:
00:00 - Started task
00:05 - Opened Confluence. Searched for the deploy guide.
00:20 - Waiting for CI in Jenkins. "I wish CI took five minutes"
00:38 - Asked on Slack about the rollback runbook.
00:50 - Done.
Friction points (where they struggled):
1. CI takes 18 minutes
2. Nobody finds the rollback runbook
Tools used: Confluence, Jenkins, Slack
Time waiting for things: 18 min

Developer Shadowing Notes - 2026-07-09 - a developer of corp-it
Workflow observed: open a new repository
[00:00] Started
[01:30] Finished
"""

HOSTILE = "<script>alert('x')</script>"


def write(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def count_sessions(engine) -> tuple[int, int]:
    with unit_of_work(engine) as s:
        sessions = s.scalar(select(func.count()).select_from(ShadowingSession))
        entries = s.scalar(select(func.count()).select_from(TimeLogEntry))
    return sessions or 0, entries or 0


# --- service ----------------------------------------------------------------------------------


def test_an_import_resolves_teams_derives_figures_and_is_idempotent(engine, small_catalog):
    with unit_of_work(engine) as s:
        first = shadowing.import_notes(s, files=[("week1.md", NOTES)])
    assert first.problems == []
    ada, anonymous = first.sessions
    assert (ada.team, ada.developer, ada.date) == ("payments", "Ada Lovelace", date(2026, 7, 7))
    assert ada.duration_min == 50 and ada.log_entries == 5
    assert ada.waiting_min == 18  # stated wins
    assert ada.context_switches == ada.context_switches_derived == 2
    assert ada.wishes == ["I wish CI took five minutes"]
    assert (anonymous.team, anonymous.developer, anonymous.duration_min) == ("corp-it", None, 90)
    assert count_sessions(engine) == (2, 7)
    with unit_of_work(engine) as s:
        again = shadowing.import_notes(s, files=[("week1-copy.md", NOTES.encode())])
    assert [x.id for x in again.sessions] == [ada.id, anonymous.id]
    assert count_sessions(engine) == (2, 7)
    changed = NOTES.replace("00:50 - Done.", "00:50 - Deployed.\n01:00 - Done.")
    with unit_of_work(engine) as s:
        updated = shadowing.import_notes(s, files=[("week1.md", changed)])
    assert updated.sessions[0].id == ada.id and updated.sessions[0].duration_min == 60
    assert count_sessions(engine) == (2, 8)


def test_an_unknown_team_is_reported_and_the_session_kept_without_it(engine, small_catalog):
    text = NOTES.replace("Ada Lovelace/payments", "Ada Lovelace/nowhere")
    with unit_of_work(engine) as s:
        result = shadowing.import_notes(s, files=[("n.md", text)])
    assert [(p.file, p.line) for p in result.problems] == [("n.md", 3)]
    assert "no team 'nowhere'" in result.problems[0].reason
    assert result.sessions[0].team is None and result.sessions[0].developer == "Ada Lovelace"


def test_a_single_name_may_be_a_team_or_a_catalog_developer(engine, small_catalog):
    text = (
        "Developer Shadowing Notes - 2026-07-01 - Payments\n00:00 - a\n"
        "Developer Shadowing Notes - 2026-07-02 - grace@example.com\n00:00 - b\n"
    )
    with unit_of_work(engine) as s:
        by_name, by_developer = shadowing.import_notes(s, files=[("n.md", text)]).sessions
    assert (by_name.developer, by_name.team) == (None, "payments")
    assert (by_developer.developer, by_developer.team) == ("grace@example.com", "corp-it")


def test_contacts_friction_and_progress_for_coverage(engine, small_catalog):
    with unit_of_work(engine) as s:
        shadowing.import_notes(s, files=[("n.md", NOTES)])
    with unit_of_work(engine) as s:
        contacts = shadowing.contacts(s, start=date(2026, 7, 1), end=date(2026, 7, 8))
        friction = shadowing.friction_points(s, start=date(2026, 7, 1), end=date(2026, 10, 1))
        progress = shadowing.quarter_progress(s, quarter="2026-q3")
        none_before = shadowing.contacts(s, start=date(2026, 1, 1), end=date(2026, 7, 7))
    assert [(c.method, c.team, c.person, c.on) for c in contacts] == [
        ("shadowing", "payments", "Ada Lovelace", date(2026, 7, 7))
    ]
    assert [(team, text) for _, team, text in friction] == [
        ("payments", "CI takes 18 minutes"),
        ("payments", "Nobody finds the rollback runbook"),
    ]
    assert progress.model_dump() == {"teams_shadowed": 2, "aim": 3, "quarter": "2026-Q3"}
    assert none_before == []


def test_friction_themes_come_from_the_friction_rule_set(engine, small_catalog):
    from pavedroad.research.categorise import Rule
    from pavedroad.research.rules import replace_rules

    with unit_of_work(engine) as s:
        replace_rules(s, ruleset="friction", rules=[Rule("CI slowness", keywords=("CI",))])
        result = shadowing.import_notes(s, files=[("n.md", NOTES)])
    with unit_of_work(engine) as s:
        detail = shadowing.get_session(s, session_id=result.sessions[0].id)
        themes = shadowing.friction_themes(s)
    assert [(f.text, f.theme) for f in detail.friction] == [
        ("CI takes 18 minutes", "CI slowness"),
        ("Nobody finds the rollback runbook", None),
    ]
    assert themes == [("CI slowness", 1), ("no theme", 1)]


def test_the_form_refuses_an_unreadable_log_an_unknown_team_and_a_duplicate(engine, small_catalog):
    data = ShadowingIn(
        date=date(2026, 7, 1), team="payments", workflow="deploy", time_log="00:00 - a\n0:99 - b"
    )
    with unit_of_work(engine) as s, pytest.raises(InvalidInputError) as caught:
        shadowing.add_session(s, data=data)
    assert caught.value.problems[0].line == 2 and caught.value.problems[0].field == "time_log"
    with unit_of_work(engine) as s, pytest.raises(InvalidInputError, match="no team"):
        shadowing.add_session(s, data=data.model_copy(update={"team": "nope", "time_log": ""}))
    good = data.model_copy(update={"time_log": "00:00 - a\n00:30 - waiting for CI\n00:45 - b"})
    with unit_of_work(engine) as s:
        row_id = shadowing.add_session(s, data=good).id
    with unit_of_work(engine) as s:
        detail = shadowing.get_session(s, session_id=row_id)
    assert (detail.team, detail.duration_min, detail.waiting_min) == ("payments", 45, 15)
    with unit_of_work(engine) as s, pytest.raises(ConflictError):
        shadowing.add_session(s, data=good)


# --- CLI --------------------------------------------------------------------------------------


def test_cli_import_prints_the_contract_and_exits_0_when_every_line_read(
    cli, tmp_path, small_catalog
):
    path = write(tmp_path, "week1.md", NOTES)
    result = cli("research", "import", path, "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"sessions", "problems"}
    assert out["problems"] == []
    assert [set(s) for s in out["sessions"]] == [SESSION_KEYS, SESSION_KEYS]
    assert out["sessions"][0]["date"] == "2026-07-07"
    again = json.loads(cli("research", "import", path, "--json").stdout)
    assert [s["id"] for s in again["sessions"]] == [s["id"] for s in out["sessions"]]


def test_cli_import_exits_1_and_lists_file_line_reason_when_lines_were_not_read(
    cli, tmp_path, small_catalog
):
    path = write(tmp_path, "n.md", NOTES.replace("00:38 -", "00:3x -"))
    result = cli("research", "import", path, "--json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert [set(p) for p in out["problems"]] == [{"file", "line", "reason"}]
    assert out["problems"][0]["line"] == 10 and len(out["sessions"]) == 2
    assert f"{path}:10: not a time stamp" in result.stderr


@pytest.mark.parametrize(
    "content", [None, b"\x00\x00\x00binary", b"x" * (MAX_NOTES_BYTES + 1), b"no header\n"]
)
def test_cli_import_exits_2_when_a_file_is_unusable_and_writes_nothing(
    cli, tmp_path, engine, content
):
    good = write(tmp_path, "good.md", NOTES)
    bad = str(tmp_path / "missing.md") if content is None else write(tmp_path, "bad.md", content)
    result = cli("research", "import", good, bad, "--json")
    assert result.exit_code == 2
    assert "bad.md" in result.stderr or "missing.md" in result.stderr
    assert count_sessions(engine) == (0, 0)


def test_cli_list_show_and_export_round_trip(cli, tmp_path, small_catalog):
    cli("research", "import", write(tmp_path, "n.md", NOTES))
    listed = json.loads(
        cli("research", "shadowing", "list", "--quarter", "2026-Q3", "--json").stdout
    )
    assert set(listed) == {"sessions", "progress"}
    assert listed["progress"] == {"teams_shadowed": 2, "aim": 3, "quarter": "2026-Q3"}
    assert len(listed["sessions"]) == 2
    empty = json.loads(
        cli("research", "shadowing", "list", "--quarter", "2025-Q1", "--json").stdout
    )
    assert empty["sessions"] == [] and empty["progress"]["teams_shadowed"] == 0
    assert cli("research", "shadowing", "list", "--quarter", "Q3").exit_code == 1
    first = listed["sessions"][0]["id"]
    shown = cli("research", "shadowing", "show", str(first))
    assert shown.exit_code == 0 and "CI takes 18 minutes" in shown.stdout
    detail = json.loads(cli("research", "shadowing", "show", str(first), "--json").stdout)
    assert detail["stated_waiting_min"] == 18 and detail["waiting_min_derived"] == 18
    exported = cli("research", "shadowing", "export", str(first)).stdout
    assert exported.startswith("Developer Shadowing Notes - 2026-07-07 - Ada Lovelace/payments")
    reimport = json.loads(
        cli("research", "import", write(tmp_path, "e.md", exported), "--json").stdout
    )
    assert reimport["problems"] == []
    assert reimport["sessions"][0] == listed["sessions"][0]
    assert cli("research", "shadowing", "show", "999").exit_code == 1


# --- API --------------------------------------------------------------------------------------


def test_api_reads_with_read_scope_and_writes_with_write_scope(client, tokens, small_catalog):
    body = {"date": "2026-07-01", "team": "payments", "time_log": "00:00 - a\n00:10 - b"}
    assert client.get("/api/v1/research/shadowing").status_code == 401
    read, write_ = bearer(tokens["read"]), bearer(tokens["write"])
    assert client.post("/api/v1/research/shadowing", json=body, headers=read).status_code == 403
    created = client.post("/api/v1/research/shadowing", json=body, headers=write_)
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    assert created.json()["duration_min"] == 10
    dup = client.post("/api/v1/research/shadowing", json=body, headers=write_)
    assert dup.status_code == 409
    bad = client.post(
        "/api/v1/research/shadowing", json={**body, "time_log": "0:99 - x"}, headers=write_
    )
    assert bad.status_code == 422 and bad.json()["problems"][0]["line"] == 1
    listed = client.get("/api/v1/research/shadowing?quarter=2026-Q3", headers=read).json()
    assert listed["progress"] == {"teams_shadowed": 1, "aim": 3, "quarter": "2026-Q3"}
    one = client.get(f"/api/v1/research/shadowing/{session_id}", headers=read)
    assert one.status_code == 200 and one.json()["log"][1]["at"] == "00:10"
    exported = client.get(f"/api/v1/research/shadowing/{session_id}/export", headers=read)
    assert exported.headers["content-type"].startswith("text/markdown")
    assert "00:10 - b" in exported.text
    assert client.get("/api/v1/research/shadowing/999", headers=read).status_code == 404
    assert client.get("/api/v1/research/shadowing?quarter=Q3", headers=read).status_code == 422


def test_api_imports_markdown_or_json_text(client, tokens, engine, small_catalog):
    write_ = bearer(tokens["write"])
    assert (
        client.post(
            "/api/v1/research/shadowing/import",
            content=NOTES,
            headers={**bearer(tokens["read"]), "content-type": "text/markdown"},
        ).status_code
        == 403
    )
    markdown = client.post(
        "/api/v1/research/shadowing/import",
        content=NOTES.encode(),
        headers={**write_, "content-type": "text/markdown"},
    )
    assert markdown.status_code == 200, markdown.text
    assert [set(s) for s in markdown.json()["sessions"]] == [SESSION_KEYS, SESSION_KEYS]
    as_json = client.post("/api/v1/research/shadowing/import", json={"text": NOTES}, headers=write_)
    assert [s["id"] for s in as_json.json()["sessions"]] == [
        s["id"] for s in markdown.json()["sessions"]
    ]
    assert count_sessions(engine)[0] == 2
    unusable = client.post(
        "/api/v1/research/shadowing/import",
        content=b"no header",
        headers={**write_, "content-type": "text/markdown"},
    )
    assert unusable.status_code == 422
    broken_json = client.post(
        "/api/v1/research/shadowing/import",
        content=b"[" * 100_000,
        headers={**write_, "content-type": "application/json"},
    )
    assert broken_json.status_code == 422
    huge = client.post(
        "/api/v1/research/shadowing/import",
        content=NOTES.encode() * (MAX_NOTES_BYTES // len(NOTES) + 1),
        headers={**write_, "content-type": "text/markdown"},
    )
    assert huge.status_code == 422 and "larger than 2 MB" in huge.json()["detail"]
    assert count_sessions(engine)[0] == 2


# --- pages ------------------------------------------------------------------------------------


def test_the_empty_list_says_how_to_import(client, users):
    sign_in(client, users["read"])
    page = client.get("/research/shadowing")
    assert page.status_code == 200
    assert "pavedroad research import notes.md" in page.text
    assert "Record a session" not in page.text


def test_free_text_is_rendered_inert_on_every_page(client, users, engine, small_catalog):
    text = (
        f"Developer Shadowing Notes - 2026-07-07 - {HOSTILE}/payments\n"
        f"Workflow observed: {HOSTILE}\n"
        f"00:00 - {HOSTILE}\n00:10 - I wish {HOSTILE}\n"
        f"Friction points:\n1. {HOSTILE}\nTools used: {HOSTILE}\nNotes: {HOSTILE}\n"
    )
    with unit_of_work(engine) as s:
        session_id = shadowing.import_notes(s, files=[("n.md", text)]).sessions[0].id
    sign_in(client, users["read"])
    for path in ("/research/shadowing", f"/research/shadowing/{session_id}"):
        page = client.get(path)
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "&lt;script&gt;alert(" in page.text


def test_the_form_keeps_what_was_typed_on_errors_and_saves_a_session(client, users, small_catalog):
    sign_in(client, users["write"])
    form = client.get("/research/shadowing/new")
    assert form.status_code == 200 and 'name="time_log"' in form.text
    fields = {
        "csrf_token": csrf_of(form.text),
        "date": "2026-07-03",
        "developer": "",
        "team": "payments",
        "workflow": f"deploy {HOSTILE}",
        "time_log": "00:00 - start\n00:99 - broken",
        "friction_points": "CI slow\nDocs missing",
        "tools": "Slack, Jenkins",
        "wishes": '"I wish it was faster"',
        "context_switches": "",
        "waiting_min": "",
        "notes": "",
    }
    refused = client.post("/research/shadowing/new", data=fields)
    assert refused.status_code == 422
    assert "time_log" in refused.text and "00:99 - broken" in refused.text
    assert "CI slow\nDocs missing" in refused.text and "<script>alert" not in refused.text
    saved = client.post(
        "/research/shadowing/new",
        data={**fields, "time_log": "00:00 - start\n00:20 - waiting for CI\n00:30 - done"},
    )
    assert saved.status_code == 303, saved.text
    page = client.get(saved.headers["location"])
    assert page.status_code == 200
    assert "I wish it was faster" in page.text and "Markdown notes" in page.text
    assert "a developer" in page.text and "waiting" in page.text


def test_a_read_only_user_cannot_post_the_form(client, users, small_catalog):
    sign_in(client, users["read"])
    form = client.get("/research/shadowing/new")
    assert "not record them" in form.text
    posted = client.post(
        "/research/shadowing/new",
        data={"csrf_token": csrf_of(client.get("/research/shadowing").text), "date": "2026-07-01"},
    )
    assert posted.status_code == 403


# --- demo -------------------------------------------------------------------------------------


def test_the_demo_shadows_three_teams_in_week_one_and_tells_the_story(engine):
    company = build_company()
    with unit_of_work(engine) as s:
        load_catalog(s, company)
        load_shadowing(s, company)
        load_shadowing(s, company)
    with unit_of_work(engine) as s:
        listed = shadowing.list_sessions(s, quarter="2026-Q2")
        themes = dict(shadowing.friction_themes(s))
    assert len(listed.sessions) == 3 and listed.progress.teams_shadowed == 3
    assert all(105 <= (x.duration_min or 0) <= 120 for x in listed.sessions)
    assert {x.date for x in listed.sessions} <= {date(2026, 6, d) for d in range(1, 8)}
    assert set(themes) >= {
        "CI slowness",
        "Manual rollback",
        "Documentation nobody finds",
        "Not knowing what the platform offers",
    }
