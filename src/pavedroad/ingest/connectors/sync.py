"""Syncing a connection: one run, under the connection's lock, page by page with its cursor.

- The lock is a lease on the connection's row (`lock_owner`, `lock_until`), taken by one
  conditional UPDATE, so two syncs of a connection never overlap, in one process or many. A
  sync renews it with every page it writes; a crashed sync's lease is taken over once it
  expires, or at once when its process on this host is gone.
- Every page's rows, its run counts and its resource's cursor are written in one transaction:
  a crash loses at most the page being read, and the next sync reads it again from the cursor
  (upserts on natural keys make a page read twice change nothing).
- The run has the status model of every run (queued, running, succeeded, partly succeeded,
  failed), and `retried` for a sync that did not finish and whose work a later one resumed.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session

from pavedroad.db import unit_of_work, utcnow
from pavedroad.errors import ConflictError, InvalidInputError, PavedroadError, printable
from pavedroad.ingest import runs
from pavedroad.ingest.connectors import provider_or_raise
from pavedroad.ingest.connectors.base import Batch, ConnectionView, SyncContext
from pavedroad.ingest.connectors.http import ApiError, OnWait
from pavedroad.ingest.connectors.models import Connection
from pavedroad.ingest.connectors.secrets import read_token
from pavedroad.ingest.connectors.service import get_connection_or_raise, next_sync_at
from pavedroad.ingest.models import Run
from pavedroad.ingest.webhooks.deliveries import CatalogCache, check_mapped, clean, write_checked
from pavedroad.ingest.webhooks.rules import load_rules
from pavedroad.settings import Settings

log = logging.getLogger(__name__)
CHANNEL = "connector"
# The key of a connector run's options with its counts per table.
TABLES = "tables"


class SyncBusyError(ConflictError):
    """Another sync of the connection holds its lock."""


class LockLostError(PavedroadError):
    """The sync's lease expired and another sync took the connection over."""


class TableCounts(BaseModel):
    """What a sync did to one table."""

    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


class SyncRunOut(runs.RunOut):
    """A connector run with its counts per table and what its HTTP client did."""

    connection: str
    tables: dict[str, TableCounts]
    http: dict[str, float | int]
    resumes: int | None


def sync_run_out(run: Run) -> SyncRunOut:
    options = run.options or {}
    return SyncRunOut(
        **runs.run_out(run).model_dump(),
        connection=str(options.get("connection") or run.source),
        tables={k: TableCounts(**v) for k, v in (options.get(TABLES) or {}).items()},
        http=dict(options.get("http") or {}),
        resumes=options.get("resumes"),
    )


def connection_runs(*, session: Session, name: str, limit: int = 50) -> list[SyncRunOut]:
    """A connection's sync runs, newest first (NotFoundError for an unknown connection)."""
    connection = get_connection_or_raise(session=session, name=name)
    query = (
        select(Run)
        .where(Run.channel == CHANNEL, Run.source == connection.name)
        .order_by(Run.id.desc())
        .limit(limit)
    )
    return [sync_run_out(run) for run in session.scalars(query)]


@dataclass
class SyncHooks:
    """What a sync tells its caller as it goes (the CLI's progress bar)."""

    on_progress: Callable[[str], None] = lambda _text: None
    on_wait: OnWait | None = None
    on_rows: Callable[[int], None] = lambda _count: None


