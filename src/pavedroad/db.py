"""Engine, session and unit of work; SQLite runs in WAL mode so the CLI and server share it.

Every engine carries its `Store`: what one process keeps for that database between units of
work (the KPI engine's connection and caches), closed when the engine is disposed. So nothing
outlives the engine it was computed from, and two engines on one URL share nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import DateTime, Engine, Index, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from pavedroad.settings import Settings, load_settings

SQLITE_BUSY_TIMEOUT_MS = 30_000

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every table; stable constraint names let migrations refer to them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants in UTC on every engine and always returns timezone-aware datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no time zone; pass UTC")
        as_utc = value.astimezone(UTC)
        return as_utc.replace(tzinfo=None) if dialect.name == "sqlite" else as_utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def postgres_index(table: str, column: str) -> Index:
    """An index only PostgreSQL gets (`schema.compare_filter` leaves it out elsewhere).

    Event tables are read by time window. On PostgreSQL the metrics engine does that in SQL,
    which wants the index; on SQLite it reads them through its DuckDB copy, so an index
    would only slow every import down (by a quarter for deployments, see BENCHMARKS.md).
    """
    index = Index(f"ix_{table}_{column}", column, info={"only_on": "postgresql"})
    return index.ddl_if(dialect="postgresql")


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def normalise_url(url: str) -> str:
    """Let users write `postgresql://` and still get the psycopg 3 driver."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


class Closable(Protocol):
    """State a store keeps: it releases what it holds when the store closes."""

    def close(self) -> None: ...


Kept = TypeVar("Kept", bound=Closable)
_STORE_OPTION = "pavedroad_store"


class Store:
    """What one process keeps for one database between units of work, with the settings it was
    opened with; each part is made on first use and closed with the store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._kept: dict[str, Closable] = {}
        self._lock = threading.Lock()

    def keep(self, name: str, make: Callable[[Settings], Kept]) -> Kept:
        """The part kept under `name`, made from the settings the first time it is asked for."""
        with self._lock:
            part = self._kept.get(name)
            if part is None:
                part = self._kept[name] = make(self.settings)
            return part  # type: ignore[return-value]  # one name, one maker

    def close(self) -> None:
        """Close every kept part; the next use makes it again."""
        with self._lock:
            parts, self._kept = list(self._kept.values()), {}
        for part in parts:
            part.close()


def make_engine(url: str, settings: Settings | None = None) -> Engine:
    """Create an engine for a database URL with the settings pavedroad relies on, carrying a
    fresh `Store` (with `settings`, else the environment's), closed when it is disposed."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    store = Store(settings or load_settings(url))
    event.listen(engine, "engine_disposed", lambda _engine: store.close())
    # An execution option travels with every session and connection made on the engine.
    return engine.execution_options(**{_STORE_OPTION: store})


def store_of(bind: Session | Engine) -> Store:
    """The store of the engine a session (or the engine itself) was made on."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    store = engine.get_execution_options().get(_STORE_OPTION)
    if not isinstance(store, Store):
        raise TypeError("this engine was not made by pavedroad.db.make_engine")
    return store


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory that keeps loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back everything when it raises."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
