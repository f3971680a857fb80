"""Hosted surveys: waves and frozen questions, anonymous answers through the public link,
imports of Google Forms and Typeform exports, and results that never show fewer than five."""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select, text

from pavedroad.catalog.schemas import TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from pavedroad.errors import ConflictError, InvalidInputError
from pavedroad.ingest import service as ingest_service
from pavedroad.research import nps, survey_import, surveys
from pavedroad.research.categorise import Rule
from pavedroad.research.models import SurveyReceipt
from pavedroad.research.rules import replace_rules
from pavedroad.research.survey_schemas import AnswerIn, QuestionIn, SurveyIn, WaveIn
from pavedroad.web.pages import surveys as survey_pages
from tests.conftest import Cli
from tests.web import conftest as web
from tests.web.conftest import bearer, csrf_of, sign_in

# The web fixtures, shared with this folder.
client, tokens, users = web.client, web.tokens, web.users

TEAMS = ("payments", "ledger", "search", "identity")
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def teams(engine) -> None:
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(
                teams=[TeamIn(slug=t, name=t.title(), eligible=True, headcount=8) for t in TEAMS]
            ),
        )


def _survey_with_open_wave(engine, *, questions: list[QuestionIn] | None = None) -> str:
    with unit_of_work(engine) as s:
        survey = surveys.create_survey(s, data=SurveyIn(name="dx", title="DX survey"))
        wave = surveys.add_wave(s, survey=survey, data=WaveIn(name="2026-Q4", questions=questions))
        surveys.open_wave(s, wave=wave)
        return str(wave.token)


def _answer(engine, token: str, **fields: Any) -> str:
    values: dict[str, Any] = {
        "nps": None,
        "satisfaction": None,
        "team": None,
        "comments": "",
        "answers": {},
        "receipt": None,
    }
    values.update(fields)
    with unit_of_work(engine) as s:
        return surveys.submit_answer(s, token=token, **values).receipt


# ---- pure NPS ------------------------------------------------------------------------------


def test_nps_is_percent_promoters_minus_percent_detractors():
    split = nps.nps_split([10, 9, 8, 7, 6, 0, None])
    assert (split.promoters, split.passives, split.detractors) == (2, 2, 2)
    assert split.score == 0.0
    assert nps.nps_split([]).score is None


@given(st.lists(st.integers(0, 10), max_size=200))
@settings(max_examples=60)
def test_nps_stays_between_minus_and_plus_100(scores):
    split = nps.nps_split(scores)
    assert split.scored == len(scores)
    if scores:
        assert -100 <= split.score <= 100


@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d", None]), st.integers(1, 12)))
@settings(max_examples=80)
def test_the_answers_not_shown_by_team_are_never_fewer_than_five(by_team):
    shown = nps.teams_shown(by_team)
    assert all(by_team[t] >= 5 for t in shown)
    held = sum(by_team.values()) - sum(by_team[t] for t in shown)
    assert held == 0 or held >= 5 or not shown


# ---- waves and questions ---------------------------------------------------------------------


def test_a_new_wave_copies_the_questions_and_they_freeze_once_answered(engine, teams):
    question = QuestionIn(key="aware", kind="agreement", text="I know what the platform offers")
    token = _survey_with_open_wave(engine, questions=[question])
    with unit_of_work(engine) as s:
        survey = surveys.get_survey_or_raise(s, name="dx")
        copy = surveys.add_wave(s, survey=survey, data=WaveIn(name="2027-Q1"))
        assert [q.key for q in copy.questions] == ["aware"]
        wave = surveys.get_wave_or_raise(s, survey=survey, name="2026-Q4")
        surveys.add_question(
            s,
            wave=wave,
            data=QuestionIn(key="pain", kind="single", text="Pain?", options=["CI", "Docs"]),
        )
    _answer(engine, token, nps=9, answers={"aware": 4, "pain": "CI"})
    with unit_of_work(engine) as s:
        survey = surveys.get_survey_or_raise(s, name="dx")
        wave = surveys.get_wave_or_raise(s, survey=survey, name="2026-Q4")
        with pytest.raises(ConflictError, match="cannot change"):
            surveys.add_question(s, wave=wave, data=QuestionIn(key="x", kind="text", text="?"))
        with pytest.raises(ConflictError, match="cannot change"):
            surveys.remove_question(s, wave=wave, key="aware")


