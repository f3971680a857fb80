"""Launch plans and the marketing calendar over the API (scoped tokens), the pages (CSRF,
typed values kept, free text inert) and the iCalendar feed with its access rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.web.conftest import bearer, csrf_of, sign_in

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
PLAN = {"feature": "Faster CI", "launch_date": "2026-11-02", "owner": "pm@example.com"}


def _plan(client, tokens, **changes) -> dict:
    response = client.post(
        "/api/v1/launches", json={**PLAN, **changes}, headers=bearer(tokens["write"])
    )
    assert response.status_code == 201, response.text
    return response.json()


def _event(client, tokens, **changes) -> dict:
    body = {
        "kind": "demo_day",
        "title": "Demo day",
        "starts_at": "2026-11-18T16:00:00Z",
        "duration_min": 45,
        **changes,
    }
    response = client.post("/api/v1/calendar", json=body, headers=bearer(tokens["write"]))
    assert response.status_code == 201, response.text
    return response.json()


def test_launch_api_creates_lists_patches_items_and_criteria_with_scopes(client, tokens):
    read, write = bearer(tokens["read"]), bearer(tokens["write"])
    assert client.post("/api/v1/launches", json=PLAN, headers=read).status_code == 403
    assert client.get("/api/v1/launches").status_code == 401
    plan = _plan(client, tokens)
    assert client.post("/api/v1/launches", json=PLAN, headers=write).status_code == 409
    assert len(plan["items"]) == 13 and plan["owner"] == "pm@example.com"
    listed = client.get("/api/v1/launches", params={"as_of": "2026-11-01"}, headers=read).json()
    assert listed["launches"][0]["progress"] == {"done": 0, "total": 13, "overdue": 4}
    item = plan["items"][0]["id"]
    url = f"/api/v1/launches/{plan['id']}/items/{item}"
    assert client.patch(url, json={"done": True}, headers=read).status_code == 403
    patched = client.patch(
        url, json={"done": True, "due": "2026-10-20", "owner": "Ana@Example.com"}, headers=write
    ).json()
    assert (
        patched["done"] and patched["due"] == "2026-10-20" and patched["owner"] == "ana@example.com"
    )
    assert client.patch(url, json={"owner": "nope"}, headers=write).status_code == 422
    assert client.patch(url, json={"due": "2026-02-30"}, headers=write).status_code == 422
    assert client.patch(url, json={"owner": ""}, headers=write).json()["owner"] is None
    assert (
        client.patch(
            f"/api/v1/launches/{plan['id']}/items/99999", json={}, headers=write
        ).status_code
        == 404
    )
    shown = client.get(f"/api/v1/launches/{plan['id']}", headers=read).json()
    assert next(i for i in shown["items"] if i["id"] == item)["done"] is True

    criteria = f"/api/v1/launches/{plan['id']}/criteria"
    first = shown["criteria"][0]["id"]
    assert (
        client.post(
            criteria, json={"kind": "adopted_teams", "threshold": 3}, headers=write
        ).status_code
        == 409
    )
    assert client.delete(f"{criteria}/{first}", headers=write).status_code == 204
    added = client.post(criteria, json={"kind": "adopted_teams", "threshold": 3}, headers=write)
    assert added.status_code == 201 and added.json()["target"].startswith(">= 3")
    assert (
        client.post(
            criteria, json={"kind": "satisfaction", "threshold": 9}, headers=write
        ).status_code
        == 422
    )
    assert client.delete(f"/api/v1/launches/{plan['id']}", headers=write).status_code == 204
    assert client.get(f"/api/v1/launches/{plan['id']}", headers=read).status_code == 404
    assert client.get("/api/v1/launches/99999999999", headers=read).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {**PLAN, "feature": "a\x00b"},
        {**PLAN, "feature": "x" * 201},
        {**PLAN, "feature": "   "},
        {**PLAN, "launch_date": "9999-12-31"},
        {**PLAN, "launch_date": "soon"},
        {**PLAN, "owner": HOSTILE},
        {**PLAN, "adopted_teams": -1},
    ],
)
def test_launch_api_refuses_broken_input_with_422(client, tokens, body):
    response = client.post("/api/v1/launches", json=body, headers=bearer(tokens["write"]))
    assert response.status_code == 422, response.text


def test_calendar_api_validates_audience_and_edits_and_removes(client, tokens, small_catalog):
    read, write = bearer(tokens["read"]), bearer(tokens["write"])
    plan = _plan(client, tokens)
    event = _event(
        client,
        tokens,
        audience=["payments", "feature ENGINEERS"],
        launch_id=plan["id"],
        starts_at="2026-11-18T17:00:00+01:00",
        attendance=40,
    )
    assert (
        event["starts_at"] == "2026-11-18T16:00:00Z" and event["ends_at"] == "2026-11-18T16:45:00Z"
    )
    assert event["audience"] == ["payments", "Feature engineers"]
    assert event["launch_feature"] == "Faster CI"
    refused = client.post(
        "/api/v1/calendar",
        headers=write,
        json={
            "kind": "demo_day",
            "title": "x",
            "starts_at": "2026-11-18T16:00:00Z",
            "audience": ["nobody"],
        },
    )
    assert refused.status_code == 422 and "nobody" in refused.text
    for broken in (
        {"kind": "party"},
        {"attendance": -1},
        {"title": "a\x00"},
        {"starts_at": "0001-01-01T00:00:00"},
        {"notes": "x" * 20_001},
        {"launch_id": 999999},
    ):
        body = {"kind": "blog_post", "title": "t", "starts_at": "2026-11-18T16:00:00Z", **broken}
        assert client.post("/api/v1/calendar", json=body, headers=write).status_code == 422, broken
    assert (
        client.post("/api/v1/calendar", json={"kind": "blog_post"}, headers=read).status_code == 403
    )
    edited = client.patch(
        f"/api/v1/calendar/{event['id']}",
        headers=write,
        json={"attendance": 55, "title": "Demo day #4", "clear_launch": True},
    ).json()
    assert (
        edited["attendance"] == 55
        and edited["title"] == "Demo day #4"
        and edited["launch_id"] is None
    )
    _event(client, tokens, starts_at="2026-12-16T16:00:00Z")
    listed = client.get("/api/v1/calendar", params={"from": "2026-12-01"}, headers=read).json()
    assert [e["starts_at"][:10] for e in listed["events"]] == ["2026-12-16"]
    assert (
        client.get(
            "/api/v1/calendar", params={"from": "2026-12-01", "to": "2026-11-01"}, headers=read
        ).status_code
        == 422
    )
    assert client.delete(f"/api/v1/calendar/{event['id']}", headers=write).status_code == 204
    assert client.delete(f"/api/v1/calendar/{event['id']}", headers=write).status_code == 404


def test_calendar_ics_parses_with_stable_uids_utc_times_and_escaped_text(client, tokens):
    plan = _plan(client, tokens)
    tricky = "Demo, day; with <b>HTML</b>\nand a new line"
    title = "Demo, day; with <b>HTML</b> \\ end"
    event = _event(client, tokens, title=title, notes=tricky, location="Room 1; floor 2, west")
    _event(
        client,
        tokens,
        kind="blog_post",
        title="Post",
        starts_at="2026-11-02T09:00:00Z",
        duration_min=0,
    )
    first = client.get("/calendar.ics", headers=bearer(tokens["read"]))
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/calendar")
    parsed = Calendar.from_ical(first.content)
    events = {str(e["UID"]): e for e in parsed.walk("VEVENT")}
    assert set(events) == {
        f"event-{event['id']}@pavedroad",
        f"event-{event['id'] + 1}@pavedroad",
        f"launch-{plan['id']}@pavedroad",
    }
    demo = events[f"event-{event['id']}@pavedroad"]
    assert str(demo["SUMMARY"]) == title and str(demo["LOCATION"]) == "Room 1; floor 2, west"
    assert tricky in str(demo["DESCRIPTION"])
    assert demo.decoded("DTSTART") == datetime(2026, 11, 18, 16, 0, tzinfo=UTC)
    assert demo.decoded("DTEND") == datetime(2026, 11, 18, 16, 45, tzinfo=UTC)
    assert "DTSTAMP" in demo
    assert events[f"launch-{plan['id']}@pavedroad"].decoded("DTSTART") == date(2026, 11, 2)
    second = client.get("/calendar.ics", headers=bearer(tokens["read"]))
    assert second.content == first.content  # stable: same UIDs and stamps every time


def test_calendar_ics_needs_a_read_token_or_a_browser_unless_public(client, tokens, users, db_url):
    assert client.get("/calendar.ics").status_code == 401
    assert client.get("/calendar.ics", headers=bearer("wrong")).status_code == 401
    assert client.get("/calendar.ics", headers=bearer(tokens["read"])).status_code == 200
    sign_in(client, users["read"])
    assert client.get("/calendar.ics").status_code == 200
    public = create_app(Settings(database_url=db_url, public_dashboard=True, secure_cookies=False))
    with TestClient(public) as anonymous:
        assert anonymous.get("/calendar.ics").status_code == 200
    public.state.engine.dispose()


def test_pages_create_tick_move_and_keep_typed_values_with_errors(client, users, tokens):
    sign_in(client, users["write"])
    page = client.get("/launches")
    assert page.status_code == 200 and "No launch plans yet" in page.text
    token = csrf_of(page.text)
    refused = client.post(
        "/launches", data={"csrf_token": token, "feature": "Kept text", "launch_date": "2026-02-30"}
    )
    assert refused.status_code == 422 and 'value="Kept text"' in refused.text
    assert "expected a date" in refused.text
    no_csrf = client.post("/launches", data={"feature": "X", "launch_date": "2026-11-02"})
    assert no_csrf.status_code == 403
    created = client.post(
        "/launches",
        data={
            "csrf_token": token,
            "feature": "Faster CI",
            "launch_date": "2026-11-02",
            "owner": "pm@example.com",
            "adopted": "10",
            "satisfaction": "4",
            "tickets": "",
        },
    )
    assert created.status_code == 303
    url = created.headers["location"]
    plan = client.get(f"/api/v1{url}", headers=bearer(tokens["read"])).json()
    assert [c["kind"] for c in plan["criteria"]] == ["adopted_teams", "satisfaction"]
    item = plan["items"][0]["id"]
    ticked = client.post(f"{url}/items/{item}", data={"csrf_token": token, "action": "tick"})
    assert ticked.status_code == 303
    bad = client.post(
        f"{url}/items/{item}",
        data={
            "csrf_token": token,
            "action": "save",
            "due": "2026-10-01",
            "owner": "typed-not-email",
        },
    )
    assert bad.status_code == 422 and 'value="typed-not-email"' in bad.text and "email" in bad.text
    moved = client.post(
        f"{url}/items/{item}",
        data={
            "csrf_token": token,
            "action": "save",
            "due": "2026-10-01",
            "owner": "ana@example.com",
        },
    )
    assert moved.status_code == 303
    shown = client.get(f"/api/v1{url}", headers=bearer(tokens["read"])).json()
    first = next(i for i in shown["items"] if i["id"] == item)
    assert first["done"] and first["due"] == "2026-10-01" and first["owner"] == "ana@example.com"
    detail = client.get(url)
    assert detail.status_code == 200 and "Timeline" in detail.text and "overdue" in detail.text
    crit = client.post(
        f"{url}/criteria",
        data={"csrf_token": token, "kind": "tickets_per_week", "threshold": "lots"},
    )
    assert crit.status_code == 422 and 'value="lots"' in crit.text
    assert (
        client.post(
            f"{url}/criteria",
            data={"csrf_token": token, "kind": "tickets_per_week", "threshold": "3"},
        ).status_code
        == 303
    )
    assert client.get("/launches/424242").status_code == 404


def test_free_text_is_inert_on_the_launch_and_calendar_pages(client, users, tokens, small_catalog):
    plan = _plan(client, tokens, feature=HOSTILE, owner=None)
    _event(
        client,
        tokens,
        title=HOSTILE,
        notes=HOSTILE,
        location="javascript:alert(1)",
        launch_id=plan["id"],
    )
    _event(client, tokens, title="Linked", location=HOSTILE, starts_at="2027-01-01T10:00:00Z")
    sign_in(client, users["write"])
    for path in ("/launches", f"/launches/{plan['id']}", "/calendar"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;" in html, path
    calendar = client.get("/calendar").text
    assert 'href="javascript:' not in calendar
    page = client.get("/calendar")
    refused = client.post(
        "/calendar",
        data={
            "csrf_token": csrf_of(page.text),
            "kind": "demo_day",
            "title": "Typed title",
            "starts_at": "2026-11-18T16:00",
            "audience": "payments, nobody",
        },
    )
    assert (
        refused.status_code == 422
        and 'value="Typed title"' in refused.text
        and "nobody" in refused.text
    )
    added = client.post(
        "/calendar",
        data={
            "csrf_token": csrf_of(page.text),
            "kind": "office_hours",
            "title": "Office hours",
            "starts_at": "2026-11-18T16:00",
            "audience": "payments, Feature engineers",
            "attendance": "12",
        },
    )
    assert added.status_code == 303
    assert "Office hours" in client.get("/calendar").text
