"""The Backstage connector against a stand-in catalog backend over real HTTP: the catalog's
Groups, Users, Components and Systems arrive as teams, developers, services and systems,
through the CLI and the sync engine, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.orm import Session

from pavedroad.catalog.service import list_developers, list_services, list_teams
from pavedroad.db import unit_of_work
from pavedroad.ingest.connectors import backstage, service, sync
from pavedroad.ingest.connectors.http import ApiClient
from pavedroad.ingest.models import Run
from tests.connectors.standin import Answer, StandIn
from tests.connectors.standins.backstage import Backstage, entity, small_catalog

TOKEN = "bs-static-token-9f8e7d6c5b4a"
QUERY = "/api/catalog/entities/by-query"
# The catalog's nine entities of the four kinds read (the API entity is filtered out).
ENTITIES = 9
CLEAN = {
    "teams": {"read": 2, "new": 2, "updated": 0, "unchanged": 0, "rejected": 0},
    "developers": {"read": 3, "new": 3, "updated": 0, "unchanged": 0, "rejected": 0},
    "systems": {"read": 1, "new": 1, "updated": 0, "unchanged": 0, "rejected": 0},
    "services": {"read": 2, "new": 2, "updated": 0, "unchanged": 0, "rejected": 0},
}


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Waits the HTTP client would sleep (recorded, not slept)."""
    slept: list[float] = []
    original = ApiClient.__init__

    def fast(self: ApiClient, *args: object, **kwargs: object) -> None:
        original(self, *args, **{**kwargs, "sleep": slept.append})  # type: ignore[arg-type]

    monkeypatch.setattr(ApiClient, "__init__", fast)
    return slept


@pytest.fixture
def backend(standin: StandIn, waits: list[float], monkeypatch: pytest.MonkeyPatch) -> Backstage:
    monkeypatch.setenv("BACKSTAGE_TOKEN", TOKEN)
    return Backstage(standin, token=TOKEN).install()


@pytest.fixture
def paged(monkeypatch: pytest.MonkeyPatch) -> int:
    """Pages of 3 entities: the catalog of nine arrives in three pages."""
    monkeypatch.setattr(backstage, "PAGE_SIZE", 3)
    return 3


def _add(cli: Any, backend: Backstage, *extra: str, name: str = "bs") -> None:
    added = cli(
        "connect", "add", "backstage", name, "--url", backend.url,
        "--token-env", "BACKSTAGE_TOKEN", *extra,
    )  # fmt: skip
    assert added.exit_code == 0, added.stdout + added.stderr


def _sync(cli: Any, name: str = "bs") -> dict[str, Any]:
    result = cli("connect", "sync", name, "--json")
    assert TOKEN not in result.stdout + result.stderr
    run: dict[str, Any] = json.loads(result.stdout)
    assert result.exit_code == (1 if run["status"] == "failed" else 0)
    return run


def _catalog(engine: Any) -> dict[str, Any]:
    with Session(engine) as session:
        return {
            "teams": sorted((t.slug, t.name, t.headcount) for t in list_teams(session=session)),
            "developers": sorted((d.identity, d.team) for d in list_developers(session=session)),
            "services": sorted(
                (s.name, s.owner, s.system, s.tier, s.repository)
                for s in list_services(session=session)
            ),
        }


EXPECTED = {
    "teams": [("payments", "Payments", 2), ("search", "search", 1)],
    "developers": [
        ("user:default/ada", "payments"),
        ("user:default/bob", "payments"),
        ("user:default/cy", "search"),
    ],
    "services": [
        ("ledger", "payments", "money", 1, "acme/ledger"),
        ("search-api", "search", None, None, "platform/search/search-api"),
    ],
}


def test_a_backfill_reads_every_page_by_cursor_and_imports_the_catalog(cli, engine, backend, paged):
    _add(cli, backend)
    run = _sync(cli)
    assert run["status"] == "succeeded", run["errors"]
    assert run["tables"] == CLEAN
    assert run["http"]["requests"] == 3
    assert _catalog(engine) == EXPECTED
    queries = [r for r in backend.standin.requests if r.path == QUERY]
    assert queries[0].query["filter"] == [
        "kind=group",
        "kind=user",
        "kind=component",
        "kind=system",
    ]
    assert "cursor" not in queries[0].query
    assert all("cursor" in r.query and "filter" not in r.query for r in queries[1:])
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in queries)


