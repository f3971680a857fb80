"""The PagerDuty connector against a stand-in answering in REST v2's documented shapes: through
the CLI and the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pavedroad.db import unit_of_work
from pavedroad.errors import InvalidInputError
from pavedroad.ingest.connectors import pagerduty
from pavedroad.ingest.models import Incident, Run
from pavedroad.ingest.webhooks import pagerduty as pd_webhook
from pavedroad.ingest.webhooks.rules import MappingRules
from tests.connectors.standin import Answer, StandIn
from tests.connectors.standins.pagerduty import LIMITED, TOKEN, PagerDuty, incident

ENV = "PD_TEST_TOKEN"
SECRETS = (TOKEN, LIMITED)
DAY0 = (datetime.now(UTC) - timedelta(days=60)).replace(hour=0, minute=0, second=0, microsecond=0)


def at(days: float, minutes: float = 0) -> str:
    return (DAY0 + timedelta(days=days, minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def many(count: int, *, urgency: str = "high", prefix: str = "Q") -> list[object]:
    return [
        incident(f"{prefix}{n:04d}", at(1 + n / 1000), urgency=urgency, resolved=at(2 + n / 1000))
        for n in range(count)
    ]


def _add(cli, standin: StandIn, *extra: str, name: str = "pd") -> None:
    result = cli(
        "connect", "add", "pagerduty", name, "--url", standin.base_url, "--token-env", ENV, *extra
    )
    assert result.exit_code == 0, result.output
    assert all(s not in result.output for s in SECRETS)


def _sync(cli, name: str = "pd", *extra: str) -> dict:
    result = cli("connect", "sync", name, "--json", *extra)
    for secret in SECRETS:
        assert secret not in result.output and secret not in (result.stderr or "")
    return json.loads(result.stdout)


def _incidents(engine) -> dict[str, Incident]:
    with unit_of_work(engine) as s:
        return {i.id: i for i in s.scalars(select(Incident))}


@pytest.fixture
def pd(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> PagerDuty:
    monkeypatch.setenv(ENV, TOKEN)
    account = PagerDuty()
    account.install(standin)
    return account


def test_backfill_pages_by_offset_waits_out_a_429_and_retries_a_502(
    cli, engine, catalog, standin: StandIn, pd: PagerDuty
) -> None:
    pd.incidents = many(230) + many(7, urgency="low", prefix="L")
    standin.fail(
        Answer(
            429, {"error": {"message": "Rate Limit Exceeded", "code": 2020}}, {"Retry-After": "1"}
        ),
        when=lambda r: r.path == "/incidents" and r.arg("offset") == "100",
    )
    standin.fail(
        Answer(502, {"error": {"message": "Bad Gateway"}}),
        when=lambda r: r.path == "/incidents" and r.arg("offset") == "200",
    )
    _add(cli, standin)
    run = _sync(cli)
    assert run["status"] == "succeeded", run["errors"]
    assert run["tables"]["incidents"]["new"] == 230  # the default filter: high urgency only
    assert run["http"]["retries"] == 1 and run["http"]["waited_seconds"] >= 1
    stored = _incidents(engine)
    assert len(stored) == 230 and "PD-L0000" not in stored
    first = stored["PD-Q0000"]
    assert first.service == "ledger" and first.severity == "high"
    assert first.resolved_at is not None and first.started_at is not None
    assert (first.resolved_at - first.started_at) == timedelta(days=1)
    pages = [r for r in standin.requests if r.path == "/incidents" and r.arg("since", "") <= at(1)]
    assert {r.arg("urgencies[]") for r in pages} == {"high"}
    assert {r.arg("limit") for r in pages} == {"100"} and {r.arg("total") for r in pages} == {
        "false"
    }


def test_priority_and_service_filters_and_log_entry_resolution(
    cli, engine, catalog, standin: StandIn, pd: PagerDuty
) -> None:
    pd.incidents = [
        incident("P1A", at(1), priority="P1", resolved=at(1, 30), with_resolved_at=False),
        incident("P3A", at(1), priority="P3", resolved=at(1, 40)),
        incident("P1B", at(2), priority="P1", service=("PSVC009", "Search API")),
    ]
    _add(cli, standin, "--priority", "p1", "--service", "PSVC001")
    run = _sync(cli)
    assert run["status"] == "succeeded", run["errors"]
    stored = _incidents(engine)
    assert set(stored) == {"PD-P1A"}
    # resolved_at absent: the resolution time is the resolve_log_entry's created_at
    assert stored["PD-P1A"].resolved_at - stored["PD-P1A"].started_at == timedelta(minutes=30)
    assert stored["PD-P1A"].severity == "P1"
    assert standin.count(r"^/incidents/P1A/log_entries$") == 1
    assert {r.arg("service_ids[]") for r in standin.requests if r.path == "/incidents"} == {
        "PSVC001"
    }


def test_the_connection_test_reads_each_list_once(
    cli, catalog, standin: StandIn, pd: PagerDuty
) -> None:
    _add(cli, standin, "--service", "PSVC001", "--urgency", "high", "--urgency", "low")
    result = cli("connect", "test", "pd", "--json")
    assert result.exit_code == 0, result.output
    notes = json.loads(result.stdout)["notes"]
    assert notes == [
        "service PSVC001: Ledger",
        "incidents and log entries: readable (filter: urgencies high/low)",
    ]
    assert standin.count("^/incidents$") == 1 and standin.count("^/log_entries$") == 1
    assert TOKEN not in result.output


def test_a_token_without_access_fails_the_run_and_writes_nothing(
    cli, engine, catalog, standin: StandIn, pd: PagerDuty, monkeypatch: pytest.MonkeyPatch
) -> None:
    pd.incidents = many(5)
    monkeypatch.setenv(ENV, LIMITED)
    _add(cli, standin)
    test = cli("connect", "test", "pd", "--json")
    assert test.exit_code == 1 and "403" in test.stdout and LIMITED not in test.stdout
    run = _sync(cli)
    assert run["status"] == "failed"
    assert "permission denied (403)" in run["errors"][0] and "Access Denied" in run["errors"][0]
    assert "read-only REST API key" in run["errors"][0]
    assert _incidents(engine) == {}


def test_an_interrupted_backfill_resumes_at_the_page_that_failed(
    cli, engine, catalog, standin: StandIn, pd: PagerDuty
) -> None:
    pd.incidents = [incident("OPEN2", at(1)), *many(249)]
    last_slice = lambda r: r.path == "/incidents" and r.arg("since", "") > at(-20)  # noqa: E731
    standin.fail(
        Answer(200, raw=b'{"incidents": [{"id": "broken'),
        when=lambda r: last_slice(r) and r.arg("offset") == "200",
    )
    _add(cli, standin)
    first = _sync(cli)
    assert first["status"] == "failed" and "did not answer JSON" in first["errors"][0]
    assert first["tables"]["incidents"]["new"] == 200 and len(_incidents(engine)) == 200
    asked = len(standin.requests)
    # Read open on page 1 of the interrupted sync, resolved before the next one.
    pd.resolve("OPEN2", (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    second = _sync(cli)
    assert second["status"] == "succeeded", second["errors"]
    assert second["resumes"] == first["id"]
    assert second["tables"]["incidents"]["new"] == 50
    assert second["tables"]["incidents"]["updated"] == 1
    assert _incidents(engine)["PD-OPEN2"].resolved_at is not None
    resumed = [r for r in standin.requests[asked:] if r.path == "/incidents"]
    assert resumed[0].arg("offset") == "200"
    assert len(_incidents(engine)) == 250
    with unit_of_work(engine) as s:
        assert s.get_one(Run, first["id"]).status == "retried"


def test_an_incremental_sync_with_nothing_new_asks_once_per_list_and_sees_resolutions(
    cli, engine, catalog, standin: StandIn, pd: PagerDuty
) -> None:
    pd.incidents = [*many(3), incident("OPEN1", at(5))]
    _add(cli, standin)
    assert _sync(cli)["status"] == "succeeded"
    assert _incidents(engine)["PD-OPEN1"].resolved_at is None
    before = (standin.count(r"^/incidents$"), standin.count(r"^/log_entries$"))
    quiet = _sync(cli)
    assert quiet["status"] == "succeeded" and quiet["read"] == 0
    assert standin.count(r"^/incidents$") == before[0] + 1
    assert standin.count(r"^/log_entries$") == before[1] + 1
    # Opened before the last sync, resolved after it: the log entries list brings it.
    now = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    pd.resolve("OPEN1", now)
    later = _sync(cli)
    assert later["status"] == "succeeded" and later["tables"]["incidents"]["updated"] == 1
    assert _incidents(engine)["PD-OPEN1"].resolved_at is not None


def test_hostile_items_are_refused_with_the_reason_and_the_sync_goes_on(
    cli, engine, catalog, standin: StandIn, pd: PagerDuty
) -> None:
    no_start = incident("NOSTART", at(1))
    del no_start["created_at"]
    pd.incidents = [
        *many(3),
        "not an incident",
        incident("X" * 5000, at(1)),
        no_start,
        {**incident("WEIRD", at(1)), "created_at": "yesterday-ish"},
    ]
    pd.undated_in = at(1)
    _add(cli, standin)
    run = _sync(cli)
    assert run["status"] == "partly_succeeded", run["errors"]
    assert run["tables"]["incidents"]["new"] == 3 and run["tables"]["incidents"]["rejected"] == 4
    text = " ".join(run["errors"])
    assert "started_at" in text and "id" in text
    assert len(_incidents(engine)) == 3


def test_kpis_on_a_backfilled_fixture_match_hand_computed_values(
    cli, engine, catalog, standin: StandIn, pd: PagerDuty
) -> None:
    # Three incidents resolved after 30, 60 and 150 minutes: MTTR mean 80, median 60.
    pd.incidents = [
        incident("K1", at(1), resolved=at(1, 30)),
        incident("K2", at(2), resolved=at(2, 60)),
        incident("K3", at(3), resolved=at(3, 150), with_resolved_at=False),
    ]
    _add(cli, standin)
    assert _sync(cli)["status"] == "succeeded"
    window = f"{(DAY0).date()}..{(DAY0 + timedelta(days=7)).date()}"
    result = cli("kpis", "--window", window, "--json")
    assert result.exit_code == 0, result.output
    kpis = {k["id"]: k for k in json.loads(result.stdout)["kpis"]}
    assert kpis["mttr_mean"]["value"] == pytest.approx(80)
    assert kpis["mttr_p50"]["value"] == pytest.approx(60)
    assert kpis["incident_frequency"]["value"] == pytest.approx(3)


def test_rows_carry_the_webhook_mappers_ids_and_values() -> None:
    rules = MappingRules()
    body = incident(
        "PT4KHLK", "2026-03-02T11:00:00Z", priority="P2", resolved="2026-03-02T11:42:00Z"
    )
    [(_, hooked)] = pd_webhook.map_event(
        "incident.resolved",
        {"event": {"occurred_at": "2026-03-02T11:42:00Z", "data": body}},
        rules,
    )
    _, synced = pagerduty.incident_row(body, rules, "2026-03-02T11:42:00Z")
    for key in ("id", "service", "started_at", "resolved_at", "severity", "snapshot_at"):
        assert synced[key] == hooked[key], key


def test_options_refuse_what_is_not_pagerduty_and_say_the_default(cli, standin: StandIn) -> None:
    with pytest.raises(InvalidInputError, match="--jql is not an option of a pagerduty"):
        pagerduty.PROVIDER.options({"jql": "project = X"})
    with pytest.raises(InvalidInputError, match="'urgent' is not a PagerDuty urgency"):
        pagerduty.PROVIDER.options({"urgencies": ["urgent"]})
    assert pagerduty.PROVIDER.options({}) == {"urgencies": ["high"]}
    assert pagerduty.PROVIDER.options({"priorities": ["P1"]}) == {"priorities": ["P1"]}
    refused = cli("connect", "add", "pagerduty", "pd", "--token-env", ENV, "--repo", "a/b")
    assert refused.exit_code != 0 and "--repo" in refused.output


def test_the_sync_service_reports_progress_and_the_rate_limit_wait(
    engine, settings, catalog, standin: StandIn, pd: PagerDuty
) -> None:
    from pavedroad.ingest.connectors.service import add_connection
    from pavedroad.ingest.connectors.sync import SyncHooks, sync_connection

    pd.incidents = many(120)
    standin.fail(
        Answer(429, {"error": {"message": "Rate Limit Exceeded"}}, {"Retry-After": "1"}),
        when=lambda r: r.path == "/incidents" and r.arg("offset") == "100",
    )
    with unit_of_work(engine) as s:
        add_connection(
            session=s, name="pd", provider="pagerduty", url=standin.base_url, token_env=ENV,
            token=None, secret_key=None, options={}, every=None,
        )  # fmt: skip
    waits: list[tuple[float, str]] = []
    progress: list[str] = []
    rows: list[int] = []
    run = sync_connection(
        engine,
        settings,
        "pd",
        hooks=SyncHooks(
            on_progress=progress.append,
            on_wait=lambda seconds, reason: waits.append((seconds, reason)),
            on_rows=rows.append,
        ),
    )
    assert run.status == "succeeded" and run.tables["incidents"].new == 120
    assert waits == [(1.0, "pagerduty rate limit reached")]
    assert any("offset 100" in text for text in progress) and sum(rows) == 120
    assert TOKEN not in run.model_dump_json()
