"""Interviews end to end on both engines: service, CLI, API scopes, pages (free text inert)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pavedroad.catalog.schemas import DeveloperIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from pavedroad.research import interviews as service
from pavedroad.research.interview_schemas import InterviewUpdate
from tests.web.conftest import bearer, csrf_of, sign_in

HOSTILE = "<script>alert('x')</script>"
NOTES = f"""# Interview Synthesis - 2026-06-03
Developer: ada@example.com

## Opening
### Tell me about the last time you deployed something to production.
- forty minutes, {HOSTILE}

Top 3 pain points mentioned:
1. "CI takes 18 minutes {HOSTILE}" -- said while waiting
2. "Rollback is manual" -- the last incident
Surprises:
1. Nobody knew the templates
Assumptions validated:
[+] CI is the top pain — confirmed by the opening story
[-] Docs are found — contradicted by "I ask in Slack"
[?] a line that is not an assumption
Actions:
1. Measure CI per team
"""
VTT = """WEBVTT

00:00.000 --> 00:30.000
Priya: What happened?

00:30.000 --> 01:30.000
Ada Lovelace: It took forever.
"""
INTERVIEW_KEYS = {
    "id",
    "date",
    "developer",
    "team",
    "interviewer",
    "script",
    "talk_ratio",
    "transcript_seconds",
    "warnings",
    "answers",
    "quotes",
    "pain_points",
    "surprises",
    "assumptions",
    "actions",
    "notes",
    "source",
}


@pytest.fixture
def catalog(engine) -> None:
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(
                teams=[
                    TeamIn(slug="payments", name="Payments", eligible=True, headcount=12),
                    TeamIn(slug="web-app", name="Web App", eligible=True, headcount=8),
                ],
                developers=[
                    DeveloperIn(email="ada@example.com", name="Ada Lovelace", team="payments")
                ],
            ),
        )


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    notes, vtt = tmp_path / "ada.md", tmp_path / "ada.vtt"
    notes.write_text(NOTES, encoding="utf-8")
    vtt.write_text(VTT, encoding="utf-8")
    return notes, vtt


# ---- service ---------------------------------------------------------------------------------


def test_the_practice_script_is_seeded_once_with_its_four_sections(engine) -> None:
    with unit_of_work(engine) as s:
        first = service.script_out(service.current_script(session=s))
        again = service.script_out(service.seed_default_script(session=s))
    assert [x.section for x in first.sections] == [
        "opening",
        "exploration",
        "validation",
        "closing",
    ]
    assert [len(x.questions) for x in first.sections] == [2, 4, 2, 2]
    assert again == first


def test_an_import_is_idempotent_and_keeps_what_a_later_import_does_not_carry(
    engine, catalog
) -> None:
    with unit_of_work(engine) as s:
        first = service.import_interview(
            s, notes=NOTES, transcript=VTT.splitlines(), interviewer="priya", source="ada.md"
        )
    with unit_of_work(engine) as s:
        again = service.import_interview(s, notes=NOTES.replace("forty", "fifty"), source="ada.md")
    assert again.id == first.id
    assert again.team == "payments"  # from the developer's team in the catalog
    assert again.talk_ratio == pytest.approx(1 / 3, abs=1e-4)
    assert again.warnings == ["interviewer_talks_too_much"]
    assert "fifty" in again.answers[0].notes
    assert [p.line for p in again.problems] == [16]
    with unit_of_work(engine) as s:
        other = service.import_interview(s, notes=NOTES, source="another.md")
        listed = service.list_interviews(session=s, month="2026-06")
        contacts = service.contacts(session=s, start=date(2026, 6, 1), end=date(2026, 7, 1))
        pains = service.pain_points(session=s, start=date(2026, 6, 1), end=date(2026, 7, 1))
    assert other.id != first.id
    assert listed.progress.model_dump() == {
        "month": "2026-06",
        "interviews": 2,
        "developers": 1,
        "aim": 5,
    }
    assert {(c.method, c.team, c.person) for c in contacts} == {
        ("interview", "payments", "ada@example.com")
    }
    assert len(pains) == 4 and pains[1].quote == "Rollback is manual"


def test_unknown_teams_and_month_forms_are_refused(engine, catalog) -> None:
    from pavedroad.errors import InvalidInputError

    with unit_of_work(engine) as s, pytest.raises(InvalidInputError) as caught:
        service.import_interview(s, notes=NOTES, team="nope")
    assert caught.value.problems[0].field == "team"
    with unit_of_work(engine) as s:
        for month in ("2026-13", "June", "2026-6"):
            with pytest.raises(InvalidInputError):
                service.list_interviews(session=s, month=month)
        with pytest.raises(InvalidInputError):
            service.list_interviews(session=s, month="2026-06", quarter="2026-Q2")
        assert service.list_interviews(session=s, quarter="2026-q2").quarter == "2026-Q2"


def test_an_update_may_not_make_two_interviews_one(engine, catalog) -> None:
    from pavedroad.errors import ConflictError

    with unit_of_work(engine) as s:
        a = service.create_interview(
            session=s, data=InterviewUpdate(developer="ada@example.com", date=date(2026, 6, 1))
        )
        b = service.create_interview(
            session=s, data=InterviewUpdate(developer="ada@example.com", date=date(2026, 6, 2))
        )
        found = service.get_interview_or_raise(session=s, interview_id=b.id)
        with pytest.raises(ConflictError):
            service.update_interview(
                session=s, interview=found, data=InterviewUpdate(date=date(2026, 6, 1))
            )
    assert a.id != b.id


# ---- CLI -------------------------------------------------------------------------------------


def test_cli_import_prints_the_interview_with_ratio_warnings_and_problems(
    cli, catalog, files
) -> None:
    notes, vtt = files
    result = cli(
        "research", "interview", "import", str(notes), "--transcript", str(vtt),
        "--interviewer", "Priya", "--team", "payments", "--date", "2026-06-04", "--json",
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    out = json.loads(result.stdout)
    assert INTERVIEW_KEYS | {"problems"} == set(out)
    assert out["date"] == "2026-06-04"
    assert out["talk_ratio"] == pytest.approx(0.3333)
    assert out["warnings"] == ["interviewer_talks_too_much"]
    assert out["problems"] == [
        {
            "file": str(notes),
            "line": 16,
            "reason": "an assumption starts with [+] (confirmed) or [-] (contradicted) "
            "(got '[?] a line that is not an assumption')",
        }
    ]
    listed = json.loads(cli("research", "interview", "list", "--month", "2026-06", "--json").stdout)
    assert listed["progress"] == {"month": "2026-06", "interviews": 1, "developers": 1, "aim": 5}
    assert [i["id"] for i in listed["interviews"]] == [out["id"]]
    shown = json.loads(cli("research", "interview", "show", str(out["id"]), "--json").stdout)
    assert set(shown) == INTERVIEW_KEYS
    exported = cli("research", "interview", "export", str(out["id"]))
    assert exported.exit_code == 0
    assert exported.stdout.startswith("# Interview Synthesis - 2026-06-04")
    assert "[-] Docs are found — contradicted by" in exported.stdout


def test_cli_transcript_only_needs_an_interviewer_and_reports_unusable_files(
    cli, catalog, files, tmp_path
) -> None:
    _, vtt = files
    only = cli("research", "interview", "import", "--transcript", str(vtt), "--json")
    assert only.exit_code == 1 and "interviewer" in only.stderr
    ok = cli(
        "research", "interview", "import", "--transcript", str(vtt), "--interviewer", "ada lovelace",
        "--developer", "ada@example.com", "--json",
    )  # fmt: skip
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["talk_ratio"] == pytest.approx(0.6667)
    assert json.loads(ok.stdout)["warnings"] == ["interviewer_talks_too_much"]
    bad = tmp_path / "x.vtt"
    bad.write_text("not a transcript\n")
    result = cli("research", "interview", "import", "--transcript", str(bad), "--interviewer", "a")
    assert result.exit_code == 2 and "WEBVTT" in result.stderr
    missing = cli("research", "interview", "import", str(tmp_path / "none.md"))
    assert missing.exit_code == 2
    assert cli("research", "interview", "import").exit_code == 2


def test_cli_script_show_and_set_from_yaml_and_markdown(cli, tmp_path) -> None:
    shown = json.loads(cli("research", "interview", "script", "show", "--json").stdout)
    assert shown["sections"][0]["questions"][0].startswith("Tell me about the last time")
    yaml_file = tmp_path / "script.yaml"
    yaml_file.write_text("opening:\n  - How was your week?\nclosing:\n  - Anything else?\n")
    out = json.loads(cli("research", "interview", "script", "set", str(yaml_file), "--json").stdout)
    assert [s["questions"] for s in out["sections"]] == [
        ["How was your week?"], [], [], ["Anything else?"],
    ]  # fmt: skip
    md = tmp_path / "script.md"
    md.write_text("# Our script\n## Opening (5 min)\n- “First?”\n## Exploration\n* Second?\n")
    out = json.loads(cli("research", "interview", "script", "set", str(md), "--json").stdout)
    assert out["sections"][1]["questions"] == ["Second?"]
    broken = tmp_path / "broken.md"
    broken.write_text("- a question before any section\n")
    result = cli("research", "interview", "script", "set", str(broken))
    assert result.exit_code == 1 and "broken.md:1" in result.stderr


# ---- API -------------------------------------------------------------------------------------


def test_api_scopes_import_read_patch_and_export(client, tokens, catalog) -> None:
    body = {"notes": NOTES, "transcript": VTT, "interviewer": "Priya", "team": "payments"}
    assert client.post("/api/v1/research/interviews", json=body).status_code == 401
    refused = client.post("/api/v1/research/interviews", json=body, headers=bearer(tokens["read"]))
    assert refused.status_code == 403
    created = client.post("/api/v1/research/interviews", json=body, headers=bearer(tokens["write"]))
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["warnings"] == ["interviewer_talks_too_much"] and out["problems"]
    read = bearer(tokens["read"])
    listed = client.get("/api/v1/research/interviews?month=2026-06", headers=read).json()
    assert listed["progress"]["interviews"] == 1
    assert client.get("/api/v1/research/interviews?month=2026-13", headers=read).status_code == 422
    assert client.get("/api/v1/research/interviews?month=june", headers=read).status_code == 422
    one = client.get(f"/api/v1/research/interviews/{out['id']}", headers=read)
    assert set(one.json()) == INTERVIEW_KEYS
    assert client.get("/api/v1/research/interviews/999999", headers=read).status_code == 404
    patched = client.patch(
        f"/api/v1/research/interviews/{out['id']}",
        json={"actions": ["Call back in July"], "team": "web-app"},
        headers=bearer(tokens["write"]),
    )
    assert patched.status_code == 200, patched.text
    assert (
        patched.json()["actions"] == ["Call back in July"] and patched.json()["team"] == "web-app"
    )
    assert (
        client.patch(
            f"/api/v1/research/interviews/{out['id']}", json={"actions": ["x"]}, headers=read
        ).status_code
        == 403
    )
    exported = client.get(f"/api/v1/research/interviews/{out['id']}/export", headers=read)
    assert exported.headers["content-type"].startswith("text/markdown")
    assert "1. Call back in July" in exported.text


def test_api_script_get_put_and_bounds(client, tokens) -> None:
    read, write = bearer(tokens["read"]), bearer(tokens["write"])
    assert client.get("/api/v1/research/interview-script", headers=read).status_code == 200
    new = {"sections": [{"section": "opening", "questions": ["Hi?"]}]}
    assert (
        client.put("/api/v1/research/interview-script", json=new, headers=read).status_code == 403
    )
    put = client.put("/api/v1/research/interview-script", json=new, headers=write)
    assert put.json()["sections"][0]["questions"] == ["Hi?"]
    twice = {"sections": [{"section": "opening", "questions": ["a"]}] * 2}
    assert (
        client.put("/api/v1/research/interview-script", json=twice, headers=write).status_code
        == 422
    )
    huge = {"notes": "x" * (2 * 2**20 + 1)}
    assert client.post("/api/v1/research/interviews", json=huge, headers=write).status_code == 422


# ---- pages -----------------------------------------------------------------------------------


def test_pages_render_free_text_inert_and_show_the_warning(client, users, engine, catalog) -> None:
    with unit_of_work(engine) as s:
        made = service.import_interview(
            s, notes=NOTES, transcript=VTT.splitlines(), interviewer="Priya", source="ada.md"
        )
        service.set_script(
            session=s,
            data=service.read_script_file(f'opening:\n  - "{HOSTILE}"\n', source="s.yaml"),
        )
    sign_in(client, users["read"])
    for path in (
        "/research/interviews",
        f"/research/interviews/{made.id}",
        "/research/interviews/script",
        f"/research/interviews/{made.id}/edit",
        "/research/interviews/new",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert HOSTILE not in page.text, path
    listing = client.get("/research/interviews").text
    assert "interviewer talks too much" in listing
    detail = client.get(f"/research/interviews/{made.id}").text
    assert "&lt;script&gt;" in detail and "[+]" in detail and "[-]" in detail
    assert "33%" in detail


def test_the_form_keeps_what_was_typed_on_errors_and_saves_when_right(
    client, users, catalog
) -> None:
    sign_in(client, users["write"])
    page = client.get("/research/interviews/new")
    form = {
        "csrf_token": csrf_of(page.text),
        "developer": "ada@example.com",
        "team": "payments",
        "date": "2026-06-05",
        "interviewer": "",
        "answer_section_0": "opening",
        "answer_question_0": "Tell me about the last time you deployed something to production.",
        "answer_notes_0": f"slow {HOSTILE}",
        "pain_points": f'"CI is slow {HOSTILE}" — every push',
        "surprises": "",
        "assumptions": "CI matters, no marker",
        "actions": "1. measure CI",
        "quotes": "",
        "notes": "",
    }
    refused = client.post("/research/interviews/new", data=form)
    assert refused.status_code == 422
    assert "CI is slow &lt;script&gt;" in refused.text and HOSTILE not in refused.text
    assert "[+] (confirmed)" in refused.text
    form["assumptions"] = "[+] CI matters — confirmed by every story"
    saved = client.post("/research/interviews/new", data=form)
    assert saved.status_code == 303, saved.text
    detail = client.get(saved.headers["location"]).text
    assert "every story" in detail and "measure CI" in detail


def test_reading_roles_cannot_post_the_forms(client, users) -> None:
    sign_in(client, users["read"])
    page = client.get("/research/interviews/script")
    answer = client.post(
        "/research/interviews/script",
        data={"csrf_token": csrf_of(page.text), "opening": "Hi?"},
    )
    assert answer.status_code == 403
