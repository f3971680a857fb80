"""Insights: add, list, update, link to problems, evidence and its solution-only warning,
one-step promotions, research coverage through the services, the CLI and the API scopes."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine

from pavedroad.backlog.problems import create_problem
from pavedroad.backlog.schemas import ProblemIn
from pavedroad.catalog.schemas import PersonaIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch, save_persona
from pavedroad.db import unit_of_work
from pavedroad.errors import InvalidInputError, NotFoundError
from pavedroad.research import insights as service
from pavedroad.research import promotions
from pavedroad.research.models import Interview, ShadowingSession
from pavedroad.research.schemas import InsightIn, InsightUpdate
from tests.web.conftest import bearer

CI = "CI takes 18 minutes"
ROLLBACK = "Rolling back is manual"


@pytest.fixture
def world(engine: Engine) -> dict[str, int]:
    """Teams web, payments, data (eligible) and corp-it (not); two problems; a shadowing
    session and an interview in 2026-Q2. Returns names -> ids."""
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(
                teams=[
                    TeamIn(slug="web", name="Web", headcount=30),
                    TeamIn(slug="payments", name="Payments", headcount=12),
                    TeamIn(slug="data", name="Data", headcount=8),
                    TeamIn(slug="corp-it", name="Corporate IT", eligible=False),
                ]
            ),
        )
        save_persona(session=s, data=PersonaIn(name="Feature developer"))
        ci = create_problem(session=s, data=ProblemIn(title=CI, teams=["web"]))
        rollback = create_problem(session=s, data=ProblemIn(title=ROLLBACK))
        from pavedroad.catalog.service import find_teams

        teams = find_teams(session=s, slugs=["web", "payments"])
        shadow = ShadowingSession(
            natural_key="k1",
            observed_on=date(2026, 6, 2),
            developer="ada@example.com",
            team_id=teams["web"].id,
            workflow="pushing a change",
            friction_points=["waited 18 minutes for CI"],
            wishes=["I wish the pipeline told me what failed"],
        )
        interview = Interview(
            natural_key="k2",
            held_on=date(2026, 6, 4),
            developer="alan@example.com",
            team_id=teams["payments"].id,
            pain_points=[{"quote": "I need a rollback button", "context": "rollback at 2 a.m."}],
        )
        s.add_all([shadow, interview])
        s.flush()
        return {
            "ci": ci.id,
            "rollback": rollback.id,
            "shadow": shadow.id,
            "interview": interview.id,
        }


def add(engine, **fields):
    fields.setdefault("source_kind", "interview")
    fields.setdefault("observed_on", date(2026, 6, 3))
    with unit_of_work(engine) as s:
        return service.add_insight(session=s, data=InsightIn(**fields)).id


def test_an_insight_is_added_with_its_framing_suggested_and_listed_with_filters(engine, world):
    first = add(engine, text="I need a bigger database", team="web", person="ada", problems=[CI])
    add(engine, text="My queries are slow", team="payments", source_kind="ticket_category")
    add(engine, text="Old finding", observed_on=date(2026, 1, 5), persona="feature developer")
    with unit_of_work(engine) as s:
        every = service.list_insights(session=s)
        assert [i.text for i in every][-1] == "Old finding"
        out = next(i for i in every if i.id == first)
        assert out.framing == "solution" and out.suggested_framing == "solution"
        assert out.team == "web" and out.problems[0].title == CI and out.method == "interview"
        assert [i.text for i in service.list_insights(session=s, team="payments")] == [
            "My queries are slow"
        ]
        assert len(service.list_insights(session=s, source_kind="ticket_category")) == 1
        assert [i.id for i in service.list_insights(session=s, problem=CI)] == [first]
        assert len(service.list_insights(session=s, quarter="2026-Q2")) == 2
        assert service.list_insights(session=s, team="nobody") == []
        old = service.list_insights(session=s, quarter="2026-Q1")[0]
        assert old.persona == "Feature developer"


def test_unknown_team_persona_or_problem_is_refused(engine, world):
    for fields in ({"team": "nobody"}, {"persona": "ghost"}, {"problems": ["no such problem"]}):
        with pytest.raises((InvalidInputError, NotFoundError)):
            add(engine, text="x", **fields)


def test_update_changes_given_fields_and_clears_nulls(engine, world):
    insight = add(engine, text="slow CI", quote="it is slow", team="web")
    with unit_of_work(engine) as s:
        found = service.get_insight_or_raise(session=s, insight_id=insight)
        service.update_insight(
            session=s,
            insight=found,
            data=InsightUpdate.model_validate({"quote": None, "framing": "solution", "team": None}),
        )
        out = service.insight_out(s, found)
    assert out.quote is None and out.framing == "solution" and out.team is None
    assert out.text == "slow CI"


def test_link_and_unlink_are_idempotent_and_deleting_keeps_the_problem(engine, world):
    insight = add(engine, text="slow CI")
    with unit_of_work(engine) as s:
        found = service.get_insight_or_raise(session=s, insight_id=insight)
        service.link_problem(session=s, insight=found, problem=CI)
        service.link_problem(session=s, insight=found, problem=str(world["ci"]))
        assert [p.title for p in service.insight_out(s, found).problems] == [CI]
        service.unlink_problem(session=s, insight=found, problem=CI)
        service.unlink_problem(session=s, insight=found, problem=CI)
        assert service.insight_out(s, found).problems == []
        service.link_problem(session=s, insight=found, problem=ROLLBACK)
        service.delete_insight(session=s, insight=found)
    with unit_of_work(engine) as s:
        assert service.evidence_for_problem(session=s, problem_id=ROLLBACK).insights == []
        with pytest.raises(NotFoundError):
            service.get_insight_or_raise(session=s, insight_id=insight)


def test_evidence_counts_distinct_teams_people_and_methods(engine, world):
    add(engine, text="CI is slow", team="web", person="ada", problems=[CI])
    add(engine, text="CI slow again", team="web", person="ada", problems=[CI], framing="pain")
    add(
        engine,
        text="pipeline waits",
        team="payments",
        person="alan",
        source_kind="shadowing",
        problems=[CI],
    )
    add(engine, text="38 tickets", source_kind="ticket_category", problems=[CI])
    with unit_of_work(engine) as s:
        ev = service.evidence_for_problem(session=s, problem_id=world["ci"])
    assert len(ev.insights) == 4
    assert ev.teams == ["payments", "web"] and ev.people == ["ada", "alan"]
    assert ev.methods == ["interview", "shadowing", "tickets"]
    assert ev.warnings == []


def test_evidence_warns_when_every_insight_is_a_solution_request(engine, world):
    add(engine, text="I need a rollback button", problems=[ROLLBACK])
    add(engine, text="Give us one-click rollback", problems=[ROLLBACK])
    with unit_of_work(engine) as s:
        ev = service.evidence_for_problem(session=s, problem_id=ROLLBACK)
        assert [w.id for w in ev.warnings] == ["solution_requests_only"]
        empty = service.evidence_for_problem(session=s, problem_id=CI)
        assert empty.warnings == []  # no evidence is not "only solutions"
        both = service.evidence_for_problems(
            session=s, problem_ids=[world["ci"], world["rollback"]]
        )
        assert [e.title for e in both] == [CI, ROLLBACK]


def test_a_shadowing_wish_and_friction_point_are_promoted_with_source_and_quote(engine, world):
    with unit_of_work(engine) as s:
        wish = service.promote_shadowing(
            session=s, session_id=world["shadow"], kind="wish", number=1, problems=[CI]
        )
        friction = service.promote_shadowing(
            session=s, session_id=world["shadow"], kind="friction", number=1
        )
        wish_out, friction_out = service.insight_out(s, wish), service.insight_out(s, friction)
        with pytest.raises(InvalidInputError):
            service.promote_shadowing(session=s, session_id=world["shadow"], kind="wish", number=2)
        with pytest.raises(NotFoundError):
            service.promote_shadowing(session=s, session_id=999_999, kind="wish", number=1)
    assert wish_out.quote == "I wish the pipeline told me what failed"
    assert wish_out.source_kind == "shadowing" and wish_out.source_ref.endswith("#wish-1")
    assert wish_out.team == "web" and wish_out.person == "ada@example.com"
    assert wish_out.observed_on == date(2026, 6, 2) and wish_out.problems[0].title == CI
    assert friction_out.text == "waited 18 minutes for CI" and friction_out.quote is None


def test_an_interview_pain_point_is_promoted_with_its_quote_and_suggested_framing(engine, world):
    with unit_of_work(engine) as s:
        out = service.insight_out(
            s, service.promote_interview(session=s, interview_id=world["interview"], number=1)
        )
    assert out.text == "rollback at 2 a.m." and out.quote == "I need a rollback button"
    assert out.framing == "solution" and out.team == "payments"


def test_a_ticket_category_survey_theme_and_usage_finding_are_drafted_from_reports():
    tickets = {
        "window": {"start": "2026-01-01T00:00:00+00:00", "end": "2026-07-01T00:00:00+00:00"},
        "categories": [{"category": "environments", "count": 38, "share": 0.31}],
    }
    draft = promotions.from_ticket_category(tickets, category="Environments", on=date(2026, 6, 1))
    assert draft.figure == "38 tickets (31% of all) in 2026-01-01..2026-07-01"
    assert draft.source_kind == "ticket_category" and draft.source_ref == "environments"
    results = {
        "survey": "dx",
        "waves": [{"wave": "q2", "responses": 40, "themes": [{"theme": "docs", "count": 12}]}],
    }
    theme = promotions.from_survey_theme(results, theme="docs", wave=None, on=date(2026, 6, 1))
    assert theme.source_ref == "dx/q2#docs" and "12 survey comments" in theme.text
    usage = {
        "window": {"label": "2026-Q2"},
        "capabilities": [{"capability": "rollback", "never_used": ["a", "b", "c"]}],
    }
    finding = promotions.from_usage(
        usage, capability="rollback", eligible_teams=6, on=date(2026, 6, 1)
    )
    assert finding.text == "3 of 6 eligible teams never used rollback in 2026-Q2"
    with pytest.raises(InvalidInputError, match="environments"):
        promotions.from_ticket_category(tickets, category="nope", on=date(2026, 6, 1))
    with pytest.raises(InvalidInputError):
        promotions.from_survey_theme(results, theme="docs", wave="q9", on=date(2026, 6, 1))
    few = {"survey": "dx", "waves": [{"wave": "q2", "themes": [{"theme": "docs", "count": 4}]}]}
    with pytest.raises(InvalidInputError, match="fewer than 5 comments"):
        promotions.from_survey_theme(few, theme="docs", wave=None, on=date(2026, 6, 1))


def test_a_ticket_category_is_promoted_through_the_tickets_report(engine, world, monkeypatch):
    from pavedroad.research import tickets

    def fake_report(session, *, window=None):
        return {"window": "2026-Q2", "categories": [{"category": "ci", "count": 9, "share": 0.5}]}

    monkeypatch.setattr(tickets, "report", fake_report)
    with unit_of_work(engine) as s:
        out = service.insight_out(
            s, service.promote_ticket_category(session=s, category="ci", problems=[CI])
        )
    assert out.figure == "9 tickets (50% of all) in 2026-Q2" and out.problems[0].title == CI


def test_coverage_counts_the_real_contacts_of_the_quarter(engine, world):
    add(engine, text="I need X", team="web")
    with unit_of_work(engine) as s:
        result = service.coverage(session=s, quarter="2026-q2")
        other = service.coverage(session=s, quarter="2026-Q1")
        view = service.overview(session=s, quarter="2026-Q2")
    assert tuple(result) == (
        "quarter",
        "teams_total",
        "teams_reached",
        "never_researched",
        "cadence",
        "warnings",
    )
    assert result["quarter"] == "2026-Q2" and result["teams_total"] == 3
    assert result["teams_reached"] == {"shadowing": 1, "interviews": 1, "survey": 0}
    assert result["never_researched"] == ["data"]
    assert "silent_majority" not in [w["id"] for w in result["warnings"]]
    assert other["never_researched"] == ["data", "payments", "web"]
    assert [w["id"] for w in other["warnings"]] == ["silent_majority"]
    assert view["heat_map"][0]["team"] == "data" and "2026-Q2" in view["quarters"]


# ---- CLI -----------------------------------------------------------------------------------


def test_the_cli_adds_lists_links_and_shows_evidence(cli, engine, world):
    added = cli(
        "research",
        "insights",
        "add",
        "I need a bigger runner",
        "--source",
        "interview",
        "--team",
        "web",
        "--person",
        "ada",
        "--problem",
        CI,
        "--on",
        "2026-06-03",
        "--json",
    )
    assert added.exit_code == 0, added.stderr
    insight = json.loads(added.stdout)
    assert insight["framing"] == "solution" and insight["problems"][0]["title"] == CI
    assert cli("research", "insights", "link", str(insight["id"]), ROLLBACK).exit_code == 0
    listed = json.loads(cli("research", "insights", "list", "--json").stdout)
    assert {p["title"] for p in listed[0]["problems"]} == {CI, ROLLBACK}
    ev = json.loads(cli("problems", "evidence", CI, "--json").stdout)
    assert ev["warnings"][0]["id"] == "solution_requests_only" and ev["teams"] == ["web"]
    assert cli("research", "insights", "unlink", str(insight["id"]), ROLLBACK).exit_code == 0
    coverage = json.loads(cli("research", "coverage", "--quarter", "2026-Q2", "--json").stdout)
    assert coverage["teams_reached"]["interviews"] == 1
    text = cli("research", "coverage", "--quarter", "2026-Q2")
    assert text.exit_code == 0 and "Never researched (1): data" in text.stdout
    promoted = cli(
        "research",
        "insights",
        "promote",
        "shadowing",
        str(world["shadow"]),
        "1",
        "--wish",
        "--json",
    )
    assert promoted.exit_code == 0 and json.loads(promoted.stdout)["quote"].startswith("I wish")


def test_the_cli_prints_markup_in_free_text_literally(cli, world):
    text = "[/bold] [red]not markup[/red] <script>"
    assert (
        cli(
            "research",
            "insights",
            "add",
            text,
            "--source",
            "interview",
            "--problem",
            CI,
            "--on",
            "2026-06-03",
        ).exit_code
        == 0
    )
    listed = cli("research", "insights", "list")
    assert listed.exit_code == 0 and "[/bold]" in listed.stdout and "[red]" in listed.stdout
    evidence = cli("problems", "evidence", CI)
    assert evidence.exit_code == 0 and "[/bold]" in evidence.stdout


def test_shadowing_participants_named_by_name_match_usage_by_their_email(engine, world):
    from pavedroad.catalog.schemas import DeveloperIn
    from pavedroad.research.schemas import Contact

    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(
                developers=[DeveloperIn(email="ada@example.com", name="Ada Lovelace", team="web")]
            ),
        )
    with unit_of_work(engine) as s:
        named = [
            Contact(method="shadowing", team="web", person="Ada Lovelace/web", on=date(2026, 6, 2)),
            Contact(method="shadowing", team="web", person="Nobody Known", on=date(2026, 6, 2)),
        ]
        people = [c.person for c in service._as_identities(s, named)]
    assert people == ["ada@example.com", "Nobody Known"]


def test_the_cli_refuses_bad_input_with_the_allowed_values(cli, world):
    bad = cli("research", "insights", "add", "x", "--source", "gossip")
    assert bad.exit_code == 1 and "shadowing" in bad.stderr
    quarter = cli("research", "coverage", "--quarter", "2026-Q9")
    assert quarter.exit_code == 1 and "2026-Q3" in quarter.stderr
    missing = cli("research", "insights", "link", "12345", CI)
    assert missing.exit_code != 0 and "no insight" in missing.stderr


# ---- API -----------------------------------------------------------------------------------


def test_the_api_serves_insights_evidence_and_coverage_with_scopes(client, tokens, world):
    body = {
        "text": "Give us preview environments",
        "source_kind": "interview",
        "team": "web",
        "problems": [str(world["ci"])],
        "observed_on": "2026-06-03",
    }
    assert client.post("/api/v1/research/insights", json=body).status_code == 401
    refused = client.post("/api/v1/research/insights", json=body, headers=bearer(tokens["read"]))
    assert refused.status_code == 403
    made = client.post("/api/v1/research/insights", json=body, headers=bearer(tokens["write"]))
    assert made.status_code == 201, made.text
    insight = made.json()
    assert insight["framing"] == "solution"
    read = bearer(tokens["read"])
    listed = client.get("/api/v1/research/insights", params={"team": "web"}, headers=read)
    assert [i["id"] for i in listed.json()] == [insight["id"]]
    write = bearer(tokens["write"])
    link = f"/api/v1/research/insights/{insight['id']}/problems/{world['rollback']}"
    assert client.put(link, headers=write).json()["title"] == ROLLBACK
    assert client.delete(link, headers=write).status_code == 204
    patched = client.patch(
        f"/api/v1/research/insights/{insight['id']}", headers=write, json={"framing": "pain"}
    )
    assert patched.json()["framing"] == "pain"
    ev = client.get(f"/api/v1/research/problems/{world['ci']}/evidence", headers=read).json()
    assert ev["teams"] == ["web"] and ev["warnings"] == []
    cov = client.get("/api/v1/research/coverage", params={"quarter": "2026-Q2"}, headers=read)
    assert cov.status_code == 200 and cov.json()["teams_total"] == 3
    assert (
        client.get("/api/v1/research/coverage", params={"quarter": "Q9"}, headers=read).status_code
        == 422
    )
    promoted = client.post(
        "/api/v1/research/insights/promote",
        headers=write,
        json={"kind": "interview", "interview_id": world["interview"], "number": 1},
    )
    assert promoted.status_code == 201 and promoted.json()["quote"] == "I need a rollback button"
    incomplete = client.post(
        "/api/v1/research/insights/promote", headers=write, json={"kind": "shadowing"}
    )
    assert incomplete.status_code == 422
    assert {p["field"] for p in incomplete.json()["problems"]} == {"session_id", "number"}
    assert client.get("/api/v1/research/insights/99999", headers=read).status_code == 404
    gone = client.delete(f"/api/v1/research/insights/{insight['id']}", headers=write)
    assert gone.status_code == 204


def test_the_api_refuses_huge_and_malformed_insights(client, tokens, world):
    write = bearer(tokens["write"])
    huge = {"text": "x" * 5001, "source_kind": "interview"}
    assert client.post("/api/v1/research/insights", json=huge, headers=write).status_code == 422
    many = {"text": "x", "source_kind": "interview", "problems": ["p"] * 51}
    assert client.post("/api/v1/research/insights", json=many, headers=write).status_code == 422
    kind = {"text": "x", "source_kind": "rumour"}
    assert client.post("/api/v1/research/insights", json=kind, headers=write).status_code == 422