def test_a_second_answer_from_the_same_browser_and_answers_to_a_closed_wave_are_refused(
    engine, teams
):
    token = _survey_with_open_wave(engine)
    receipt = _answer(engine, token, nps=9)
    with pytest.raises(ConflictError, match="answered this survey already"):
        _answer(engine, token, nps=3, receipt=receipt)
    _answer(engine, token, nps=7, receipt="another browser's receipt")
    with unit_of_work(engine) as s:
        survey = surveys.get_survey_or_raise(s, name="dx")
        surveys.close_wave(s, wave=survey.waves[0])
    with pytest.raises(ConflictError, match="closed"):
        _answer(engine, token, nps=10)
    with unit_of_work(engine) as s:
        assert ingest_service.survey_waves_answered(session=s, survey="dx") == {"2026-Q4": 2}


def test_answers_are_checked_against_the_catalog_and_the_questions(engine, teams):
    questions = [QuestionIn(key="pain", kind="multiple", text="Pain?", options=["CI", "Docs"])]
    token = _survey_with_open_wave(engine, questions=questions)
    with pytest.raises(InvalidInputError) as refused:
        _answer(engine, token, team="nope", answers={"pain": ["Kubernetes"], "ghost": 1})
    fields = {p.field for p in refused.value.problems}
    assert fields == {"team", "pain", "ghost"}
    with pytest.raises(InvalidInputError, match="empty"):
        _answer(engine, token)


# ---- anonymity -------------------------------------------------------------------------------


def _hosted(engine, token: str, answers: list[tuple[int, int, str | None, str]]) -> None:
    for score, rating, team, comment in answers:
        _answer(engine, token, nps=score, satisfaction=rating, team=team, comments=comment)


def test_a_wave_with_fewer_than_five_answers_shows_no_number_anywhere(engine, teams, cli_db):
    token = _survey_with_open_wave(
        engine, questions=[QuestionIn(key="aware", kind="agreement", text="Aware?")]
    )
    for score in (10, 9, 2, 8):
        _answer(engine, token, nps=score, satisfaction=4, team="payments", answers={"aware": 5})
    with unit_of_work(engine) as s:
        report = surveys.results(s, survey="dx")
        markdown = surveys.export_markdown(s, survey="dx", wave="2026-Q4")
    wave = report["waves"][0]
    assert wave["responses"] == 4 and wave["hidden"] and wave["hidden_reason"]
    for key in ("nps", "satisfaction", "promoters", "passives", "detractors"):
        assert wave[key] is None
    assert wave["satisfaction_distribution"] is None
    assert wave["by_team"] == [] and wave["themes"] == []
    assert wave["questions"][0]["hidden"] and wave["questions"][0]["mean"] is None
    assert report["trend"][0]["nps"] is None
    assert "No figures" in markdown and "NPS" not in markdown
    out = json.loads(cli_db("survey", "results", "dx", "--json").stdout)
    assert out["waves"][0]["nps"] is None


def test_by_team_lists_teams_with_five_answers_and_counts_the_others(engine, teams, cli_db):
    with unit_of_work(engine) as s:
        replace_rules(
            s,
            ruleset="comments",
            rules=[
                Rule(category="CI speed", keywords=("CI",)),
                Rule(category="Docs", keywords=("docs",)),
            ],
        )
    token = _survey_with_open_wave(engine)
    answers = [(10, 5, "payments", "CI is fast")] * 3 + [(6, 2, "payments", "docs?")] * 3
    answers += [(9, 4, "ledger", "CI")] * 6 + [(3, 1, "search", "slow CI")] * 2
    answers += [(8, 3, "identity", "")] * 3
    _hosted(engine, token, answers)
    out = json.loads(cli_db("survey", "results", "dx", "--wave", "2026-Q4", "--json").stdout)
    wave = out["waves"][0]
    assert set(out) >= {"survey", "waves"}
    assert set(wave) >= {
        "wave", "responses", "nps", "satisfaction", "promoters", "passives", "detractors",
        "satisfaction_distribution", "by_team", "hidden_teams", "themes",
    }  # fmt: skip
    assert wave["responses"] == 17
    assert (wave["promoters"], wave["passives"], wave["detractors"]) == (9, 3, 5)
    assert wave["nps"] == round((9 - 5) * 100 / 17, 1)
    assert wave["satisfaction_distribution"] == {"1": 2, "2": 3, "3": 3, "4": 6, "5": 3}
    assert [t["team"] for t in wave["by_team"]] == ["ledger", "payments"]
    assert all(set(t) >= {"team", "responses", "nps", "satisfaction"} for t in wave["by_team"])
    assert wave["hidden_teams"] == 2
    assert wave["themes"] == [{"theme": "CI speed", "count": 11}, {"theme": "Docs", "count": 3}]


