"""A real Chromium drags a roadmap card between lanes (the what-if shown while it is held, the
lane stored on drop), moves one with the keyboard, sorts and filters the backlog, opens the
map's Edit switch, and is refused a bad capacity beside the field; nothing overflows at 390 px."""

from __future__ import annotations

from datetime import date

import pytest

from pavedroad.db import unit_of_work
from pavedroad.roadmap.lanes import show_roadmap
from tests.roadmap.conftest import AS_OF
from tests.roadmap.conftest import backlog as backlog
from tests.roadmap.conftest import capacity as capacity
from tests.roadmap.conftest import mapped as mapped
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS, PASSWORD

pytestmark = BROWSER_MARKS


@pytest.fixture
def page(live_server, chromium_page, users, mapped, capacity, db_url):
    if db_url.startswith("postgresql"):
        pytest.skip("the browser path is engine-independent; the pages' tests run on both")
    chromium_page.goto(f"{live_server}/login?next=/backlog")
    chromium_page.fill("input[name=email]", users["write"])
    chromium_page.fill("input[name=password]", PASSWORD)
    chromium_page.click("button[type=submit]")
    chromium_page.wait_for_url(f"{live_server}/backlog")
    chromium_page.goto(f"{live_server}/roadmap?as_of={AS_OF}")
    chromium_page.click("#plan button[type=submit]")  # apply the plan: cards in their lanes
    chromium_page.wait_for_url(f"**/roadmap?as_of={AS_OF}")
    return chromium_page


def _lanes(engine) -> dict[str, str]:
    with unit_of_work(engine) as session:
        view = show_roadmap(session=session, as_of=date.fromisoformat(AS_OF))
    return {c.title: lane.lane for lane in view.lanes for c in lane.cards}


def test_dragging_a_card_into_now_shows_what_leaves_and_keeps_the_move(page, engine):
    assert _lanes(engine)["Multi-cloud abstraction"] == "later"
    card = page.locator('.lane-card[data-title="Multi-cloud abstraction"]')
    now = page.locator("section.lane-now")
    card.hover()
    page.mouse.down()
    box = now.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40, steps=5)
    page.mouse.move(box["x"] + 30, box["y"] + 60, steps=5)
    whatif = page.locator("#drag-whatif")
    whatif.wait_for(state="visible")
    page.wait_for_function(
        "document.getElementById('drag-whatif').innerText.includes('Pushes out')"
    )
    text = whatif.inner_text()
    assert "Multi-cloud abstraction → Now (2026-Q4)" in text
    assert "Self-service databases (Now → Next)" in text
    # The budget bar of the card's category goes red while the card is held over Now.
    bar = now.locator('.use-row[data-category="roadmap"]')
    assert {"over", "preview"} <= set(bar.get_attribute("class").split())
    assert bar.locator(".use-text").inner_text() == "11 / 7 pm"
    page.screenshot(path=str(ARTIFACTS / "roadmap-drag-whatif.png"))
    with page.expect_navigation():
        page.mouse.up()
    assert "Multi-cloud abstraction" in page.locator("section.lane-now").inner_text()
    assert _lanes(engine)["Multi-cloud abstraction"] == "now"


def test_dragging_with_playwright_drag_to_stores_the_lane(page, engine):
    card = page.locator('.lane-card[data-title="Faster CI pipelines"]')
    with page.expect_navigation():
        card.drag_to(page.locator("section.lane-exploring"))
    assert "Faster CI pipelines" in page.locator("section.lane-exploring").inner_text()
    assert _lanes(engine)["Faster CI pipelines"] == "exploring"


def test_the_keyboard_moves_a_card_with_its_lane_list(page, engine):
    select = page.locator('.lane-card[data-title="Self-service databases"] select[name=lane]')
    select.focus()
    select.select_option("later")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Move"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Self-service databases" in page.locator("section.lane-later").inner_text()
    assert _lanes(engine)["Self-service databases"] == "later"


def test_a_split_over_100_is_refused_beside_the_field_in_view(page, live_server):
    page.goto(f"{live_server}/capacity")
    page.fill("#set input[name=quarter]", "2027-Q2")
    page.fill("#set input[name=person_months]", "20")
    page.fill("#set input[name=split]", "80/30/10")
    page.click("#set button[type=submit]")
    page.wait_for_load_state()
    field = page.locator("#set input[name=split]")
    assert field.get_attribute("aria-invalid") == "true"
    error = page.locator("#capacity-split-error")
    assert "add up to 120, not 100" in error.inner_text()
    box = error.bounding_box()
    viewport = page.viewport_size
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
    assert page.evaluate("document.activeElement.name") == "split"


def _titles(page) -> list[str]:
    return page.locator("#backlog-table tbody td.title-cell > a").all_inner_texts()


def test_backlog_headers_sort_in_the_browser_and_say_so(page, live_server):
    page.goto(f"{live_server}/backlog")
    header = page.locator('#backlog-table th[data-key="effort"]')
    header.locator("a").click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert page.locator('#backlog-table th[data-key="rank"]').get_attribute("aria-sort") is None
    assert _titles(page)[0] == "Faster CI pipelines"  # 2 person-months, the least
    assert "sort=effort" in page.url
    header.locator("a").focus()
    page.keyboard.press("Enter")  # the keyboard sorts the other way
    assert header.get_attribute("aria-sort") == "descending"
    assert _titles(page)[-1] == "Faster CI pipelines"
    page.fill(".backlog-filter input[name=q]", "database")
    with page.expect_navigation():
        page.press(".backlog-filter input[name=q]", "Enter")
    assert sorted(_titles(page)) == ["Automated database migrations", "Self-service databases"]
    assert "sort=-effort" in page.url


def test_dragging_a_row_of_the_team_order_sets_the_priority(page, live_server):
    page.goto(f"{live_server}/backlog")
    rows = page.locator("ol.team-order > li")
    titles = [t.strip() for t in page.locator("ol.team-order .order-title > a").all_inner_texts()]
    third = rows.nth(2)
    with page.expect_navigation():
        third.drag_to(rows.nth(0), target_position={"x": 10, "y": 2})
    after = [t.strip() for t in page.locator("ol.team-order .order-title > a").all_inner_texts()]
    assert after[0] == titles[2]
    assert "team #1" in page.locator("ol.team-order > li").nth(0).inner_text()


def test_the_keyboard_moves_a_team_order_row_down(page, live_server):
    page.goto(f"{live_server}/backlog")
    titles = [t.strip() for t in page.locator("ol.team-order .order-title > a").all_inner_texts()]
    page.locator(f'button[aria-label="Move {titles[0]} down"]').focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    after = [t.strip() for t in page.locator("ol.team-order .order-title > a").all_inner_texts()]
    assert after[:2] == [titles[1], titles[0]]


def test_the_map_tree_shows_every_level_and_edit_opens_the_forms(page, live_server):
    page.goto(f"{live_server}/map")
    goal = page.locator("section.goal").first
    tree = goal.locator("ul.tree")
    for level in ("goal", "actor", "impact", "deliverable"):
        assert tree.locator(f".node.{level}").first.is_visible()
    add_actor = goal.locator("form.add-actor button")
    assert not add_actor.is_visible()
    goal.locator("details.map-edit > summary").focus()
    page.keyboard.press("Enter")
    assert add_actor.is_visible()
    page.screenshot(path=str(ARTIFACTS / "impact-map-tree.png"), full_page=True)


@pytest.mark.parametrize("path", ["/roadmap", "/capacity", "/backlog", "/map"])
def test_no_horizontal_overflow_at_390_px(page, live_server, path):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}{path}")
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width}px wide at 390px"
