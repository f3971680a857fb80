"""The changelog pages: entries grouped by ISO week with filters, the add form that keeps what
was typed, edit and delete behind CSRF and the write role, the week as it will be sent, hostile
text inert; the demo's changelog from the PM's week 4; the pages in a real Chromium."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine

from pavedroad.comms import changelog as service
from pavedroad.db import unit_of_work
from pavedroad.demo.comms_changelog import ENTRIES, FIRST_WEEK
from pavedroad.demo.loader import load_demo
from pavedroad.schema import upgrade
from tests.web.conftest import (
    BROWSER_MARKS,
    PASSWORD,
    bearer,
    chromium_page,
    client,
    csrf_of,
    live_server,
    sign_in,
    tokens,
    users,
)

WEB_FIXTURES = (client, tokens, users, chromium_page, live_server)
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"


def _add(client, tokens, **body):
    values = {"title": "t", "body": "b", **body}
    response = client.post("/api/v1/changelog", json=values, headers=bearer(tokens["write"]))
    assert response.status_code == 201, response.text
    return response.json()


def test_the_changelog_needs_sign_in(client):
    response = client.get("/changelog")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_empty_changelog_says_what_to_do(client, users):
    sign_in(client, users["write"])
    page = client.get("/changelog").text
    assert "No changelog entries yet" in page and "pavedroad changelog add" in page
    assert 'type="application/atom+xml"' in page and 'href="/changelog.atom"' in page


def test_entries_are_grouped_by_week_and_hostile_text_is_inert(client, users, tokens):
    for field in ("title", "body", "before", "after"):
        _add(client, tokens, **{field: f"{field} {HOSTILE}"}, date="2026-09-29")
    _add(client, tokens, title="Older", date="2026-09-20")
    sign_in(client, users["read"])
    page = client.get("/changelog").text
    assert "<script>" not in page and "<img src=x" not in page
    assert page.count(ESCAPED) >= 4
    assert page.index("2026-W40") < page.index("2026-W38")
    assert "Add an entry" not in page  # a reader gets no form
    week = client.get("/changelog/weeks/2026-W40").text
    assert "<script>alert" not in week and "<img src=x" not in week
    assert "## title &amp;lt;script&amp;gt;" in week  # the Markdown, shown as text
    assert client.get("/changelog/weeks/2026-W54").status_code == 404
    assert "2026-W39" in week and "2026-W41" in week  # neighbour weeks


def test_filters_by_capability_and_audience(client, users, tokens, engine):
    from pavedroad.catalog import capabilities
    from pavedroad.catalog.schemas import CapabilityIn, TeamIn
    from pavedroad.catalog.service import CatalogBatch, apply_batch

    with unit_of_work(engine) as s:
        apply_batch(
            session=s, source="t", batch=CatalogBatch(teams=[TeamIn(slug="ledger", name="L")])
        )
        capabilities.add_capability(session=s, data=CapabilityIn(name="deploy"))
    _add(client, tokens, title="Deploy news", capability="deploy", audience=["ledger"])
    _add(client, tokens, title="For all")
    sign_in(client, users["read"])
    by_capability = client.get("/changelog?capability=deploy").text
    assert "Deploy news" in by_capability and "For all" not in by_capability
    by_audience = client.get("/changelog?audience=ledger").text
    assert "Deploy news" in by_audience and "For all" in by_audience
    none = client.get("/changelog?capability=nothing").text
    assert "No entry matches these filters" in none


def test_the_add_form_keeps_what_was_typed_and_names_the_problem(client, users):
    sign_in(client, users["write"])
    csrf = csrf_of(client.get("/changelog").text)
    typed = {
        "csrf_token": csrf,
        "title": HOSTILE,
        "body": "kept body",
        "audience": "nobody",
        "before": "18 min",
        "after": "",
        "capability": "",
        "initiative": "",
        "date": "",
    }
    refused = client.post("/changelog", data=typed)
    assert refused.status_code == 422
    assert "audience" in refused.text and "nobody" in refused.text
    assert "kept body" in refused.text and "18 min" in refused.text
    assert ESCAPED in refused.text and "<script>" not in refused.text
    added = client.post("/changelog", data={**typed, "audience": "", "title": "Fine"})
    assert added.status_code == 303
    assert "Fine" in client.get("/changelog").text
    no_csrf = client.post("/changelog", data={**typed, "csrf_token": "stale"})
    assert no_csrf.status_code == 403


def test_edit_and_delete_need_the_write_role(client, users, tokens):
    entry = _add(client, tokens, title="Before edit", before="x", date="2026-09-29")
    sign_in(client, users["read"])
    csrf = csrf_of(client.get(f"/changelog/{entry['id']}/edit").text)
    denied = client.post(f"/changelog/{entry['id']}/delete", data={"csrf_token": csrf})
    assert denied.status_code == 403
    client.cookies.clear()
    sign_in(client, users["write"])
    form = client.get(f"/changelog/{entry['id']}/edit").text
    assert 'value="Before edit"' in form
    csrf = csrf_of(form)
    fields = {
        "csrf_token": csrf,
        "title": "After edit",
        "body": "b",
        "before": "",
        "after": "y",
        "audience": "",
        "capability": "",
        "initiative": "",
        "date": "2026-10-01",
    }
    bad = client.post(f"/changelog/{entry['id']}/edit", data={**fields, "title": ""})
    assert bad.status_code == 422 and 'value="2026-10-01"' in bad.text
    saved = client.post(f"/changelog/{entry['id']}/edit", data=fields)
    assert saved.status_code == 303
    out = client.get(f"/api/v1/changelog/{entry['id']}", headers=bearer(tokens["read"])).json()
    assert (out["title"], out["before"], out["after"], out["date"]) == (
        "After edit",
        "",
        "y",
        "2026-10-01",
    )
    gone = client.post(f"/changelog/{entry['id']}/delete", data={"csrf_token": csrf})
    assert gone.status_code == 303
    assert client.get(f"/changelog/{entry['id']}/edit").status_code == 404


# ---- the demo ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory):
    """The demo's catalog, backlog, capabilities and changelog, once (SQLite)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    with unit_of_work(engine) as s:
        load_demo(s, only=("catalog", "backlog", "capabilities", "changelog"))
    yield engine
    engine.dispose()


