"""A CLI import in another process and API writes to the server land together, nothing lost."""

from __future__ import annotations

import subprocess
import sys
import threading

import httpx
from sqlalchemy import func, select

from pavedroad.catalog.models import Developer, Team
from pavedroad.catalog.schemas import TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from tests.web.conftest import bearer

DEVELOPERS = 3000
API_WRITES = 120


def test_cli_import_and_server_writes_share_the_database(
    live_server, db_url, engine, tokens, tmp_path
):
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(teams=[TeamIn(slug="payments", name="Payments")]),
        )
    csv_path = tmp_path / "developers.csv"
    rows = [
        f"dev{i}@example.com,Developer {i},payments,2024-01-01,engineer" for i in range(DEVELOPERS)
    ]
    csv_path.write_text("email,name,team,started_at,role\n" + "\n".join(rows) + "\n")

    failures: list[str] = []

    def write_through_api() -> None:
        with httpx.Client(
            base_url=live_server, headers=bearer(tokens["write"]), timeout=60
        ) as client:
            for i in range(API_WRITES):
                response = client.put(
                    f"/api/v1/teams/api-{i}", json={"slug": f"api-{i}", "name": f"API team {i}"}
                )
                if response.status_code != 200:
                    failures.append(f"{i}: {response.status_code} {response.text}")

    writer = threading.Thread(target=write_through_api)
    writer.start()
    imported = subprocess.run(
        [
            sys.executable,
            "-m",
            "pavedroad",
            "import",
            "developers",
            str(csv_path),
            "--db",
            db_url,
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    writer.join(timeout=120)

    assert imported.returncode == 0, imported.stderr
    assert failures == []
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(Developer)) == DEVELOPERS
        assert (
            s.scalar(select(func.count()).select_from(Team).where(Team.slug.like("api-%")))
            == API_WRITES
        )
