"""The Jira connector against a stand-in answering in Cloud REST v3's and Data Center REST v2's
documented shapes: through the CLI and the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pavedroad.db import unit_of_work
from pavedroad.errors import InvalidInputError
from pavedroad.ingest.connectors import jira
from pavedroad.ingest.models import Incident, Run, Ticket
from pavedroad.ingest.webhooks import jira as jira_webhook
from pavedroad.ingest.webhooks.rules import MappingRules
from tests.connectors.standin import Answer, StandIn
from tests.connectors.standins.jira import API_TOKEN, EMAIL, PAT, SCOPELESS, Jira, issue

ENV = "JIRA_TEST_TOKEN"
SECRETS = (API_TOKEN, PAT, SCOPELESS)
DAY0 = (datetime.now(UTC) - timedelta(days=60)).replace(hour=0, minute=0, second=0, microsecond=0)
JQL = "project = PLAT"


def at(days: float, hours: float = 0) -> datetime:
    return DAY0 + timedelta(days=days, hours=hours)


def many(count: int, prefix: str = "PLAT") -> list[object]:
    return [
        issue(f"{prefix}-{n + 1}", at(1, n / 100), resolved=at(2, n / 100)) for n in range(count)
    ]


def _add(cli, standin: StandIn, *extra: str, name: str = "jira") -> None:
    result = cli(
        "connect", "add", "jira", name, "--url", standin.base_url, "--token-env", ENV,
        "--jql", JQL, *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert all(s not in result.output for s in SECRETS)


def _sync(cli, name: str = "jira", *extra: str) -> dict:
    result = cli("connect", "sync", name, "--json", *extra)
    for secret in SECRETS:
        assert secret not in result.output and secret not in (result.stderr or "")
    return json.loads(result.stdout)


def _tickets(engine) -> dict[str, Ticket]:
    with unit_of_work(engine) as s:
        return {t.id: t for t in s.scalars(select(Ticket))}


@pytest.fixture
def site(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> Jira:
    monkeypatch.setenv(ENV, f"{EMAIL}:{API_TOKEN}")
    found = Jira()
    found.install(standin)
    return found


def test_cloud_backfill_pages_by_token_through_a_429_and_a_502(
    cli, engine, standin: StandIn, site: Jira
) -> None:
    site.issues = many(120)
    standin.fail(
        Answer(429, {"errorMessages": ["Rate limit exceeded"]}, {"Retry-After": "1"}),
        when=lambda r: isinstance(r.body, dict) and "nextPageToken" in r.body,
    )
    standin.fail(
        Answer(502, None), when=lambda r: isinstance(r.body, dict) and "nextPageToken" in r.body
    )
    _add(cli, standin)
    run = _sync(cli)
    assert run["status"] == "succeeded", run["errors"]
    assert run["tables"]["tickets"]["new"] == 120
    assert run["http"]["retries"] == 1 and run["http"]["waited_seconds"] >= 1
    searches = [r for r in standin.requests if r.path == "/rest/api/3/search/jql"]
    assert len(searches) == 3 + 2  # three pages of 50, one 429, one 502
    sent = searches[0].body
    assert sent["jql"].startswith(f"({JQL}) AND updated >= ")
    assert sent["jql"].endswith("ORDER BY created ASC, key ASC")
    assert sent["maxResults"] == 100 and "resolutiondate" in sent["fields"]
    first = _tickets(engine)["PLAT-1"]
    assert first.kind == "request" and first.resolved_at - first.opened_at == timedelta(days=1)


def test_datacenter_pages_by_start_at_with_a_bearer_token(
    cli, engine, standin: StandIn, site: Jira, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, PAT)
    site.issues = many(110)
    _add(cli, standin, "--jira-api", "datacenter")
    run = _sync(cli)
    assert run["status"] == "succeeded", run["errors"]
    assert run["tables"]["tickets"]["new"] == 110
    starts = [r.arg("startAt") for r in standin.requests if r.path == "/rest/api/2/search"]
    assert starts == ["0", "50", "100"]
    assert len(_tickets(engine)) == 110


def test_the_connection_test_makes_one_search(cli, standin: StandIn, site: Jira) -> None:
    site.issues = many(2)
    _add(cli, standin)
    result = cli("connect", "test", "jira", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["notes"] == [
        "JQL 'project = PLAT' (cloud): issues match, read as tickets"
    ]
    assert standin.count() == 1 and API_TOKEN not in result.output


def test_a_token_without_the_scope_fails_the_run_and_writes_nothing(
    cli, engine, standin: StandIn, site: Jira, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, f"{EMAIL}:{SCOPELESS}")
    site.issues = many(3)
    _add(cli, standin)
    run = _sync(cli)
    assert run["status"] == "failed"
    assert "refused (401)" in run["errors"][0] and "scope does not match" in run["errors"][0]
    assert "Browse projects" in run["errors"][0]
    assert _tickets(engine) == {}


def test_a_cloud_token_must_name_the_email(
    cli, engine, standin: StandIn, site: Jira, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, API_TOKEN)
    _add(cli, standin)
    run = _sync(cli)
    assert run["status"] == "failed" and "EMAIL:API_TOKEN" in run["errors"][0]
    assert standin.count() == 0


def test_an_interrupted_backfill_resumes_at_the_page_that_failed(
    cli, engine, standin: StandIn, site: Jira
) -> None:
    site.issues = many(130)
    standin.fail(
        Answer(200, raw=b'{"issues": [{"key": '),
        when=lambda r: isinstance(r.body, dict) and r.body.get("nextPageToken") == "MTAw",
    )
    _add(cli, standin)
    first = _sync(cli)
    assert first["status"] == "failed" and "did not answer JSON" in first["errors"][0]
    assert first["tables"]["tickets"]["new"] == 100
    asked = len(standin.requests)
    second = _sync(cli)
    assert second["status"] == "succeeded", second["errors"]
    assert second["resumes"] == first["id"] and second["tables"]["tickets"]["new"] == 30
    resumed = standin.requests[asked:]
    assert len(resumed) == 1 and resumed[0].body["nextPageToken"] == "MTAw"
    assert resumed[0].body["jql"] == site.queries[0]
    assert len(_tickets(engine)) == 130
    with unit_of_work(engine) as s:
        assert s.get_one(Run, first["id"]).status == "retried"


def test_an_incremental_sync_asks_once_and_bounds_the_query_by_update_time(
    cli, engine, standin: StandIn, site: Jira
) -> None:
    site.issues = many(3)
    _add(cli, standin)
    assert _sync(cli)["status"] == "succeeded"
    before = standin.count("/search/jql")
    quiet = _sync(cli)
    assert quiet["status"] == "succeeded" and quiet["read"] == 0
    assert standin.count("/search/jql") == before + 1
    bound = site.queries[-1].split('updated >= "')[1][:16]
    since = datetime.strptime(bound, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    # The last sync's end, less the overlap and the time-zone margin.
    assert timedelta(hours=14) < datetime.now(UTC) - since < timedelta(hours=15, minutes=5)
    now = datetime.now(UTC)
    site.issues.append(issue("PLAT-99", now - timedelta(minutes=5)))
    later = _sync(cli)
    assert later["tables"]["tickets"]["new"] == 1 and "PLAT-99" in _tickets(engine)


def test_hostile_issues_are_refused_with_the_reason_and_the_sync_goes_on(
    cli, engine, standin: StandIn, site: Jira
) -> None:
    no_created = issue("PLAT-7", at(1))
    no_created["fields"]["created"] = None
    site.issues = [
        *many(3),
        "not an issue",
        issue("PLAT-" + "X" * 5000, at(1)),
        no_created,
        {"key": "PLAT-8"},
        issue("PLAT-9", at(1), labels=["x" * 100_000]),
    ]
    _add(cli, standin)
    run = _sync(cli)
    assert run["status"] == "partly_succeeded", run["errors"]
    assert run["tables"]["tickets"]["new"] == 4 and run["tables"]["tickets"]["rejected"] == 4
    text = " ".join(run["errors"])
    assert "opened_at" in text and "'id'" in text
    assert set(_tickets(engine)) == {"PLAT-1", "PLAT-2", "PLAT-3", "PLAT-9"}


def test_self_service_from_a_field_or_a_label_and_issues_as_incidents(
    cli, engine, catalog, standin: StandIn, site: Jira
) -> None:
    site.issues = [
        issue("PLAT-1", at(1), extra={"customfield_10042": {"value": "Yes", "id": "1"}}),
        issue("PLAT-2", at(1), extra={"customfield_10042": {"value": "No", "id": "2"}}),
        issue("PLAT-3", at(1), labels=["solved-alone"]),
        issue("PLAT-4", at(1), issue_type="Bug", components=["Ledger"], resolved=at(1, 2)),
    ]
    _add(
        cli, standin, "--self-service-field", "customfield_10042",
        "--self-service-label", "Solved-Alone",
    )  # fmt: skip
    assert _sync(cli)["status"] == "succeeded"
    assert "customfield_10042" in standin.requests[0].body["fields"]
    tickets = _tickets(engine)
    assert {k: t.self_service for k, t in tickets.items()} == {
        "PLAT-1": True,
        "PLAT-2": False,
        "PLAT-3": True,
        "PLAT-4": False,
    }
    assert tickets["PLAT-4"].kind == "bug" and tickets["PLAT-4"].category == "ledger"
    _add(cli, standin, "--as", "incidents", name="jira-incidents")
    run = _sync(cli, "jira-incidents")
    assert run["tables"]["incidents"]["new"] == 4, run["errors"]
    with unit_of_work(engine) as s:
        assert s.get_one(Incident, "PLAT-1").service is None  # no component
        found = s.get_one(Incident, "PLAT-4")
        assert found.service == "ledger" and found.severity == "Medium"
        assert found.resolved_at - found.started_at == timedelta(hours=2)


def test_kpis_on_a_backfilled_fixture_match_hand_computed_values(
    cli, engine, standin: StandIn, site: Jira
) -> None:
    # Four requests, one self-service: ratio 0.25. Resolved after 2, 4 and 12 hours: p50 4.
    site.issues = [
        issue("PLAT-1", at(1), resolved=at(1, 2), labels=["self-service"]),
        issue("PLAT-2", at(2), resolved=at(2, 4)),
        issue("PLAT-3", at(3), resolved=at(3, 12)),
        issue("PLAT-4", at(4)),
        issue("PLAT-5", at(4), issue_type="Question"),
    ]
    _add(cli, standin)
    assert _sync(cli)["status"] == "succeeded"
    window = f"{DAY0.date()}..{(DAY0 + timedelta(days=7)).date()}"
    result = cli("kpis", "--window", window, "--json")
    assert result.exit_code == 0, result.output
    kpis = {k["id"]: k for k in json.loads(result.stdout)["kpis"]}
    assert kpis["self_service_ratio"]["value"] == pytest.approx(0.25)
    assert kpis["ticket_resolution_p50"]["value"] == pytest.approx(4)


def test_tickets_carry_the_webhook_mappers_ids_and_values() -> None:
    rules = MappingRules()
    body = issue("PLAT-12", at(1), resolved=at(2), labels=["ci-pipeline"], issue_type="Bug")
    [(_, hooked)] = jira_webhook.map_event("jira:issue_updated", {"issue": body}, rules)
    assert jira.ticket_row(body, rules, {}) == ("tickets", hooked)


def test_options_are_checked_and_name_the_option() -> None:
    with pytest.raises(InvalidInputError, match="needs --jql"):
        jira.PROVIDER.options({})
    with pytest.raises(InvalidInputError, match="--urgency is not an option of a jira"):
        jira.PROVIDER.options({"jql": JQL, "urgencies": ["high"]})
    with pytest.raises(InvalidInputError, match="--jira-api"):
        jira.PROVIDER.options({"jql": JQL, "api": "server"})
    with pytest.raises(InvalidInputError, match="--as"):
        jira.PROVIDER.options({"jql": JQL, "as": "bugs"})
    stored = jira.PROVIDER.options({"jql": f"{JQL} ORDER BY rank"})
    assert stored == {"jql": JQL, "as": "tickets", "api": "cloud"}


def test_the_sync_service_backfills_a_window_asked_for(
    engine, settings, standin: StandIn, site: Jira
) -> None:
    from pavedroad.ingest.connectors.service import add_connection
    from pavedroad.ingest.connectors.sync import sync_connection

    site.issues = many(5)
    with unit_of_work(engine) as s:
        add_connection(
            session=s, name="jira", provider="jira", url=standin.base_url, token_env=ENV,
            token=None, secret_key=None, options={"jql": JQL}, every=None,
        )  # fmt: skip
    run = sync_connection(engine, settings, "jira", since=at(0), until=at(3))
    assert run.status == "succeeded" and run.tables["tickets"].new == 5
    sent = site.queries[0]
    assert f'updated >= "{(at(0) - timedelta(hours=14)):%Y-%m-%d %H:%M}"' in sent
    assert f'updated <= "{(at(3) + timedelta(hours=14)):%Y-%m-%d %H:%M}"' in sent
    assert API_TOKEN not in run.model_dump_json()
