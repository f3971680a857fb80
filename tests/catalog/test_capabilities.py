"""Platform capabilities in the catalog: add, update, list; usage imports create the unknown ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from pavedroad import versions
from pavedroad.catalog import capabilities
from pavedroad.catalog.schemas import CapabilityIn, CapabilityUpdate, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from pavedroad.errors import ConflictError, NotFoundError
from tests.web import conftest as web
from tests.web.conftest import bearer, csrf_of, sign_in

# The web fixtures, for this folder outside tests/web.
client, tokens, users = web.client, web.tokens, web.users

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def platform(engine) -> None:
    with unit_of_work(engine) as session:
        apply_batch(
            session=session,
            source="test",
            batch=CatalogBatch(teams=[TeamIn(slug="platform", name="Platform", eligible=False)]),
        )


def test_add_update_and_list(engine, platform):
    with unit_of_work(engine) as session:
        before = versions.of(session, "catalog")
        capabilities.add_capability(
            session=session,
            data=CapabilityIn(name="rollback", launched_at="2026-06-01", owner="Platform"),
        )
        assert versions.of(session, "catalog") == before + 1
    with unit_of_work(engine) as session:
        stored = capabilities.get_capability_or_raise(session=session, name="rollback")
        assert stored.launched_at == datetime(2026, 6, 1, tzinfo=UTC)
        assert capabilities.update_capability(
            session=session,
            capability=stored,
            data=CapabilityUpdate(description="One command", owner=""),
        )
        assert not capabilities.update_capability(
            session=session, capability=stored, data=CapabilityUpdate(description="One command")
        )
    with unit_of_work(engine) as session:
        [listed] = capabilities.list_capabilities(session=session)
    assert listed.model_dump() == {
        "name": "rollback",
        "description": "One command",
        "launched_at": datetime(2026, 6, 1, tzinfo=UTC),
        "owner": None,
        "source": "manual",
    }


def test_refusals_name_the_fix(engine, platform):
    with unit_of_work(engine) as session:
        capabilities.add_capability(session=session, data=CapabilityIn(name="docs"))
        with pytest.raises(ConflictError, match="capability update"):
            capabilities.add_capability(session=session, data=CapabilityIn(name="docs"))
        with pytest.raises(NotFoundError, match="no team"):
            capabilities.add_capability(
                session=session, data=CapabilityIn(name="ci", owner="nobody")
            )
        with pytest.raises(NotFoundError, match="catalog capabilities"):
            capabilities.get_capability_or_raise(session=session, name="portal")
    with pytest.raises(ValidationError, match="time zone"):
        CapabilityIn(name="ci", launched_at=datetime(2026, 1, 1))
    with pytest.raises(ValidationError):
        CapabilityIn(name="x" * 201)
    with pytest.raises(ValidationError, match="NUL"):
        CapabilityIn(name="a\x00b")


def test_ensure_creates_only_unknown_names(engine):
    with unit_of_work(engine) as session:
        capabilities.add_capability(session=session, data=CapabilityIn(name="deploy"))
        names = ["deploy", "logs", "logs", "", "x" * 300, HOSTILE]
        assert capabilities.ensure_capabilities(session=session, names=names) == sorted(
            ["logs", HOSTILE]
        )
        assert capabilities.ensure_capabilities(session=session, names=names) == []
        many = [f"cap-{i}" for i in range(1200)]
        assert len(capabilities.ensure_capabilities(session=session, names=many)) == 1200
        assert {c.source for c in capabilities.list_capabilities(session=session)} == {
            "manual",
            "usage",
        }


def test_cli_add_update_list(cli, platform):
    added = cli("catalog", "capability", "add", "rollback", "--launched", "2026-06-01", "--json")
    assert added.exit_code == 0, added.stderr
    assert json.loads(added.stdout)["launched_at"] == "2026-06-01T00:00:00Z"
    again = cli("catalog", "capability", "add", "rollback")
    assert again.exit_code == 1 and "exists" in again.stderr
    updated = cli(
        "catalog", "capability", "update", "rollback", "--owner", "platform", "--launched", ""
    )
    assert updated.exit_code == 0 and "updated" in updated.stdout
    [listed] = json.loads(cli("catalog", "capabilities", "--json").stdout)
    assert listed["owner"] == "platform" and listed["launched_at"] is None
    assert cli("catalog", "capability", "update", "nope").exit_code == 1
    bad = cli("catalog", "capability", "add", "ci", "--launched", "soon")
    assert bad.exit_code == 1 and "launched_at" in bad.stderr
    hostile = cli("catalog", "capability", "add", "[red]x[/red]")
    assert hostile.exit_code == 0
    assert "[red]x[/red]" in cli("catalog", "capabilities").stdout


def test_empty_list_says_what_to_do(cli):
    assert "pavedroad catalog capability add" in cli("catalog", "capabilities").stdout


def test_api_scopes_and_shapes(client, tokens, engine, platform):
    read, write = bearer(tokens["read"]), bearer(tokens["write"])
    assert client.get("/api/v1/capabilities").status_code == 401
    body = {"name": "rollback", "launched_at": "2026-06-01", "owner": "platform"}
    assert client.post("/api/v1/capabilities", json=body, headers=read).status_code == 403
    created = client.post("/api/v1/capabilities", json=body, headers=write)
    assert created.status_code == 201, created.text
    assert created.json()["owner"] == "platform"
    assert client.post("/api/v1/capabilities", json=body, headers=write).status_code == 409
    assert client.get("/api/v1/capabilities/rollback", headers=read).json()["name"] == "rollback"
    assert client.get("/api/v1/capabilities/nope", headers=read).status_code == 404
    assert (
        client.patch("/api/v1/capabilities/rollback", json={"owner": None}, headers=read)
    ).status_code == 403
    patched = client.patch(
        "/api/v1/capabilities/rollback", json={"description": "One command"}, headers=write
    )
    assert patched.json()["description"] == "One command"
    assert patched.json()["owner"] == "platform"  # fields not sent stay
    cleared = client.patch("/api/v1/capabilities/rollback", json={"owner": None}, headers=write)
    assert cleared.json()["owner"] is None
    bad = client.post(
        "/api/v1/capabilities", json={"name": "x", "launched_at": "2026-13-01"}, headers=write
    )
    assert bad.status_code == 422
    assert [c["name"] for c in client.get("/api/v1/capabilities", headers=read).json()] == [
        "rollback"
    ]


def test_page_form_adds_and_keeps_what_was_typed(client, users, platform):
    sign_in(client, users["write"])
    page = client.get("/catalog/capabilities")
    assert page.status_code == 200 and "No capabilities yet" in page.text
    token = csrf_of(page.text)
    refused = client.post(
        "/catalog/capabilities",
        data={"csrf_token": token, "name": HOSTILE, "launched_at": "soon", "owner": ""},
    )
    assert refused.status_code == 422
    assert HOSTILE not in refused.text and "&lt;script&gt;" in refused.text
    added = client.post(
        "/catalog/capabilities",
        data={
            "csrf_token": token,
            "name": HOSTILE,
            "launched_at": "2026-06-01",
            "owner": "platform",
        },
    )
    assert added.status_code == 303
    listed = client.get("/catalog/capabilities")
    assert HOSTILE not in listed.text and "&lt;script&gt;" in listed.text
    assert 'href="/catalog/capabilities" aria-current="page"' in listed.text


def test_reader_sees_no_form(client, users):
    sign_in(client, users["read"])
    assert "Add a capability" not in client.get("/catalog/capabilities").text
