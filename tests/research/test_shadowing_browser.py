"""A real Chromium reads the demo's shadowing on a laptop and a phone, and records a session."""

from __future__ import annotations

import pytest

from pavedroad.db import unit_of_work
from pavedroad.demo.company import DEMO_LOGIN
from pavedroad.demo.loader import load_demo
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS

pytestmark = BROWSER_MARKS


@pytest.fixture
def demo_server(live_server, engine) -> str:
    with unit_of_work(engine) as session:
        load_demo(session, only=("catalog", "demo user", "shadowing"))
    return live_server


def test_shadowing_reads_on_a_laptop_and_a_phone(demo_server, chromium_page, db_url):
    page = chromium_page
    engine_name = "postgres" if db_url.startswith("postgresql") else "sqlite"
    email, password = DEMO_LOGIN
    page.goto(f"{demo_server}/research/shadowing?quarter=2026-Q2")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/research/shadowing?quarter=2026-Q2")
    assert "3 of 3 teams shadowed" in page.locator("section.panel").first.inner_text()
    assert page.locator("table.data tbody tr").count() == 3
    page.screenshot(path=str(ARTIFACTS / f"shadowing-list-{engine_name}.png"), full_page=True)

    page.locator("table.data tbody tr").nth(1).locator("a").first.click()
    page.wait_for_url("**/research/shadowing/*")
    assert page.locator(".timeline li").count() == 12
    assert "Manual rollback" in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / f"shadowing-session-{engine_name}.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    page.screenshot(
        path=str(ARTIFACTS / f"shadowing-session-phone-{engine_name}.png"), full_page=True
    )

    page.goto(f"{demo_server}/research/shadowing/new")
    page.fill("input[name=team]", "web-app")
    page.fill("input[name=workflow]", "fix a flaky test")
    page.fill("textarea[name=time_log]", "00:00 - start\n00:61 - broken")
    page.click("text=Save session")
    assert "minutes and seconds" in page.locator("[role=alert]").inner_text()
    assert page.input_value("textarea[name=time_log]") == "00:00 - start\n00:61 - broken"
    page.fill("textarea[name=time_log]", "00:00 - start\n00:40 - waiting for CI\n01:00 - done")
    page.click("text=Save session")
    page.wait_for_url("**/research/shadowing/*")
    assert page.locator(".timeline li").count() == 3
    page.screenshot(path=str(ARTIFACTS / f"shadowing-new-phone-{engine_name}.png"), full_page=True)
