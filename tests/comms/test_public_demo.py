"""On the demo company (one SQLite store for the module): the public page in Chromium holds
no developer's name or email, page or JSON; and the demo's champions tell the war story."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pavedroad.catalog import service as catalog
from pavedroad.comms import champions, changelog
from pavedroad.comms.schemas.changelog import ChangelogEntryIn
from pavedroad.db import make_engine, unit_of_work
from pavedroad.demo.comms_champions import load_champions
from pavedroad.demo.company import build_company
from pavedroad.demo.loader import load_demo
from pavedroad.settings import Settings
from tests.web.conftest import BROWSER_MARKS, serving

HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


@pytest.fixture(scope="module")
def demo_url(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        load_demo(s)
    with unit_of_work(engine) as s:
        changelog.add_entry(
            session=s, data=ChangelogEntryIn(title=HOSTILE, body="x", date=date(2026, 11, 30))
        )
    engine.dispose()
    yield url


@pytest.fixture(scope="module")
def demo_engine(demo_url: str) -> Iterator[Engine]:
    engine = make_engine(demo_url)
    yield engine
    engine.dispose()


@pytest.fixture
def public_server(demo_url: str) -> Iterator[str]:
    """The app on the demo store as `PAVEDROAD_PUBLIC_DASHBOARD=true pavedroad serve` runs it."""
    with serving(Settings(database_url=demo_url, public_dashboard=True)) as base:
        yield base


def _browser(test):
    for mark in BROWSER_MARKS:
        test = mark(test)
    return test


@_browser
def test_the_public_page_in_chromium_holds_no_name_or_email_of_any_developer(
    public_server, chromium_page, demo_engine
):
    with unit_of_work(demo_engine) as s:
        people = catalog.list_developers(session=s)
        slugs = {t.slug for t in catalog.list_teams(session=s)}
    assert len(people) > 500
    page = chromium_page
    page.goto(f"{public_server}/public")
    page.wait_for_selector(".chart svg, .chart canvas")
    text = page.inner_text("body")
    html = page.content()
    data = page.evaluate("fetch('/public.json').then(r => r.text())")
    assert "Lead time to production" in text and "Developer NPS" in text
    assert "Faster CI is done: 6 minutes" in text
    lowered = (text + html + data).lower()
    for person in people:
        assert person.name.lower() not in lowered, person.name
        assert person.email and person.email.lower() not in lowered, person.email
    # No team cuts: no value of the JSON names a team.
    values: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            values.append(node)

    walk(json.loads(data))
    assert not slugs & set(values)
    # The hostile changelog title is shown as text and never runs.
    assert HOSTILE in text
    assert page.evaluate("window.pwned === undefined")
    assert page.locator("nav.sidebar").count() == 0 and page.locator("a").count() == 0
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector(".chart svg, .chart canvas")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_demo_has_six_champions_in_six_teams_since_month_two(demo_engine):
    with unit_of_work(demo_engine) as s:
        program = champions.list_champions(s)
        found = champions.candidates(s).candidates
    assert len(program.champions) == 6
    assert len({c.team for c in program.champions}) == 6
    assert all(date(2026, 8, 1) <= c.since < date(2026, 9, 1) for c in program.champions)
    assert all("rollback" in c.early_access and len(c.early_access) == 2 for c in program.champions)
    assert all(c.design_reviews and c.recognition for c in program.champions)
    assert program.teams_without_champion
    # Candidates show both kinds of evidence, the helpers of other teams first.
    assert found[0].reasons[0].startswith("answered ")
    assert any(r.startswith("first in ") for c in found for r in c.reasons)
    assert not {c.developer for c in found} & {c.developer for c in program.champions}


def test_loading_the_champions_twice_changes_nothing(demo_engine):
    with unit_of_work(demo_engine) as s:
        before = champions.list_champions(s).model_dump()
    with unit_of_work(demo_engine) as s:
        load_champions(s, build_company(7))
    with unit_of_work(demo_engine) as s:
        assert champions.list_champions(s).model_dump() == before
