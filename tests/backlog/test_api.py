"""The backlog API: read scope reads, write scope changes, errors name fields and allowed values."""

from __future__ import annotations

from tests.backlog.conftest import ci_runs
from tests.web.conftest import bearer

FASTER_CI = {"title": "Faster CI", "reach": 200, "impact": 2, "confidence": "80%", "effort": 2}


def test_openapi_documents_the_backlog(client):
    paths = set(client.get("/api/openapi.json").json()["paths"])
    assert {
        "/api/v1/problems",
        "/api/v1/problems/{problem_id}",
        "/api/v1/initiatives",
        "/api/v1/initiatives/{initiative_id}",
        "/api/v1/initiatives/disagreements",
        "/api/v1/initiatives/sensitivity",
        "/api/v1/initiatives/import",
        "/api/v1/initiatives/{initiative_id}/criteria",
        "/api/v1/initiatives/{initiative_id}/decisions",
        "/api/v1/criteria",
        "/api/v1/canvas",
        "/api/v1/canvas/validations",
    } <= paths


def test_reading_needs_a_token_and_writing_needs_write_scope(client, tokens, teams):
    assert client.get("/api/v1/initiatives").status_code == 401
    assert client.get("/api/v1/initiatives", headers=bearer(tokens["read"])).json() == []
    refused = client.post("/api/v1/initiatives", json=FASTER_CI, headers=bearer(tokens["read"]))
    assert refused.status_code == 403 and "write" in refused.json()["detail"]
    created = client.post("/api/v1/initiatives", json=FASTER_CI, headers=bearer(tokens["write"]))
    assert created.status_code == 201
    body = created.json()
    assert (body["rice"], body["rank"], body["ranked_of"], body["flags"]) == (
        160.0,
        1,
        1,
        ["no_goal", "no_problem"],
    )


def test_off_scale_inputs_are_refused_with_the_allowed_values(client, tokens, teams):
    response = client.post(
        "/api/v1/initiatives",
        json={**FASTER_CI, "impact": 5, "confidence": 0.7},
        headers=bearer(tokens["write"]),
    )
    assert response.status_code == 422
    answer = response.json()
    messages = {(p["source"], p["field"]): p["reason"] for p in answer["problems"]}
    assert "allowed: 3 (massive), 2 (high)" in messages[("body", "impact")]
    assert "allowed: 100%, 80%, 50%" in messages[("body", "confidence")]
    assert answer["detail"].startswith("body.impact: ")


def test_unknown_references_and_duplicate_titles(client, tokens, teams):
    write = bearer(tokens["write"])
    unknown = client.post(
        "/api/v1/initiatives", json={**FASTER_CI, "teams": ["mars"]}, headers=write
    )
    assert unknown.status_code == 422
    assert unknown.json()["problems"][0]["field"] == "teams"
    client.post("/api/v1/initiatives", json=FASTER_CI, headers=write)
    clash = client.post("/api/v1/initiatives", json=FASTER_CI, headers=write)
    assert clash.status_code == 409
    assert client.get("/api/v1/initiatives/999", headers=write).status_code == 404


def test_patch_changes_what_is_given_and_delete_removes(client, tokens, teams):
    write = bearer(tokens["write"])
    created = client.post("/api/v1/initiatives", json=FASTER_CI, headers=write).json()
    patched = client.patch(
        f"/api/v1/initiatives/{created['id']}",
        json={"reach": None, "teams": ["web", "payments"], "lane": "now"},
        headers=write,
    )
    assert patched.status_code == 200
    body = patched.json()
    assert (body["reach"], body["reach_source"], body["lane"], body["lane_locked"]) == (
        42.0,
        "teams",
        "now",
        True,
    )
    assert body["effort"] == 2.0
    detail = client.get(f"/api/v1/initiatives/{created['id']}", headers=write).json()
    assert detail["criteria"] == [] and detail["decisions"] == []
    extra = client.patch(
        f"/api/v1/initiatives/{created['id']}", json={"colour": "red"}, headers=write
    )
    assert extra.status_code == 422
    assert client.delete(f"/api/v1/initiatives/{created['id']}", headers=write).status_code == 204
    assert client.get("/api/v1/initiatives", headers=write).json() == []


