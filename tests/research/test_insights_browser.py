"""A real Chromium reads the research overview and the insights page on a laptop and a phone,
and adds an insight through the form; hostile text stays text."""

from __future__ import annotations

import pytest

from pavedroad.db import unit_of_work
from pavedroad.demo.company import DEMO_LOGIN
from pavedroad.demo.loader import load_demo
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS

pytestmark = BROWSER_MARKS
HOSTILE = "<img src=x onerror=\"document.title='owned'\">Docs nobody finds"


@pytest.fixture
def demo_server(live_server, engine) -> str:
    with unit_of_work(engine) as session:
        load_demo(session, only=("catalog", "demo user", "backlog", "shadowing", "interviews"))
    return live_server


def test_research_pages_read_on_a_laptop_and_a_phone(demo_server, chromium_page, db_url):
    page = chromium_page
    engine_name = "postgres" if db_url.startswith("postgresql") else "sqlite"
    email, password = DEMO_LOGIN
    page.goto(f"{demo_server}/research?quarter=2026-Q2")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/research?quarter=2026-Q2")
    main = page.inner_text("main")
    assert "3 of 3 teams a quarter" in main and "15 of 5 a month" in main
    assert page.locator("table.heat tbody tr").count() > 40
    assert "never researched" in page.locator("table.heat tbody tr").first.inner_text().lower()
    page.screenshot(path=str(ARTIFACTS / f"research-overview-{engine_name}.png"), full_page=True)

    page.goto(f"{demo_server}/research/insights")
    page.fill("textarea[name=text]", HOSTILE)
    page.select_option("select[name=source_kind]", "survey_comment")
    page.click("text=Add insight")
    page.wait_for_url("**/research/insights")
    assert HOSTILE in page.inner_text("main")
    assert page.title() != "owned"

    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/research?quarter=2026-Q2", "/research/insights"):
        page.goto(f"{demo_server}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, path
    page.screenshot(path=str(ARTIFACTS / f"research-insights-phone-{engine_name}.png"))
