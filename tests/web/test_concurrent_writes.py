"""A CLI import in another process and API writes to the server land together, nothing lost."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import threading

import httpx
import pytest
from sqlalchemy import func, select

from pavedroad.catalog.models import Developer, Team
from pavedroad.catalog.schemas import ServiceIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from pavedroad.ingest.models import CiRun, UsageEvent
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


@pytest.fixture
def github_secret(monkeypatch) -> str:
    monkeypatch.setenv("PAVEDROAD_GITHUB_WEBHOOK_SECRET", "concurrency-secret")
    return "concurrency-secret"


@pytest.fixture
def hooked_server(github_secret, live_server) -> str:
    """The live server, started after the GitHub secret is set."""
    return live_server


def _workflow_run(n: int, secret: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "action": "completed",
            "workflow_run": {
                "id": n,
                "status": "completed",
                "conclusion": "success",
                "run_started_at": "2026-03-02T10:00:00Z",
                "updated_at": "2026-03-02T10:06:00Z",
            },
            "repository": {"full_name": "acme/ledger-service"},
        }
    ).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {
        "X-GitHub-Event": "workflow_run",
        "X-GitHub-Delivery": f"concurrent-{n}",
        "X-Hub-Signature-256": f"sha256={signature}",
        "Content-Type": "application/json",
    }


WEBHOOKS = 150
USAGE_ROWS = 20_000


def test_cli_import_while_the_server_receives_webhooks(
    hooked_server, github_secret, db_url, engine, tmp_path
):
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(
                teams=[TeamIn(slug="payments", name="Payments")],
                services=[ServiceIn(name="ledger-service", owner="payments")],
            ),
        )
    csv_path = tmp_path / "usage.csv"
    csv_path.write_text(
        "id,at,capability,team,developer,source\n"
        + "".join(f"u{i},2026-03-01T10:00:00Z,deploy,payments,,cli\n" for i in range(USAGE_ROWS))
    )
    answers: list[int] = []

    def deliver() -> None:
        with httpx.Client(base_url=hooked_server, timeout=60) as client:
            for n in range(WEBHOOKS):
                body, headers = _workflow_run(n, github_secret)
                answers.append(
                    client.post("/webhooks/github", content=body, headers=headers).status_code
                )

    sender = threading.Thread(target=deliver)
    sender.start()
    imported = subprocess.run(
        [
            sys.executable,
            "-m",
            "pavedroad",
            "import",
            "usage-events",
            str(csv_path),
            "--db",
            db_url,
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    sender.join(timeout=180)

    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["new"] == USAGE_ROWS
    assert answers.count(200) == WEBHOOKS, answers
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(UsageEvent)) == USAGE_ROWS
        assert s.scalar(select(func.count()).select_from(CiRun)) == WEBHOOKS
