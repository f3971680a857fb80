"""A real Chromium opens the weekly report of the hand-built store: typed HTML and script show
as text and never run, the charts load, and the page fits a 390-pixel phone."""

from __future__ import annotations

from tests.comms import test_report as hand_built
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS, PASSWORD

pytestmark = BROWSER_MARKS
# The hand-built store of the report tests (and the teams it is built on).
store, teams = hand_built.store, hand_built.teams


def test_in_chromium_the_report_is_inert_and_fits_a_phone(store, users, live_server, chromium_page):
    page = chromium_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/login?next=/reports")
    page.fill("input[name=email]", users["read"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/reports")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.fill("input[name=period]", "2026-W46")
    page.click("text=Show")
    page.wait_for_url("**/reports?kind=weekly&period=2026-W46")
    page.wait_for_load_state("networkidle")
    changelog = page.locator("section:has(h2:text('Changelog'))").inner_text()
    assert "<script>alert(1)</script>" in changelog  # shown as text, never run
    assert page.locator("main script").count() == 0
    assert page.locator("main a[href^='javascript']").count() == 0
    assert dialogs == []
    charts = page.locator("figure img")
    assert charts.count() >= 1
    assert charts.first.evaluate("img => img.complete && img.naturalWidth > 300")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "comms-report-phone.png"), full_page=True)