def test_a_shown_team_is_held_back_when_the_rest_would_give_a_small_team_away(engine, teams):
    token = _survey_with_open_wave(engine)
    _hosted(engine, token, [(10, 5, "payments", "")] * 6 + [(9, 4, "ledger", "")] * 5)
    _hosted(engine, token, [(0, 1, "search", "")] * 2)
    with unit_of_work(engine) as s:
        wave = surveys.results(s, survey="dx")["waves"][0]
    # payments and ledger minus the wave would reveal search's two answers: ledger goes too.
    assert [t["team"] for t in wave["by_team"]] == ["payments"]
    assert wave["hidden_teams"] == 2


# ---- what is stored ------------------------------------------------------------------------


def _all_rows(engine, table: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {table}"))]


def test_no_stored_column_or_log_line_holds_an_address_agent_or_time(
    engine, teams, client, caplog, monkeypatch
):
    token = _survey_with_open_wave(engine)
    caplog.set_level(logging.DEBUG)
    agent = "Mozilla/5.0 (iPhone; secret-agent-42)"
    form = client.get(f"/s/{token}", headers={"User-Agent": agent})
    nonce = re.search(r'name="nonce" value="([^"]+)"', form.text).group(1)
    posted = client.post(
        f"/s/{token}",
        data={"nonce": nonce, "nps": "9", "satisfaction": "4", "team": "ledger", "comments": "ok"},
        headers={"User-Agent": agent, "X-Forwarded-For": "203.0.113.7"},
    )
    assert posted.status_code == 200, posted.text
    assert set(posted.cookies.keys()) == {survey_pages.RECEIPT_COOKIE}
    cookie = posted.headers["set-cookie"]
    assert f"Path=/s/{token}" in cookie and "HttpOnly" in cookie
    names = inspect(engine).get_table_names()
    rows = {
        t: _all_rows(engine, t)
        for t in ("survey_responses", "survey_answers", "survey_receipts")
        if t in names
    }
    assert len(rows["survey_responses"]) == 1
    response = rows["survey_responses"][0]
    assert response["channel"] == "hosted" and response["run_id"] is None
    assert str(response["submitted_at"]) == surveys.today_utc().isoformat()
    assert re.fullmatch(r"hosted-[0-9a-f]{32}", response["id"])
    receipt = rows["survey_receipts"][0]
    assert set(receipt) == {"id", "wave_id", "receipt_hash"}
    assert receipt["receipt_hash"] != posted.cookies[survey_pages.RECEIPT_COOKIE]
    stamp = re.compile(r"\d{1,2}:\d{2}")
    for table, stored in rows.items():
        for row in stored:
            for column, value in row.items():
                shown = str(value)
                assert "testclient" not in shown and "203.0.113" not in shown, (table, column)
                assert "secret-agent" not in shown and "Mozilla" not in shown, (table, column)
                assert not stamp.search(shown), (table, column, shown)
    # What the server side logged (httpx is the test's own client, not the server).
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "testclient" not in logged and "203.0.113" not in logged and "secret-agent" not in logged
    assert f"/s/{token}" not in logged


def test_the_public_form_refuses_a_second_answer_a_closed_wave_and_a_stale_form(
    engine, teams, client
):
    token = _survey_with_open_wave(engine)
    page = client.get(f"/s/{token}")
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text).group(1)
    assert client.post(f"/s/{token}", data={"nonce": "1.x.y", "nps": "9"}).status_code == 403
    assert client.post(f"/s/{token}", data={"nonce": nonce, "nps": "9"}).status_code == 200
    again = client.post(f"/s/{token}", data={"nonce": nonce, "nps": "1"})
    assert again.status_code == 409 and "already" in again.text
    assert "already" in client.get(f"/s/{token}").text
    client.cookies.clear()
    with unit_of_work(engine) as s:
        surveys.close_wave(s, wave=surveys.wave_by_token(s, token=token))
    closed = client.get(f"/s/{token}")
    assert closed.status_code == 410 and "closed" in closed.text
    assert client.post(f"/s/{token}", data={"nonce": nonce, "nps": "9"}).status_code == 410
    assert client.get("/s/not-a-token").status_code == 404


