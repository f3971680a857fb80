"""A real Chromium signs in, opens the catalog and finds a team of the demo company."""

from __future__ import annotations

import pytest

from pavedroad.db import unit_of_work
from pavedroad.demo.company import DEMO_LOGIN
from pavedroad.demo.loader import CATALOG_ONLY, load_demo
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS

pytestmark = BROWSER_MARKS


@pytest.fixture
def demo_server(live_server, engine) -> str:
    with unit_of_work(engine) as session:
        load_demo(session, only=CATALOG_ONLY)
    return live_server


@pytest.fixture
def page(demo_server, chromium_page):
    return chromium_page


def test_sign_in_open_the_catalog_and_find_a_demo_team(demo_server, page, db_url):
    live_server = demo_server
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
    engine_name = "postgres" if db_url.startswith("postgresql") else "sqlite"
    page.screenshot(path=str(ARTIFACTS / f"team-page-{engine_name}.png"), full_page=True)


def test_a_wrong_password_in_the_browser_keeps_the_email(demo_server, page):
    live_server = demo_server
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "demo@brightwave.example")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "Email or password is wrong."
    assert page.input_value("input[name=email]") == "demo@brightwave.example"