def test_problems_through_the_api(client, tokens, teams):
    write = bearer(tokens["write"])
    created = client.post(
        "/api/v1/problems",
        json={"title": "CI is slow", "teams": ["web"], "personas": ["Feature engineers"]},
        headers=write,
    )
    assert created.status_code == 201
    problem_id = created.json()["id"]
    client.post(
        "/api/v1/initiatives", json={**FASTER_CI, "problems": ["CI is slow"]}, headers=write
    )
    got = client.get(f"/api/v1/problems/{problem_id}", headers=bearer(tokens["read"])).json()
    assert got["initiatives"][0]["title"] == "Faster CI" and got["initiatives"][0]["rank"] == 1
    patched = client.patch(f"/api/v1/problems/{problem_id}", json={"teams": []}, headers=write)
    assert patched.json()["teams"] == []
    assert client.get("/api/v1/problems?q=slow", headers=write).json()[0]["id"] == problem_id
    assert client.delete(f"/api/v1/problems/{problem_id}", headers=write).status_code == 204


def test_criteria_and_decisions_through_the_api(client, engine, tokens, teams):
    ci_runs(engine, {f"2026-06-{day:02d}": 18 for day in range(1, 31)})
    write = bearer(tokens["write"])
    created = client.post(
        "/api/v1/initiatives", json={**FASTER_CI, "status": "in_progress"}, headers=write
    ).json()
    url = f"/api/v1/initiatives/{created['id']}"
    compact = client.post(
        f"{url}/criteria", json={"text": "ci_duration_p50 < 8 by 2026-06-30"}, headers=write
    )
    assert compact.status_code == 201, compact.text
    fields = client.post(
        f"{url}/criteria",
        json={"kind": "kill", "kpi_id": "ci_duration_p50", "comparator": ">", "threshold": 20,
              "due": "2026-06-30"},
        headers=write,
    )  # fmt: skip
    assert fields.status_code == 201, fields.text
    judged = client.get(f"{url}/criteria?as_of=2026-07-05", headers=write).json()
    assert [c["state"] for c in judged["criteria"]] == ["missed", "cleared"]
    assert judged["kill_proposed"] is True
    listed = client.get("/api/v1/initiatives?as_of=2026-07-05", headers=write).json()
    assert "kill_proposed" in listed[0]["flags"]
    bad = client.post(f"{url}/criteria", json={"text": "speed < 1 by 2026-01-01"}, headers=write)
    assert bad.status_code == 422 and "unknown KPI" in bad.json()["detail"]
    decided = client.post(
        f"{url}/decisions", json={"decision": "kill", "reason": "Missed"}, headers=write
    )
    assert decided.status_code == 201
    assert decided.json()["decided_by"] == "write@example.com"
    assert client.get(url, headers=write).json()["status"] == "killed"
    again = client.post(
        f"{url}/decisions", json={"decision": "continue", "reason": "x"}, headers=write
    )
    assert again.status_code == 409
    assert client.get("/api/v1/criteria", headers=write).json()[0]["title"] == "Faster CI"


def test_backlog_views_through_the_api(client, tokens, teams):
    write = bearer(tokens["write"])
    for title, reach, priority in (("A", 10, 2), ("B", 100, 1), ("C", 50, 3)):
        client.post(
            "/api/v1/initiatives",
            json={"title": title, "reach": reach, "impact": 1, "confidence": 1, "effort": 1,
                  "priority": priority},
            headers=write,
        )  # fmt: skip
    report = client.get("/api/v1/initiatives/disagreements?limit=1", headers=write).json()
    assert report["compared"] == 3 and len(report["team_favours"]) == 1
    assert report["team_favours"][0]["title"] == "A"
    pairs = client.get("/api/v1/initiatives/sensitivity", headers=write).json()
    assert [(p["upper"], p["lower"]) for p in pairs] == [("B", "C"), ("C", "A")]


