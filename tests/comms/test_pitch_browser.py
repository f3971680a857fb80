"""A real Chromium reads the pitch, translation and ROI pages of the demo on a laptop and a
phone, prints the pitch without navigation, and saves a pitch's note; hostile text stays text."""

from __future__ import annotations

import pytest

from pavedroad.comms import pitches
from pavedroad.db import unit_of_work
from pavedroad.demo.company import DEMO_LOGIN
from pavedroad.demo.loader import load_demo
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS

pytestmark = BROWSER_MARKS
HOSTILE = "<img src=x onerror=\"document.title='owned'\">CI is slow"


@pytest.fixture
def demo_server(live_server, engine) -> tuple[str, int]:
    with unit_of_work(engine) as session:
        load_demo(session, only=("catalog", "demo user", "backlog", "pitches"))
        ci = pitches.initiative_or_raise(session=session, ref="Faster CI pipelines")
    return live_server, ci


def test_pitch_pages_read_print_and_save_on_a_laptop_and_a_phone(
    demo_server, chromium_page, db_url
):
    base, ci = demo_server
    page = chromium_page
    engine_name = "postgres" if db_url.startswith("postgresql") else "sqlite"
    email, password = DEMO_LOGIN
    page.goto(f"{base}/initiatives/{ci}/pitch")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/initiatives/{ci}/pitch")
    bullets = page.locator("ul.bullets > li")
    assert bullets.count() == 3
    assert "Fragile releases" in page.inner_text("main")
    page.fill("textarea[name=constraint_note]", HOSTILE)
    page.click("text=Save")
    page.wait_for_url(f"**/initiatives/{ci}/pitch")
    assert HOSTILE in bullets.first.inner_text()
    assert page.title() != "owned"
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.sidebar')).display") == "none"
    assert page.locator("#choose").is_hidden()
    page.screenshot(path=str(ARTIFACTS / f"pitch-print-{engine_name}.png"), full_page=True)
    page.emulate_media(media="screen")

    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/pitches", f"/initiatives/{ci}/pitch", "/translation", "/roi"):
        page.goto(f"{base}{path}")
        assert page.locator("h1").count() == 1, path
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, path
    page.screenshot(path=str(ARTIFACTS / f"roi-phone-{engine_name}.png"), full_page=True)
