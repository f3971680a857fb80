"""Connector fixtures: a catalog the stand-ins' repositories and services map to, the
settings a sync reads, and a stand-in server per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pavedroad.catalog.schemas import ServiceIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from pavedroad.settings import Settings
from tests.connectors.standin import StandIn


@pytest.fixture
def catalog(engine) -> None:
    """Team `payments` owning `ledger` and `checkout`; team `search` owning `search-api`."""
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(
                teams=[
                    TeamIn(slug="payments", name="Payments"),
                    TeamIn(slug="search", name="Search"),
                ],
                services=[
                    ServiceIn(name="ledger", owner="payments"),
                    ServiceIn(name="checkout", owner="payments"),
                    ServiceIn(name="search-api", owner="search"),
                ],
            ),
        )


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key="test-secret-key-for-connections")


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with StandIn().serve() as running:
        yield running