def test_survey_spam_is_bounded(engine, teams, client):
    token = _survey_with_open_wave(engine)
    nonce = re.search(r'name="nonce" value="([^"]+)"', client.get(f"/s/{token}").text).group(1)
    huge = client.post(f"/s/{token}", data={"nonce": nonce, "comments": "x" * 100_000})
    assert huge.status_code == 413
    client.app.state.survey_rate_limit = survey_pages.AnswerRateLimit(per_minute=3)
    codes = []
    for _ in range(5):
        client.cookies.clear()
        codes.append(client.post(f"/s/{token}", data={"nonce": nonce, "nps": "8"}).status_code)
    assert codes == [200, 200, 200, 429, 429]
    long_comment = client.post(f"/s/{token}", data={"nonce": nonce, "comments": "y" * 6000})
    assert long_comment.status_code in (422, 429)


def test_a_refused_public_answer_keeps_what_was_typed_and_hostile_text_is_inert(
    engine, teams, client, users
):
    token = _survey_with_open_wave(
        engine,
        questions=[QuestionIn(key="pain", kind="single", text=HOSTILE, options=[HOSTILE, "CI"])],
    )
    nonce = re.search(r'name="nonce" value="([^"]+)"', client.get(f"/s/{token}").text).group(1)
    refused = client.post(
        f"/s/{token}", data={"nonce": nonce, "team": "ghost-team", "comments": HOSTILE}
    )
    assert refused.status_code == 422
    assert "<script>alert" not in refused.text and "&lt;script&gt;" in refused.text
    for _ in range(5):
        client.cookies.clear()
        ok = client.post(
            f"/s/{token}", data={"nonce": nonce, "nps": "9", "comments": HOSTILE, "q_pain": HOSTILE}
        )
        assert ok.status_code == 200
    client.cookies.clear()
    sign_in(client, users["read"])
    page = client.get("/surveys/dx")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    listing = client.get("/surveys")
    assert "/s/" + token in listing.text


# ---- import --------------------------------------------------------------------------------

GOOGLE = (
    "\ufeffTimestamp,How likely are you to recommend the platform?,Overall satisfaction,"
    "Your team,Anything else?,Email address\r\n"
    '2026/09/14 10:02:11 AM GMT+2,9,4,Payments,"CI is slow,\nreally slow",a@x.example\r\n'
    "2026/09/14 11:15:40 PM GMT+2,9,4,Payments,,b@x.example\r\n"
    "2026/09/14 11:15:40 PM GMT+2,9,4,Payments,,b@x.example\r\n"
    '2026/09/15 1:02:03 AM GMT-5,3,2,ledger,"Docs ""nobody"" finds",c@x.example\r\n'
)
MAP = [
    "submitted_at=Timestamp",
    "nps=how likely are you to recommend the platform?",
    "satisfaction=Overall satisfaction",
    "team=Your team",
    "comments=Anything else?",
]


