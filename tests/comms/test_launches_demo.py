"""On the demo company (one SQLite store for the module): the faster-CI launch tells the war
story with its criteria met or on track, the rollback launch is in flight with an overdue item,
the calendar holds monthly demo days with growing attendance, and the pages show it in Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar

from pavedroad.comms import calendar, launches
from pavedroad.db import make_engine, unit_of_work
from pavedroad.demo.company import DEMO_LOGIN
from pavedroad.demo.loader import load_demo
from pavedroad.settings import Settings
from tests.web.conftest import BROWSER_MARKS, serving

# Three days after the history ends: adoption (30 days after 2026-11-02) is judged for good.
AS_OF = date(2026, 12, 4)
STEPS = ("catalog", "demo user", "telemetry", "capabilities", "ticket rules", "launches")


@pytest.fixture(scope="module")
def demo_url(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("launch-demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        load_demo(s, only=STEPS)
    engine.dispose()
    yield url


def test_the_faster_ci_launch_meets_its_criteria_with_two_items_open(demo_url):
    engine = make_engine(demo_url)
    with unit_of_work(engine) as s:
        plans = {p.feature: p for p in launches.list_launches(s, today=AS_OF)}
        events = calendar.list_events(session=s).events
        document = calendar.ical_document(session=s)
    engine.dispose()
    ci = plans["Faster CI pipelines"]
    assert ci.launch_date == date(2026, 11, 2) and ci.capability == "deploy"
    assert ci.owner == DEMO_LOGIN[0]
    open_items = [i for i in ci.items if not i.done]
    assert [i.title for i in open_items] == [
        "Champions help next wave of teams",
        "Retrospective: what worked, what didn't",
    ]
    assert all(i.phase == "post_launch" and not i.overdue for i in open_items)
    status = {c.kind: (c.status, c.value) for c in ci.criteria}
    assert status["adopted_teams"][0] == "met" and status["adopted_teams"][1] >= 40
    assert status["satisfaction"][0] == "met" and status["satisfaction"][1] >= 4
    assert status["tickets_per_week"][0] == "met" and status["tickets_per_week"][1] <= 8

    rollback = plans["One-command rollback"]
    overdue = [i.title for i in rollback.items if i.overdue]
    assert overdue == ["Migration guide ready"]
    assert {c.status for c in rollback.criteria} == {"on_track"}

    demo_days = [e for e in events if e.kind == "demo_day"]
    assert [e.starts_at.month for e in demo_days] == [8, 9, 10, 11, 12]
    attended = [e.attendance for e in demo_days if e.attendance is not None]
    assert len(attended) == 4 and attended == sorted(attended)
    assert {e.kind for e in events} == {"demo_day", "office_hours", "blog_post", "announcement"}
    assert any(e.launch_feature == "Faster CI pipelines" for e in events)
    parsed = Calendar.from_ical(document).walk("VEVENT")
    assert len(parsed) == len(events) + 2


def _browser(test):
    for mark in BROWSER_MARKS:
        test = mark(test)
    return test


@pytest.fixture
def demo_server(demo_url: str) -> Iterator[str]:
    with serving(Settings(database_url=demo_url, secure_cookies=False)) as base:
        yield base


@_browser
def test_the_launch_pages_show_the_overdue_item_and_fit_a_phone_in_chromium(
    demo_server, chromium_page
):
    page = chromium_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_server}/login")
    page.fill("input[name=email]", DEMO_LOGIN[0])
    page.fill("input[name=password]", DEMO_LOGIN[1])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{demo_server}/launches")
    assert "Faster CI pipelines" in page.inner_text("body")
    page.click("text=One-command rollback")
    overdue = page.locator(".checklist li.overdue")
    assert overdue.count() >= 1
    assert "Migration guide ready" in overdue.first.inner_text()
    colour = overdue.first.evaluate("el => getComputedStyle(el).borderLeftColor")
    assert colour != "rgba(0, 0, 0, 0)"
    assert page.locator(".timeline .dot.overdue").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    overdue.first.locator("button[value=tick]").click()
    page.wait_for_load_state()
    assert "Migration guide ready" not in " ".join(
        page.locator(".checklist li.overdue").all_inner_texts()
    )
    page.goto(f"{demo_server}/calendar")
    text = page.inner_text("body")
    assert "Demo day #4" in text and "88 attended" in text and "Launch dates" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
