"""How the KPI engine's columnar mirror is fed from a SQLite store without ever opening the store
through a second SQLite library in the process that runs it (docs/configuration.md, "Using one
store from several processes")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pavedroad.db import make_engine
from pavedroad.errors import PavedroadError
from pavedroad.metrics import feeder, service
from pavedroad.metrics.definitions import KPI_IDS
from pavedroad.metrics.windows import parse_window
from pavedroad.settings import Settings
from tests.metrics.conftest import add_events

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

WEEK = parse_window("2026-03-02..2026-03-09")


def _everything(engine: Engine) -> dict[tuple[str, str], tuple[float | None, int]]:
    """Every KPI overall and by team, as (value, sample size)."""
    found: dict[tuple[str, str], tuple[float | None, int]] = {}
    with Session(engine) as session:
        board = service.dashboard(session=session, window=WEEK, weeks=3)
        for result in board.results:
            found[(result.definition.id, "all")] = (result.value, result.sample_size)
        for kpi in KPI_IDS:
            detail = service.kpi_detail(session=session, kpi_id=kpi, window=WEEK, by="team")
            for group in detail.groups:
                found[(kpi, group.group)] = (group.value, group.sample_size)
    return found


@pytest.fixture
def fed(org: Engine) -> Iterator[Engine]:
    """The same store on its own engine, whose KPI engine copies every table by the feeder."""
    url = org.url.render_as_string(hide_password=False)
    engine = make_engine(url, Settings(database_url=url, kpi_copy_in_process_rows=0))
    yield engine
    engine.dispose()


def _mapped_files() -> str:
    return Path("/proc/self/maps").read_text()


@SQLITE
def test_feeder_copies_and_in_process_copies_give_the_same_kpis(org: Engine, fed: Engine) -> None:
    in_process = _everything(org)
    through_feeder = _everything(fed)
    assert through_feeder.keys() == in_process.keys()
    for key, (value, sample) in in_process.items():
        # summing in another order may move the last bit of a float
        expected = value if value is None else pytest.approx(value, rel=1e-12)
        assert through_feeder[key] == (expected, sample), key
    assert ("ci_duration_p50", "all") in through_feeder


@SQLITE
def test_the_process_running_kpis_never_loads_the_sqlite_scanner(fed: Engine) -> None:
    _everything(fed)
    with Session(fed) as session:
        backend = service.backend_for(session)
    loaded = backend.raw.execute(
        "SELECT extension_name FROM duckdb_extensions() WHERE loaded"
    ).fetchall()
    assert ("sqlite_scanner",) not in loaded
    assert "sqlite_scanner" not in _mapped_files()


@SQLITE
def test_rows_updated_in_place_are_copied_again_through_the_feeder(fed: Engine) -> None:
    before = _everything(fed)[("ci_duration_p50", "all")]
    add_events(
        fed,
        "ci-runs",
        [
            {  # r1 (10 min) again as a 2-minute run: an update in place
                "id": "r1",
                "service": "api",
                "started_at": "2026-03-03T10:00:00Z",
                "finished_at": "2026-03-03T10:02:00Z",
                "result": "success",
            },
            {  # and one new run of 20 minutes
                "id": "r-new",
                "service": "api",
                "started_at": "2026-03-04T10:00:00Z",
                "finished_at": "2026-03-04T10:20:00Z",
                "result": "success",
            },
        ],
    )
    after = _everything(fed)[("ci_duration_p50", "all")]
    assert before == (pytest.approx(7.0), 4)
    assert after == (pytest.approx(6.0), 5)  # 2 4 6 8 20


def test_a_feeder_that_cannot_read_the_store_says_why(tmp_path: Path) -> None:
    store = tmp_path / "not-a-store.db"
    store.write_bytes(b"this is not a SQLite database" * 100)
    with pytest.raises(PavedroadError, match=r"could not copy the store .*not-a-store\.db"):
        feeder.read_tables(str(store), ["SELECT 1 FROM store.deployments"], lambda i, r: None)


@SQLITE
def test_a_failing_consumer_is_reported_as_itself(org: Engine, db_url: str) -> None:
    path = db_url.removeprefix("sqlite:///")

    def refuse(index: int, rows: object) -> None:
        raise ValueError("consumer refused")

    with pytest.raises(ValueError, match="consumer refused"):
        feeder.read_tables(path, ["SELECT id FROM store.ci_runs"], refuse)
