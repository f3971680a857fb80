"""The impact map, roadmap and capacity pages: forms that keep what was typed, and roles."""

from __future__ import annotations

import re

from sqlalchemy import select

from pavedroad.backlog.models import Goal, Initiative
from pavedroad.db import unit_of_work
from pavedroad.roadmap.models import CapacityPlan
from tests.roadmap.conftest import AS_OF
from tests.web.conftest import csrf_of, sign_in


def test_pages_need_sign_in_and_are_in_the_navigation(client, users):
    for path in ("/map", "/roadmap", "/capacity"):
        assert client.get(path).status_code == 303
    sign_in(client, users["read"])
    page = client.get("/map")
    assert page.status_code == 200
    for path in ("/map", "/roadmap", "/capacity"):
        assert f'href="{path}"' in page.text


def test_empty_pages_say_what_to_do_next(client, users):
    sign_in(client, users["write"])
    assert "No goals yet" in client.get("/map").text
    roadmap = client.get("/roadmap")
    assert (
        "Nothing to plan yet" in roadmap.text and "pavedroad roadmap plan --apply" in roadmap.text
    )
    assert "no capacity plan for" in client.get("/capacity").text


def test_the_map_shows_goals_with_kpi_target_due_deliverables_flags_and_mermaid(
    client, users, mapped
):
    sign_in(client, users["read"])
    page = client.get("/map").text
    assert "Time to production halved" in page and "Lead time to production (median)" in page
    assert "≤ 0.75 h" in page and "2027-03-31" in page
    assert re.search(r"Faster CI pipelines</a>\s*<span class=\"muted\">160.00 · #1", page)
    flagged = page.split('id="flagged"')[1].split("</section>")[0]
    assert "Multi-cloud abstraction" in flagged and "3 flagged" in flagged
    assert "graph LR" in page
    assert "Add a goal" not in page  # a reader sees no forms


def test_adding_a_goal_and_each_level_from_the_page(client, users, engine, backlog):
    sign_in(client, users["write"])
    token = csrf_of(client.get("/map").text)
    added = client.post(
        "/map/goals",
        data={
            "title": "Onboarding in days",
            "kpi_id": "onboarding_time_p50",
            "target": "3",
            "due": "2027-06-30",
            "priority": "1",
            "csrf_token": token,
        },
    )
    assert added.status_code == 303
    with unit_of_work(engine) as session:
        goal = session.scalar(select(Goal))
        goal_id = goal.id
    assert (
        client.post(
            f"/map/goals/{goal_id}/actors", data={"name": "New joiners", "csrf_token": token}
        ).status_code
        == 303
    )
    page = client.get("/map").text
    actor_id = re.search(r'action="/map/actors/(\d+)/impacts"', page).group(1)
    assert (
        client.post(
            f"/map/actors/{actor_id}/impacts",
            data={"description": "Deploy on day one", "csrf_token": token},
        ).status_code
        == 303
    )
    impact_id = re.search(
        r'action="/map/impacts/(\d+)/deliverables"', client.get("/map").text
    ).group(1)
    linked = client.post(
        f"/map/impacts/{impact_id}/deliverables",
        data={"initiative": "Service mesh", "csrf_token": token},
    )
    assert linked.status_code == 303
    with unit_of_work(engine) as session:
        mesh = session.scalar(select(Initiative).where(Initiative.title == "Service mesh"))
        assert mesh.goal_id == goal_id
    unlinked = client.post(
        f"/map/impacts/{impact_id}/deliverables/remove",
        data={"initiative": "Service mesh", "csrf_token": token},
    )
    assert unlinked.status_code == 303
    assert (
        client.post(f"/map/impacts/{impact_id}/delete", data={"csrf_token": token}).status_code
        == 303
    )
    assert (
        client.post(f"/map/actors/{actor_id}/delete", data={"csrf_token": token}).status_code == 303
    )
    assert (
        client.post(f"/map/goals/{goal_id}/delete", data={"csrf_token": token}).status_code == 303
    )
    assert "No goals yet" in client.get("/map").text


