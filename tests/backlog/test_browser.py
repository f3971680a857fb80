"""A real Chromium walks the demo backlog: ranked by RICE, an initiative beside the rest, a
criterion form that keeps what was typed, a decision recorded, and the canvas."""

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
        load_demo(session, only=("catalog", "demo user", "backlog"))
    return live_server


@pytest.fixture
def page(demo_server, chromium_page):
    return chromium_page


def test_walk_the_backlog_decide_and_see_the_canvas(demo_server, page, db_url):
    engine_name = "postgres" if db_url.startswith("postgresql") else "sqlite"
    email, password = DEMO_LOGIN
    page.goto(f"{demo_server}/backlog")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo_server}/backlog")

    first = page.locator("table.data tbody tr").first
    assert "Faster CI pipelines" in first.inner_text()
    last_ranked = page.locator("table.data").first.locator("tbody tr").last
    assert "Multi-cloud abstraction" in last_ranked.inner_text()
    page.screenshot(path=str(ARTIFACTS / f"backlog-{engine_name}.png"), full_page=True)

    page.locator("#backlog-table").get_by_role(
        "link", name="Multi-cloud abstraction", exact=True
    ).click()
    page.wait_for_url("**/initiatives/*")
    assert "Rank 8 of 8" in page.locator("section.panel").first.inner_text()
    assert page.locator(".ranking li.current").inner_text().strip().startswith("8")

    page.select_option("select[name=kpi_id]", "adoption_rate")
    page.select_option("select[name=comparator]", ">")
    page.fill("input[name=threshold]", "70")
    page.fill("input[name=due]", "2027-03-31")
    page.click("text=Add criterion")
    assert "write 0.8 or 80%" in page.locator("[role=alert]").inner_text()
    assert page.input_value("input[name=threshold]") == "70"
    page.fill("input[name=threshold]", "70%")
    page.click("text=Add criterion")
    page.wait_for_url("**#criteria")
    criteria = page.locator("#criteria").inner_text()
    # In the names people use (issue 16): "Adoption rate > 70.0% by 2027-03-31".
    assert "Adoption rate > 70" in criteria and "by 2027-03-31" in criteria, criteria

    page.check("input[name=decision][value=kill]")
    page.fill("textarea[name=reason]", "RICE 8 against 224 for faster CI; serves no goal.")
    page.click("text=Record decision")
    page.wait_for_url("**#decisions")
    assert "RICE 8 against 224" in page.locator("#decisions").inner_text()
    assert "killed" in page.locator(".meta").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"initiative-{engine_name}.png"), full_page=True)

    page.click(".crumbs >> text=Backlog")
    page.wait_for_url("**/backlog")
    page.click(".tabs >> text=Product canvas")
    page.wait_for_url("**/canvas")
    assert page.locator(".canvas-block").count() == 7
    assert "Developer NPS" in page.locator(".canvas-block", has_text="Key metrics").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"canvas-{engine_name}.png"), full_page=True)
