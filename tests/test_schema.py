"""Schema versions: init creates or upgrades, other commands refuse a schema that is behind."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text

from pavedroad.db import make_engine
from pavedroad.errors import SchemaOutOfDateError
from pavedroad.schema import current_revision, head_revision, require_current, upgrade
from tests.conftest import Cli

FIRST_REVISION = "0001_catalog"


def test_upgrade_keeps_every_row_written_at_the_first_migration(empty_db_url):
    engine = make_engine(empty_db_url)
    upgrade(engine, FIRST_REVISION)
    started = datetime(2024, 2, 29, 23, 30, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO teams (id, slug, name, eligible, headcount, source) VALUES "
                "(1, 'payments', 'Payments', true, 12, 'csv'), (2, 'it', 'IT', false, 3, 'csv')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO developers (email, name, team_id, started_at, role, source) "
                "VALUES ('ada@example.com', 'Ada', 1, :started, 'engineer', 'csv')"
            ),
            {"started": started if engine.dialect.name != "sqlite" else "2024-02-29 23:30:00"},
        )
        conn.execute(
            text(
                "INSERT INTO services (name, owner_team_id, tier, source) "
                "VALUES ('ledger', 1, 1, 'csv')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO personas (id, name, description, builtin) VALUES (9, 'QA', '', false)"
            )
        )
        conn.execute(
            text("INSERT INTO persona_jobs (persona_id, statement) VALUES (9, 'Trust the tests')")
        )

    upgrade(engine)

    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"users", "api_tokens", "web_sessions"} <= tables
    with engine.connect() as conn:
        teams = conn.execute(
            text("SELECT slug, name, eligible, headcount FROM teams ORDER BY id")
        ).all()
        assert [tuple(t) for t in teams] == [
            ("payments", "Payments", True, 12),
            ("it", "IT", False, 3),
        ]
        dev = conn.execute(text("SELECT email, team_id, role FROM developers")).one()
        assert tuple(dev) == ("ada@example.com", 1, "engineer")
        assert conn.execute(text("SELECT name, tier FROM services")).one() == ("ledger", 1)
        assert (
            conn.execute(text("SELECT statement FROM persona_jobs")).scalar_one()
            == "Trust the tests"
        )
    from sqlalchemy.orm import Session

    from pavedroad.catalog.service import list_developers

    with Session(engine) as session:
        (developer,) = list_developers(session=session)
    assert developer.started_at == started
    engine.dispose()


def test_an_empty_database_is_refused_with_the_command_to_run(empty_db_url):
    engine = make_engine(empty_db_url)
    with pytest.raises(SchemaOutOfDateError, match="run: pavedroad init --db"):
        require_current(engine)
    engine.dispose()


def test_a_database_behind_head_is_refused_by_commands_and_upgraded_by_init(empty_db_url):
    engine = make_engine(empty_db_url)
    upgrade(engine, FIRST_REVISION)
    engine.dispose()
    cli = Cli(empty_db_url)

    refused = cli("catalog", "list", "teams")
    assert refused.exit_code == 1
    assert (
        f"is at revision {FIRST_REVISION} but this pavedroad needs {head_revision()}"
        in refused.stderr
    )
    assert "pavedroad init --db" in refused.stderr

    upgraded = cli("init")
    assert upgraded.exit_code == 0, upgraded.stderr
    assert f"from revision {FIRST_REVISION} to {head_revision()}" in upgraded.stdout
    assert cli("catalog", "list", "teams", "--json").exit_code == 0


def test_init_twice_is_a_no_op_that_says_so(empty_db_url):
    cli = Cli(empty_db_url)
    first = cli("init")
    assert first.exit_code == 0 and "Created database" in first.stdout
    second = cli("init")
    assert second.exit_code == 0 and "is up to date" in second.stdout
    personas = cli("catalog", "list", "personas", "--json")
    assert len(__import__("json").loads(personas.stdout)) == 4


def test_a_database_from_a_newer_pavedroad_is_refused(db_url):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaOutOfDateError, match="newer than this pavedroad"):
        require_current(engine)
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_the_migrations_build_exactly_the_models(db_url):
    """Every model change comes with its migration: autogenerate finds nothing to add."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from pavedroad.db import Base
    from pavedroad.schema import compare_filter, load_models

    load_models()
    engine = make_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": False, "include_object": compare_filter(conn.dialect.name)},
        )
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_event_data_survives_the_upgrade_to_head(empty_db_url):
    """A store with ingested events at 0003 keeps them and gains the metrics tables."""
    engine = make_engine(empty_db_url)
    upgrade(engine, "0003_ingest")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ci_runs (id, service, started_at, finished_at, result, channel, "
                "row_hash) VALUES ('r1', 'api', :s, :f, 'success', 'file', 'h')"
            ),
            {"s": "2026-03-03 10:00:00", "f": "2026-03-03 10:05:00"}
            if engine.dialect.name == "sqlite"
            else {
                "s": datetime(2026, 3, 3, 10, tzinfo=UTC),
                "f": datetime(2026, 3, 3, 10, 5, tzinfo=UTC),
            },
        )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM ci_runs")).scalars().all() == ["r1"]
        assert conn.execute(text("SELECT count(*) FROM kpi_targets")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM initiatives")).scalar() == 0
    # 0005: event tables keep their key and, on PostgreSQL only, their time index.
    indexes = {i["name"] for i in inspect(engine).get_indexes("ci_runs")}
    if engine.dialect.name == "sqlite":
        assert indexes == set()
    else:
        assert indexes == {"ix_ci_runs_finished_at"}
    engine.dispose()


def test_tickets_and_research_survive_the_upgrade_to_comms(empty_db_url):
    """A store at 0008 keeps its tickets (gaining an empty `answered_by`) and its capabilities,
    and gains the comms tables, empty."""
    engine = make_engine(empty_db_url)
    upgrade(engine, "0008_research")
    opened: object = (
        "2026-03-03 10:00:00"
        if engine.dialect.name == "sqlite"
        else datetime(2026, 3, 3, 10, tzinfo=UTC)
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tickets (id, team, opened_at, kind, self_service, text, channel, "
                "row_hash) VALUES ('PLAT-1', 'alpha', :o, 'question', false, 'how?', 'file', 'h')"
            ),
            {"o": opened},
        )
        conn.execute(
            text(
                "INSERT INTO capabilities (name, description, source) "
                "VALUES ('ci-pipelines', '', 'manual')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, team, answered_by FROM tickets")).all()
        assert [tuple(r) for r in rows] == [("PLAT-1", "alpha", None)]
        assert conn.execute(text("SELECT name FROM capabilities")).scalars().all() == [
            "ci-pipelines"
        ]
        for table in (
            "changelog_entries",
            "translation_rows",
            "pitches",
            "launch_plans",
            "launch_items",
            "launch_criteria",
            "champions",
            "marketing_events",
            "roi_assumptions",
        ):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
    engine.dispose()
