"""Web fixtures: the real app over ASGI, with users and tokens of each scope."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from pavedroad.auth import service as auth
from pavedroad.catalog.schemas import DeveloperIn, ServiceIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from pavedroad.settings import Settings
from pavedroad.warming import warm_up
from pavedroad.web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def small_catalog(engine) -> None:
    """Two teams, three developers and two services."""
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(
                teams=[
                    TeamIn(slug="payments", name="Payments", eligible=True, headcount=12),
                    TeamIn(slug="corp-it", name="Corporate IT", eligible=False, headcount=4),
                ],
                developers=[
                    DeveloperIn(email="ada@example.com", name="Ada Lovelace", team="payments"),
                    DeveloperIn(
                        email="alan@example.com",
                        name="Alan Turing",
                        team="payments",
                        role="staff engineer",
                    ),
                    DeveloperIn(email="grace@example.com", name="Grace Hopper", team="corp-it"),
                ],
                services=[
                    ServiceIn(name="ledger", owner="payments", tier=1),
                    ServiceIn(name="payments-gateway", owner="payments", tier="tier-2"),
                ],
            ),
        )


@pytest.fixture
def users(engine) -> dict[str, str]:
    """One user per role; returns role -> email."""
    emails = {}
    with unit_of_work(engine) as s:
        for role in ("read", "write", "admin"):
            email = f"{role}@example.com"
            auth.create_user(
                session=s, email=email, name=f"{role.title()} User", password=PASSWORD, role=role
            )
            emails[role] = email
    return emails


@pytest.fixture
def tokens(engine, users) -> dict[str, str]:
    """A token of each scope; returns scope -> secret."""
    secrets = {}
    with unit_of_work(engine) as s:
        for scope, email in users.items():
            secrets[scope], _ = auth.create_token(
                session=s, email=email, name=f"{scope}-token", scope=scope
            )
    return secrets


@pytest.fixture
def client(db_url) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))
    with TestClient(app, follow_redirects=False) as client:
        yield client
    app.state.engine.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD, next_path: str = "/") -> None:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_of(form.text),
            "next": next_path,
        },
    )
    assert response.status_code == 303, response.text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The app behind each running live server, by its base URL.
LIVE_APPS: dict[str, Any] = {}


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The app for `settings` served by uvicorn on a free loopback port, as `pavedroad serve`
    runs it; yields its base URL and stops it afterwards."""
    port = _free_port()
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    LIVE_APPS[base] = app
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        LIVE_APPS.pop(base, None)
        app.state.engine.dispose()


@pytest.fixture
def live_server(db_url) -> Iterator[str]:
    """The app on the test's store, served over real HTTP."""
    with serving(Settings(database_url=db_url, session_days=1, secure_cookies=False)) as base:
        yield base


def warmed(base: str, *, teams: bool = False) -> str:
    """A live server whose store was just filled, with its KPI engine warmed the way `pavedroad
    serve` warms it at start, waited for: the first page must not meet a cold engine on a busy
    machine (the full demo's first copy took over a minute under `make test`'s load). `teams`
    also warms every team's pages, as `serve` does (30-50 s on the demo): only the walk of
    every page needs it."""
    warm_up(LIVE_APPS[base].state.engine, teams=teams).join(timeout=600)
    return base


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / ".test-artifacts"
# Browser tests drive Debian's chromium (Playwright's own download cannot work here).
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
]


@pytest.fixture
def chromium_page() -> Iterator[Any]:
    """A page of a real Chromium (1366x900); screenshots go to `.test-artifacts/`."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        # A cold first page (a new server process filling its KPI mirror) can take tens of
        # seconds on a loaded two-core runner; a step that fails still fails, only later.
        page.set_default_timeout(60_000)
        yield page
        browser.close()