def lock_owner() -> str:
    """This process's lock owner tag: host, pid and a random part."""
    return f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _owner_gone(owner: str | None) -> bool:
    """Whether a lock owner's process was on this host and has ended."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != os.uname().nodename or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire_lock(engine: Engine, *, connection_id: int, owner: str, seconds: int) -> bool:
    """Take the connection's lease when it is free, expired or its owner's process is gone."""
    with unit_of_work(engine) as session:
        current = session.scalar(
            select(Connection.lock_owner).where(Connection.id == connection_id)
        )
        now = utcnow()
        free = or_(Connection.lock_owner.is_(None), Connection.lock_until < now)
        if _owner_gone(current):
            free = or_(free, Connection.lock_owner == current)
        taken = session.execute(
            update(Connection)
            .where(Connection.id == connection_id, free)
            .values(lock_owner=owner, lock_until=now + timedelta(seconds=seconds))
        )
        return bool(getattr(taken, "rowcount", 0))


def _renew(session: Session, connection_id: int, owner: str, seconds: int) -> None:
    renewed = session.execute(
        update(Connection)
        .where(Connection.id == connection_id, Connection.lock_owner == owner)
        .values(lock_until=utcnow() + timedelta(seconds=seconds))
    )
    if not getattr(renewed, "rowcount", 0):
        raise LockLostError(
            "the sync lost the connection's lock (it held it longer than "
            "PAVEDROAD_CONNECTOR_LOCK_SECONDS without writing); another sync took over"
        )


def release_lock(engine: Engine, *, connection_id: int, owner: str) -> None:
    with unit_of_work(engine) as session:
        session.execute(
            update(Connection)
            .where(Connection.id == connection_id, Connection.lock_owner == owner)
            .values(lock_owner=None, lock_until=None)
        )


def queue_sync(*, session: Session, name: str) -> Run:
    """A queued run for a sync of the connection (`start_sync_in_background` runs it)."""
    connection = get_connection_or_raise(session=session, name=name)
    run = Run(
        kind=connection.provider,
        channel=CHANNEL,
        source=connection.name,
        status="queued",
        errors=[],
        options={"connection": connection.name},
    )
    session.add(run)
    session.flush()
    return run


def _pending(connection: Connection) -> bool:
    resources = (connection.cursor or {}).get("resources") or {}
    return any((state or {}).get("state") is not None for state in resources.values())


def _begin(
    engine: Engine,
    *,
    name: str,
    owner: str,
    settings: Settings,
    since: datetime | None,
    until: datetime | None,
    run_id: int | None,
) -> tuple[int, int]:
    """Lock the connection and open its run (or start the queued one): (connection, run) ids."""
    with unit_of_work(engine) as session:
        connection = get_connection_or_raise(session=session, name=name)
        connection_id = connection.id
    if not acquire_lock(
        engine, connection_id=connection_id, owner=owner, seconds=settings.connector_lock_seconds
    ):
        with unit_of_work(engine) as session:
            connection = get_connection_or_raise(session=session, name=name)
            if run_id is not None:
                queued = session.get(Run, run_id)
                if queued is not None and queued.status == "queued":
                    runs.finish_run(queued, failed=True, error="another sync was running")
            raise SyncBusyError(
                f"connection {name!r} is being synced by another process (its lock is held "
                f"until {connection.lock_until:%Y-%m-%d %H:%M:%S} UTC); this sync did not start"
            )
    with unit_of_work(engine) as session:
        connection = session.get_one(Connection, connection_id)
        options: dict[str, Any] = {
            "connection": name,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            TABLES: {},
        }
        previous = session.get(Run, connection.last_run_id) if connection.last_run_id else None
        if (
            previous is not None
            and previous.status in ("running", "failed")
            and _pending(connection)
        ):
            previous.status = "retried"
            previous.finished_at = previous.finished_at or utcnow()
            options["resumes"] = previous.id
        run = session.get(Run, run_id) if run_id is not None else None
        if run is None or run.status != "queued":
            run = runs.start_run(
                session=session,
                kind=connection.provider,
                channel=CHANNEL,
                source=name,
                options=options,
            )
        else:
            run.status = "running"
            run.started_at = utcnow()
            run.options = {
                **options,
                "pid": os.getpid(),
                "host": os.uname().nodename,
            }
        if "resumes" in options:
            run.retries = (previous.retries if previous else 0) + 1
        connection.last_run_id = run.id
        session.flush()
        return connection_id, run.id


def _context(
    session: Session,
    connection: Connection,
    *,
    settings: Settings,
    since: datetime | None,
    until: datetime | None,
    hooks: SyncHooks,
) -> SyncContext:
    from pavedroad.catalog.service import services_by_repository

    provider = provider_or_raise(connection.provider)
    token = read_token(
        token_env=connection.token_env,
        token_encrypted=connection.token_encrypted,
        secret_key=settings.secret_key,
        name=connection.name,
    )
    options = dict(connection.options or {})
    rules = load_rules(options.get("mapping") or settings.webhook_rules)
    client = provider.client(connection.url, token, options, hooks.on_wait)
    return SyncContext(
        connection=ConnectionView(connection.name, connection.provider, connection.url, options),
        client=client,
        since=since,
        until=until,
        now=utcnow(),
        cursors=dict((connection.cursor or {}).get("resources") or {}),
        rules=rules,
        repositories=services_by_repository(session=session),
        on_progress=hooks.on_progress,
    )


def _add_counts(run: Run, table: str, counts: TableCounts) -> None:
    options = dict(run.options or {})
    tables = dict(options.get(TABLES) or {})
    have = TableCounts(**tables.get(table, {}))
    for key in ("read", "new", "updated", "unchanged", "rejected"):
        setattr(have, key, getattr(have, key) + getattr(counts, key))
    tables[table] = have.model_dump()
    options[TABLES] = tables
    run.options = options
    run.read += counts.read
    run.new += counts.new
    run.updated += counts.updated
    run.unchanged += counts.unchanged
    run.rejected += counts.rejected


def _write_rows(
    session: Session, run: Run, batch: Batch, *, name: str, catalogs: CatalogCache
) -> int:
    checked = check_mapped(session, batch.rows, salt=f"{name}:{batch.resource}", catalogs=catalogs)
    written = write_checked(
        session, checked, channel=f"{CHANNEL}:{run.kind}", run_id=run.id, catalogs=catalogs
    )
    refused = checked.refused
    per_table: dict[str, TableCounts] = {}
    for c in checked.checked:
        table = c.kind.name if c.kind else batch.resource
        counts = per_table.setdefault(table, TableCounts())
        counts.read += 1
        counts.rejected += 1 if c.problems else 0
    for table, upserted in written.per_kind.items():
        counts = per_table.setdefault(table, TableCounts())
        counts.new, counts.updated, counts.unchanged = (
            upserted.new,
            upserted.updated,
            upserted.unchanged,
        )
    for table, counts in per_table.items():
        _add_counts(run, table, counts)
    where = f"{name} {batch.resource}"
    runs.keep_rejects(
        session=session,
        run=run,
        rejects=[
            (
                index,
                clean(c.problems[0].field, 100) if c.problems[0].field else None,
                clean(f"{where}: {'; '.join(str(p) for p in c.problems)}", 500),
                clean(str(c.raw), 4000),
            )
            for index, c in refused
        ],
    )
    runs.add_errors(
        run,
        [f"{where}: {'; '.join(str(p) for p in c.problems)}" for _, c in refused]
        + [f"{where}: warning: {w}" for w in checked.warnings + written.warnings],
    )
    return len(checked.checked)


def _import_entities(session: Session, run: Run, entities: list[dict[str, Any]], name: str) -> int:
    from pavedroad.catalog.backstage import import_backstage_entities

    result = import_backstage_entities(
        session=session, source=f"backstage connection {name}", entities=entities
    )
    for kind, counts in result.report.as_dict().items():
        _add_counts(
            run,
            kind,
            TableCounts(
                read=sum(counts.values()),
                new=counts["created"],
                updated=counts["updated"],
                unchanged=counts["unchanged"],
            ),
        )
    problems = [str(p) for found in result.rejected.values() for p in found]
    problems += [f"notice: {p}" for found in result.notices.values() for p in found]
    if result.rejected:
        refused = sum(len(found) for found in result.rejected.values())
        _add_counts(run, "catalog", TableCounts(read=refused, rejected=refused))
    runs.add_errors(run, problems)
    return len(entities)


def sync_connection(
    engine: Engine,
    settings: Settings,
    name: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    hooks: SyncHooks | None = None,
    run_id: int | None = None,
) -> SyncRunOut:
    """Backfill (with `since`/`until`) or incrementally sync a connection; returns its run.

    Raises SyncBusyError when another sync holds the connection; any other failure (the API,
    the token, the network) ends the run as failed with the reason, and is not raised."""
    hooks = hooks or SyncHooks()
    if since and until and since >= until:
        raise InvalidInputError.because("--since must be before --until", field="since")
    owner = lock_owner()
    connection_id, run_id = _begin(
        engine, name=name, owner=owner, settings=settings, since=since, until=until, run_id=run_id
    )
    failure: str | None = None
    client = None
    try:
        with unit_of_work(engine) as session:
            connection = session.get_one(Connection, connection_id)
            ctx = _context(
                session, connection, settings=settings, since=since, until=until, hooks=hooks
            )
        client = ctx.client
        provider = provider_or_raise(ctx.connection.provider)
        catalogs = CatalogCache()
        entities: list[dict[str, Any]] = []
        for batch in provider.collect(ctx):
            if batch.entities:
                entities += batch.entities
            with unit_of_work(engine) as session:
                _renew(session, connection_id, owner, settings.connector_lock_seconds)
                run = session.get_one(Run, run_id)
                done = 0
                if batch.rows:
                    done = _write_rows(session, run, batch, name=name, catalogs=catalogs)
                if batch.final and entities:
                    done += _import_entities(session, run, entities, name)
                    entities = []
                if batch.cursor is not None:
                    connection = session.get_one(Connection, connection_id)
                    cursor = dict(connection.cursor or {})
                    resources = dict(cursor.get("resources") or {})
                    resources[batch.resource] = batch.cursor
                    connection.cursor = {**cursor, "resources": resources}
                run.options = {**(run.options or {}), "http": client.stats.as_dict()}
            hooks.on_rows(done)
    except (ApiError, PavedroadError) as exc:
        failure = str(exc)
    except Exception as exc:
        log.exception("sync of %s failed", name)
        failure = f"{type(exc).__name__}: {exc}"
    finally:
        if client is not None:
            client.close()
        with unit_of_work(engine) as session:
            run = session.get_one(Run, run_id)
            if client is not None:
                run.options = {**(run.options or {}), "http": client.stats.as_dict()}
            runs.finish_run(
                run, failed=failure is not None, error=printable(failure, 1000) if failure else None
            )
            result = sync_run_out(run)
        release_lock(engine, connection_id=connection_id, owner=owner)
    return result


def test_connection(engine: Engine, settings: Settings, name: str) -> list[str]:
    """What the connection can read (one cheap request per resource list); raises ApiError
    (or TokenMissingError) saying what is wrong."""
    with unit_of_work(engine) as session:
        connection = get_connection_or_raise(session=session, name=name)
        ctx = _context(
            session, connection, settings=settings, since=None, until=None, hooks=SyncHooks()
        )
    try:
        return provider_or_raise(ctx.connection.provider).check(ctx)
    finally:
        ctx.client.close()


def start_sync_in_background(engine: Engine, settings: Settings, name: str) -> SyncRunOut:
    """Queue a sync and run it on a thread of this process (the API's and page's "sync now")."""
    with unit_of_work(engine) as session:
        run = queue_sync(session=session, name=name)
        queued = sync_run_out(run)
    thread = threading.Thread(
        target=_run_quietly,
        args=(engine, settings, name, queued.id),
        name=f"sync-{name}",
        daemon=True,
    )
    thread.start()
    return queued


def _run_quietly(engine: Engine, settings: Settings, name: str, run_id: int) -> None:
    try:
        sync_connection(engine, settings, name, run_id=run_id)
    except SyncBusyError:
        log.info("sync of %s skipped: another sync holds it", name)
    except Exception:
        log.exception("background sync of %s failed", name)


def due_connections(*, session: Session, now: datetime) -> list[tuple[str, int | None]]:
    """Connections with a queued run (and its id), and scheduled ones whose next sync is due,
    by name; those whose lock is held are left for later."""
    due: list[tuple[str, int | None]] = []
    for connection in session.scalars(select(Connection).order_by(Connection.name)):
        if connection.lock_until and connection.lock_until > now and connection.lock_owner:
            continue
        queued = session.scalar(
            select(Run.id)
            .where(
                Run.channel == CHANNEL,
                Run.source == connection.name,
                Run.status == "queued",
            )
            .order_by(Run.id)
            .limit(1)
        )
        last = session.get(Run, connection.last_run_id) if connection.last_run_id else None
        when = next_sync_at(connection, last)
        if queued is not None or (when is not None and when <= now):
            due.append((connection.name, queued))
    return due


class Scheduler:
    """`pavedroad serve`'s background syncs: every `tick` seconds, each due connection is
    synced in turn (the lock keeps a second server or a CLI sync from overlapping)."""

    def __init__(self, engine: Engine, settings: Settings, *, tick: float = 15.0) -> None:
        self.engine, self.settings, self.tick = engine, settings, tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="connector-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def run_due(self) -> list[SyncRunOut]:
        """Sync every due connection once; returns their runs."""
        with unit_of_work(self.engine) as session:
            names = due_connections(session=session, now=utcnow())
        done: list[SyncRunOut] = []
        for name, queued in names:
            if self._stop.is_set():
                break
            try:
                done.append(sync_connection(self.engine, self.settings, name, run_id=queued))
            except SyncBusyError:
                continue
            except Exception:
                log.exception("scheduled sync of %s failed", name)
        return done

    def _loop(self) -> None:
        while not self._stop.wait(self.tick):
            try:
                self.run_due()
            except Exception:
                log.exception("connector scheduler step failed")
