"""The changelog on both engines: entries added, listed, edited and removed from the CLI and
the API, weeks assembled by ISO week (the JSON contract), the Atom feed read by feedparser
with its access rules, and hostile text (HTML, NUL, huge) refused or kept inert."""

from __future__ import annotations

import json
from datetime import date

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pavedroad.backlog import service as backlog
from pavedroad.backlog.schemas import InitiativeIn
from pavedroad.catalog import capabilities
from pavedroad.catalog.schemas import CapabilityIn
from pavedroad.comms import changelog as service
from pavedroad.comms.schemas.changelog import ChangelogEntryIn, ChangelogEntryUpdate
from pavedroad.db import unit_of_work
from pavedroad.errors import InvalidInputError, NotFoundError
from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.web.conftest import bearer, client, small_catalog, tokens, users

WEB_FIXTURES = (client, tokens, users, small_catalog)
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
CONTRACT_KEYS = {
    "id",
    "title",
    "body",
    "before",
    "after",
    "audience",
    "capability",
    "initiative",
    "date",
}


@pytest.fixture
def catalog(engine, small_catalog) -> None:
    """Teams payments and corp-it, the personas, a capability and an initiative."""
    from pavedroad.catalog.service import seed_default_personas

    with unit_of_work(engine) as s:
        seed_default_personas(session=s)
        capabilities.add_capability(session=s, data=CapabilityIn(name="deploy"))
        backlog.create_initiative(
            session=s,
            data=InitiativeIn(
                title="Faster CI pipelines", reach=100, impact=2, confidence=0.8, effort=2
            ),
        )


