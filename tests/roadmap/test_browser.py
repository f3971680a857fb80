"""A real Chromium opens the demo's impact map and roadmap and asks the VP's what-if."""

from __future__ import annotations

import pytest

from pavedroad.db import unit_of_work
from pavedroad.demo.company import DEMO_LOGIN
from pavedroad.demo.loader import load_demo
from pavedroad.demo.roadmap import AS_OF
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS, warmed

pytestmark = BROWSER_MARKS


@pytest.fixture
def demo_server(live_server, engine) -> str:
    with unit_of_work(engine) as session:
        load_demo(session)
    return warmed(live_server)


@pytest.fixture
def page(demo_server, chromium_page):
    return chromium_page


def test_map_roadmap_and_the_vps_what_if_in_the_browser(demo_server, page, db_url):
    engine_name = "postgres" if db_url.startswith("postgresql") else "sqlite"
    email, password = DEMO_LOGIN
    page.goto(f"{demo_server}/map")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo_server}/map")
    goals = page.locator("section.goal h2")
    assert goals.count() == 2
    assert "Time to production halved" in goals.first.inner_text()
    assert "Multi-cloud abstraction" in page.locator("#flagged").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"impact-map-{engine_name}.png"), full_page=True)

    page.click("nav.sidebar >> text=Roadmap")
    page.wait_for_url(f"{demo_server}/roadmap")
    page.goto(f"{demo_server}/roadmap?as_of={AS_OF.isoformat()}")
    now = page.locator("section.lane-now")
    assert "Faster CI pipelines" in now.inner_text()
    assert "Multi-cloud abstraction" in page.locator("section.lane-later").inner_text()

    page.fill("#whatif input[name=add]", "Multi-cloud abstraction")
    page.select_option("#whatif select[name=lane]", "now")
    page.click("#whatif button[type=submit]")
    page.wait_for_url("**/roadmap/whatif?**")
    answer = page.locator("[aria-label='What-if answer']")
    assert "pushed out" in answer.inner_text()
    assert "Time to production halved" in answer.inner_text()
    assert page.locator("input[name=add]").input_value() == "Multi-cloud abstraction"
    page.screenshot(path=str(ARTIFACTS / f"roadmap-whatif-{engine_name}.png"), full_page=True)

    page.click("nav.tabs >> text=Capacity budget")
    page.wait_for_url(f"{demo_server}/capacity")
    assert page.locator("section.quarter").count() == 5
    assert "eating the roadmap" in page.locator("#q-2026-Q1").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"capacity-{engine_name}.png"), full_page=True)
