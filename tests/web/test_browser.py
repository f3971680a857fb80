"""A real Chromium signs in, opens the catalog and finds a team of the demo company."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from pavedroad.db import unit_of_work
from pavedroad.demo.company import DEMO_LOGIN
from pavedroad.demo.loader import load_demo
from pavedroad.settings import Settings
from pavedroad.web.app import create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / ".test-artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(db_url, engine) -> Iterator[str]:
    """The demo company served by uvicorn on loopback, as `make demo` serves it."""
    with unit_of_work(engine) as session:
        load_demo(session)
    port = _free_port()
    app = create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

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
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def test_sign_in_open_the_catalog_and_find_a_demo_team(live_server, page, db_url):
    email, password = DEMO_LOGIN
    page.goto(f"{live_server}/catalog")
    assert "/login" in page.url
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/catalog")

    page.fill("input[name=q]", "payments")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/catalog?q=payments")
    page.click("text=Payments Gateway")
    page.wait_for_url("**/catalog/teams/payments-gateway")

    assert page.locator("h1").inner_text().startswith("Payments Gateway")
    people = page.locator("section:has(h2:text('People')) tbody tr")
    assert people.count() >= 12
    services = page.locator("section:has(h2:text('Services')) tbody")
    assert "payments-gateway" in services.inner_text() and "card-tokenizer" in services.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    engine_name = "postgres" if db_url.startswith("postgresql") else "sqlite"
    page.screenshot(path=str(ARTIFACTS / f"team-page-{engine_name}.png"), full_page=True)


def test_a_wrong_password_in_the_browser_keeps_the_email(live_server, page):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "demo@brightwave.example")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "Email or password is wrong."
    assert page.input_value("input[name=email]") == "demo@brightwave.example"