def _add(cli, *args: str):
    result = cli("changelog", "add", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# ---- ISO weeks -----------------------------------------------------------------------------


def test_iso_weeks_know_which_years_have_a_53rd_week():
    assert service.weeks_in_year(2026) == 53
    assert service.weeks_in_year(2020) == 53
    assert service.weeks_in_year(2021) == 52
    assert service.parse_week("2026-W53") == ("2026-W53", date(2026, 12, 28), date(2027, 1, 3))
    assert service.parse_week("2020-w53")[0] == "2020-W53"
    assert service.parse_week("2026-W1") == ("2026-W01", date(2025, 12, 29), date(2026, 1, 4))
    with pytest.raises(InvalidInputError, match="2021 has no ISO week 53"):
        service.parse_week("2021-W53")
    for bad in ("2026-W54", "2026-W00", "2026-40", "W40", "", "2026-W40x", "0000-W01"):
        with pytest.raises(InvalidInputError):
            service.parse_week(bad)


def test_the_week_of_a_day_straddles_the_new_year():
    assert service.week_label(date(2027, 1, 1)) == "2026-W53"
    assert service.week_label(date(2021, 1, 3)) == "2020-W53"
    assert service.neighbour_weeks("2026-W53") == ("2026-W52", "2027-W01")


# ---- the CLI -------------------------------------------------------------------------------


def test_add_prints_the_entry_and_week_prints_the_contract(cli, catalog):
    entry = _add(
        cli,
        *("--title", "CI in 6 minutes", "--body", "The cache is on."),
        *("--before", "18 min", "--after", "6 min"),
        *("--audience", "PAYMENTS", "--audience", "feature engineers"),
        *("--capability", "deploy", "--initiative", "faster ci  pipelines"),
        *("--date", "2026-09-29"),
    )
    assert set(entry) == CONTRACT_KEYS
    assert entry["audience"] == ["payments", "Feature engineers"]
    assert entry["capability"] == "deploy"
    assert entry["initiative"] == "Faster CI pipelines"
    _add(cli, "--title", "Later", "--body", "b", "--date", "2026-10-04")
    _add(cli, "--title", "Next week", "--body", "b", "--date", "2026-10-05")
    week = json.loads(cli("changelog", "week", "--week", "2026-W40", "--format", "json").stdout)
    assert set(week) == {"week", "start", "end", "entries"}
    assert (week["week"], week["start"], week["end"]) == ("2026-W40", "2026-09-28", "2026-10-04")
    assert [e["title"] for e in week["entries"]] == ["CI in 6 minutes", "Later"]
    assert all(set(e) == CONTRACT_KEYS for e in week["entries"])


def test_week_refuses_a_week_that_does_not_exist(cli):
    result = cli("changelog", "week", "--week", "2026-W54")
    assert result.exit_code == 1
    assert "2026 has no ISO week 54" in result.stderr and "W53" in result.stderr
    bad_format = cli("changelog", "week", "--format", "html")
    assert bad_format.exit_code == 1 and "markdown, slack or json" in bad_format.stderr


def test_slack_format_is_the_block_kit_message(cli, catalog):
    _add(cli, "--title", "T <!channel>", "--body", "b & c", "--date", "2026-09-29")
    out = json.loads(cli("changelog", "week", "--week", "2026-W40", "--format", "slack").stdout)
    assert out["blocks"][0]["type"] == "header"
    text = json.dumps(out)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text and "b &amp; c" in text


def test_unknown_audience_capability_and_initiative_are_refused(cli, catalog):
    for option, value in (
        ("--audience", "nobody"),
        ("--capability", "teleport"),
        ("--initiative", "Multi-cloud"),
    ):
        result = cli("changelog", "add", "--title", "t", "--body", "b", option, value)
        assert result.exit_code == 1, option
        assert option.removeprefix("--") in result.stderr and value in result.stderr


def test_list_edit_and_remove(cli, catalog):
    first = _add(
        cli,
        "--title",
        "One",
        "--body",
        "b",
        "--date",
        "2026-09-01",
        "--capability",
        "deploy",
        "--audience",
        "payments",
    )
    _add(cli, "--title", "Two", "--body", "b", "--date", "2026-10-01")
    listed = json.loads(cli("changelog", "list", "--json").stdout)
    assert [e["title"] for e in listed] == ["Two", "One"]
    since = json.loads(cli("changelog", "list", "--since", "2026-09-15", "--json").stdout)
    assert [e["title"] for e in since] == ["Two"]
    by_capability = json.loads(cli("changelog", "list", "--capability", "deploy", "--json").stdout)
    assert [e["title"] for e in by_capability] == ["One"]
    # An entry for everyone speaks to every audience.
    for_corp = json.loads(cli("changelog", "list", "--audience", "corp-it", "--json").stdout)
    assert [e["title"] for e in for_corp] == ["Two"]
    edited = cli(
        "changelog",
        "edit",
        str(first["id"]),
        "--title",
        "Uno",
        "--capability",
        "",
        "--everyone",
        "--json",
    )
    assert edited.exit_code == 0, edited.stderr
    out = json.loads(edited.stdout)
    assert (out["title"], out["capability"], out["audience"]) == ("Uno", None, [])
    assert cli("changelog", "edit", str(first["id"])).exit_code == 2
    assert cli("changelog", "remove", str(first["id"])).exit_code == 0
    gone = cli("changelog", "remove", str(first["id"]))
    assert gone.exit_code == 1 and "no changelog entry" in gone.stderr
    assert cli("changelog", "list", "--since", "yesterday").exit_code == 1


def test_the_cli_prints_hostile_text_literally(cli, catalog):
    added = cli("changelog", "add", "--title", "[bold red]x[/] " + HOSTILE, "--body", "b")
    assert added.exit_code == 0
    assert "[bold red]x[/]" in added.stdout and "<script>" in added.stdout
    nul = cli("changelog", "add", "--title", "a\x00b", "--body", "b")
    assert nul.exit_code == 1 and "NUL" in nul.stderr
    huge = cli("changelog", "add", "--title", "t", "--body", "x" * 20_001)
    assert huge.exit_code == 1 and "body" in huge.stderr
    empty = cli("changelog", "add", "--title", "  ", "--body", "b")
    assert empty.exit_code == 1 and "title" in empty.stderr


# ---- the service ---------------------------------------------------------------------------


def test_week_defaults_to_the_week_of_today(session, catalog):
    service.add_entry(
        session=session, data=ChangelogEntryIn(title="t", body="b", date=date(2026, 6, 23))
    )
    assembled = service.week(session, today=date(2026, 6, 28))
    assert (assembled.week, assembled.start, len(assembled.entries)) == (
        "2026-W26",
        date(2026, 6, 22),
        1,
    )
    assert service.recent(session, 5)[0].title == "t"
    assert service.recent(session, 0) == []


def test_update_clears_and_refuses(session, catalog):
    entry = service.add_entry(
        session=session,
        data=ChangelogEntryIn(
            title="t", body="b", before="x", capability="deploy", initiative="Faster CI pipelines"
        ),
    )
    service.update_entry(
        session=session,
        entry=entry,
        data=ChangelogEntryUpdate(before=None, capability=None, initiative=None),
    )
    out = service.entry_out(session, entry)
    assert (out.before, out.capability, out.initiative) == ("", None, None)
    with pytest.raises(InvalidInputError):
        service.update_entry(session=session, entry=entry, data=ChangelogEntryUpdate(body=None))
    with pytest.raises(NotFoundError):
        service.get_entry_or_raise(session=session, entry_id=2**40)


# ---- the API -------------------------------------------------------------------------------


def test_api_round_trip_with_scopes(client, tokens, catalog):
    read, write = bearer(tokens["read"]), bearer(tokens["write"])
    body = {
        "title": "CI in 6 minutes",
        "body": "b",
        "audience": ["payments"],
        "capability": "deploy",
        "date": "2026-09-29",
    }
    assert client.post("/api/v1/changelog", json=body).status_code == 401
    assert client.post("/api/v1/changelog", json=body, headers=read).status_code == 403
    created = client.post("/api/v1/changelog", json=body, headers=write)
    assert created.status_code == 201, created.text
    entry = created.json()
    assert set(entry) == CONTRACT_KEYS
    url = f"/api/v1/changelog/{entry['id']}"
    assert client.get(url, headers=read).json() == entry
    assert [e["id"] for e in client.get("/api/v1/changelog", headers=read).json()] == [entry["id"]]
    patched = client.patch(url, json={"after": "6 min", "capability": None}, headers=write)
    assert patched.status_code == 200 and patched.json()["after"] == "6 min"
    assert patched.json()["capability"] is None
    week = client.get("/api/v1/changelog/weeks/2026-W40", headers=read).json()
    assert week["week"] == "2026-W40" and week["entries"][0]["id"] == entry["id"]
    slack_payload = client.get("/api/v1/changelog/weeks/2026-W40/slack", headers=read).json()
    assert "/changelog/weeks/2026-W40" in json.dumps(slack_payload)
    assert client.get("/api/v1/changelog/weeks/2026-W54", headers=read).status_code == 422
    assert client.delete(url, headers=write).status_code == 204
    assert client.get(url, headers=read).status_code == 404
    assert client.get("/api/v1/changelog/99999999999", headers=read).status_code == 404


def test_api_refuses_hostile_input(client, tokens, catalog):
    write = bearer(tokens["write"])
    for bad in (
        {"title": "t", "body": "a\x00b"},
        {"title": "", "body": "b"},
        {"title": "t", "body": "x" * 20_001},
        {"title": "t" * 301, "body": "b"},
        {"title": "t", "body": "b", "audience": ["x"] * 51},
        {"title": "t", "body": "b", "unknown": 1},
        {"title": "t", "body": "b", "audience": ["nobody"]},
        {"title": "t", "body": "b", "date": "2026-02-30"},
    ):
        response = client.post("/api/v1/changelog", json=bad, headers=write)
        assert response.status_code == 422, (bad, response.text)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(title=st.text(min_size=1, max_size=300), body=st.text(min_size=1, max_size=2000))
def test_any_text_the_api_accepts_comes_back_as_typed(client, tokens, title, body):
    write = bearer(tokens["write"])
    response = client.post("/api/v1/changelog", json={"title": title, "body": body}, headers=write)
    if response.status_code == 201:
        out = response.json()
        typed = ChangelogEntryIn(title=title, body=body)
        assert (out["title"], out["body"]) == (typed.title, typed.body)
    else:
        assert response.status_code == 422, response.text


# ---- the Atom feed -------------------------------------------------------------------------


def test_atom_feed_is_read_by_feedparser_with_stable_ids(client, tokens, catalog):
    write, read = bearer(tokens["write"]), bearer(tokens["read"])
    ids = []
    for n in range(3):
        response = client.post(
            "/api/v1/changelog",
            json={
                "title": f"Change {n} {HOSTILE}",
                "body": f"Body {n}\n{HOSTILE}",
                "before": "<b>18</b>",
                "after": "6 & less",
                "date": f"2026-09-2{n + 1}",
                "audience": ["payments"],
                "capability": "deploy",
            },
            headers=write,
        )
        ids.append(response.json()["id"])
    first = client.get("/changelog.atom", headers=read)
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(first.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "Platform changelog"
    assert any(link.rel == "self" for link in feed.feed.links)
    assert len(feed.entries) == 3
    assert [e.title for e in feed.entries] == [f"Change {n} {HOSTILE}" for n in (2, 1, 0)]
    for entry in feed.entries:
        assert entry.id.startswith("tag:pavedroad,")
        assert entry.updated_parsed is not None
        # The content is escaped HTML: the hostile markup is text, not elements.
        html = entry.content[0].value
        assert "<script" not in html and "&lt;script&gt;" in html
        assert "&lt;b&gt;18&lt;/b&gt;" in html
    again = feedparser.parse(client.get("/changelog.atom", headers=read).content)
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]
    # Editing an entry moves its updated time, not its id.
    before = {e.id: e.updated for e in feed.entries}
    client.patch(f"/api/v1/changelog/{ids[0]}", json={"title": "Edited"}, headers=write)
    edited = feedparser.parse(client.get("/changelog.atom", headers=read).content)
    assert {e.id for e in edited.entries} == set(before)
    assert edited.feed.updated_parsed >= feed.feed.updated_parsed


def test_atom_feed_needs_a_token_unless_the_public_dashboard_is_on(db_url, tokens):
    from fastapi.testclient import TestClient

    closed = create_app(Settings(database_url=db_url, public_dashboard=False))
    with TestClient(closed) as c:
        assert c.get("/changelog.atom").status_code == 401
        assert c.get("/changelog.atom", headers=bearer("wrong")).status_code == 401
        ok = c.get("/changelog.atom", headers=bearer(tokens["read"]))
        assert ok.status_code == 200 and feedparser.parse(ok.content).entries == []
    closed.state.engine.dispose()
    public = create_app(Settings(database_url=db_url, public_dashboard=True))
    with TestClient(public) as c:
        response = c.get("/changelog.atom")
        assert response.status_code == 200
        assert not feedparser.parse(response.content).bozo
    public.state.engine.dispose()


def test_atom_feed_carries_text_xml_cannot(client, tokens):
    write, read = bearer(tokens["write"]), bearer(tokens["read"])
    client.post(
        "/api/v1/changelog", json={"title": "bell \x07 here", "body": "esc \x1b ok"}, headers=write
    )
    feed = feedparser.parse(client.get("/changelog.atom", headers=read).content)
    assert not feed.bozo and feed.entries[0].title == "bell \ufffd here"