def test_an_older_backend_without_by_query_is_read_by_offset(cli, engine, backend, paged):
    backend.legacy = True
    _add(cli, backend)
    run = _sync(cli)
    assert run["status"] == "succeeded", run["errors"]
    assert run["tables"] == CLEAN
    assert _catalog(engine) == EXPECTED
    offsets = [
        r.arg("offset") for r in backend.standin.requests if r.path == "/api/catalog/entities"
    ]
    assert offsets == ["0", "3", "6", "9"]


def test_a_rate_limit_pause_is_waited_out_and_the_backfill_finishes(
    cli, engine, backend, paged, waits
):
    backend.standin.fail(
        Answer(429, {"error": {"name": "TooManyRequests", "message": "slow down"}},
               {"Retry-After": "7"}),
        when=lambda r: "cursor" in r.query,
    )  # fmt: skip
    _add(cli, backend)
    run = _sync(cli)
    assert run["status"] == "succeeded" and run["tables"] == CLEAN
    assert waits == [7.0]
    assert run["http"]["waited_seconds"] == 7.0


def test_a_502_in_the_middle_of_a_backfill_is_retried(cli, engine, backend, paged, waits):
    backend.standin.fail(
        Answer(502, {"message": "Bad Gateway"}), times=2, when=lambda r: "cursor" in r.query
    )
    _add(cli, backend)
    run = _sync(cli)
    assert run["status"] == "succeeded" and run["tables"] == CLEAN
    assert run["http"]["retries"] == 2 and len(waits) == 2
    assert _catalog(engine) == EXPECTED


def test_a_refused_token_fails_the_run_clearly_and_writes_nothing(
    cli, engine, backend, monkeypatch
):
    monkeypatch.setenv("BACKSTAGE_TOKEN", "wrong-token-value-123")
    _add(cli, backend)
    run = _sync(cli)
    assert run["status"] == "failed"
    [error] = run["errors"]
    assert "token was refused (401)" in error and "Missing credentials" in error
    assert "externalAccess" in error
    assert "wrong-token-value" not in json.dumps(run)
    assert _catalog(engine) == {"teams": [], "developers": [], "services": []}


def test_a_sync_stopped_midway_imports_nothing_and_the_next_reads_the_catalog_again(
    cli, engine, backend, paged
):
    backend.standin.fail(
        Answer(503, None), times=100, when=lambda r: "cursor" in r.query and r.arg("limit") == "3"
    )
    _add(cli, backend)
    failed = _sync(cli)
    assert failed["status"] == "failed" and "503" in failed["errors"][0]
    # A catalog is imported as a whole: half of it would count the wrong headcounts.
    assert _catalog(engine) == {"teams": [], "developers": [], "services": []}
    with unit_of_work(engine) as session:
        [resource] = service.get_connection(session=session, name="bs").resources
        assert resource.pending_since is not None
    backend.standin.faults.clear()
    resumed = _sync(cli)
    assert resumed["status"] == "succeeded" and resumed["resumes"] == failed["id"]
    assert resumed["tables"] == CLEAN
    assert _catalog(engine) == EXPECTED
    with unit_of_work(engine) as session:
        assert session.get_one(Run, failed["id"]).status == "retried"
        [resource] = service.get_connection(session=session, name="bs").resources
        assert resource.pending_since is None and resource.synced_until is not None


def test_an_incremental_sync_with_nothing_new_makes_one_request(cli, engine, backend):
    _add(cli, backend)
    assert _sync(cli)["status"] == "succeeded"
    before = backend.standin.count(QUERY)
    again = _sync(cli)
    assert again["status"] == "succeeded", again["errors"]
    assert backend.standin.count(QUERY) - before == 1
    assert again["http"]["not_modified"] == 1 and again["tables"] == {}
    # A change is read and imported.
    backend.entities.append(
        entity(
            "Component",
            "checkout",
            {"type": "service", "lifecycle": "production", "owner": "payments"},
            {"github.com/project-slug": "acme/checkout"},
        )
    )
    changed = _sync(cli)
    assert changed["tables"]["services"] == {
        "read": 3, "new": 1, "updated": 0, "unchanged": 2, "rejected": 0,
    }  # fmt: skip
    with Session(engine) as session:
        from pavedroad.catalog.service import services_by_repository

        assert services_by_repository(session=session)["acme/checkout"] == "checkout"


