"""The REST API: token auth with scopes, catalog endpoints, OpenAPI and health."""

from __future__ import annotations

from tests.web.conftest import bearer


def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_openapi_lists_the_catalog_endpoints(client):
    spec = client.get("/api/openapi.json").json()
    assert {
        "/api/v1/teams",
        "/api/v1/teams/{slug}",
        "/api/v1/developers",
        "/api/v1/services",
    } <= set(spec["paths"])


def test_no_token_is_401_with_a_hint(client, small_catalog):
    response = client.get("/api/v1/teams")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "pavedroad token create" in response.json()["detail"]


def test_a_wrong_token_is_401(client, small_catalog):
    assert client.get("/api/v1/teams", headers=bearer("prd_not-a-token")).status_code == 401


def test_read_token_lists_teams_with_their_sizes(client, small_catalog, tokens):
    response = client.get("/api/v1/teams", headers=bearer(tokens["read"]))
    assert response.status_code == 200
    assert response.json() == [
        {
            "slug": "corp-it",
            "name": "Corporate IT",
            "eligible": False,
            "headcount": 4,
            "developers": 1,
            "services": 0,
            "source": "test",
        },
        {
            "slug": "payments",
            "name": "Payments",
            "eligible": True,
            "headcount": 12,
            "developers": 2,
            "services": 2,
            "source": "test",
        },
    ]


def test_team_detail_has_its_people_and_services(client, small_catalog, tokens):
    team = client.get("/api/v1/teams/payments", headers=bearer(tokens["read"])).json()
    assert [p["email"] for p in team["people"]] == ["ada@example.com", "alan@example.com"]
    assert [(s["name"], s["tier"]) for s in team["owned_services"]] == [
        ("ledger", 1),
        ("payments-gateway", 2),
    ]
    missing = client.get("/api/v1/teams/nope", headers=bearer(tokens["read"]))
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]


def test_developers_filter_by_team_and_page(client, small_catalog, tokens):
    h = bearer(tokens["read"])
    assert [
        d["email"] for d in client.get("/api/v1/developers?team=corp-it", headers=h).json()
    ] == ["grace@example.com"]
    page = client.get("/api/v1/developers?limit=1&offset=1", headers=h).json()
    assert [d["name"] for d in page] == ["Alan Turing"]
    assert client.get("/api/v1/developers?limit=0", headers=h).status_code == 422


def test_read_token_on_a_write_is_403_and_writes_nothing(client, small_catalog, tokens):
    body = {"slug": "search", "name": "Search", "eligible": True, "headcount": 5}
    response = client.put("/api/v1/teams/search", json=body, headers=bearer(tokens["read"]))
    assert response.status_code == 403 and "'write'" in response.json()["detail"]
    slugs = [t["slug"] for t in client.get("/api/v1/teams", headers=bearer(tokens["read"])).json()]
    assert "search" not in slugs


def test_write_token_upserts_a_team_and_reports_the_outcome(client, tokens):
    body = {"slug": "search", "name": "Search", "eligible": True, "headcount": 5}
    h = bearer(tokens["write"])
    assert client.put("/api/v1/teams/search", json=body, headers=h).json() == {
        "teams": {"created": 1, "updated": 0, "unchanged": 0}
    }
    assert client.put("/api/v1/teams/search", json=body, headers=h).json() == {
        "teams": {"created": 0, "updated": 0, "unchanged": 1}
    }
    body["headcount"] = 6
    assert client.put("/api/v1/teams/search", json=body, headers=h).json()["teams"]["updated"] == 1


def test_a_service_with_an_unknown_owner_is_422_naming_the_field(client, tokens):
    response = client.put(
        "/api/v1/services/orphan",
        json={"name": "orphan", "owner": "ghosts"},
        headers=bearer(tokens["write"]),
    )
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert problem["field"] == "owner" and problem["reason"] == "unknown owner team"


def test_bad_values_are_422_with_the_allowed_form(client, tokens):
    response = client.put(
        "/api/v1/services/x",
        json={"name": "x", "owner": "payments", "tier": "gold"},
        headers=bearer(tokens["write"]),
    )
    assert response.status_code == 422
    assert "tier from 1 to 4" in response.text


def test_admin_endpoints_need_admin_scope(client, tokens):
    assert client.get("/api/v1/tokens", headers=bearer(tokens["write"])).status_code == 403
    listed = client.get("/api/v1/tokens", headers=bearer(tokens["admin"]))
    assert listed.status_code == 200
    assert {t["name"] for t in listed.json()} == {"read-token", "write-token", "admin-token"}
    assert all("token_hash" not in t for t in listed.json())


def test_me_reports_the_effective_scope(client, tokens):
    assert client.get("/api/v1/me", headers=bearer(tokens["write"])).json() == {
        "email": "write@example.com",
        "name": "Write User",
        "scope": "write",
    }


def test_a_signed_in_browser_can_read_the_api_but_must_send_csrf_to_write(
    client, users, small_catalog
):
    from tests.web.conftest import sign_in

    sign_in(client, users["write"])
    assert client.get("/api/v1/teams").status_code == 200
    body = {"slug": "search", "name": "Search"}
    assert client.put("/api/v1/teams/search", json=body).status_code == 403
