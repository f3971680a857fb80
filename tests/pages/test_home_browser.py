"""On the demo company (one SQLite store for the module, its KPI engine warmed as `pavedroad
serve` warms it): the home tells the before/after story since the PM arrived at 1440 px and
390 px without horizontal scrolling or console errors, and answers fast after the warm-up."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pavedroad.db import make_engine, unit_of_work
from pavedroad.demo.company import DEMO_LOGIN
from pavedroad.demo.loader import load_demo
from pavedroad.settings import Settings
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS, csrf_of, serving, warmed

pytestmark = BROWSER_MARKS

# What the demo's story says happened since the PM arrived (demo/story.py): the "before"
# side is fixed by the generator; "now" moves with today's date, so only its direction is
# asserted.
BEFORE = {"adoption_rate": "50.0%", "ci_duration_p50": "17.6 min", "nps": "+12"}
FAST_SECONDS = 1.0


@pytest.fixture(scope="module")
def demo_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("home-demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        load_demo(s)
    engine.dispose()
    with serving(Settings(database_url=url, session_days=1, secure_cookies=False)) as base:
        yield warmed(base)


def _sign_in(page, base: str) -> float:
    email, password = DEMO_LOGIN
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    started = time.monotonic()
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return time.monotonic() - started


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_the_home_tells_the_story_since_the_pm_arrived(demo_server, chromium_page, width, height):
    page = chromium_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": width, "height": height})
    _sign_in(page, demo_server)
    assert "since PM arrived (2026-06-01)" in page.locator("#winning").inner_text()
    for kpi, before in BEFORE.items():
        card = page.locator(f'a.star[data-kpi="{kpi}"]')
        moved = card.locator(".star-move")
        assert moved.inner_text().startswith(f"{before} →"), moved.inner_text()
        assert "better" in (moved.get_attribute("class") or "")
        assert card.locator("svg.spark").count() == 1
    assert page.locator("#needs").is_visible()
    assert page.locator("#roadmap-line a[href='/roadmap']").is_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px of horizontal scrolling at {width}px"
    assert not errors, errors
    page.screenshot(path=str(ARTIFACTS / f"home-{width}.png"), full_page=True)


def test_the_home_answers_fast_after_the_warm_up(demo_server):
    email, password = DEMO_LOGIN
    with httpx.Client(base_url=demo_server, follow_redirects=False) as http:
        form = http.get("/login")
        signed_in = http.post(
            "/login",
            data={
                "email": email,
                "password": password,
                "csrf_token": csrf_of(form.text),
                "next": "/",
            },
        )
        assert signed_in.status_code == 303, signed_in.text[:300]
        # The sign-in's transaction commits after its answer is sent (FastAPI runs a yield
        # dependency's exit afterwards), so a client this quick may arrive first: wait for it.
        deadline = time.monotonic() + 10
        timings: list[float] = []
        while len(timings) < 3:
            started = time.monotonic()
            answer = http.get("/")
            if answer.status_code == 303 and not timings and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            assert answer.status_code == 200
            timings.append(time.monotonic() - started)  # the first one is the first home view
    # The best of three: a busy test machine may stall one request, not the page's own work.
    assert min(timings) < FAST_SECONDS, timings
