"""The impact map, roadmap, what-if and capacity API: scopes, contracts and refusals."""

from __future__ import annotations

from tests.roadmap.conftest import AS_OF, MAP_YAML
from tests.web.conftest import bearer


def test_reads_need_a_token_and_writes_need_write_scope(client, tokens, backlog):
    assert client.get("/api/v1/map").status_code == 401
    assert client.get("/api/v1/map", headers=bearer(tokens["read"])).status_code == 200
    goal = {"title": "G", "kpi_id": "nps", "target": 40, "due": "2027-03-31", "priority": 1}
    assert (
        client.post("/api/v1/map/goals", json=goal, headers=bearer(tokens["read"])).status_code
        == 403
    )
    assert (
        client.post("/api/v1/map/goals", json=goal, headers=bearer(tokens["write"])).status_code
        == 201
    )
    for path in ("/api/v1/roadmap/plan", "/api/v1/roadmap/unlock"):
        assert (
            client.post(
                path, json={"title": "Service mesh"}, headers=bearer(tokens["read"])
            ).status_code
            == 403
        )
    assert (
        client.put(
            "/api/v1/capacity/2026-Q4", json={"person_months": 10}, headers=bearer(tokens["read"])
        ).status_code
        == 403
    )


def test_building_the_map_level_by_level(client, tokens, backlog):
    write = bearer(tokens["write"])
    goal = client.post(
        "/api/v1/map/goals",
        json={
            "title": "Time to production halved",
            "kpi_id": "lead_time_p50",
            "target": 45,
            "due": "2027-03-31",
        },
        headers=write,
    ).json()
    assert (goal["kpi_name"], goal["target_text"]) == (
        "Lead time to production (median)",
        "≤ 0.75 h",
    )
    actor = client.post(
        f"/api/v1/map/goals/{goal['id']}/actors", json={"name": "Feature developers"}, headers=write
    ).json()
    impact = client.post(
        f"/api/v1/map/actors/{actor['id']}/impacts",
        json={"description": "Deploy faster"},
        headers=write,
    ).json()
    linked = client.post(
        f"/api/v1/map/impacts/{impact['id']}/deliverables",
        json={"initiative": "faster ci pipelines"},
        headers=write,
    )
    assert linked.status_code == 201
    deliverable = linked.json()["actors"][0]["impacts"][0]["deliverables"][0]
    assert (deliverable["title"], deliverable["rice"], deliverable["rank"]) == (
        "Faster CI pipelines",
        160.0,
        1,
    )
    found = client.get("/api/v1/map", headers=bearer(tokens["read"])).json()
    assert "Faster CI pipelines" not in [d["title"] for d in found["flagged"]]
    gone = client.delete(
        f"/api/v1/map/impacts/{impact['id']}/deliverables",
        params={"initiative": "Faster CI pipelines"},
        headers=write,
    )
    assert gone.status_code == 204
    assert client.delete(f"/api/v1/map/impacts/{impact['id']}", headers=write).status_code == 204
    assert client.delete(f"/api/v1/map/actors/{actor['id']}", headers=write).status_code == 204
    changed = client.put(
        f"/api/v1/map/goals/{goal['id']}",
        json={
            "title": "Lead time halved",
            "kpi_id": "lead_time_p50",
            "target": 40,
            "due": "2027-03-31",
            "priority": 2,
        },
        headers=write,
    )
    assert changed.status_code == 200 and changed.json()["priority"] == 2
    assert client.delete(f"/api/v1/map/goals/{goal['id']}", headers=write).status_code == 204
    assert client.delete(f"/api/v1/map/goals/{goal['id']}", headers=write).status_code == 404


def test_a_goal_with_an_unknown_kpi_or_a_duplicate_title_is_refused(client, tokens, mapped):
    write = bearer(tokens["write"])
    bad = client.post(
        "/api/v1/map/goals",
        json={"title": "X", "kpi_id": "speed", "target": 1, "due": "2027-01-01"},
        headers=write,
    )
    assert bad.status_code == 422 and "unknown KPI 'speed'" in str(bad.json())
    dup = client.post(
        "/api/v1/map/goals",
        json={
            "title": "time to production halved",
            "kpi_id": "nps",
            "target": 1,
            "due": "2027-01-01",
        },
        headers=write,
    )
    assert dup.status_code == 409


def test_import_takes_yaml_or_json_and_reports_problems_with_line_and_field(
    client, tokens, backlog
):
    write = {**bearer(tokens["write"]), "content-type": "application/yaml"}
    done = client.post("/api/v1/map/import", content=MAP_YAML, headers=write)
    assert done.status_code == 200, done.text
    assert done.json()["counts"]["goals"]["created"] == 2
    again = client.post("/api/v1/map/import", content=MAP_YAML, headers=write)
    assert again.json()["changed"] is False
    refused = client.post(
        "/api/v1/map/import",
        content=MAP_YAML.replace("kpi: incident_frequency", "kpi: incidents"),
        headers=write,
    )
    assert refused.status_code == 422
    [problem] = refused.json()["problems"]
    assert (problem["line"], problem["field"]) == (13, "goals[1].kpi")
    as_json = client.post(
        "/api/v1/map/import?prune=true",
        json={"goals": [{"title": "Only", "kpi": "nps", "target": 40, "due": "2027-01-01"}]},
        headers=bearer(tokens["write"]),
    )
    assert as_json.status_code == 200 and as_json.json()["counts"]["goals"]["removed"] == 2
    assert client.post("/api/v1/map/import", content=b"goals: [", headers=write).status_code == 422


