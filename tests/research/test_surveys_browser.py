"""A real Chromium on a phone-sized screen answers a survey through its anonymous link, and the
team finds the answer counted in the results; the server, run as `pavedroad serve` runs it,
logs neither the address nor the link."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from pavedroad.catalog.schemas import TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from pavedroad.research import surveys
from pavedroad.research.survey_schemas import QuestionIn, SurveyIn, WaveIn
from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.web import conftest as web
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS, CHROMIUM, PASSWORD, _free_port

users = web.users  # the web fixture, shared with this test

pytestmark = BROWSER_MARKS


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("httpx", "httpcore")):
            return  # the test's own client, not the server
        self.lines.append(f"{record.name} {record.getMessage()}")


@pytest.fixture
def served(db_url) -> Iterator[tuple[str, _Collect]]:
    """The app under uvicorn with the logging `pavedroad serve` uses, every log line collected."""
    collect = _Collect()
    root = logging.getLogger()
    root.addHandler(collect)
    before = root.level
    root.setLevel(logging.DEBUG)
    port = _free_port()
    app = create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    # uvicorn's config installs its own handlers and levels; collect from its loggers too.
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).addHandler(collect)
    yield base, collect
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).removeHandler(collect)
    root.removeHandler(collect)
    root.setLevel(before)


@pytest.fixture
def phone() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
            device_scale_factor=3,
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        browser.close()


def test_a_phone_answers_through_the_anonymous_link_and_the_answer_counts(
    served, phone, engine, users, db_url
):
    base, logs = served
    engine_name = "postgres" if db_url.startswith("postgresql") else "sqlite"
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(
                teams=[TeamIn(slug="payments", name="Payments", eligible=True, headcount=9)]
            ),
        )
        survey = surveys.create_survey(s, data=SurveyIn(name="dx", title="Developer survey"))
        aware = QuestionIn(key="aware", kind="agreement", text="I know what the platform offers")
        wave = surveys.add_wave(s, survey=survey, data=WaveIn(name="2026-Q4", questions=[aware]))
        surveys.open_wave(s, wave=wave)
        token = wave.token
    for score in (9, 10, 7, 6):
        with unit_of_work(engine) as s:
            surveys.submit_answer(
                s,
                token=token,
                nps=score,
                satisfaction=4,
                team="payments",
                comments="",
                answers={"aware": 3},
                receipt=None,
            )

    phone.goto(f"{base}/s/{token}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator(".scale label", has_text="9").first.click()
    phone.locator("fieldset", has_text="How satisfied").locator("label", has_text="5").click()
    phone.select_option("select[name=team]", "payments")
    phone.locator("fieldset.own-question label", has_text="4").click()
    phone.fill("textarea[name=comments]", "CI is <b>much</b> faster now")
    phone.screenshot(path=str(ARTIFACTS / f"survey-phone-{engine_name}.png"), full_page=True)
    phone.click("text=Send my answer")
    phone.wait_for_selector("text=Your answer was recorded")
    cookies = phone.context.cookies()
    assert [c["name"] for c in cookies] == ["pavedroad_receipt"]
    phone.goto(f"{base}/s/{token}")
    assert "answered this survey already" in phone.content()

    with unit_of_work(engine) as s:
        report = surveys.results(s, survey="dx")
    wave_results = report["waves"][0]
    assert wave_results["responses"] == 5
    assert (wave_results["promoters"], wave_results["passives"], wave_results["detractors"]) == (
        3,
        1,
        1,
    )
    assert wave_results["questions"][0]["counts"]["4"] == 1

    phone.context.clear_cookies()
    phone.goto(f"{base}/surveys/dx")
    phone.fill("input[name=email]", users["read"])
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{base}/surveys/dx")
    text = phone.locator(".wave-results").first.inner_text()
    assert "5 answers" in text and "40" in text
    assert "1 teams held back" not in text  # payments has five answers: it is shown
    phone.screenshot(path=str(ARTIFACTS / f"survey-results-{engine_name}.png"), full_page=True)

    logged = "\n".join(logs.lines)
    assert "127.0.0.1" not in logged and f"/s/{token}" not in logged
    assert "Mobile" not in logged and "Chrome" not in logged
