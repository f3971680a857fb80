"""Backlog fixtures: a small catalog, a backlog built through the services, CI runs for KPIs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from pavedroad.backlog import service
from pavedroad.backlog.models import Actor, Goal, Impact, Initiative
from pavedroad.backlog.schemas import InitiativeIn
from pavedroad.catalog.schemas import ServiceIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from pavedroad.demo.loader import contract_row
from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.writer import upsert_rows
from tests.web.conftest import (  # noqa: F401  (web fixtures)
    chromium_page,
    client,
    live_server,
    tokens,
    users,
)

# The practice's worked example: (title, reach, impact, confidence, effort, RICE)
WORKED_EXAMPLE: tuple[tuple[str, float, float, str, float, float], ...] = (
    ("Faster CI pipelines", 200, 2, "80%", 2, 160),
    ("Self-service databases", 80, 3, "80%", 3, 64),
    ("Service mesh", 200, 1, "50%", 6, 16.67),
    ("Custom Kubernetes operator", 20, 2, "100%", 4, 10),
    ("Database migrations", 150, 2, "80%", 4, 60),
)


@pytest.fixture
def teams(engine: Engine) -> None:
    """Teams `web` (30 people), `payments` (12) and `data` (8), and a service `api`."""
    with unit_of_work(engine) as session:
        apply_batch(
            session=session,
            source="test",
            batch=CatalogBatch(
                teams=[
                    TeamIn(slug="web", name="Web", headcount=30),
                    TeamIn(slug="payments", name="Payments", headcount=12),
                    TeamIn(slug="data", name="Data", headcount=8),
                ],
                services=[ServiceIn(name="api", owner="web")],
            ),
        )


@pytest.fixture
def worked_example(engine: Engine, teams: None) -> dict[str, int]:
    """The practice's five initiatives; returns title -> id."""
    ids = {}
    with unit_of_work(engine) as session:
        for title, reach, impact, confidence, effort, _ in WORKED_EXAMPLE:
            created = service.create_initiative(
                session=session,
                data=InitiativeIn(
                    title=title, reach=reach, impact=impact, confidence=confidence, effort=effort
                ),
            )
            ids[title] = created.id
    return ids


def add_goal(
    engine: Engine, title: str, *, deliverables: Sequence[str] = (), priority: int = 1
) -> int:
    """A goal of the impact map with one actor and impact delivering these initiatives."""
    with unit_of_work(engine) as session:
        goal = Goal(
            title=title,
            kpi_id="lead_time_p50",
            target=30,
            due=datetime(2026, 12, 31, tzinfo=UTC).date(),
            priority=priority,
        )
        impact = Impact(description="Deploy faster")
        impact.deliverables = [
            session.query(Initiative).filter_by(title=t).one() for t in deliverables
        ]
        goal.actors = [Actor(name="Developers", impacts=[impact])]
        session.add(goal)
        session.flush()
        return goal.id


def ci_runs(engine: Engine, minutes_by_day: Mapping[str, float]) -> None:
    """One CI run of service `api` finishing on each day (at noon), lasting so many minutes."""
    events = []
    for day, minutes in minutes_by_day.items():
        finished = datetime.fromisoformat(f"{day}T12:00:00+00:00")
        events.append(
            {
                "id": f"run-{day}",
                "service": "api",
                "started_at": (finished - timedelta(minutes=minutes)).isoformat(),
                "finished_at": finished.isoformat(),
                "result": "success",
            }
        )
    kind = KINDS["ci-runs"]
    with unit_of_work(engine) as session:
        rows = [contract_row(kind, event) for event in events]
        upsert_rows(session.connection(), kind, rows, channel="test", run_id=None)