def test_a_google_forms_export_with_bom_and_quoted_newlines_imports_idempotently(
    engine, teams, cli_db, tmp_path
):
    cli_db("survey", "create", "dx")
    export = tmp_path / "google.csv"
    export.write_bytes(GOOGLE.encode("utf-8"))
    args = ["survey", "import", str(export), "--survey", "dx", "--wave", "2026-Q3"]
    args += [a for m in MAP for a in ("--map", m)]
    first = cli_db(*args, "--json")
    assert first.exit_code == 0, first.stderr
    report = json.loads(first.stdout)
    assert (report["rows"], report["new"]) == (4, 4)
    assert report["unmapped_columns"] == ["Email address"]
    again = json.loads(cli_db(*args, "--json").stdout)
    assert (again["new"], again["unchanged"]) == (0, 4)
    with unit_of_work(engine) as s:
        stored = ingest_service.survey_responses(session=s, survey="dx")
    assert len(stored) == 4  # the two identical answers stay two
    assert sorted(r.submitted_at.isoformat() for r in stored) == [
        "2026-09-14", "2026-09-14", "2026-09-14", "2026-09-15",
    ]  # fmt: skip
    assert {r.team for r in stored} == {"payments", "ledger"}
    assert "CI is slow,\nreally slow" in {r.comments for r in stored}
    assert all("x.example" not in r.comments for r in stored)
    listed = json.loads(cli_db("survey", "list", "--json").stdout)
    assert listed[0]["waves"][0] == listed[0]["waves"][0] | {"name": "2026-Q3", "status": "closed"}


def test_typeform_iso_times_keep_their_day():
    assert survey_import.parse_submitted_day("2026-09-14T23:59:59Z") == date(2026, 9, 14)
    assert survey_import.parse_submitted_day("2026-09-14 08:02:11") == date(2026, 9, 14)
    assert survey_import.parse_submitted_day("2026/09/14 10:02:11 AM GMT+2") == date(2026, 9, 14)
    assert survey_import.parse_submitted_day("2026/9/4 1:02:11 PM GMT-11:30") == date(2026, 9, 4)
    with pytest.raises(ValueError):
        survey_import.parse_submitted_day("yesterday")


def test_bad_rows_are_refused_with_line_and_field_and_nothing_is_written(
    engine, teams, cli_db, tmp_path
):
    cli_db("survey", "create", "dx")
    export = tmp_path / "typeform.csv"
    export.write_text(
        "Submitted At,NPS,Team\n"
        "2026-09-14T08:00:00Z,9,payments\n"
        '2026-09-14T08:00:00Z,"eleven\nor so",payments\n'
        "not a time,12,Nobody\n",
        encoding="utf-8",
    )
    result = cli_db(
        "survey", "import", str(export), "--survey", "dx", "--wave", "W1",
        "--map", "submitted_at=Submitted At", "--map", "nps=NPS", "--map", "team=Team",
    )  # fmt: skip
    assert result.exit_code == 1
    assert f"{export}:3: field 'nps'" in result.stderr
    assert f"{export}:5: field 'submitted_at'" in result.stderr
    assert f"{export}:5: field 'team'" in result.stderr
    with unit_of_work(engine) as s:
        assert ingest_service.survey_responses(session=s, survey="dx") == []
    missing = cli_db(
        "survey", "import", str(export), "--survey", "dx", "--wave", "W1", "--map", "nps=Score"
    )
    assert missing.exit_code == 2 and "no column has this header" in missing.stderr
    unknown = cli_db(
        "survey", "import", str(export), "--survey", "dx", "--wave", "W1", "--map", "mood=NPS"
    )
    assert unknown.exit_code == 2


def test_a_huge_export_is_refused_whole(engine, teams):
    data = b"NPS\n" + b"9\n" * 10
    with unit_of_work(engine) as s:
        surveys.create_survey(s, data=SurveyIn(name="dx"))
    original = survey_import.MAX_BYTES
    survey_import.MAX_BYTES = 8
    try:
        with unit_of_work(engine) as s, pytest.raises(InvalidInputError, match="larger"):
            survey_import.import_export(
                s, data=data, source="f", survey="dx", wave="W", mapping={"nps": "NPS"}
            )
    finally:
        survey_import.MAX_BYTES = original


# ---- CLI and API -----------------------------------------------------------------------------


