"""The sync engine whatever the provider: connections, the lock across processes, per-page
cursors written with their rows, resume after a failure, runs and their statuses.

The provider here is a small one defined by the test that reads numbered pages of merged
changes from a stand-in over real HTTP; each real provider has its own tests on top."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pavedroad.db import unit_of_work, utcnow
from pavedroad.errors import ConflictError, InvalidInputError
from pavedroad.ingest import runs
from pavedroad.ingest.connectors import base, service, sync
from pavedroad.ingest.connectors.http import ApiClient
from pavedroad.ingest.connectors.models import Connection
from pavedroad.ingest.models import Change, Run
from tests.connectors.standin import Answer, Request, StandIn

PAGES = 4
PER_PAGE = 5


def _page_provider() -> base.Provider:
    def collect(ctx: base.SyncContext) -> Iterator[base.Batch]:
        window = ctx.window("changes")
        page = int(window.state.get("page", 1))
        while True:
            answer = ctx.client.get("/changes", params={"page": page})
            rows = [
                (
                    "changes",
                    {
                        "id": item["id"],
                        "service": item["service"],
                        "first_commit_at": item["first"],
                        "merged_at": item["merged"],
                    },
                )
                for item in answer.body["items"]
            ]
            if answer.body["next"] is None:
                yield base.Batch("changes", rows, window.finished())
                return
            page = answer.body["next"]
            yield base.Batch("changes", rows, window.page({"page": page}))

    return base.Provider(
        name="github",
        default_url=None,
        scopes="read",
        options=lambda raw: dict(raw),
        auth_headers=lambda token, _o: {"Authorization": f"Bearer {token}"},
        check=lambda ctx: [f"{ctx.client.get('/changes').body['total']} changes"],
        collect=collect,
    )


@pytest.fixture
def pages(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    @standin.route("GET", "/changes")
    def _changes(request: Request) -> Answer:
        page = request.int_arg("page", 1)
        items = [
            {
                "id": f"ledger#{(page - 1) * PER_PAGE + i}",
                "service": "ledger",
                "first": (start + timedelta(hours=page, minutes=i)).isoformat(),
                "merged": (start + timedelta(hours=page + 2, minutes=i)).isoformat(),
            }
            for i in range(PER_PAGE)
        ]
        return Answer(
            200,
            {"items": items, "next": page + 1 if page < PAGES else None, "total": PAGES * PER_PAGE},
        )

    provider = _page_provider()
    monkeypatch.setattr(sync, "provider_or_raise", lambda _name: provider)
    # No backoff waits in these tests.
    original = ApiClient.__init__

    def fast(self: ApiClient, *args: object, **kwargs: object) -> None:
        original(self, *args, **{**kwargs, "sleep": lambda _s: None})  # type: ignore[arg-type]

    monkeypatch.setattr(ApiClient, "__init__", fast)
    return standin


@pytest.fixture
def connection(engine, settings, pages: StandIn, catalog, monkeypatch) -> str:
    monkeypatch.setenv("PAGES_TOKEN", "tok-abcdef-123456")
    with unit_of_work(engine) as session:
        service.add_connection(
            session=session,
            name="pages",
            provider="github",
            url=pages.base_url,
            token_env="PAGES_TOKEN",
            token=None,
            secret_key=settings.secret_key,
            options={"repos": ["acme/ledger"]},
            every="1h",
        )
    return "pages"


def _changes(engine) -> int:
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(Change)) or 0


def test_a_backfill_writes_every_page_and_counts_per_table(engine, settings, connection, pages):
    run = sync.sync_connection(engine, settings, connection)
    assert run.status == "succeeded", run.errors
    assert run.channel == "connector" and run.connection == "pages"
    assert run.tables["changes"].read == PAGES * PER_PAGE
    assert run.tables["changes"].new == PAGES * PER_PAGE
    assert _changes(engine) == PAGES * PER_PAGE
    assert run.http["requests"] == PAGES
    with unit_of_work(engine) as session:
        shown = service.get_connection(session=session, name=connection)
    assert shown.last_run is not None and shown.last_run.id == run.id
    assert shown.resources[0].synced_until is not None and shown.resources[0].pending_since is None
    again = sync.sync_connection(engine, settings, connection)
    assert again.tables["changes"].unchanged == PAGES * PER_PAGE and again.new == 0


def test_a_failure_mid_backfill_keeps_written_pages_and_the_next_sync_resumes(
    engine, settings, connection, pages
):
    pages.fail(
        Answer(502, {"message": "Bad Gateway"}),
        times=100,
        when=lambda r: r.arg("page") == "3",
    )
    failed = sync.sync_connection(engine, settings, connection)
    assert failed.status == "failed" and "502" in failed.errors[0]
    assert _changes(engine) == 2 * PER_PAGE  # pages 1 and 2, written with their cursor
    with unit_of_work(engine) as session:
        shown = service.get_connection(session=session, name=connection)
    assert shown.resources[0].pending_since is not None
    pages.faults.clear()
    before = pages.count("/changes")
    resumed = sync.sync_connection(engine, settings, connection)
    assert resumed.status == "succeeded" and resumed.resumes == failed.id
    assert pages.count("/changes") - before == 2  # pages 3 and 4 only
    assert _changes(engine) == PAGES * PER_PAGE
    with unit_of_work(engine) as session:
        assert session.get_one(Run, failed.id).status == "retried"
        assert session.get_one(Run, resumed.id).retries == 1


def test_a_token_from_a_missing_variable_fails_the_run_with_the_reason(
    engine, settings, connection, monkeypatch
):
    monkeypatch.delenv("PAGES_TOKEN")
    run = sync.sync_connection(engine, settings, connection)
    assert run.status == "failed"
    assert "PAGES_TOKEN" in run.errors[0] and "not set" in run.errors[0]
    assert _changes(engine) == 0


def test_a_held_lock_refuses_a_second_sync(engine, settings, connection):
    with unit_of_work(engine) as session:
        connection_id = service.get_connection_or_raise(session=session, name=connection).id
    other = "elsewhere:1:abcd"
    assert sync.acquire_lock(engine, connection_id=connection_id, owner=other, seconds=300)
    with pytest.raises(sync.SyncBusyError, match="being synced by another process"):
        sync.sync_connection(engine, settings, connection)
    assert _changes(engine) == 0
    sync.release_lock(engine, connection_id=connection_id, owner=other)
    assert sync.sync_connection(engine, settings, connection).status == "succeeded"


_HOLD = """
import sys, time
from pavedroad.db import make_engine
from pavedroad.ingest.connectors.sync import acquire_lock, lock_owner
engine = make_engine(sys.argv[1])
print(acquire_lock(engine, connection_id=int(sys.argv[2]), owner=lock_owner(), seconds=int(sys.argv[3])), flush=True)
time.sleep(float(sys.argv[4]))
"""


def _holder(db_url: str, connection_id: int, seconds: int, hold: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLD, db_url, str(connection_id), str(seconds), str(hold)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "True"
    return process


def test_the_lock_holds_across_processes_and_a_dead_holder_is_taken_over(
    engine, db_url, connection
):
    with unit_of_work(engine) as session:
        connection_id = service.get_connection_or_raise(session=session, name=connection).id
    me = sync.lock_owner()
    alive = _holder(db_url, connection_id, 300, 30)
    try:
        assert not sync.acquire_lock(engine, connection_id=connection_id, owner=me, seconds=300)
    finally:
        alive.kill()
        alive.wait()
    # Its process is gone: the lease is taken over at once, long before it expires.
    assert sync.acquire_lock(engine, connection_id=connection_id, owner=me, seconds=300)
    sync.release_lock(engine, connection_id=connection_id, owner=me)
    # A lease that expired is free too (its holder may be on another host).
    with unit_of_work(engine) as session:
        row = session.get_one(Connection, connection_id)
        row.lock_owner, row.lock_until = "otherhost:1:x", utcnow() - timedelta(seconds=1)
    assert sync.acquire_lock(engine, connection_id=connection_id, owner=me, seconds=300)


def test_two_syncs_started_together_never_overlap(engine, settings, connection, pages):
    import threading

    results: list[object] = []

    def one() -> None:
        try:
            results.append(sync.sync_connection(engine, settings, connection))
        except ConflictError as exc:
            results.append(exc)

    # The first page answers after a second, so the first sync holds the lock while the
    # second one starts.
    pages.fail(
        Answer(200, {"items": [], "next": 2, "total": 0}),
        when=lambda _r: time.sleep(1.0) is None,
    )
    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [r for r in results if isinstance(r, sync.SyncBusyError)]
    done = [r for r in results if isinstance(r, sync.SyncRunOut)]
    assert len(refused) == 1 and len(done) == 1
    assert _changes(engine) == (PAGES - 1) * PER_PAGE  # the first page was the empty fault


def test_the_scheduler_syncs_due_connections_and_a_queued_run(engine, settings, connection):
    scheduler = sync.Scheduler(engine, settings, tick=3600)
    first = scheduler.run_due()  # never synced: due at once
    assert [r.status for r in first] == ["succeeded"]
    assert scheduler.run_due() == []  # next one due in an hour
    with unit_of_work(engine) as session:
        queued = sync.queue_sync(session=session, name=connection)
        queued_id = queued.id
    again = scheduler.run_due()
    assert [r.id for r in again] == [queued_id] and again[0].status == "succeeded"


def test_sync_now_runs_in_the_background_and_finishes_the_queued_run(engine, settings, connection):
    queued = sync.start_sync_in_background(engine, settings, connection)
    assert queued.status == "queued"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with unit_of_work(engine) as session:
            status = session.get_one(Run, queued.id).status
        if status not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert status == "succeeded"
    assert _changes(engine) == PAGES * PER_PAGE


def test_connections_keep_their_token_secret(engine, settings, cli, pages, monkeypatch):
    monkeypatch.setenv("PAVEDROAD_SECRET_KEY", settings.secret_key or "")
    added = cli(
        "connect",
        "add",
        "github",
        "acme-gh",
        "--url",
        pages.base_url,
        "--token-stdin",
        "--repo",
        "acme/ledger",
        "--every",
        "1h",
        "--json",
        input="ghp_supersecretvalue123\n",
    )
    assert added.exit_code == 0, added.stderr
    shown = json.loads(added.stdout)
    assert shown["token"] == "stored encrypted" and shown["every"] == "1h"
    for args in (
        ("connect", "list", "--json"),
        ("connect", "show", "acme-gh", "--json"),
        ("connect", "list"),
        ("connect", "show", "acme-gh"),
    ):
        result = cli(*args)
        assert result.exit_code == 0
        assert "supersecret" not in result.stdout + result.stderr
    with unit_of_work(engine) as session:
        stored = session.scalars(select(Connection)).one()
        assert stored.token_encrypted and "supersecret" not in stored.token_encrypted
    removed = cli("connect", "remove", "acme-gh")
    assert removed.exit_code == 0
    assert json.loads(cli("connect", "list", "--json").stdout) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("connect", "add", "svn", "x", "--url", "https://x"), "unknown provider"),
        (("connect", "add", "jira", "x"), "needs --url"),
        (("connect", "add", "github", "Bad Name!"), "is not a connection name"),
        (("connect", "add", "github", "x", "--url", "ftp://x"), "not an http(s) URL"),
        (("connect", "add", "github", "x", "--url", "https://u:p@h/api"), "carries credentials"),
        (
            ("connect", "add", "github", "x", "--url", "https://x", "--every", "5s"),
            "at least 60 seconds",
        ),
        (
            ("connect", "add", "github", "x", "--url", "https://x", "--every", "often"),
            "is not a schedule",
        ),
        (
            ("connect", "add", "github", "x", "--url", "https://x", "--token-env", "1BAD"),
            "not an environment variable",
        ),
        (("connect", "sync", "nope"), "no connection 'nope'"),
    ],
)
def test_bad_connection_input_is_refused_with_the_reason(cli, args, message):
    result = cli(*args)
    assert result.exit_code != 0
    assert message in result.stderr


def test_storing_a_token_without_a_secret_key_is_refused(cli, monkeypatch):
    monkeypatch.delenv("PAVEDROAD_SECRET_KEY", raising=False)
    result = cli(
        "connect", "add", "github", "x", "--url", "https://x", "--token-stdin", input="tok\n"
    )
    assert result.exit_code != 0 and "PAVEDROAD_SECRET_KEY" in result.stderr
    assert "tok" not in result.stderr.replace("token", "")


def test_parse_every_and_windows():
    assert service.parse_every("90m") == 5400 and service.every_text(5400) == "90m"
    assert service.every_text(86400) == "1d" and service.parse_every("off") is None
    with pytest.raises(InvalidInputError):
        service.parse_every("1w")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    ctx_args: dict[str, object] = {
        "connection": base.ConnectionView("c", "github", "https://x", {}),
        "client": None,
        "until": None,
        "now": now,
        "rules": None,
        "repositories": {},
    }
    fresh = base.SyncContext(since=None, cursors={}, **ctx_args)  # type: ignore[arg-type]
    assert fresh.window("r").since == now - base.DEFAULT_BACKFILL
    done = base.Pass("r", now - timedelta(days=3), now, {}, None).finished()
    later = base.SyncContext(since=None, cursors={"r": done}, **ctx_args)  # type: ignore[arg-type]
    assert later.window("r").since == now - base.OVERLAP
    pending = base.Pass("r", now - timedelta(days=3), now, {}, None).page({"page": 7})
    resumed = base.SyncContext(since=None, cursors={"r": pending}, **ctx_args)  # type: ignore[arg-type]
    assert resumed.window("r").state == {"page": 7}
    asked = base.SyncContext(since=now - timedelta(days=30), cursors={"r": pending}, **ctx_args)  # type: ignore[arg-type]
    assert asked.window("r").state == {} and asked.window("r").since == now - timedelta(days=30)
    assert runs.STATUSES[-1] == "retried"
