"""Schema versions: create or upgrade a database with Alembic, and refuse one that is behind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from pavedroad.errors import SchemaOutOfDateError

MIGRATIONS = Path(__file__).parent / "migrations"


def load_models() -> None:
    """Import every domain's models so `Base.metadata` knows all tables."""
    import pavedroad.auth.models
    import pavedroad.backlog.models
    import pavedroad.catalog.models
    import pavedroad.comms.models
    import pavedroad.ingest.connectors.models
    import pavedroad.ingest.models
    import pavedroad.metrics.models
    import pavedroad.research.models
    import pavedroad.roadmap.models
    import pavedroad.versions  # noqa: F401


def compare_filter(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """Alembic's `include_object` for `dialect`: leaves out indexes made for another engine
    (`db.postgres_index`), which Alembic's comparison would otherwise report as missing."""

    def include(obj: Any, _name: str | None, type_: str, _reflected: bool, _other: Any) -> bool:
        only_on = obj.info.get("only_on") if type_ == "index" else None
        return only_on is None or only_on == dialect

    return include


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs on `engine` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The revision this version of pavedroad expects."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or migrate the schema up to `revision`."""
    command.upgrade(alembic_config(engine), revision)


def require_current(engine: Engine) -> None:
    """Raise SchemaOutOfDateError with the command to run unless the schema is at head."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    url = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise SchemaOutOfDateError(
            f"the database {url} has no pavedroad schema yet; run: pavedroad init --db {url}"
        )
    known = {rev.revision for rev in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    if current not in known:
        raise SchemaOutOfDateError(
            f"the database {url} is at revision {current}, newer than this pavedroad "
            f"(head {head}); upgrade pavedroad"
        )
    raise SchemaOutOfDateError(
        f"the database {url} is at revision {current} but this pavedroad needs {head}; "
        f"run: pavedroad init --db {url}"
    )
