"""A small organisation whose every KPI was computed by hand (see test_kpis.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from pavedroad.backlog.models import Initiative
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


def at(text: str) -> datetime:
    """An instant written as ISO 8601 (UTC unless it carries an offset)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def add_events(engine: Engine, kind_name: str, events: list[Mapping[str, object]]) -> None:
    """Events through the ingest contract, as an import would write them."""
    kind = KINDS[kind_name]
    with unit_of_work(engine) as session:
        rows = [contract_row(kind, dict(event)) for event in events]
        upsert_rows(session.connection(), kind, rows, channel="test", run_id=None)


def _deployment(
    id: str,
    service: str,
    finished: str,
    *,
    result: str = "success",
    env: str = "production",
    rollback: bool = False,
    via: bool = False,
    team: str | None = None,
) -> dict[str, object]:
    return {
        "id": id,
        "service": service,
        "environment": env,
        "started_at": None,
        "finished_at": finished,
        "result": result,
        "is_rollback": rollback,
        "team": team,
        "via_platform": via,
    }


@pytest.fixture
def org(engine: Engine) -> Engine:
    """The hand-computed organisation; the week under test is 2026-03-02..2026-03-09."""
    with unit_of_work(engine) as session:
        apply_batch(
            session=session,
            source="test",
            batch=CatalogBatch(
                teams=[
                    TeamIn(slug="alpha", name="Alpha", headcount=10),
                    TeamIn(slug="beta", name="Beta", headcount=5),
                    TeamIn(slug="gamma", name="Gamma", eligible=False),
                    TeamIn(slug="delta", name="Delta"),
                ],
                services=[
                    ServiceIn(name="api", owner="alpha", created_at=at("2026-03-03T10:00:00")),
                    ServiceIn(name="web", owner="beta", created_at=at("2026-01-01T00:00:00")),
                    ServiceIn(name="svc-new", owner="delta", created_at=at("2026-03-04T00:00:00")),
                ],
            ),
        )
        session.add_all(
            [
                Initiative(
                    title="Faster CI",
                    impact=2,
                    confidence=0.8,
                    effort=2,
                    category="roadmap",
                    status="done",
                    done_at=at("2026-03-04T12:00:00"),
                ),
                Initiative(
                    title="Upgrade Postgres",
                    impact=1,
                    confidence=1,
                    effort=1,
                    category="platform",
                    status="done",
                    done_at=at("2026-03-05T12:00:00"),
                ),
                Initiative(
                    title="Killed idea",
                    impact=1,
                    confidence=0.5,
                    effort=5,
                    category="roadmap",
                    status="killed",
                    done_at=at("2026-03-05T12:00:00"),
                ),
                Initiative(title="Later", impact=1, confidence=0.5, effort=3, category="roadmap"),
            ]
        )
    add_events(
        engine,
        "deployments",
        [
            _deployment("d1", "api", "2026-03-03T12:00:00Z", via=True, team="alpha"),
            _deployment("d2", "api", "2026-03-04T12:00:00Z", result="failed"),
            _deployment("d3", "api", "2026-03-05T12:00:00Z"),
            _deployment("d4", "api", "2026-03-06T12:00:00Z", rollback=True),
            _deployment("d5", "web", "2026-03-03T09:00:00Z", team="beta"),
            _deployment("d6", "web", "2026-03-07T23:30:00Z"),
            _deployment("d7", "web", "2026-03-04T12:00:00Z", env="staging"),
            _deployment("d8", "web", "2026-03-09T00:00:00Z"),
            _deployment("d9", "web", "2026-03-01T23:59:59Z"),
        ],
    )
    add_events(
        engine,
        "changes",
        [
            {
                "id": "c1",
                "service": "api",
                "first_commit_at": "2026-03-03T11:00:00Z",
                "merged_at": None,
                "deployment_id": "d1",
            },
            {
                "id": "c2",
                "service": "api",
                "first_commit_at": "2026-03-04T10:00:00Z",
                "merged_at": None,
                "deployment_id": "d3",
            },
            {
                "id": "c3",
                "service": "api",
                "first_commit_at": "2026-03-04T09:00:00Z",
                "merged_at": None,
                "deployment_id": "d2",
            },
            {
                "id": "c4",
                "service": "web",
                "first_commit_at": "2026-03-03T08:30:00Z",
                "merged_at": None,
                "deployment_id": "d5",
            },
            {
                "id": "c5",
                "service": "web",
                "first_commit_at": "2026-03-07T23:00:00Z",
                "merged_at": None,
                "deployment_id": "d6",
            },
            {
                "id": "c6",
                "service": "web",
                "first_commit_at": "2026-03-04T11:00:00Z",
                "merged_at": None,
                "deployment_id": "d7",
            },
        ],
    )
    add_events(
        engine,
        "incidents",
        [
            {
                "id": "i1",
                "service": "web",
                "team": None,
                "started_at": "2026-03-03T10:00:00Z",
                "resolved_at": "2026-03-03T11:00:00Z",
                "severity": "sev2",
                "caused_by_deployment_id": "d5",
                "platform_caused": False,
            },
            {
                "id": "i2",
                "service": "web",
                "team": None,
                "started_at": "2026-03-03T10:30:00Z",
                "resolved_at": "2026-03-03T12:30:00Z",
                "severity": "sev3",
                "caused_by_deployment_id": "d5",
                "platform_caused": False,
            },
            {
                "id": "i3",
                "service": None,
                "team": "alpha",
                "started_at": "2026-03-01T23:00:00Z",
                "resolved_at": "2026-03-02T01:00:00Z",
                "severity": "sev1",
                "caused_by_deployment_id": None,
                "platform_caused": True,
            },
            {
                "id": "i4",
                "service": None,
                "team": "alpha",
                "started_at": "2026-03-08T23:00:00Z",
                "resolved_at": None,
                "severity": "sev1",
                "caused_by_deployment_id": None,
                "platform_caused": True,
            },
            {
                "id": "i5",
                "service": None,
                "team": "beta",
                "started_at": "2026-03-08T23:30:00Z",
                "resolved_at": "2026-03-09T01:00:00Z",
                "severity": "sev2",
                "caused_by_deployment_id": None,
                "platform_caused": True,
            },
        ],
    )
    add_events(
        engine,
        "ci-runs",
        [
            {
                "id": "r1",
                "service": "api",
                "started_at": "2026-03-03T10:00:00Z",
                "finished_at": "2026-03-03T10:10:00Z",
                "result": "success",
                "queued_at": "2026-03-03T09:58:00Z",
            },
            {
                "id": "r2",
                "service": "api",
                "started_at": "2026-03-04T10:00:00Z",
                "finished_at": "2026-03-04T10:04:00Z",
                "result": "failed",
                "queued_at": "2026-03-04T09:59:00Z",
            },
            {
                "id": "r3",
                "service": "web",
                "started_at": "2026-03-05T10:00:00Z",
                "finished_at": "2026-03-05T10:06:00Z",
                "result": "success",
            },
            {
                "id": "r4",
                "service": "web",
                "started_at": "2026-03-08T23:50:00Z",
                "finished_at": "2026-03-09T00:00:00Z",
                "result": "success",
                "queued_at": "2026-03-08T23:00:00Z",
            },
            # Midnight in another time zone: 00:30 at +01:00 is 23:30 UTC the day before, inside.
            {
                "id": "r5",
                "service": "web",
                "started_at": "2026-03-09T00:22:00+01:00",
                "finished_at": "2026-03-09T00:30:00+01:00",
                "result": "success",
                "queued_at": "2026-03-09T00:17:00+01:00",
            },
        ],
    )
    responses = [
        ("s-old", "2026-02", "2026-02-20", "alpha", 0, 1),
        ("a1", "2026-03a", "2026-03-03", "alpha", 10, 5),
        ("a2", "2026-03a", "2026-03-03", "alpha", 9, 4),
        ("a3", "2026-03a", "2026-03-03", "alpha", 7, 3),
        ("a4", "2026-03a", "2026-03-03", "beta", 3, 2),
        ("a5", "2026-03a", "2026-03-03", "beta", 0, 1),
        ("b1", "2026-03b", "2026-03-05", "alpha", 10, 5),
        ("b2", "2026-03b", "2026-03-05", "alpha", 9, 5),
        ("b3", "2026-03b", "2026-03-05", "alpha", 8, 4),
        ("b4", "2026-03b", "2026-03-05", "alpha", 6, 2),
        ("b5", "2026-03b", "2026-03-05", "beta", None, 3),
    ]
    add_events(
        engine,
        "survey-responses",
        [
            {
                "id": rid,
                "survey": "pulse",
                "wave": wave,
                "submitted_at": day,
                "team": team,
                "nps": nps,
                "satisfaction": sat,
                "comments": "",
            }
            for rid, wave, day, team, nps, sat in responses
        ],
    )
    add_events(
        engine,
        "tickets",
        [
            {
                "id": "t1",
                "team": "alpha",
                "opened_at": "2026-03-02T09:00:00Z",
                "resolved_at": "2026-03-02T11:00:00Z",
                "category": "ci",
                "kind": "request",
                "self_service": True,
                "text": "",
            },
            {
                "id": "t2",
                "team": "beta",
                "opened_at": "2026-03-03T09:00:00Z",
                "resolved_at": "2026-03-04T09:00:00Z",
                "category": "env",
                "kind": "request",
                "self_service": False,
                "text": "",
            },
            {
                "id": "t3",
                "team": "beta",
                "opened_at": "2026-03-04T09:00:00Z",
                "resolved_at": None,
                "category": "docs",
                "kind": "question",
                "self_service": False,
                "text": "",
            },
            {
                "id": "t4",
                "team": "alpha",
                "opened_at": "2026-02-27T03:00:00Z",
                "resolved_at": "2026-03-02T03:00:00Z",
                "category": "ci",
                "kind": "bug",
                "self_service": False,
                "text": "",
            },
        ],
    )
    add_events(
        engine,
        "usage-events",
        [
            {
                "id": "u1",
                "at": "2026-02-10T12:00:00Z",
                "capability": "templates",
                "team": "beta",
                "developer": None,
                "source": "cli",
            },
            {
                "id": "u2",
                "at": "2026-02-06T23:00:00Z",
                "capability": "templates",
                "team": "delta",
                "developer": None,
                "source": "cli",
            },
            {
                "id": "u3",
                "at": "2026-03-04T12:00:00Z",
                "capability": "templates",
                "team": "gamma",
                "developer": None,
                "source": "cli",
            },
        ],
    )
    add_events(
        engine,
        "onboarding",
        [
            {
                "developer": "a@x.example",
                "team": "alpha",
                "started_at": "2026-03-01T00:00:00Z",
                "first_deploy_at": "2026-03-04T00:00:00Z",
            },
            {
                "developer": "b@x.example",
                "team": "beta",
                "started_at": "2026-02-20T00:00:00Z",
                "first_deploy_at": "2026-03-03T12:00:00Z",
            },
            {
                "developer": "c@x.example",
                "team": "beta",
                "started_at": "2026-03-03T00:00:00Z",
                "first_deploy_at": None,
            },
        ],
    )
    add_events(
        engine,
        "org-facts",
        [
            {
                "date": "2026-02-01",
                "customers": 1000,
                "developers": 50,
                "compute_cost": 5000,
                "ops_hours": 10,
                "hourly_rate": 100,
            },
            {
                "date": "2026-03-05",
                "customers": 1500,
                "developers": 60,
                "compute_cost": 3000,
                "ops_hours": 20,
                "hourly_rate": 50,
            },
        ],
    )
    return engine