@pytest.fixture
def cli_db(db_url) -> Cli:
    return Cli(db_url)


def test_the_cli_runs_a_wave_from_draft_to_report(engine, teams, cli_db):
    assert cli_db("survey", "create", "dx", "--title", "DX").exit_code == 0
    added = cli_db(
        "survey", "wave", "add", "dx", "2026-Q4",
        "--question", "aware:agreement:I know what the platform offers",
        "--question", "pain:single:What slows you down?:CI|Docs|Rollback",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    opened = cli_db("survey", "wave", "open", "dx", "2026-Q4")
    token = opened.stdout.strip().removeprefix("/s/")
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,}", token)
    for score in (9, 10, 8, 3, 9):
        _answer(engine, token, nps=score, satisfaction=4, answers={"aware": 4, "pain": "CI"})
    assert cli_db("survey", "wave", "close", "dx", "2026-Q4").exit_code == 0
    report = cli_db("survey", "export", "dx", "2026-Q4")
    assert "NPS: 40" in report.stdout and "| CI | 5 |" in report.stdout
    shown = cli_db("survey", "results", "dx")
    assert "NPS 40" in shown.stdout
    bad = cli_db("survey", "wave", "add", "dx", "W2", "--question", "x:essay:Why?")
    assert bad.exit_code == 1


