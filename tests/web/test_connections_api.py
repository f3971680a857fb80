"""The connections API over the real app: read scope lists, write scope adds, tests, syncs
and removes; a token goes in (stored encrypted) and never comes out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pavedroad.db import unit_of_work
from pavedroad.ingest.connectors.models import Connection
from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.connectors.standin import StandIn
from tests.connectors.standins.backstage import Backstage
from tests.web.conftest import bearer

TOKEN = "bs-api-secret-0a1b2c3d4e5f"
BASE = "/api/v1/connections"


@pytest.fixture
def backend() -> Iterator[Backstage]:
    with StandIn().serve() as standin:
        yield Backstage(standin, token=TOKEN).install()


@pytest.fixture
def api(db_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=db_url, secure_cookies=False, secret_key="api-test-secret-key-123456"
    )
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield client
    app.state.engine.dispose()


def _add(api: TestClient, tokens: dict[str, str], backend: Backstage, **extra: Any) -> Any:
    body = {"provider": "backstage", "name": "bs", "url": backend.url, "token": TOKEN, **extra}
    return api.post(BASE, json=body, headers=bearer(tokens["write"]))


def _finished(api: TestClient, tokens: dict[str, str], name: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        runs = api.get(f"{BASE}/{name}/runs", headers=bearer(tokens["read"])).json()
        if runs and runs[0]["status"] not in ("queued", "running"):
            return dict(runs[0])
        time.sleep(0.1)
    raise AssertionError("the sync did not finish")


def test_a_connection_is_added_with_a_stored_token_that_never_comes_back(
    api, tokens, backend, engine
):
    added = _add(api, tokens, backend, every="1h")
    assert added.status_code == 201, added.text
    shown = added.json()
    assert shown["token"] == "stored encrypted" and shown["every"] == "1h"
    assert shown["provider"] == "backstage" and shown["last_run"] is None
    listed = api.get(BASE, headers=bearer(tokens["read"]))
    one = api.get(f"{BASE}/bs", headers=bearer(tokens["read"]))
    assert listed.status_code == 200 and [c["name"] for c in listed.json()] == ["bs"]
    assert one.status_code == 200 and one.json()["url"] == backend.url
    for response in (added, listed, one):
        assert TOKEN not in response.text
    with unit_of_work(engine) as session:
        stored = session.scalars(select(Connection)).one()
        assert stored.token_encrypted and TOKEN not in stored.token_encrypted


def test_reading_needs_read_scope_and_changing_needs_write(api, tokens, backend):
    assert api.get(BASE).status_code == 401
    refused = _add(api, {"write": tokens["read"]}, backend)
    assert refused.status_code == 403 and "'write'" in refused.json()["detail"]
    assert _add(api, tokens, backend).status_code == 201
    for method, path in (
        ("post", f"{BASE}/bs/test"),
        ("post", f"{BASE}/bs/sync"),
        ("delete", f"{BASE}/bs"),
    ):
        answer = api.request(method.upper(), path, headers=bearer(tokens["read"]))
        assert answer.status_code == 403, (method, path)
    assert api.get(f"{BASE}/bs/runs", headers=bearer(tokens["read"])).json() == []


def test_bad_input_is_refused_naming_the_field(api, tokens, backend):
    wrong = _add(api, tokens, backend, options={"repos": ["acme/x"]})
    assert wrong.status_code == 422 and "--repo is not an option" in wrong.text
    assert TOKEN not in wrong.text
    unknown = api.post(
        BASE,
        json={"provider": "svn", "name": "x", "url": backend.url},
        headers=bearer(tokens["write"]),
    )
    assert unknown.status_code == 422 and "unknown provider" in unknown.text
    extra = api.post(
        BASE,
        json={"provider": "backstage", "name": "x", "url": backend.url, "password": "p"},
        headers=bearer(tokens["write"]),
    )
    assert extra.status_code == 422 and "password" in extra.text
    assert _add(api, tokens, backend).status_code == 201
    assert _add(api, tokens, backend).status_code == 409
    assert api.get(f"{BASE}/nope", headers=bearer(tokens["read"])).status_code == 404


def test_testing_a_connection_says_what_it_reads_or_what_is_wrong(api, tokens, backend):
    assert _add(api, tokens, backend).status_code == 201
    ok = api.post(f"{BASE}/bs/test", headers=bearer(tokens["write"]))
    assert ok.status_code == 200
    assert ok.json()["ok"] is True and "9 entities" in ok.json()["notes"][0]
    backend.token = "another-token"
    refused = api.post(f"{BASE}/bs/test", headers=bearer(tokens["write"]))
    assert refused.json()["ok"] is False and "401" in refused.json()["error"]
    assert TOKEN not in refused.text


def test_sync_now_answers_202_with_the_queued_run_and_the_run_finishes(api, tokens, backend):
    assert _add(api, tokens, backend).status_code == 201
    queued = api.post(f"{BASE}/bs/sync", headers=bearer(tokens["write"]))
    assert queued.status_code == 202, queued.text
    assert queued.json()["status"] == "queued" and queued.json()["connection"] == "bs"
    run = _finished(api, tokens, "bs")
    assert run["id"] == queued.json()["id"] and run["status"] == "succeeded", run["errors"]
    assert run["tables"]["services"]["new"] == 2 and run["tables"]["teams"]["new"] == 2
    shown = api.get(f"{BASE}/bs", headers=bearer(tokens["read"])).json()
    assert shown["last_run"]["id"] == run["id"]
    assert shown["resources"][0]["synced_until"] is not None
    removed = api.delete(f"{BASE}/bs", headers=bearer(tokens["write"]))
    assert removed.status_code == 204
    assert api.get(BASE, headers=bearer(tokens["read"])).json() == []
