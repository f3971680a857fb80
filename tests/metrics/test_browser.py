"""A real Chromium opens the KPI dashboard and a KPI page whose chart vega-embed draws."""

from __future__ import annotations

from tests.web.conftest import ARTIFACTS, BROWSER_MARKS, PASSWORD

pytestmark = BROWSER_MARKS

WEEK = "2026-03-02..2026-03-09"


def test_dashboard_tiles_and_a_drawn_chart(org, users, live_server, chromium_page):
    page = chromium_page
    page.goto(f"{live_server}/login?next=/kpis")
    page.fill("input[name=email]", users["read"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/kpis?window={WEEK}")
    tile = page.locator("a.kpi-tile", has_text="CI duration (median)")
    assert "7.0 min" in tile.inner_text()
    from pavedroad.metrics.definitions import KPI_IDS

    assert page.locator("a.kpi-tile").count() == len(KPI_IDS)
    page.screenshot(path=str(ARTIFACTS / "kpi-dashboard.png"), full_page=True)
    tile.click()
    page.wait_for_url("**/kpis/ci_duration_p50**")
    # vega-embed (served by the app from the vl-convert bundle) draws the weekly chart.
    page.locator("#weekly-chart canvas, #weekly-chart svg").first.wait_for()
    assert page.locator("#weekly-chart.vega-embed").count() == 1
    assert "r5" in page.locator("table.data").last.inner_text()
    page.screenshot(path=str(ARTIFACTS / "kpi-detail.png"), full_page=True)
