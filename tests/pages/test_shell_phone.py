"""The shell on a phone and over the wire: under 768 px the navigation folds behind a Menu
button (keyboard too), pages never scroll sideways, and responses travel compressed."""

from __future__ import annotations

import gzip

import pytest

from tests.web.conftest import ARTIFACTS, CHROMIUM, PASSWORD, sign_in

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


def test_pages_and_static_files_travel_compressed(client, users, small_catalog) -> None:
    sign_in(client, users["read"])
    for path in ("/catalog", "/static/app.css", "/static/shell.js", "/vendor/vega-embed.js"):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, path
        if len(response.content) > 1000:
            assert response.headers.get("content-encoding") == "gzip", path
    bundle = client.get("/vendor/vega-embed.js", headers={"Accept-Encoding": "gzip"})
    # httpx decodes it; the bytes on the wire are a fraction of the script
    assert len(gzip.compress(bundle.content)) < len(bundle.content) / 2


def test_a_client_that_does_not_accept_gzip_gets_plain_bytes(client, users) -> None:
    sign_in(client, users["read"])
    response = client.get("/static/app.css", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in response.headers


def _signed_in(page, base: str, email: str, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


@pytest.mark.browser
@needs_chromium
@pytest.mark.usefixtures("small_catalog")
def test_on_a_phone_the_navigation_folds_behind_a_menu_button(
    live_server, users, chromium_page
) -> None:
    page = chromium_page
    _signed_in(page, live_server, users["read"], 390, 844)
    page.goto(f"{live_server}/catalog")
    toggle = page.locator("button.nav-toggle")
    catalog_link = page.locator("nav.sidebar a", has_text="Ingest runs")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not catalog_link.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "shell-phone-closed.png"))

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and catalog_link.is_visible()
    page.screenshot(path=str(ARTIFACTS / "shell-phone-open.png"))
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and not catalog_link.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('nav-toggle')")

    page.keyboard.press("Enter")  # the focused button opens it again from the keyboard
    assert toggle.get_attribute("aria-expanded") == "true"
    catalog_link.click()
    page.wait_for_url("**/runs")
    assert page.locator("button.nav-toggle").get_attribute("aria-expanded") == "false"


@pytest.mark.browser
@needs_chromium
@pytest.mark.usefixtures("small_catalog")
def test_on_a_wide_screen_the_navigation_is_always_open(live_server, users, chromium_page):
    page = chromium_page
    _signed_in(page, live_server, users["read"], 1440, 900)
    page.goto(f"{live_server}/catalog/teams/payments")
    assert not page.locator("button.nav-toggle").is_visible()
    assert page.locator("nav.sidebar a", has_text="Ingest runs").is_visible()


@pytest.mark.browser
@needs_chromium
@pytest.mark.usefixtures("small_catalog")
def test_wide_tables_scroll_inside_themselves_on_a_phone(live_server, users, chromium_page):
    page = chromium_page
    _signed_in(page, live_server, users["read"], 390, 844)
    for path in ("/catalog", "/catalog/teams/payments", "/catalog/services", "/initiatives/new"):
        page.goto(f"{live_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways ({width} px)"
