"""A KPI computed once is computed again after the catalog or the backlog changes.

The cache keys reference tables on the data version their domain's services bump
(`pavedroad.versions`), so every case writes through a service, in another session (or
another process) than the one that warmed the cache, and checks the warm answer against a
cold engine's.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pavedroad.backlog.schemas import InitiativeUpdate
from pavedroad.backlog.service import get_initiative_by_ref_or_raise, update_initiative
from pavedroad.catalog.schemas import ServiceIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import make_engine, unit_of_work
from pavedroad.metrics import service
from pavedroad.metrics.windows import parse_window
from tests.metrics.conftest import at

WEEK = parse_window("2026-03-02..2026-03-09")


def _value(engine: Engine, kpi: str, team: str | None = None) -> float | None:
    with Session(engine) as session:
        board = service.dashboard(session=session, window=WEEK, weeks=1, kpi_ids=[kpi], team=team)
    return board.results[0].value


def _cold(engine: Engine, kpi: str, team: str | None = None) -> float | None:
    """The value an engine with nothing cached computes."""
    fresh = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        return _value(fresh, kpi, team)
    finally:
        fresh.dispose()


def _recomputed_after(
    org: Engine, kpi: str, change: Callable[[], None], team: str | None = None
) -> None:
    before = _value(org, kpi, team)
    assert _value(org, kpi, team) == before  # warm
    change()
    after = _value(org, kpi, team)
    assert after != before
    assert after == pytest.approx(_cold(org, kpi, team))


def _catalog(org: Engine, **batch: list[TeamIn] | list[ServiceIn]) -> None:
    with unit_of_work(org) as session:
        apply_batch(session=session, batch=CatalogBatch(**batch), source="test")  # type: ignore[arg-type]


def _initiative(org: Engine, title: str, **changes: object) -> None:
    """Change an initiative through the backlog service (the fixture typed no reach)."""
    with unit_of_work(org) as session:
        initiative = get_initiative_by_ref_or_raise(session=session, ref=title)
        update_initiative(
            session=session,
            initiative=initiative,
            data=InitiativeUpdate.model_validate({"reach": 10, **changes}),
        )


def test_a_service_moved_to_another_team_is_counted_for_its_new_owner(org: Engine) -> None:
    _recomputed_after(
        org,
        "deploy_frequency",
        lambda: _catalog(org, services=[ServiceIn(name="web", owner="alpha")]),
        team="alpha",
    )


def test_a_team_made_eligible_joins_the_adoption_denominator(org: Engine) -> None:
    _recomputed_after(
        org,
        "adoption_rate",
        lambda: _catalog(org, teams=[TeamIn(slug="gamma", name="Gamma", eligible=True)]),
    )


def test_a_headcount_change_moves_the_catalog_stamp(org: Engine) -> None:
    # No KPI reads headcount today; one that does gets a stale-proof cache without an edit.
    with Session(org) as session:
        before = service._versions(session)["teams"]
    _catalog(org, teams=[TeamIn(slug="alpha", name="Alpha", headcount=11)])
    with Session(org) as session:
        assert service._versions(session)["teams"] != before


def test_an_initiative_marked_done_counts_in_the_capacity_shares(org: Engine) -> None:
    _recomputed_after(
        org,
        "capacity_roadmap_share",
        lambda: _initiative(org, "Later", status="done", done_at=at("2026-03-06T12:00:00")),
    )


def test_an_initiative_killed_no_longer_counts_as_delivered(org: Engine) -> None:
    _recomputed_after(
        org,
        "capacity_platform_share",
        lambda: _initiative(org, "Upgrade Postgres", status="killed"),
    )


def test_an_initiatives_category_and_effort_move_the_capacity_shares(org: Engine) -> None:
    _recomputed_after(
        org, "capacity_platform_share", lambda: _initiative(org, "Faster CI", category="platform")
    )
    _recomputed_after(
        org, "capacity_platform_share", lambda: _initiative(org, "Faster CI", effort=7)
    )


def test_a_catalog_import_by_another_process_reaches_a_warm_cache(
    org: Engine, tmp_path: Path
) -> None:
    url = org.url.render_as_string(hide_password=False)
    teams = tmp_path / "teams.csv"
    teams.write_text("slug,name,eligible\ngamma,Gamma,true\n", encoding="utf-8")

    def import_in_another_process() -> None:
        process = subprocess.run(
            [sys.executable, "-m", "pavedroad", "import", "teams", str(teams), "--db", url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert process.returncode == 0, process.stderr + process.stdout

    _recomputed_after(org, "adoption_rate", import_in_another_process)


def test_the_counters_move_only_with_a_write(org: Engine) -> None:
    with Session(org) as session:
        before = service._versions(session)
    _catalog(org, teams=[TeamIn(slug="alpha", name="Alpha", headcount=10)])  # as stored
    with Session(org) as session:
        assert service._versions(session) == before
