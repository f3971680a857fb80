"""One error shape: every refused API request answers `{"detail": str, "problems": [...]}`, and
the OpenAPI document promises exactly that for every operation (issue 13)."""

from __future__ import annotations

from tests.web.conftest import bearer

ERROR = {"$ref": "#/components/schemas/ErrorOut"}


def test_the_document_promises_one_error_shape_on_every_operation(client):
    spec = client.get("/api/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert set(schemas["ErrorOut"]["properties"]) == {"detail", "problems"}
    assert "HTTPValidationError" not in schemas
    operations = [
        (path, method, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) > 50
    for path, method, operation in operations:
        for status in ("401", "403", "404", "422"):
            answer = operation["responses"][status]
            assert answer["content"]["application/json"]["schema"] == ERROR, (path, method)
        if method in {"post", "put", "patch", "delete"}:
            assert "409" in operation["responses"], (path, method)


def test_a_request_the_types_refuse_locates_each_problem(client, tokens, small_catalog):
    answer = client.get("/api/v1/kpis/nps/events?limit=many", headers=bearer(tokens["read"]))
    assert answer.status_code == 422
    body = answer.json()
    assert body["problems"] == [
        {"source": "query", "line": None, "field": "limit", "reason": body["problems"][0]["reason"]}
    ]
    assert "integer" in body["problems"][0]["reason"]
    assert body["detail"] == f"query.limit: {body['problems'][0]['reason']}"


def test_refusals_that_are_not_about_input_have_no_problems(client, tokens, small_catalog):
    unknown = client.get("/api/v1/teams/nobody", headers=bearer(tokens["read"]))
    assert unknown.status_code == 404
    assert set(unknown.json()) == {"detail", "problems"} and unknown.json()["problems"] == []
    forbidden = client.put(
        "/api/v1/teams/payments", json={"name": "Payments"}, headers=bearer(tokens["read"])
    )
    assert forbidden.status_code == 403 and forbidden.json()["problems"] == []
    nul = client.get("/api/v1/teams?x=%00", headers=bearer(tokens["read"]))
    assert nul.status_code == 400
    assert nul.json() == {"detail": "the address contains a NUL character", "problems": []}
