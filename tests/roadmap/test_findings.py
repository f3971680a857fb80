"""What a schemathesis run over the OpenAPI found: answers that were 500s (issue 13)."""

from __future__ import annotations

from pavedroad.backlog.schemas import InitiativeIn
from pavedroad.backlog.service import create_initiative
from pavedroad.db import unit_of_work
from tests.web.conftest import bearer


def test_unlocking_a_done_initiative_is_a_conflict_not_a_500(engine, client, tokens):
    with unit_of_work(engine) as session:
        create_initiative(
            session=session,
            data=InitiativeIn.model_validate(
                {
                    "title": "Shipped last year",
                    "reach": 10,
                    "impact": 1,
                    "confidence": 1,
                    "effort": 1,
                    "status": "done",
                }
            ),
        )
    answer = client.post(
        "/api/v1/roadmap/unlock",
        json={"title": "Shipped last year"},
        headers=bearer(tokens["write"]),
    )
    assert answer.status_code == 409
    assert "only initiatives that are ideas, planned or in progress" in answer.json()["detail"]


def test_catalog_keys_in_the_path_are_validated_like_the_body(client, tokens, engine):
    headers = bearer(tokens["write"])
    assert (
        client.put(
            "/api/v1/teams/payments", json={"slug": "payments", "name": "Payments"}, headers=headers
        ).status_code
        == 200
    )
    for path, body in (
        ("/api/v1/services/%C3%BC%E2%80%AEname", {"name": "x", "owner": "payments"}),
        ("/api/v1/teams/Team%20A!", {"slug": "x", "name": "Team A"}),
    ):
        answer = client.put(path, json=body, headers=headers)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["problems"][0]["source"] == "path"
    teams = client.get("/api/v1/teams", headers=headers).json()
    assert [t["slug"] for t in teams] == ["payments"]
