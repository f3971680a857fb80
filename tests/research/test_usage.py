"""Usage analytics per capability: the import creates unknown capabilities and lists them,
the report counts teams that stopped, never started and the first week after launch."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pavedroad.catalog import capabilities
from pavedroad.catalog.schemas import CapabilityIn, CapabilityUpdate, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from pavedroad.metrics.usage import UsageDay
from pavedroad.metrics.windows import parse_window, window_between
from pavedroad.research import usage
from tests.web import conftest as web
from tests.web.conftest import bearer, sign_in

# The web fixtures, for this folder outside tests/web.
client, tokens, users = web.client, web.tokens, web.users

HOSTILE = "<script>alert('x')</script>"
WINDOW = "2026-09-01..2026-12-01"
HEADER = "id,at,capability,team,developer,source\n"


def _teams(engine) -> None:
    with unit_of_work(engine) as session:
        apply_batch(
            session=session,
            source="test",
            batch=CatalogBatch(
                teams=[
                    TeamIn(slug="payments", name="Payments"),
                    TeamIn(slug="search", name="Search"),
                    TeamIn(slug="docs-team", name="Docs"),
                    TeamIn(slug="corp", name="Corporate IT", eligible=False),
                ]
            ),
        )


def _csv(tmp_path: Path, rows: list[str], name: str = "usage.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


# A hand-made store: payments keeps using rollback, search tried it and stopped, corp (not
# eligible) started late, docs-team never used it; one use after the window is left out.
STORE = [
    "e1,2026-08-20T09:00:00Z,rollback,search,sam@example.com,cli",
    "e2,2026-09-01T10:00:00Z,rollback,payments,ada@example.com,cli",
    "e3,2026-09-03T10:00:00Z,rollback,payments,alan@example.com,cli",
    "e4,2026-09-10T10:00:00Z,rollback,search,sam@example.com,cli",
    "e5,2026-11-20T10:00:00Z,rollback,payments,ada@example.com,cli",
    "e6,2026-11-25T10:00:00Z,rollback,corp,,cli",
    "e7,2026-12-01T00:00:00Z,rollback,search,sam@example.com,cli",
    "e8,2026-10-01T10:00:00Z,logs,payments,ada@example.com,portal",
]


@pytest.fixture
def store(engine, cli, tmp_path):
    _teams(engine)
    with unit_of_work(engine) as session:
        capabilities.add_capability(
            session=session,
            data=CapabilityIn(name="rollback", description="One command", launched_at="2026-09-01"),
        )
    result = cli("import", "usage-events", str(_csv(tmp_path, STORE)), "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_import_creates_unknown_capabilities_and_lists_them(store, cli, tmp_path):
    assert store["created_capabilities"] == ["logs"]  # rollback was in the catalog already
    listed = json.loads(cli("catalog", "capabilities", "--json").stdout)
    assert {c["name"]: c["source"] for c in listed} == {"logs": "usage", "rollback": "manual"}
    again = cli("import", "usage-events", str(_csv(tmp_path, STORE)), "--json")
    assert json.loads(again.stdout)["created_capabilities"] == []
    more = _csv(tmp_path, ["n1,2026-10-02T10:00:00Z,secrets,search,,cli"], "more.csv")
    text = cli("import", "usage-events", str(more))
    assert text.exit_code == 0
    assert "created 1 capabilities the catalog did not know: secrets" in text.stdout


def test_report_counts_abandoned_never_used_and_first_week(store, cli):
    result = cli("usage", "report", "--window", WINDOW, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["window"] == {
        "start": "2026-09-01T00:00:00+00:00",
        "end": "2026-12-01T00:00:00+00:00",
    }
    by_name = {c["capability"]: c for c in report["capabilities"]}
    assert list(by_name) == ["logs", "rollback"]
    assert by_name["rollback"] == {
        "capability": "rollback",
        "description": "One command",
        "launched_at": "2026-09-01",
        "teams": 3,
        "developers": 3,
        "events": 5,
        "first_use": "2026-08-20T09:00:00+00:00",
        "last_use": "2026-11-25T10:00:00+00:00",
        "abandoned": ["search"],
        "first_week_uses": 2,
        "never_used": ["docs-team"],
    }
    logs = by_name["logs"]
    assert logs["launched_at"] is None and logs["first_week_uses"] is None
    assert logs["abandoned"] == ["payments"]  # used on 1 October, not in the last 30 days
    assert logs["never_used"] == ["docs-team", "search"]


def test_report_text_and_a_bad_window(store, cli):
    text = cli("usage", "report", "--window", WINDOW)
    assert text.exit_code == 0
    assert "rollback" in text.stdout and "docs-team" in text.stdout
    bad = cli("usage", "report", "--window", "someday")
    assert bad.exit_code == 1 and "window" in bad.stderr


def test_empty_store_reports_no_capabilities(cli):
    report = json.loads(cli("usage", "report", "--json").stdout)
    assert report["capabilities"] == []
    assert "No capabilities and no usage yet" in cli("usage", "report").stdout


def test_heaviest_users_are_the_top_share_by_events(store, engine):
    with unit_of_work(engine) as session:
        top = usage.heaviest_users(
            session=session, start=date(2026, 8, 1), end=date(2026, 12, 2), share=0.2
        )
        everyone = usage.heaviest_users(
            session=session,
            start=datetime(2026, 8, 1, tzinfo=UTC),
            end=datetime(2026, 12, 2, tzinfo=UTC),
            share=1.0,
        )
    assert top == ["ada@example.com"]  # 3 events; sam has 3 too but sorts after by name
    assert everyone == ["ada@example.com", "sam@example.com", "alan@example.com"]


def test_generic_webhook_creates_capabilities_and_lists_them(client, engine, tokens):
    _teams(engine)
    body = {
        "rows": [
            {"at": "2026-10-01T10:00:00Z", "capability": HOSTILE, "team": "payments"},
            {"at": "2026-10-01T11:00:00Z", "capability": "portal", "team": "search"},
        ]
    }
    answer = client.post("/api/v1/hooks/usage-events", json=body, headers=bearer(tokens["write"]))
    assert answer.status_code == 200, answer.text
    assert answer.json()["created_capabilities"] == sorted([HOSTILE, "portal"])
    again = client.post(
        "/api/v1/hooks/usage-events",
        json={"at": "2026-10-02T10:00:00Z", "capability": "portal", "team": "search"},
        headers=bearer(tokens["write"]),
    )
    assert again.json()["created_capabilities"] == []


def test_api_report_needs_read_scope_and_matches_the_cli(store, client, tokens, cli):
    assert client.get("/api/v1/research/usage").status_code == 401
    answer = client.get(
        "/api/v1/research/usage", params={"window": WINDOW}, headers=bearer(tokens["read"])
    )
    assert answer.status_code == 200
    assert answer.json() == json.loads(cli("usage", "report", "--window", WINDOW, "--json").stdout)
    bad = client.get(
        "/api/v1/research/usage", params={"window": "nope"}, headers=bearer(tokens["read"])
    )
    assert 400 <= bad.status_code < 500
    assert "detail" in bad.json()


def test_usage_page_lists_never_used_first_and_renders_names_inert(
    engine, cli, tmp_path, client, users
):
    _teams(engine)
    rows = [
        f'h1,2026-10-01T10:00:00Z,"{HOSTILE}",payments,ada@example.com,cli',
        "h2,2026-10-02T10:00:00Z,rollback,search,sam@example.com,cli",
    ]
    assert cli("import", "usage-events", str(_csv(tmp_path, rows))).exit_code == 0
    with unit_of_work(engine) as session:
        stored = capabilities.get_capability_or_raise(session=session, name="rollback")
        capabilities.update_capability(
            session=session,
            capability=stored,
            data=CapabilityUpdate(description="<img src=x onerror=alert(1)>"),
        )
    sign_in(client, users["read"])
    page = client.get("/research/usage", params={"window": WINDOW})
    assert page.status_code == 200
    assert HOSTILE not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;" in page.text
    # The chart specs are JSON inside a script element: no tag can close it early.
    assert "</script>alert" not in page.text
    never = page.text.index("Never used by")
    assert never < page.text.index("Stopped using it")
    assert "docs-team" in page.text
    catalog_page = client.get("/catalog/capabilities")
    assert catalog_page.status_code == 200
    assert HOSTILE not in catalog_page.text and "&lt;script&gt;" in catalog_page.text
    bad = client.get("/research/usage", params={"window": "<b>x</b>"})
    assert bad.status_code == 422 and "<b>x</b>" not in bad.text


def test_usage_page_empty_state_says_what_to_do(client, users):
    sign_in(client, users["read"])
    page = client.get("/research/usage")
    assert page.status_code == 200
    assert "pavedroad import usage-events" in page.text


# ---- pure --------------------------------------------------------------------------------------

days = st.lists(
    st.builds(
        UsageDay,
        capability=st.sampled_from(["deploy", "logs", "rollback"]),
        team=st.sampled_from(["a", "b", "c", "d"]),
        day=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
        events=st.integers(min_value=1, max_value=50),
    ),
    max_size=60,
)


@given(days=days)
def test_summary_invariants(days):
    window = window_between(date(2026, 6, 1), date(2026, 10, 1))
    eligible = ["a", "b", "c"]
    report = usage.summarise(days, window=window, capabilities=["portal"], eligible=eligible)
    assert "portal" in report and report["portal"].never_used == eligible
    recent_from = date(2026, 9, 1)
    for name, found in report.items():
        mine = [d for d in days if d.capability == name and d.day < window.end.date()]
        in_window = [d for d in mine if d.day >= window.start.date()]
        assert found.events == sum(d.events for d in in_window)
        assert sum(uses for _, uses in found.weekly) == found.events
        assert set(found.teams) == {d.team for d in in_window}
        recent = {d.team for d in mine if d.day >= recent_from}
        assert not set(found.abandoned) & recent
        assert set(found.never_used) == set(eligible) - {d.team for d in mine}


def test_weeks_of_a_window_start_on_monday_and_cover_it():
    report = usage.summarise([], window=parse_window("2026-09"), capabilities=["x"], eligible=[])
    weeks = [week for week, _ in report["x"].weekly]
    assert weeks[0] == date(2026, 8, 31) and all(w.weekday() == 0 for w in weeks)
    assert weeks[-1] <= date(2026, 9, 30) < weeks[-1] + timedelta(days=7)


@given(
    counts=st.dictionaries(st.text(min_size=1, max_size=5), st.integers(1, 100), max_size=30),
    share=st.floats(min_value=0.01, max_value=1.0),
)
def test_top_share_takes_the_heaviest(counts, share):
    top = usage.top_share(counts, share)
    assert (len(top) >= 1) == bool(counts)
    rest = set(counts) - set(top)
    assert all(counts[t] >= counts[r] for t in top for r in rest)


def test_demo_capabilities_have_owner_launch_and_tell_the_story(engine):
    from pavedroad.demo.loader import load_demo
    from pavedroad.demo.research_capabilities import CAPABILITIES
    from pavedroad.demo.story import ROLLBACK_COMMAND

    steps = ("catalog", "telemetry", "capabilities")
    with unit_of_work(engine) as session:
        load_demo(session, only=steps)
    with unit_of_work(engine) as session:
        load_demo(session, only=("capabilities",))  # again: changes nothing
        listed = capabilities.list_capabilities(session=session)
        found = usage.capability_usage(
            session=session, window=window_between(date(2026, 9, 1), date(2026, 12, 1))
        )
    assert {c.name for c in listed} == {name for name, _, _ in CAPABILITIES}
    assert {(c.owner, c.source) for c in listed} == {("platform", "manual")}
    rollback = next(u for u in found if u.capability == "rollback")
    assert rollback.launched_at == ROLLBACK_COMMAND.date()
    assert rollback.first_week_uses and rollback.first_week_uses > 0
    # Many eligible teams never used what the platform offers: the teams to chase.
    assert all(u.never_used for u in found)
