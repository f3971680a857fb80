"""On the demo company (one SQLite store for the module, its KPI engine warmed as `pavedroad
serve` warms it): a KPI page at 1440 px and 390 px shows one unit on the tile and the chart
axis, a delta with its basis, window presets, a drawn chart with markers, and NPS per wave,
without horizontal scrolling or console errors."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pavedroad.db import make_engine, unit_of_work
from pavedroad.demo.company import DEMO_LOGIN
from pavedroad.demo.loader import load_demo
from pavedroad.settings import Settings
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS, serving, warmed

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def demo_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("kpi-demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        load_demo(s)
    engine.dispose()
    with serving(Settings(database_url=url, session_days=1, secure_cookies=False)) as base:
        yield warmed(base)


def _sign_in(page, base: str) -> None:  # type: ignore[no-untyped-def]
    email, password = DEMO_LOGIN
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_a_kpi_page_on_the_demo_never_misleads(demo_server, chromium_page, width, height):
    page = chromium_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": width, "height": height})
    _sign_in(page, demo_server)

    page.goto(f"{demo_server}/kpis/lead_time_p50")
    page.wait_for_selector("#weekly-chart svg, #weekly-chart canvas")
    headline = page.locator(".kpi-head .tile-value").first.inner_text()
    assert headline.endswith(" h"), headline  # hours on the tile ...
    spec = json.loads(page.locator("#weekly-spec").text_content() or "{}")
    assert spec["layer"][0]["encoding"]["y"]["title"] == "hours"  # ... and on the chart axis
    assert " vs the previous 30 days" in page.locator("#kpi-delta").inner_text()
    assert "shipped: " in json.dumps(spec) or "launch: " in json.dumps(spec)
    labels = page.locator(".presets a").all_inner_texts()
    assert labels[:4] == ["30 days", "90 days", "quarter to date", "year to date"]
    overflow = "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    assert not page.evaluate(overflow)
    page.screenshot(path=str(ARTIFACTS / f"kpi-lead-time-{width}.png"), full_page=True)

    page.goto(f"{demo_server}/kpis/nps?window=2026-H2")
    page.wait_for_selector("#wave-chart svg, #wave-chart canvas")
    waves = page.locator("#waves tbody tr")
    assert waves.count() >= 2
    assert not page.evaluate(overflow)
    page.screenshot(path=str(ARTIFACTS / f"kpi-nps-waves-{width}.png"), full_page=True)
    assert errors == []
