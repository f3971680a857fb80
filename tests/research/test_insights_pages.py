"""Research pages: the overview with warnings, cadences and the heat map; the insights page
with its add and promote forms; evidence on problem and initiative pages; free text inert."""

from __future__ import annotations

from datetime import date

import pytest

from pavedroad.backlog import service as backlog
from pavedroad.backlog.problems import create_problem
from pavedroad.backlog.schemas import InitiativeIn, ProblemIn
from pavedroad.catalog.schemas import TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from pavedroad.research import insights as service
from pavedroad.research.schemas import InsightIn
from tests.web.conftest import csrf_of, sign_in

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def world(engine) -> dict[str, int]:
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(
                teams=[TeamIn(slug="web", name="Web"), TeamIn(slug="data", name="Data")]
            ),
        )
        problem = create_problem(session=s, data=ProblemIn(title=f"CI is slow {HOSTILE}"))
        initiative = backlog.create_initiative(
            session=s,
            data=InitiativeIn(
                title="Faster CI",
                reach=10,
                impact=2,
                confidence="80%",
                effort=1,
                problems=[problem.title],
            ),
        )
        insight = service.add_insight(
            session=s,
            data=InsightIn(
                text=f"I need faster CI {HOSTILE}",
                quote=HOSTILE,
                figure=HOSTILE[:50],
                person=HOSTILE,
                source_kind="interview",
                source_ref=HOSTILE,
                team="web",
                observed_on=date.today(),
                problems=[str(problem.id)],
            ),
        )
        return {"problem": problem.id, "initiative": initiative.id, "insight": insight.id}


def assert_inert(html: str) -> None:
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_the_overview_shows_warnings_cadence_heat_map_and_method_links(client, users, world):
    sign_in(client, users["read"])
    page = client.get("/research")
    assert page.status_code == 200
    html = page.text
    assert html.index("Warnings") < html.index("Cadence") < html.index("Teams × methods")
    assert "silent majority" in html and "never researched" in html
    for path in (
        "/research/shadowing",
        "/research/interviews",
        "/surveys",
        "/research/tickets",
        "/research/usage",
        "/research/insights",
    ):
        assert f'href="{path}"' in html
    assert "<progress" in html


def test_the_overview_quarter_picker_refuses_a_bad_quarter_and_shows_todays(client, users, world):
    sign_in(client, users["read"])
    page = client.get("/research", params={"quarter": "<b>2026-Q9</b>"})
    assert page.status_code == 200 and "expected a quarter such as 2026-Q3" in page.text
    assert "<b>2026-Q9" not in page.text
    assert "Research 2026-Q1" in client.get("/research?quarter=2026-q1").text


def test_the_insights_page_renders_free_text_inert(client, users, world):
    sign_in(client, users["write"])
    html = client.get("/research/insights").text
    assert_inert(html)
    assert "solution request" in html and "Promote a finding" in html


def test_a_read_only_user_sees_no_forms(client, users, world):
    sign_in(client, users["read"])
    html = client.get("/research/insights").text
    assert "Add an insight" not in html and "Promote a finding" not in html


def test_the_add_form_keeps_what_was_typed_on_an_error(client, users, world):
    sign_in(client, users["write"])
    csrf = csrf_of(client.get("/research/insights").text)
    refused = client.post(
        "/research/insights",
        data={"csrf_token": csrf, "text": "", "quote": HOSTILE, "source_kind": "interview"},
    )
    assert refused.status_code == 422
    assert_inert(refused.text)
    assert "&lt;script&gt;" in refused.text.split("Add an insight")[1]
    made = client.post(
        "/research/insights",
        data={
            "csrf_token": csrf,
            "text": "Docs nobody finds",
            "source_kind": "survey_comment",
            "team": "data",
            "problems": [str(world["problem"])],
        },
    )
    assert made.status_code == 303
    assert "Docs nobody finds" in client.get("/research/insights?team=data").text


def test_a_form_without_csrf_is_refused(client, users, world):
    sign_in(client, users["write"])
    answer = client.post("/research/insights", data={"text": "x", "source_kind": "interview"})
    assert answer.status_code == 403


def test_promote_refusal_comes_back_with_the_reason(client, users, world):
    sign_in(client, users["write"])
    csrf = csrf_of(client.get("/research/insights").text)
    answer = client.post(
        "/research/insights/promote",
        data={"csrf_token": csrf, "kind": "wish", "ref": "999", "number": "1"},
    )
    assert answer.status_code == 422 and "no shadowing session 999" in answer.text


def test_link_and_delete_from_the_page(client, users, world):
    sign_in(client, users["write"])
    csrf = csrf_of(client.get("/research/insights").text)
    insight = world["insight"]
    back = client.post(
        f"/research/insights/{insight}/link",
        data={
            "csrf_token": csrf,
            "problem": str(world["problem"]),
            "unlink": "1",
            "next": "//evil.example",
        },
    )
    assert back.status_code == 303 and back.headers["location"] == "/research/insights"
    assert "no problem yet" in client.get("/research/insights").text
    gone = client.post(f"/research/insights/{insight}/delete", data={"csrf_token": csrf})
    assert gone.status_code == 303
    assert "No insights yet" in client.get("/research/insights").text


def test_the_problem_and_initiative_pages_show_the_evidence(client, users, world):
    sign_in(client, users["read"])
    problem = client.get(f"/problems/{world['problem']}").text
    assert "Evidence" in problem and "solution requests only" in problem
    assert_inert(problem)
    initiative = client.get(f"/initiatives/{world['initiative']}").text
    assert "Evidence of its problems" in initiative and "solution requests only" in initiative
    assert_inert(initiative)
