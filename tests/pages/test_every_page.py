"""Every page of the product, on the demo company in Chromium at 1440x900 and 390x844: no
horizontal overflow, no console error, no 500, every same-origin link answering, and a refused
form's error in view without scrolling. The pages are the ones the navigation reaches and the
links found on them (same origin, GET, de-duplicated, at most MAX_PAGES)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest

from pavedroad.db import make_engine, unit_of_work
from pavedroad.demo.company import DEMO_LOGIN
from pavedroad.demo.loader import load_demo
from pavedroad.settings import Settings
from pavedroad.web.pages.render import NAVIGATION
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS, CHROMIUM, serving, warmed

pytestmark = BROWSER_MARKS

MAX_PAGES = 150
VIEWPORTS = {"desktop": (1440, 900), "phone": (390, 844)}
# Links that are not pages to walk: they change state, leave the session, or are the API.
SKIPPED_PREFIXES = ("/logout", "/api/", "/login")
# Deliberately missing things a page may link to, each with why.
DOCUMENTED_404: dict[str, str] = {
    "/public": "the public dashboard answers only when PAVEDROAD_PUBLIC_DASHBOARD=true",
}


@pytest.fixture(scope="module")
def demo_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The full demo company, loaded once for the module, served and warmed."""
    path = tmp_path_factory.mktemp("every-page") / "demo.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        load_demo(session)
    engine.dispose()
    with serving(Settings(database_url=url, session_days=1, secure_cookies=False)) as base:
        yield warmed(base, teams=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM is not None
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


def _signed_in(browser: Any, base: str, width: int, height: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{base}/login")
    page.fill("input[name=email]", DEMO_LOGIN[0])
    page.fill("input[name=password]", DEMO_LOGIN[1])
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page


@dataclass
class Walk:
    """What a walk of the pages found: the pages visited and every problem on them."""

    pages: list[str] = field(default_factory=list)
    other_links: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _same_origin_path(base: str, href: str) -> str | None:
    """A link's path and query on this server, or None for another origin or a skipped link."""
    url, _ = urldefrag(href)
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != base:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if not parts.path or parts.path.startswith(SKIPPED_PREFIXES):
        return None
    return path


def _overflow(page: Any) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


# The page itself never scrolls sideways, but a box that clips or scrolls its content does not
# widen the page either: a table cut off at the phone's edge went unnoticed by `_overflow`.
# Only these may scroll sideways inside themselves (a wide data table, a chart, code, a form
# field's own text); anything else whose content is wider than its box is cut off.
_CLIPPED = """() => {
  const allowed = '.table-wrap, table.data, .chart, .vega-embed, pre, input, textarea, select';
  const out = [];
  for (const el of document.querySelectorAll('main *')) {
    if (el.closest(allowed)) continue;
    const style = getComputedStyle(el);
    if (style.overflowX === 'visible' || style.textOverflow === 'ellipsis') continue;
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      const cls = typeof el.className === 'string' && el.className ? '.' + el.className : '';
      out.push(`${el.tagName.toLowerCase()}${cls} (${el.scrollWidth} px in ${el.clientWidth})`);
    }
  }
  return out.slice(0, 3);
}"""


def _clipped(page: Any) -> list[str]:
    """Boxes (outside those allowed to scroll) whose content is wider than they are."""
    return [str(text) for text in page.evaluate(_CLIPPED)]


def walk(page: Any, base: str, starts: list[str], *, follow: bool) -> Walk:
    """Visit `starts` (and, with `follow`, the links found on them) and note every problem."""
    found = Walk()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    queue = list(dict.fromkeys(starts))
    seen = set(queue)
    while queue and len(found.pages) < MAX_PAGES:
        path = queue.pop(0)
        # Ask first without the browser: a CSV, feed or image is checked, not walked.
        answer = page.request.get(f"{base}{path}", max_redirects=5)
        kind = answer.headers.get("content-type", "")
        if answer.status == 404 and path in DOCUMENTED_404:
            continue
        if answer.status >= 400:
            found.problems.append(f"{path}: answers {answer.status}")
            continue
        if "text/html" not in kind:
            found.other_links[path] = answer.status
            continue
        console.clear()
        response = page.goto(f"{base}{path}", wait_until="load")
        assert response is not None
        if response.status >= 500:
            found.problems.append(f"{path}: {response.status}")
            continue
        page.wait_for_timeout(150)  # charts are drawn just after load
        found.pages.append(path)
        wide = _overflow(page)
        if wide > 1:
            found.problems.append(f"{path}: scrolls sideways by {wide} px")
        found.problems.extend(f"{path}: cut off: {box}" for box in _clipped(page))
        found.problems.extend(f"{path}: console error: {text}" for text in console)
        if not follow:
            continue
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            link = _same_origin_path(base, href)
            if link is not None and link not in seen:
                seen.add(link)
                queue.append(link)
    return found


@pytest.fixture(scope="module")
def desktop_walk(demo_server: str, browser: Any) -> Walk:
    page = _signed_in(browser, demo_server, *VIEWPORTS["desktop"])
    starts = [item.path for item in NAVIGATION if item.path]
    result = walk(page, demo_server, starts, follow=True)
    page.context.close()
    return result


def test_every_page_at_1440_answers_without_overflow_or_console_errors(desktop_walk: Walk):
    print(f"{len(desktop_walk.pages)} pages walked, {len(desktop_walk.other_links)} other links")
    assert len(desktop_walk.pages) >= 60  # the navigation and what it links to
    assert desktop_walk.problems == [], "\n".join(desktop_walk.problems)


def test_every_same_origin_link_answers(desktop_walk: Walk):
    broken = {p: s for p, s in desktop_walk.other_links.items() if s >= 400}
    assert broken == {}


def test_every_page_at_390_fits_the_phone(demo_server: str, browser: Any, desktop_walk: Walk):
    page = _signed_in(browser, demo_server, *VIEWPORTS["phone"])
    result = walk(page, demo_server, desktop_walk.pages, follow=False)
    page.context.close()
    assert result.problems == [], "\n".join(result.problems)


def _error_in_view(page: Any, height: int) -> str:
    """The refused form's first marked field (or its alert), which must be on screen."""
    target = page.locator('[aria-invalid="true"]').first
    if target.count() == 0:
        target = page.locator("[role=alert]").first
    target.wait_for(state="visible")
    box = target.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, box
    return str(target.get_attribute("name") or target.inner_text())


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_refused_capacity_shows_its_error_without_scrolling(demo_server, browser, viewport):
    width, height = VIEWPORTS[viewport]
    page = _signed_in(browser, demo_server, width, height)
    page.goto(f"{demo_server}/capacity")
    page.fill("#set input[name=quarter]", "2027-Q2")
    page.fill("#set input[name=person_months]", "0")
    with page.expect_navigation():
        page.locator("#set button[type=submit]").click()
    assert _error_in_view(page, height) == "person_months"
    page.screenshot(path=str(ARTIFACTS / f"every-page-capacity-refused-{viewport}.png"))
    page.context.close()


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_refused_initiative_shows_its_error_without_scrolling(demo_server, browser, viewport):
    width, height = VIEWPORTS[viewport]
    page = _signed_in(browser, demo_server, width, height)
    page.goto(f"{demo_server}/initiatives/new")
    page.fill("input[name=title]", "Golden paths for data jobs")
    page.select_option("select[name=impact]", index=1)
    page.select_option("select[name=confidence]", index=1)
    page.fill("input[name=effort]", "0")
    page.fill("input[name=teams]", "analytics")
    with page.expect_navigation():
        page.locator("form[action='/initiatives'] button[type=submit]").click()
    assert _error_in_view(page, height) == "effort"
    page.screenshot(path=str(ARTIFACTS / f"every-page-initiative-refused-{viewport}.png"))
    page.context.close()


def test_the_demo_teams_sort_by_adoption_and_hide_nps_under_five_answers(demo_server, browser):
    page = _signed_in(browser, demo_server, *VIEWPORTS["desktop"])
    page.goto(f"{demo_server}/catalog?sort=adoption")
    cells = page.locator("table.data tbody tr td:nth-child(4)").all_inner_texts()
    shown = [float(c.rstrip("%")) for c in cells if c.endswith("%")]
    assert shown and shown == sorted(shown) and shown[0] == 0.0  # the teams to chase first
    page.goto(f"{demo_server}/catalog/teams/api-gateway")
    card = page.locator(".scorecard").inner_text()
    assert "fewer than 5 answers" in card
    assert "adoption rate" in card.lower() and "organisation" in card.lower()
    page.context.close()