def test_hostile_entities_are_refused_with_the_reason_and_the_rest_imported(cli, engine, backend):
    huge = "x" * 100_000
    backend.entities = [
        *small_catalog(),
        "not an entity",
        {"apiVersion": "backstage.io/v1alpha1", "kind": "Group", "metadata": {}, "spec": {}},
        entity("Group", "n" * 5000, {"type": "team"}),
        entity("Group", "big", {"type": "team", "profile": {"displayName": huge}}),
        entity("Component", "orphan", {"type": "service", "lifecycle": "production"}),
    ]
    _add(cli, backend)
    run = _sync(cli)
    assert run["status"] == "partly_succeeded", run["errors"]
    text = "\n".join(run["errors"])
    assert "document is not a mapping" in text
    assert "'metadata.name': is required but missing" in text
    assert "'spec.profile.displayName'" in text
    assert "'spec.owner': is required but missing" in text
    assert huge not in text and len(text) < 20_000
    assert run["tables"]["catalog"]["rejected"] == 5
    assert _catalog(engine) == EXPECTED


def test_a_page_that_is_not_json_fails_the_run_with_the_reason(cli, engine, backend, paged):
    backend.standin.fail(
        Answer(200, raw=b"<html>proxy login</html>", headers={"Content-Type": "text/html"}),
        times=100,
        when=lambda r: "cursor" in r.query,
    )
    _add(cli, backend)
    run = _sync(cli)
    assert run["status"] == "failed"
    assert "did not answer JSON" in run["errors"][0] and "text/html" in run["errors"][0]
    assert _catalog(engine)["teams"] == []


def test_testing_the_connection_counts_what_it_can_read(cli, backend):
    _add(cli, backend)
    result = cli("connect", "test", "bs", "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    notes = json.loads(result.stdout)["notes"]
    assert notes == [
        f"catalog: {ENTITIES} entities (Groups, Users, Components and Systems) readable"
    ]
    assert TOKEN not in result.stdout


def test_a_backend_without_auth_needs_no_token(cli, engine, standin, waits):
    open_backend = Backstage(standin).install()
    added = cli("connect", "add", "backstage", "open", "--url", f"{open_backend.url}/api/catalog")
    assert added.exit_code == 0, added.stdout
    run = _sync(cli, "open")
    assert run["status"] == "succeeded" and run["tables"] == CLEAN
    assert all("authorization" not in r.headers for r in standin.requests)
    assert all(r.path.startswith("/api/catalog/entities") for r in standin.requests)


@pytest.mark.parametrize(
    ("option", "flag"),
    [(("--repo", "acme/x"), "--repo"), (("--jql", "project = X"), "--jql")],
)
def test_other_providers_options_are_refused_naming_them(cli, backend, option, flag):
    result = cli("connect", "add", "backstage", "bs", "--url", backend.url, *option)
    assert result.exit_code != 0
    assert f"{flag} is not an option of a backstage connection" in result.stdout + result.stderr


def test_the_sync_engine_imports_through_the_same_mapping_as_files(engine, settings, backend):
    with unit_of_work(engine) as session:
        service.add_connection(
            session=session, name="svc", provider="backstage", url=backend.url,
            token_env="BACKSTAGE_TOKEN", token=None, secret_key=settings.secret_key,
            options={}, every=None,
        )  # fmt: skip
    run = sync.sync_connection(engine, settings, "svc")
    assert run.status == "succeeded" and run.kind == "backstage"
    assert {k: v.model_dump() for k, v in run.tables.items()} == CLEAN
    with Session(engine) as session:
        sources = {s.source for s in list_services(session=session)}
    assert sources == {"backstage"}


def test_adoption_counts_the_eligible_teams_of_the_backfilled_catalog(cli, backend, tmp_path):
    # Two delivering teams and the organisation above them (not eligible); payments used the
    # platform in March, search did not: adoption for March is 1 of 2 eligible teams.
    backend.entities.append(entity("Group", "acme", {"type": "organization"}))
    _add(cli, backend)
    run = _sync(cli)
    assert run["tables"]["teams"]["new"] == 3
    usage = tmp_path / "usage.csv"
    usage.write_text(
        "id,at,capability,team,developer,source\n"
        "u1,2026-03-20T10:00:00Z,rollback,payments,ada@example.com,cli\n"
        "u2,2026-03-21T10:00:00Z,rollback,payments,,cli\n",
        encoding="utf-8",
    )
    assert cli("import", "usage-events", str(usage)).exit_code == 0
    result = cli("kpis", "--window", "2026-03", "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    kpis = {k["id"]: k for k in json.loads(result.stdout)["kpis"]}
    assert kpis["adoption_rate"]["value"] == pytest.approx(0.5)
