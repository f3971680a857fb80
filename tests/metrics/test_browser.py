"""A real Chromium opens the KPI dashboard and a KPI page whose chart vega-embed draws."""

from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD
from tests.web.test_browser import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]

WEEK = "2026-03-02..2026-03-09"


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        yield page
        browser.close()


def test_dashboard_tiles_and_a_drawn_chart(org, users, live_server, browser_page):
    page = browser_page
    page.goto(f"{live_server}/login?next=/kpis")
    page.fill("input[name=email]", users["read"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/kpis?window={WEEK}")
    tile = page.locator("a.kpi-tile", has_text="CI duration (median)")
    assert "7.0 min" in tile.inner_text()
    assert page.locator("a.kpi-tile").count() == 25
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "kpi-dashboard.png"), full_page=True)
    tile.click()
    page.wait_for_url("**/kpis/ci_duration_p50**")
    # vega-embed (served by the app from the vl-convert bundle) draws the weekly chart.
    page.locator("#weekly-chart canvas, #weekly-chart svg").first.wait_for()
    assert page.locator("#weekly-chart.vega-embed").count() == 1
    assert "r5" in page.locator("table.data").last.inner_text()
    page.screenshot(path=str(ARTIFACTS / "kpi-detail.png"), full_page=True)
