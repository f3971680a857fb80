"""Data versions: a domain's counter moves with committed writes only, and survives upgrades."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from pavedroad import versions
from pavedroad.db import make_engine
from pavedroad.schema import upgrade


def test_a_bump_counts_only_when_its_unit_of_work_commits(engine):
    with Session(engine) as first:
        # A fresh store may already count writes (`init` seeds the default personas).
        start = versions.current(first)
        versions.bump(first, "catalog")
        versions.bump(first, "catalog")
        first.commit()
    with Session(engine) as second:
        versions.bump(second, "backlog")
        second.rollback()
    with Session(engine) as reader:
        assert versions.current(reader) == {
            "catalog": start["catalog"] + 2,
            "backlog": start["backlog"],
        }
        assert versions.of(reader, "catalog") == start["catalog"] + 2
        assert versions.of(reader, "backlog") == start["backlog"]


def test_the_upgrade_to_data_versions_keeps_the_catalog(empty_db_url):
    engine = make_engine(empty_db_url)
    upgrade(engine, "0006_real_world_input")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO teams (id, slug, name, eligible, headcount, source) "
                "VALUES (1, 'payments', 'Payments', true, 12, 'csv')"
            )
        )
    upgrade(engine)
    with Session(engine) as session:
        assert session.execute(text("SELECT slug FROM teams")).scalars().all() == ["payments"]
        before = versions.of(session, "catalog")
        versions.bump(session, "catalog")
        session.commit()
        assert versions.of(session, "catalog") == before + 1
    engine.dispose()