def test_a_goal_form_that_fails_keeps_what_was_typed(client, users, engine, backlog):
    sign_in(client, users["write"])
    token = csrf_of(client.get("/map").text)
    response = client.post(
        "/map/goals",
        data={
            "title": "Faster <b>deploys</b>",
            "kpi_id": "lead_time_p50",
            "target": "fast",
            "due": "2027-13-01",
            "priority": "1",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert 'value="Faster &lt;b&gt;deploys&lt;/b&gt;"' in response.text
    assert 'value="fast"' in response.text and 'value="2027-13-01"' in response.text
    assert '<option value="lead_time_p50" selected>' in response.text
    assert "target" in response.text and "valid number" in response.text
    with unit_of_work(engine) as session:
        assert session.scalar(select(Goal)) is None


def test_a_duplicate_actor_is_refused_beside_its_form_with_the_name_kept(client, users, mapped):
    sign_in(client, users["write"])
    page = client.get("/map").text
    goal_id = re.search(r'action="/map/goals/(\d+)/actors"', page).group(1)
    response = client.post(
        f"/map/goals/{goal_id}/actors",
        data={"name": "feature developers", "csrf_token": csrf_of(page)},
    )
    assert response.status_code == 422
    assert "already has an actor" in response.text
    assert 'value="feature developers"' in response.text


def test_the_yaml_editor_keeps_the_text_on_errors_and_replaces_the_map_when_valid(
    client, users, engine, mapped
):
    sign_in(client, users["write"])
    page = client.get("/map").text
    assert "title: Time to production halved" in page  # the editor starts from the map
    token = csrf_of(page)
    broken = "goals:\n  - title: Only goal\n    kpi: nope\n    target: 1\n    due: 2027-01-01\n"
    response = client.post("/map/import", data={"text": broken, "csrf_token": token})
    assert response.status_code == 422
    assert "unknown KPI" in response.text and "kpi: nope" in response.text
    fixed = broken.replace("kpi: nope", "kpi: nps")
    assert client.post("/map/import", data={"text": fixed, "csrf_token": token}).status_code == 303
    with unit_of_work(engine) as session:
        assert [g.title for g in session.scalars(select(Goal))] == ["Only goal"]


def test_readers_cannot_change_the_map_and_forms_need_the_csrf_token(client, users, mapped):
    sign_in(client, users["read"])
    token = csrf_of(client.get("/map").text)
    assert (
        client.post(
            "/map/goals",
            data={
                "title": "X",
                "kpi_id": "nps",
                "target": "1",
                "due": "2027-01-01",
                "csrf_token": token,
            },
        ).status_code
        == 403
    )
    client.get("/logout")
    sign_in(client, users["write"])
    assert (
        client.post(
            "/map/goals",
            data={
                "title": "X",
                "kpi_id": "nps",
                "target": "1",
                "due": "2027-01-01",
                "csrf_token": "forged",
            },
        ).status_code
        == 403
    )


def test_the_roadmap_shows_lanes_cards_capacity_and_applies_the_plan(
    client, users, engine, mapped, capacity
):
    sign_in(client, users["write"])
    page = client.get(f"/roadmap?as_of={AS_OF}").text
    assert "Not on the roadmap yet" in page and "Apply the plan (6 changes)" in page
    applied = client.post("/roadmap/plan", data={"as_of": AS_OF, "csrf_token": csrf_of(page)})
    assert applied.status_code == 303 and applied.headers["location"] == f"/roadmap?as_of={AS_OF}"
    page = client.get(f"/roadmap?as_of={AS_OF}").text
    now = page.split('aria-label="Now"')[1].split("</section>")[0]
    assert (
        "2026-Q4" in now
        and "Faster CI pipelines" in now
        and "RICE 160.00" in now
        and "#1 of 6" in now
    )
    assert "Goal:</span> Time to production halved" in now and "2 person-months · roadmap" in now
    assert "5 / 7 pm" in now
    exploring = page.split('aria-label="Exploring"')[1].split("</section>")[0]
    assert "Service mesh" in exploring
    assert "The roadmap follows the plan" in page
    halves = client.get(f"/roadmap?as_of={AS_OF}&by=half").text
    assert "2026-H2" in halves and "2027-H1" in halves


def test_a_lane_set_by_hand_shows_and_the_plan_disagreement_is_listed(
    client, users, engine, mapped, capacity
):
    sign_in(client, users["write"])
    token = csrf_of(client.get("/roadmap").text)
    response = client.post(
        "/roadmap/lane",
        data={
            "title": "Multi-cloud abstraction",
            "lane": "now",
            "quarter": "",
            "as_of": AS_OF,
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    page = client.get(f"/roadmap?as_of={AS_OF}").text
    assert "Where the plan disagrees with lanes set by hand" in page
    assert (
        "<strong>Multi-cloud abstraction</strong> is set to Now; the plan would put it in Later"
        in page
    )
    assert (
        client.post(
            "/roadmap/unlock", data={"title": "Multi-cloud abstraction", "csrf_token": token}
        ).status_code
        == 303
    )
    assert "Where the plan disagrees" not in client.get(f"/roadmap?as_of={AS_OF}").text


def test_a_lane_form_that_fails_keeps_what_was_typed(client, users, mapped):
    sign_in(client, users["write"])
    token = csrf_of(client.get("/roadmap").text)
    response = client.post(
        "/roadmap/lane",
        data={"title": "Service mesh", "lane": "later", "quarter": "someday", "csrf_token": token},
    )
    assert response.status_code == 422
    assert "must look like 2026-Q3" in response.text
    assert 'value="someday"' in response.text
    assert '<option value="Service mesh" selected>' in response.text


def test_the_whatif_form_answers_on_the_page_and_keeps_its_input(
    client, users, engine, mapped, capacity
):
    sign_in(client, users["read"])
    answer = client.get(f"/roadmap/whatif?add=Multi-cloud+abstraction&lane=now&as_of={AS_OF}")
    assert answer.status_code == 200
    text = answer.text
    assert 'value="Multi-cloud abstraction"' in text
    assert '3</div><div class="tile-label">initiatives pushed out' in text
    assert '430</div><div class="tile-label">developers per quarter wait' in text
    assert (
        "<strong>Time to production halved</strong>" in text
        and "Faster CI pipelines → Next" in text
    )
    refused = client.get(f"/roadmap/whatif?add=Edge+deployments&effort=2&impact=7&as_of={AS_OF}")
    assert refused.status_code == 422
    assert "is not on the scale; allowed: 3 (massive)" in refused.text
    assert 'value="Edge deployments"' in refused.text and 'value="7"' in refused.text
    with unit_of_work(engine) as session:  # nothing written
        assert all(i.lane is None for i in session.scalars(select(Initiative)))


def test_roadmap_exports_from_the_page(client, users, mapped, capacity):
    sign_in(client, users["read"])
    markdown = client.get(f"/roadmap/export.md?as_of={AS_OF}")
    assert markdown.status_code == 200 and markdown.text.startswith(
        "# Platform roadmap (as of 2026-11-23)"
    )
    mermaid = client.get(f"/roadmap/export.mmd?as_of={AS_OF}&by=half")
    assert mermaid.text.startswith("flowchart TB") and "NOW: 2026-H2" in mermaid.text


def test_the_capacity_form_keeps_what_was_typed_and_saves_a_quarter(client, users, engine):
    sign_in(client, users["write"])
    page = client.get("/capacity").text
    token = csrf_of(page)
    refused = client.post(
        "/capacity",
        data={
            "quarter": "2027-Q2",
            "person_months": "24",
            "split": "70/20/20",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 422
    assert "add up to 110, not 100" in refused.text
    assert (
        'value="2027-Q2"' in refused.text
        and 'value="24"' in refused.text
        and 'value="70/20/20"' in refused.text
    )
    bad_number = client.post(
        "/capacity",
        data={
            "quarter": "2027-Q2",
            "person_months": "lots",
            "split": "70/20/10",
            "csrf_token": token,
        },
    )
    assert bad_number.status_code == 422 and 'value="lots"' in bad_number.text
    saved = client.post(
        "/capacity",
        data={
            "quarter": "2027-q2",
            "person_months": "24",
            "split": "60/30/10",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 303
    with unit_of_work(engine) as session:
        plan = session.get(CapacityPlan, "2027-Q2")
        assert (plan.person_months, plan.platform_share) == (24, 0.3)
    page = client.get("/capacity").text
    assert "2027-Q2" in page and "60%" in page and "(14.4 pm)" in page