def test_demo_changelog_runs_weekly_from_the_pms_week_4(demo_engine):
    assert date(2026, 6, 22) == FIRST_WEEK and FIRST_WEEK.weekday() == 0
    with unit_of_work(demo_engine) as s:
        entries = service.list_entries(session=s)
        weeks = {service.week_label(e.date) for e in entries}
        first, last = service.week_label(FIRST_WEEK), service.week_label(date(2026, 11, 30))
        monday = FIRST_WEEK
        while monday <= date(2026, 11, 30):
            label = service.week_label(monday)
            count = len(service.week(s, label).entries)
            assert 1 <= count <= 3, (label, count)
            monday += timedelta(days=7)
        assert min(weeks) == first and max(weeks) == last
        assert len(entries) == len(ENTRIES)
        assert all(e.date < date(2026, 12, 1) for e in entries)
        # The story: CI 18 -> 6 minutes in Sep-Oct/Nov, the one-command rollback in November.
        done = next(e for e in entries if e.title.startswith("Faster CI is done"))
        assert (
            "18" in done.before and "6" in done.after and done.initiative == "Faster CI pipelines"
        )
        rollback = next(e for e in entries if e.capability == "rollback" and "7-step" in e.before)
        assert rollback.date.month == 11 and rollback.initiative == "One-command rollback"
        assert all(e.capability for e in entries if e.title.startswith("Logs"))
        assert any(e.audience for e in entries)
    with unit_of_work(demo_engine) as s:
        load_demo(s, only=("changelog",))
        assert len(service.list_entries(session=s)) == len(ENTRIES)  # re-running adds nothing


# ---- Chromium ------------------------------------------------------------------------------


@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
@pytest.mark.parametrize("width", [1440, 390])
def test_pages_in_chromium_are_inert_and_fit_the_screen(
    live_server, chromium_page, users, tokens, width, request
):
    if request.node.callspec.params.get("db_url", "sqlite") != "sqlite":
        pytest.skip("the pages read the same on both engines; one is enough for a browser")
    import httpx

    httpx.post(
        f"{live_server}/api/v1/changelog",
        headers=bearer(tokens["write"]),
        json={
            "title": HOSTILE,
            "body": HOSTILE,
            "before": "18 min",
            "after": "6 min",
            "date": "2026-09-29",
        },
    ).raise_for_status()
    page = chromium_page
    page.set_viewport_size({"width": width, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", users["write"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$|.*/\?.*"))
    for path in ("/changelog", "/changelog/weeks/2026-W40"):
        page.goto(f"{live_server}{path}")
        assert page.locator("article.changelog-entry h3").first.inner_text() == HOSTILE
        assert page.locator("script:not([src])").count() <= 1  # only the page's own copy script
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    assert dialogs == []
