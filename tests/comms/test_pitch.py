"""Pitch one-pagers and the translation table on both engines: the JSON contract on a
hand-built store (numbers asserted), the three-bullet Markdown, unknown titles with close
matches, an initiative without evidence, the row chosen by hand, translation CRUD and its
idempotent seeding, the API's scopes, the pages' forms, and hostile text kept inert."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pavedroad.backlog import criteria as criteria_service
from pavedroad.backlog import problems as problem_service
from pavedroad.backlog import service as backlog
from pavedroad.backlog.schemas import InitiativeIn, InitiativeUpdate, ProblemIn
from pavedroad.comms import pitches, translation
from pavedroad.comms.pitch_markdown import pitch_markdown
from pavedroad.comms.schemas.pitches import PitchChoiceIn, TranslationRowIn
from pavedroad.db import unit_of_work
from pavedroad.demo.loader import contract_row
from pavedroad.errors import ConflictError, InvalidInputError, NotFoundError
from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.writer import upsert_rows
from pavedroad.research import insights
from pavedroad.research.schemas import InsightIn
from tests.web.conftest import bearer, client, csrf_of, sign_in, small_catalog, tokens, users

WEB_FIXTURES = (client, tokens, users, small_catalog)
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
QUOTE = "I push, then I get coffee: CI takes eight minutes"


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ci_runs(engine, minutes: list[float], *, days_ago: int = 5) -> None:
    """CI runs finishing `days_ago` days before today, of these durations."""
    kind = KINDS["ci-runs"]
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days_ago)
    events = [
        {
            "id": f"run-{index}-{days_ago}",
            "service": "ledger",
            "started_at": _stamp(end - timedelta(minutes=m)),
            "finished_at": _stamp(end),
            "result": "success",
            "queued_at": None,
        }
        for index, m in enumerate(minutes)
    ]
    with unit_of_work(engine) as s:
        rows = [contract_row(kind, e) for e in events]
        upsert_rows(s.connection(), kind, rows, channel="test", run_id=None)


@pytest.fixture
def store(engine, small_catalog) -> dict[str, int]:
    """Two initiatives (Faster CI ranks 2 of 2 with RICE 80), a problem with one insight, a
    success criterion on CI, CI runs of 8 minutes, and the translation table with a CI row."""
    with unit_of_work(engine) as s:
        pitches.seed_translation_table(session=s)
        problem_service.create_problem(
            session=s, data=ProblemIn(title="CI is slow", teams=["payments"])
        )
        ci = backlog.create_initiative(
            session=s,
            data=InitiativeIn(
                title="Faster CI",
                reach=100,
                impact=2,
                confidence=0.8,
                effort=2,
                problems=["CI is slow"],
                status="planned",
            ),
        )
        other = backlog.create_initiative(
            session=s,
            data=InitiativeIn(title="Golden paths", reach=200, impact=3, confidence=1, effort=1),
        )
        criteria_service.add_criterion(
            session=s,
            initiative=ci,
            data=criteria_service.parse_criterion("ci_duration_p50 < 5 by 2099-06-30"),
        )
        insights.add_insight(
            session=s,
            data=InsightIn(
                text="Developers wait on CI",
                quote=QUOTE,
                source_kind="interview",
                team="payments",
                problems=["CI is slow"],
            ),
        )
        translation.add_row(
            session=s,
            data=TranslationRowIn(
                pain="Slow CI",
                consequence="idle developers",
                business_outcome="later releases",
                kpi="ci_duration_p50",
            ),
        )
        ids = {"ci": ci.id, "other": other.id}
    _ci_runs(engine, [8.0, 8.0, 8.0])
    return ids


def _json(result):
    assert result.exit_code == 0, result.stderr or result.stdout
    return json.loads(result.stdout)


def test_pitch_json_follows_the_contract_with_its_numbers(cli, store):
    found = _json(cli("pitch", "faster ci", "--format", "json"))
    assert {"initiative", "constraint", "bet", "outcome", "translation"} <= set(found)
    assert found["initiative"] == "Faster CI"
    assert {"text", "evidence"} <= set(found["constraint"])
    assert {k: found["bet"][k] for k in ("effort", "rice", "rank", "of")} == {
        "effort": 2.0,
        "rice": 80.0,
        "rank": 2,
        "of": 2,
    }
    assert "rank 2 of 2" in found["bet"]["text"]
    outcome = found["outcome"]
    assert {"text", "kpi", "current", "target"} <= set(outcome)
    assert outcome["kpi"] == "ci_duration_p50"
    assert outcome["current"] == pytest.approx(8.0)
    assert outcome["target"] == "< 5.0 min by 2099-06-30"
    assert found["translation"] == {
        "pain": "Slow CI",
        "consequence": "idle developers",
        "business_outcome": "later releases",
    }
    evidence = found["constraint"]["evidence"]
    assert evidence["kpis"][0]["id"] == "ci_duration_p50"
    assert evidence["kpis"][0]["value"] == pytest.approx(8.0)
    assert evidence["research"] == [
        {"problem": "CI is slow", "insights": 1, "teams": ["payments"], "quotes": [QUOTE]}
    ]
    assert evidence["missing"] == []
    assert "8.0 min" in found["constraint"]["text"] and QUOTE in found["constraint"]["text"]


def test_pitch_markdown_is_a_title_and_three_bullets(cli, store):
    result = cli("pitch", "Faster CI")
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines[0] == "## Faster CI"
    assert [line.split(":**")[0] for line in lines[1:]] == [
        "- **Constraint",
        "- **Bet",
        "- **Outcome",
    ]


def test_unknown_title_is_refused_with_close_matches(cli, store):
    result = cli("pitch", "Fastr CI")
    assert result.exit_code != 0
    assert "no initiative titled 'Fastr CI'" in result.stderr
    assert "'Faster CI'" in result.stderr
    nothing = cli("pitch", "zzzz qqqq")
    assert nothing.exit_code != 0 and "initiatives list" in nothing.stderr


def test_bad_format_is_refused(cli, store):
    result = cli("pitch", "Faster CI", "--format", "pdf")
    assert result.exit_code != 0 and "markdown or json" in result.stderr


def test_initiative_without_evidence_still_gets_a_pitch_saying_what_is_missing(cli, store):
    found = _json(cli("pitch", "Golden paths", "--format", "json"))
    missing = " ".join(found["constraint"]["evidence"]["missing"])
    assert "no KPI evidence" in missing and "no problem linked" in missing
    assert found["constraint"]["text"].startswith("No evidence recorded yet")
    assert found["outcome"]["kpi"] is None and found["translation"] is None
    assert found["bet"]["rank"] == 1


def test_row_chosen_by_hand_wins_and_falls_back_when_removed(engine, store):
    with unit_of_work(engine) as s:
        manual = next(r for r in translation.list_rows(session=s) if r.pain == "Manual ops")
        pitches.save_choice(
            session=s,
            initiative_id=store["ci"],
            data=PitchChoiceIn(translation_id=manual.id, constraint_note="Runs are slow."),
        )
        found = pitches.build_pitch(session=s, initiative_id=store["ci"])
        assert found.translation and found.translation.pain == "Manual ops"
        assert found.translation_chosen
        assert found.constraint.text.startswith("Runs are slow.")
        translation.remove_row(
            session=s, row=translation.get_row_or_raise(session=s, row_id=manual.id)
        )
    with unit_of_work(engine) as s:
        found = pitches.build_pitch(session=s, initiative_id=store["ci"])
        assert found.translation and found.translation.pain == "Slow CI"
        assert not found.translation_chosen
        with pytest.raises(InvalidInputError):
            pitches.save_choice(
                session=s, initiative_id=store["ci"], data=PitchChoiceIn(translation_id=999)
            )
        with pytest.raises(NotFoundError):
            pitches.build_pitch(session=s, initiative_id=999)


def test_hostile_text_is_inert_in_markdown(engine, store):
    with unit_of_work(engine) as s:
        pitches.save_choice(
            session=s, initiative_id=store["ci"], data=PitchChoiceIn(constraint_note=HOSTILE)
        )
        row = translation.get_row_or_raise(
            session=s,
            row_id=next(r.id for r in translation.list_rows(session=s) if r.pain == "Slow CI"),
        )
        row.business_outcome = HOSTILE
        text = pitch_markdown(pitches.build_pitch(session=s, initiative_id=store["ci"]))
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;" in text
    assert len([line for line in text.splitlines() if line.startswith("- ")]) == 3


# ---- the translation table -------------------------------------------------------------------


def test_seeding_writes_the_practice_rows_once_and_only_into_an_empty_table(engine):
    with unit_of_work(engine) as s:
        pitches.seed_translation_table(session=s)
        pitches.seed_translation_table(session=s)
        rows = translation.list_rows(session=s)
    assert [(r.position, r.pain, r.kpi) for r in rows] == [
        (1, "Fragile releases", "change_failure_rate"),
        (2, "Data mismatches", "tickets_per_1k_customers"),
        (3, "Manual ops", "cost_to_serve_per_customer"),
        (4, "Inconsistent permissions/audit", None),
    ]
    assert rows[0].consequence == "slower feature velocity"
    assert rows[0].business_outcome == "missed revenue milestones"
    with unit_of_work(engine) as s:
        for row in list(translation.list_rows(session=s))[1:]:
            translation.remove_row(
                session=s, row=translation.get_row_or_raise(session=s, row_id=row.id)
            )
        pitches.seed_translation_table(session=s)
        assert [r.pain for r in translation.list_rows(session=s)] == ["Fragile releases"]


def test_translation_cli_adds_edits_moves_removes_and_resets(cli, engine):
    with unit_of_work(engine) as s:
        pitches.seed_translation_table(session=s)
    added = _json(
        cli(
            "translation", "add", "--pain", "Slow CI", "--consequence", "waiting",
            "--outcome", "later releases", "--kpi", "ci_duration_p50", "--position", "1", "--json",
        )
    )  # fmt: skip
    assert added["position"] == 1 and added["kpi"] == "ci_duration_p50"
    listed = _json(cli("translation", "list", "--json"))["rows"]
    assert [r["pain"] for r in listed][:2] == ["Slow CI", "Fragile releases"]
    assert [r["position"] for r in listed] == [1, 2, 3, 4, 5]
    edited = _json(
        cli("translation", "edit", str(added["id"]), "--position", "9", "--kpi", "", "--json")
    )
    assert edited["position"] == 5 and edited["kpi"] is None
    bad = cli("translation", "edit", str(added["id"]), "--kpi", "nope")
    assert bad.exit_code != 0 and "unknown KPI" in bad.stderr
    clash = cli("translation", "add", "--pain", "manual OPS")
    assert clash.exit_code != 0 and "exists already" in clash.stderr
    assert cli("translation", "remove", str(added["id"])).exit_code == 0
    missing = cli("translation", "remove", str(added["id"]))
    assert missing.exit_code != 0 and "no translation row" in missing.stderr
    assert cli("translation", "add", "--pain", "Extra").exit_code == 0
    reset = _json(cli("translation", "reset", "--yes", "--json"))["rows"]
    assert [r["pain"] for r in reset] == [p for p, *_ in translation.PRACTICE_ROWS]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pain=st.text(max_size=400), kpi=st.one_of(st.none(), st.text(max_size=70)))
def test_any_row_text_is_stored_or_refused_clearly(engine, pain, kpi):
    try:
        data = TranslationRowIn(pain=pain, kpi=kpi)
    except ValidationError:
        return
    with unit_of_work(engine) as s:
        try:
            row = translation.add_row(session=s, data=data)
        except (InvalidInputError, ConflictError):
            s.rollback()
            return
        assert row.pain == " ".join(pain.split())
        s.rollback()


# ---- API and pages ---------------------------------------------------------------------------


def test_api_reads_with_read_tokens_and_writes_with_write_tokens(client, tokens, store):
    read, write = bearer(tokens["read"]), bearer(tokens["write"])
    got = client.get(f"/api/v1/initiatives/{store['ci']}/pitch", headers=read)
    assert got.status_code == 200 and got.json()["outcome"]["kpi"] == "ci_duration_p50"
    assert client.get("/api/v1/initiatives/999/pitch", headers=read).status_code == 404
    assert client.get(f"/api/v1/initiatives/{store['ci']}/pitch").status_code == 401
    rows = client.get("/api/v1/translation", headers=read).json()
    assert len(rows) == 5
    body = {"pain": "Hand-run migrations", "kpi": "lead_time_p50"}
    assert client.post("/api/v1/translation", json=body, headers=read).status_code == 403
    created = client.post("/api/v1/translation", json=body, headers=write)
    assert created.status_code == 201, created.text
    row_id = created.json()["id"]
    refused = client.post("/api/v1/translation", json={"pain": "x", "kpi": "nope"}, headers=write)
    assert refused.status_code == 422
    patched = client.patch(
        f"/api/v1/translation/{row_id}", json={"position": 1, "kpi": None}, headers=write
    )
    assert patched.json()["position"] == 1 and patched.json()["kpi"] is None
    put = client.put(
        f"/api/v1/initiatives/{store['ci']}/pitch",
        json={"translation_id": row_id, "constraint_note": "Slow"},
        headers=write,
    )
    assert put.status_code == 200 and put.json()["translation"]["pain"] == "Hand-run migrations"
    bad = client.put(
        f"/api/v1/initiatives/{store['ci']}/pitch", json={"translation_id": 0}, headers=write
    )
    assert bad.status_code == 422
    assert client.delete(f"/api/v1/translation/{row_id}", headers=write).status_code == 204
    assert client.delete(f"/api/v1/translation/{row_id}", headers=write).status_code == 404


def test_pages_render_hostile_text_inert_and_keep_what_was_typed(client, users, engine, store):
    with unit_of_work(engine) as s:
        pitches.save_choice(
            session=s, initiative_id=store["ci"], data=PitchChoiceIn(constraint_note=HOSTILE)
        )
        translation.add_row(session=s, data=TranslationRowIn(pain=HOSTILE, consequence=HOSTILE))
    sign_in(client, users["write"])
    for path in (f"/initiatives/{store['ci']}/pitch", "/translation", "/pitches"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
    pitch_page = client.get(f"/initiatives/{store['ci']}/pitch").text
    assert "&lt;script&gt;" in pitch_page and "@media print" in pitch_page
    assert '"$schema"' in pitch_page  # the KPI chart's Vega-Lite spec
    csrf = csrf_of(pitch_page)
    refused = client.post(
        "/translation",
        data={"csrf_token": csrf, "pain": "", "consequence": "kept typed", "kpi": ""},
    )
    assert refused.status_code == 422 and 'value="kept typed"' in refused.text
    unknown = client.post(
        "/translation", data={"csrf_token": csrf, "pain": "Typed pain", "kpi": "nope"}
    )
    assert unknown.status_code == 422
    assert "unknown KPI" in unknown.text and 'value="Typed pain"' in unknown.text
    saved = client.post(
        f"/initiatives/{store['ci']}/pitch",
        data={"csrf_token": csrf, "translation_id": "", "constraint_note": "CI is the constraint"},
    )
    assert saved.status_code == 303
    assert "CI is the constraint" in client.get(f"/initiatives/{store['ci']}/pitch").text
    no_csrf = client.post("/translation", data={"pain": "x"})
    assert no_csrf.status_code in (400, 403)


def test_pitch_list_puts_now_and_next_first(engine, store):
    with unit_of_work(engine) as s:
        other = backlog.get_initiative_or_raise(session=s, initiative_id=store["other"])
        backlog.update_initiative(session=s, initiative=other, data=InitiativeUpdate(lane="next"))
        titles = [r.title for r in pitches.pitch_list(session=s)]
    assert titles[0] == "Golden paths"
