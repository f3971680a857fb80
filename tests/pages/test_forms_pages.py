"""A refused form marks each bad field beside it (aria-invalid, described by its own message in
plain words), focuses the first one so the person lands on it, and shows typed text inert."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import ARTIFACTS, CHROMIUM, PASSWORD, csrf_of, sign_in

HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


def _input(html: str, name: str) -> str:
    match = re.search(rf'<input name="{name}"[^>]*>', html)
    assert match, f"no input {name}"
    return match.group(0)


@pytest.fixture
def writer(client, users, small_catalog):
    sign_in(client, users["write"])
    return client


def test_a_refused_initiative_marks_its_bad_field_and_focuses_it(writer) -> None:
    token = csrf_of(writer.get("/initiatives/new").text)
    refused = writer.post(
        "/initiatives",
        data={
            "csrf_token": token,
            "title": HOSTILE,
            "impact": "1",
            "confidence": "0.8",
            "effort": "0",
            "teams": "payments",
        },
    )
    assert refused.status_code == 422
    effort = _input(refused.text, "effort")
    assert 'aria-invalid="true"' in effort and "autofocus" in effort
    described = re.search(r'aria-describedby="([^"]+)"', effort)
    assert described
    message = re.search(rf'id="{described.group(1)}">([^<]+)<', refused.text)
    assert message and "above 0" in message.group(1)
    title = _input(refused.text, "title")
    assert "aria-invalid" not in title  # only the bad field is marked
    assert "<script>window.pwned" not in refused.text and "&lt;script&gt;" in refused.text


def test_a_refused_capability_names_its_field_in_words(writer) -> None:
    token = csrf_of(writer.get("/catalog/capabilities").text)
    refused = writer.post(
        "/catalog/capabilities",
        data={"csrf_token": token, "name": "rollback", "launched_at": "2026-13-45"},
    )
    assert refused.status_code == 422
    assert "Launched at: expected a day such as 2026-06-01" in refused.text
    assert "Value error" not in refused.text and "launched_at:" not in refused.text
    launched = _input(refused.text, "launched_at")
    assert 'aria-invalid="true"' in launched and "autofocus" in launched


def test_a_refused_persona_marks_the_name_and_escapes_what_was_typed(writer) -> None:
    token = csrf_of(writer.get("/catalog/personas").text)
    refused = writer.post(
        "/catalog/personas",
        data={"csrf_token": token, "name": HOSTILE * 10, "description": HOSTILE},
    )
    assert refused.status_code == 422
    assert "Name must be at most 200 characters" in refused.text
    name = _input(refused.text, "name")
    assert 'aria-invalid="true"' in name and 'aria-describedby="f-name-error"' in name
    assert "<img src=x" not in refused.text


def test_a_refused_kpi_target_marks_the_field(writer) -> None:
    token = csrf_of(writer.get("/kpis/ci_duration_p50").text)
    refused = writer.post(
        "/kpis/ci_duration_p50/target", data={"csrf_token": token, "value": HOSTILE}
    )
    assert refused.status_code == 422
    field = _input(refused.text, "value")
    assert 'aria-invalid="true"' in field and 'aria-describedby="target-error"' in field
    assert 'id="target-error"' in refused.text and "<script>window.pwned" not in refused.text


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
@pytest.mark.parametrize("width,height", [(1440, 900), (390, 844)])
@pytest.mark.usefixtures("small_catalog")
def test_in_chromium_the_refused_initiative_shows_its_error_without_scrolling(
    live_server, users, chromium_page, width, height
) -> None:
    page = chromium_page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", users["write"])
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{live_server}/initiatives/new")
    page.fill("input[name=title]", "Golden paths")
    page.select_option("select[name=impact]", index=1)
    page.select_option("select[name=confidence]", index=1)
    page.fill("input[name=effort]", "0")
    page.evaluate("document.querySelector('form[action=\"/initiatives\"]').submit()")
    page.wait_for_load_state()
    page.wait_for_function("document.activeElement && document.activeElement.name === 'effort'")
    message = page.locator("#f-effort-error")
    box = message.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height
    assert page.locator("input[name=effort]").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(ARTIFACTS / f"forms-initiative-refused-{width}.png"))