def test_the_canvas_through_the_api(client, tokens, teams):
    write = bearer(tokens["write"])
    assert client.get("/api/v1/canvas", headers=write).json()["updated_at"] is None
    updated = client.patch(
        "/api/v1/canvas", json={"users": "Feature engineers", "key_metrics": ["nps"]}, headers=write
    )
    assert updated.status_code == 200
    assert updated.json()["key_metrics"] == [{"id": "nps", "name": "Developer NPS"}]
    bad = client.patch("/api/v1/canvas", json={"key_metrics": ["joy"]}, headers=write)
    assert bad.status_code == 422
    logged = client.post(
        "/api/v1/canvas/validations", json={"shared_with": "3 devs", "said": "Yes"}, headers=write
    )
    assert logged.status_code == 201
    assert (
        client.get("/api/v1/canvas", headers=bearer(tokens["read"])).json()["validations"][0][
            "said"
        ]
        == "Yes"
    )


def test_an_import_through_the_api_is_all_or_nothing(client, tokens, teams):
    write = bearer(tokens["write"])
    good = "title,reach,impact,confidence,effort\nFaster CI,200,2,80%,2\n"
    imported = client.post(
        "/api/v1/initiatives/import?format=csv",
        content=good,
        headers={**write, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"created": 1, "updated": 0, "unchanged": 0}
    yaml_body = "- {title: Faster CI, reach: 200, impact: 2, confidence: 80%, effort: 2}\n"
    again = client.post(
        "/api/v1/initiatives/import?format=yaml",
        content=yaml_body,
        headers={**write, "Content-Type": "application/yaml"},
    )
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 1}
    bad = client.post(
        "/api/v1/initiatives/import?format=csv",
        content=good + "Mesh,200,1,70%,6\n",
        headers={**write, "Content-Type": "text/csv"},
    )
    assert bad.status_code == 422
    [problem] = bad.json()["problems"]
    assert (problem["line"], problem["field"]) == (3, "confidence")
    assert "allowed: 100%, 80%, 50%" in problem["reason"]
    assert len(client.get("/api/v1/initiatives", headers=write).json()) == 1
    refused = client.post(
        "/api/v1/initiatives/import?format=csv", content=good, headers=bearer(tokens["read"])
    )
    assert refused.status_code == 403


def test_extreme_inputs_are_refused_not_crashed_on(client, tokens, teams):
    write = bearer(tokens["write"])
    # an id no row can have names nothing, like an unknown one
    for path in ("/api/v1/initiatives/99999999999999999999", "/api/v1/problems/0"):
        assert client.get(path, headers=write).status_code == 404
    assert client.get("/api/v1/initiatives/2147483647", headers=write).status_code == 404
    huge = client.post(
        "/api/v1/initiatives",
        json={**FASTER_CI, "reach": 1e300, "effort": 1e-300},
        headers=write,
    )
    assert huge.status_code == 422
    assert {p["field"] for p in huge.json()["problems"]} == {"reach", "effort"}
    created = client.post("/api/v1/initiatives", json=FASTER_CI, headers=write).json()
    far = client.post(
        f"/api/v1/initiatives/{created['id']}/criteria",
        json={"kpi_id": "nps", "comparator": ">", "threshold": 40, "due": "9999-12-31"},
        headers=write,
    )
    assert far.status_code == 422 and "2999-12-31" in far.text
    client.post(
        f"/api/v1/initiatives/{created['id']}/criteria",
        json={"text": "nps > 40 by 2026-12-31"},
        headers=write,
    )
    for as_of in ("0001-01-01", "9999-12-31"):
        response = client.get(f"/api/v1/initiatives?as_of={as_of}", headers=write)
        assert response.status_code == 422 and "judge criteria on a day" in response.text