def test_the_api_creates_opens_answers_and_reports(engine, teams, client, tokens):
    write, read = bearer(tokens["write"]), bearer(tokens["read"])
    assert client.post("/api/v1/surveys", json={"name": "dx"}, headers=read).status_code == 403
    assert client.post("/api/v1/surveys", json={"name": "dx"}, headers=write).status_code == 201
    assert client.post("/api/v1/surveys", json={"name": "dx"}, headers=write).status_code == 409
    wave = client.post(
        "/api/v1/surveys/dx/waves",
        json={"name": "W1", "questions": [{"key": "aware", "kind": "agreement", "text": "Aware?"}]},
        headers=write,
    )
    assert wave.status_code == 201 and wave.json()["status"] == "draft"
    opened = client.post("/api/v1/surveys/dx/waves/W1/open", headers=write).json()
    token = opened["link"].removeprefix("/s/")
    for score in (9, 9, 9, 9, 9):
        _answer(engine, token, nps=score, answers={"aware": 5})
    frozen = client.post(
        "/api/v1/surveys/dx/waves/W1/questions",
        json={"key": "late", "kind": "text", "text": "Late?"},
        headers=write,
    )
    assert frozen.status_code == 409
    results = client.get("/api/v1/surveys/dx/results", headers=read).json()
    assert results["waves"][0]["nps"] == 100.0
    assert results["waves"][0]["questions"][0]["mean"] == 5.0
    csv_body = "Score,Team\n9,payments\n7,ledger\n"
    imported = client.post(
        "/api/v1/surveys/dx/waves/W0/import",
        params=[("map", "nps=score"), ("map", "team=Team")],
        content=csv_body,
        headers={**write, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["new"] == 2
    refused = client.post(
        "/api/v1/surveys/dx/waves/W0/import",
        params=[("map", "nps=Score")],
        content="Score\n99\n",
        headers={**write, "Content-Type": "text/csv"},
    )
    assert refused.status_code == 422
    exported = client.get("/api/v1/surveys/dx/waves/W1/export", headers=read)
    assert exported.status_code == 200 and "NPS: 100" in exported.text
    assert client.get("/api/v1/surveys/nope/results", headers=read).status_code == 404


def test_the_receipt_is_only_a_hash(engine, teams):
    token = _survey_with_open_wave(engine)
    receipt = _answer(engine, token, nps=9)
    with unit_of_work(engine) as s:
        stored = s.scalars(select(SurveyReceipt.receipt_hash)).all()
    assert stored == [surveys.receipt_hash(receipt)] and receipt not in stored


def test_the_demo_survey_has_closed_waves_an_open_one_and_themes(engine):
    from pavedroad.demo.loader import load_demo

    with unit_of_work(engine) as s:
        load_demo(s, only=("catalog", "demo user", "telemetry", "surveys"))
    with unit_of_work(engine) as s:
        report = surveys.results(s, survey="developer-experience")
        load_demo(s, only=("surveys",))
    with unit_of_work(engine) as s:
        assert surveys.results(s, survey="developer-experience") == report
    waves = {w["wave"]: w for w in report["waves"]}
    assert [w["status"] for w in report["waves"]] == ["closed"] * 4 + ["open"]
    assert 44 <= waves["2026-Q4"]["nps"] <= 52 and 8 <= waves["2026-Q2"]["nps"] <= 16
    themes = {t["theme"] for t in waves["2026-Q2"]["themes"]}
    assert {
        "CI speed",
        "Rollback",
        "Documentation",
        "Awareness of what the platform offers",
    } <= themes
    pulse = report["waves"][-1]
    assert pulse["responses"] == 6 and pulse["nps"] == 50.0 and pulse["by_team"] == []
    assert pulse["questions"][0]["mean"] is not None


def test_answer_in_bounds_are_documented_by_the_schema():
    with pytest.raises(ValueError):
        AnswerIn(nps=11)
    with pytest.raises(ValueError):
        AnswerIn(comments="x" * 5001)


def test_the_pages_create_a_survey_add_a_wave_open_and_close_it(engine, teams, client, users):
    sign_in(client, users["write"])
    empty = client.get("/surveys")
    assert "No surveys yet" in empty.text
    csrf = csrf_of(empty.text)
    refused = client.post(
        "/surveys", data={"csrf_token": csrf, "name": "bad name!", "title": HOSTILE}
    )
    assert refused.status_code == 422 and 'value="bad name!"' in refused.text
    assert "<script>alert" not in refused.text
    created = client.post("/surveys", data={"csrf_token": csrf, "name": "dx", "title": "DX"})
    assert created.status_code == 303 and created.headers["location"] == "/surveys/dx"
    bad_wave = client.post(
        "/surveys/dx/waves",
        data={"csrf_token": csrf, "wave": "W1", "questions": "aware:essay:Aware?"},
    )
    assert bad_wave.status_code == 422 and "aware:essay:Aware?" in bad_wave.text
    added = client.post(
        "/surveys/dx/waves",
        data={"csrf_token": csrf, "wave": "W1", "questions": "pain:single:Pain?:CI|Docs"},
    )
    assert added.status_code == 303
    assert (
        client.post(
            "/surveys/dx/waves/W1/questions",
            data={"csrf_token": csrf, "question": "aware:agreement:Aware?"},
        ).status_code
        == 303
    )
    assert client.post("/surveys/dx/waves/W1/open", data={"csrf_token": csrf}).status_code == 303
    page = client.get("/surveys/dx")
    link = re.search(r'value="(http://testserver/s/[^"]+)"', page.text).group(1)
    assert "No figures yet" not in page.text or "0 answers" in page.text
    assert client.get(link.removeprefix("http://testserver")).status_code == 200
    assert client.post("/surveys/dx/waves/W1/close", data={"csrf_token": csrf}).status_code == 303
    assert "closed" in client.get("/surveys/dx").text
    report = client.get("/surveys/dx/waves/W1/report.md")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/markdown")
    client.cookies.clear()
    sign_in(client, users["read"])
    csrf = csrf_of(client.get("/surveys").text)
    assert client.post("/surveys", data={"csrf_token": csrf, "name": "x"}).status_code == 403


def test_hosted_answers_count_in_the_kpi_engine_once_it_has_looked_before(engine, teams):
    from datetime import timedelta

    from sqlalchemy.orm import Session

    from pavedroad.metrics import service as metrics

    token = _survey_with_open_wave(engine)
    end = surveys.today_utc() + timedelta(days=1)
    start = end - timedelta(days=30)
    with Session(engine) as s:
        assert metrics.window_values(session=s, kpi_ids=["nps"], start=start, end=end) == {
            "nps": None
        }
    for score in (10, 10, 10, 0, 8):
        _answer(engine, token, nps=score)
    with Session(engine) as s:
        values = metrics.window_values(session=s, kpi_ids=["nps"], start=start, end=end)
    assert values["nps"] == pytest.approx(40.0)