def test_map_exports(client, tokens, mapped):
    read = bearer(tokens["read"])
    mermaid = client.get("/api/v1/map/mermaid", headers=read)
    assert mermaid.status_code == 200 and mermaid.text.startswith("graph LR")
    assert mermaid.headers["content-type"].startswith("text/plain")
    assert "title: Time to production halved" in client.get("/api/v1/map/yaml", headers=read).text


def test_roadmap_plan_lanes_and_exports(client, tokens, mapped, capacity):
    read, write = bearer(tokens["read"]), bearer(tokens["write"])
    preview = client.get(f"/api/v1/roadmap/plan?as_of={AS_OF}", headers=read).json()
    assert preview["changes"] == 6 and preview["applied"] is False
    applied = client.post(f"/api/v1/roadmap/plan?as_of={AS_OF}", headers=write).json()
    assert applied["applied"] is True
    view = client.get(f"/api/v1/roadmap?as_of={AS_OF}", headers=read).json()
    assert [c["title"] for c in view["lanes"][0]["cards"]] == [
        "Faster CI pipelines",
        "Self-service databases",
    ]
    card = client.put(
        f"/api/v1/roadmap/lane?as_of={AS_OF}",
        json={"title": "Service mesh", "lane": "next"},
        headers=write,
    ).json()
    assert (card["lane"], card["quarter"], card["locked"]) == ("next", "2027-Q1", True)
    unlocked = client.post(
        "/api/v1/roadmap/unlock", json={"title": "Service mesh"}, headers=write
    ).json()
    assert unlocked["locked"] is False
    assert (
        client.put(
            "/api/v1/roadmap/lane", json={"title": "Nope", "lane": "now"}, headers=write
        ).status_code
        == 404
    )
    assert (
        client.put(
            "/api/v1/roadmap/lane", json={"title": "Service mesh", "lane": "soon"}, headers=write
        ).status_code
        == 422
    )
    markdown = client.get(f"/api/v1/roadmap/export?format=markdown&as_of={AS_OF}", headers=read)
    assert markdown.text.startswith("# Platform roadmap")
    mermaid = client.get(
        f"/api/v1/roadmap/export?format=mermaid&by=half&as_of={AS_OF}", headers=read
    )
    assert '["NOW: 2026-H2"]' in mermaid.text


def test_whatif_over_the_api_keeps_the_contract(client, tokens, mapped, capacity):
    answer = client.get(
        "/api/v1/roadmap/whatif",
        params={"add": "Multi-cloud abstraction", "lane": "now", "as_of": AS_OF},
        headers=bearer(tokens["read"]),
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["added"] == "Multi-cloud abstraction"
    assert next((d["title"], d["from_lane"], d["to_lane"]) for d in body["displaced"]) == (
        "Faster CI pipelines",
        "now",
        "next",
    )
    assert [g["title"] for g in body["goals_at_risk"]] == [
        "Time to production halved",
        "Incidents down 30%",
    ]
    new = client.get(
        "/api/v1/roadmap/whatif",
        params={"add": "Edge", "as_of": AS_OF},
        headers=bearer(tokens["read"]),
    )
    assert new.status_code == 422 and new.json()["problems"][0]["field"] == "effort"


def test_capacity_over_the_api(client, tokens):
    write, read = bearer(tokens["write"]), bearer(tokens["read"])
    put = client.put(
        "/api/v1/capacity/2026-q4", json={"person_months": 24, "split": "60/30/10"}, headers=write
    )
    assert put.status_code == 200
    assert (put.json()["quarter"], put.json()["split_text"]) == ("2026-Q4", "60/30/10")
    assert (
        client.put(
            "/api/v1/capacity/2026-Q4", json={"person_months": -1}, headers=write
        ).status_code
        == 422
    )
    assert (
        client.put("/api/v1/capacity/Q4", json={"person_months": 2}, headers=write).status_code
        == 422
    )
    [q4] = client.get("/api/v1/capacity?quarter=2026-Q4", headers=read).json()
    assert q4["planned"]["platform"] == 24 * 0.3


def test_every_route_is_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/v1/map",
        "/api/v1/map/mermaid",
        "/api/v1/map/import",
        "/api/v1/map/goals",
        "/api/v1/map/goals/{goal_id}/actors",
        "/api/v1/map/actors/{actor_id}/impacts",
        "/api/v1/map/impacts/{impact_id}/deliverables",
        "/api/v1/roadmap",
        "/api/v1/roadmap/plan",
        "/api/v1/roadmap/lane",
        "/api/v1/roadmap/whatif",
        "/api/v1/roadmap/export",
        "/api/v1/capacity",
        "/api/v1/capacity/{quarter}",
    ):
        assert path in paths, path
    assert "application/yaml" in paths["/api/v1/map/import"]["post"]["requestBody"]["content"]


def test_titles_with_nul_characters_are_not_found_rather_than_crashing(client, tokens, mapped):
    write = bearer(tokens["write"])
    lane = client.put(
        "/api/v1/roadmap/lane", json={"title": "Service\x00mesh", "lane": "now"}, headers=write
    )
    assert lane.status_code == 404
    impact_id = client.get("/api/v1/map", headers=write).json()["goals"][0]["actors"][0]["impacts"][
        0
    ]["id"]
    link = client.post(
        f"/api/v1/map/impacts/{impact_id}/deliverables",
        json={"initiative": "a\x00b"},
        headers=write,
    )
    # Every input model refuses a NUL (no store could hold it) before any lookup.
    assert link.status_code == 422 and "NUL" in link.text
    goal = client.post(
        "/api/v1/map/goals",
        json={"title": "a\x00b", "kpi_id": "nps", "target": 1, "due": "2027-01-01"},
        headers=write,
    )
    assert goal.status_code == 422
