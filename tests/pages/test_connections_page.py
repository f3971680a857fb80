"""The connections page: each connection with its last run and counts per table, an add form
that keeps what was typed on a refusal, Test connection and Sync now; connector runs on the
runs page. In the app over ASGI, and in Chromium against a Backstage stand-in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from pavedroad.db import unit_of_work
from pavedroad.ingest.connectors import service, sync
from pavedroad.ingest.models import Run
from pavedroad.settings import Settings
from tests.connectors.standin import Answer, StandIn
from tests.connectors.standins.backstage import Backstage
from tests.web.conftest import ARTIFACTS, CHROMIUM, PASSWORD, csrf_of, sign_in

TOKEN = "bs-page-secret-5e6f7a8b9c"
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[Backstage]:
    monkeypatch.setenv("BS_TOKEN", TOKEN)
    with StandIn().serve() as standin:
        yield Backstage(standin, token=TOKEN).install()


def _add(engine: Any, backend: Backstage, name: str = "bs") -> None:
    with unit_of_work(engine) as session:
        service.add_connection(
            session=session, name=name, provider="backstage", url=backend.url,
            token_env="BS_TOKEN", token=None, secret_key=None, options={}, every="6h",
        )  # fmt: skip


def test_with_no_connection_the_page_says_what_to_do(client, users):
    sign_in(client, users["write"])
    page = client.get("/connections")
    assert page.status_code == 200
    assert "No connections yet" in page.text and "pavedroad connect add github" in page.text
    assert 'action="/connections"' in page.text
    nav = page.text.index('href="/runs"')
    assert page.text.index('href="/connections"', nav - 2000) > 0


def test_a_read_only_user_sees_connections_but_no_form_or_buttons(client, users, engine, backend):
    _add(engine, backend)
    sign_in(client, users["read"])
    page = client.get("/connections")
    assert "bs" in page.text and "environment variable BS_TOKEN" in page.text
    assert 'action="/connections"' not in page.text and "Sync now" not in page.text
    assert TOKEN not in page.text


def test_a_refused_add_keeps_what_was_typed_and_says_why_beside_the_field(client, users):
    sign_in(client, users["write"])
    form = client.get("/connections")
    refused = client.post(
        "/connections",
        data={
            "csrf_token": csrf_of(form.text),
            "provider": "backstage",
            "name": "Bad Name!",
            "url": "https://backstage.example.com",
            "token-env": "BS_TOKEN",
            "every": "6h",
        },
    )
    assert refused.status_code == 422
    text = refused.text
    assert "The connection was not added" in text and "is not a connection name" in text
    assert 'value="Bad Name!"' in text and 'value="https://backstage.example.com"' in text
    assert 'value="BS_TOKEN"' in text and 'value="6h"' in text
    assert 'aria-invalid="true" aria-describedby="f-name-error"' in text
    wrong_option = client.post(
        "/connections",
        data={
            "csrf_token": csrf_of(form.text),
            "provider": "backstage",
            "name": "bs",
            "url": "https://backstage.example.com",
            "repo": "acme/api, acme/web",
        },
    )
    assert wrong_option.status_code == 422
    assert "--repo is not an option of a backstage connection" in wrong_option.text
    assert 'value="acme/api, acme/web"' in wrong_option.text
    assert "f-repo-error" in wrong_option.text and "<details open>" in wrong_option.text
    assert client.get("/connections").text.count('class="card connection"') == 0


def test_a_connection_added_on_the_page_is_listed(client, users, backend):
    sign_in(client, users["write"])
    form = client.get("/connections")
    added = client.post(
        "/connections",
        data={
            "csrf_token": csrf_of(form.text),
            "provider": "backstage",
            "name": "catalog",
            "url": backend.url,
            "token-env": "BS_TOKEN",
            "every": "1h",
        },
    )
    assert (
        added.status_code == 303 and added.headers["location"] == "/connections#connection-catalog"
    )
    page = client.get("/connections").text
    assert 'id="connection-catalog"' in page and "every 1h" in page and "never synced" in page


def test_the_runs_page_shows_connector_runs_with_counts_per_table_and_retried(
    client, users, engine, backend, db_url
):
    _add(engine, backend)
    settings = Settings(database_url=db_url)
    backend.standin.fail(Answer(401, {"error": {"name": "x", "message": "no"}}), times=1)
    failed = sync.sync_connection(engine, settings, "bs")
    assert failed.status == "failed"
    with unit_of_work(engine) as session:
        session.get_one(Run, failed.id).status = "retried"  # as a resumed sync leaves it
    done = sync.sync_connection(engine, settings, "bs")
    assert done.status == "succeeded"
    sign_in(client, users["write"])
    runs = client.get("/runs")
    assert runs.status_code == 200
    assert "status-retried" in runs.text and f'href="/runs/{done.id}"' in runs.text
    run = client.get(f"/runs/{done.id}").text
    assert "Per table" in run and "<td>services</td>" in run and "<td>teams</td>" in run
    assert "tables=" not in run  # the counts are a table, not a dump of the options
    assert 'action="/connections/bs/sync"' in run and "Retry this run" not in run
    retried = client.get(f"/runs/{failed.id}").text
    assert "a later sync picked its work up" in retried
    listed = client.get("/connections").text
    assert f'href="/runs/{done.id}"' in listed and "Last run, per table" in listed
    assert "synced until" in listed


def _signed_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def _no_sideways_scroll(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.browser
@needs_chromium
def test_in_chromium_a_refused_add_then_test_and_sync_now(
    live_server, users, chromium_page, backend
):
    page = chromium_page
    page.set_viewport_size({"width": 1440, "height": 900})
    _signed_in(page, live_server, users["write"])
    page.goto(f"{live_server}/connections")
    assert page.get_by_text("No connections yet").is_visible()
    page.select_option("select[name=provider]", "backstage")
    page.fill("input[name=name]", "catalog")
    page.fill("input[name=url]", "ftp://nowhere")
    page.fill("input[name=token-env]", "BS_TOKEN")
    with page.expect_navigation():
        page.click("text=Add connection")
    error = page.locator("#f-url-error")
    assert error.is_visible() and "not an http(s) URL" in error.inner_text()
    assert page.input_value("input[name=name]") == "catalog"
    assert page.input_value("select[name=provider]") == "backstage"
    assert page.evaluate("document.activeElement.name") == "url"
    page.screenshot(path=str(ARTIFACTS / "connections-refused.png"), full_page=True)

    page.fill("input[name=url]", backend.url)
    with page.expect_navigation():
        page.click("text=Add connection")
    card = page.locator("#connection-catalog")
    assert card.is_visible() and "environment variable BS_TOKEN" in card.inner_text()

    with page.expect_navigation():
        card.locator("text=Test connection").click()
    assert "The connection works" in page.locator("#connection-catalog").inner_text()

    with page.expect_navigation():
        page.locator("#connection-catalog").locator("text=Sync now").click()
    assert "/runs/" in page.url
    deadline = time.monotonic() + 60
    while "status-succeeded" not in page.content() and time.monotonic() < deadline:
        time.sleep(0.3)
        page.reload()
    assert page.locator("h1 .badge").inner_text() == "succeeded"
    assert page.locator("#per-table").is_visible()
    page.click('a[href="/connections#connection-catalog"]')
    page.wait_for_url("**/connections#connection-catalog")
    listed = page.locator("#connection-catalog").inner_text()
    assert "succeeded" in listed and "services" in listed and TOKEN not in page.content()
    _no_sideways_scroll(page, 1440)
    page.screenshot(path=str(ARTIFACTS / "connections-1440.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _no_sideways_scroll(page, 390)
    page.screenshot(path=str(ARTIFACTS / "connections-390.png"), full_page=True)
    page.goto(f"{live_server}/runs")
    _no_sideways_scroll(page, 390)
