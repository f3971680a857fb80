"""Ingest fixtures: a catalog that the examples of kinds.py reference."""

from __future__ import annotations

import pytest

from pavedroad.auth import service as auth
from pavedroad.catalog.schemas import ServiceIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from tests.web.conftest import (  # noqa: F401  (the app, in-process and served)
    client,
    live_server,
    tokens,
    users,
)


@pytest.fixture
def catalog(engine) -> None:
    """Team `payments` owning `ledger-service`, and team `search` owning `search-api`."""
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
                    ServiceIn(name="ledger-service", owner="payments"),
                    ServiceIn(name="search-api", owner="search"),
                ],
            ),
        )


@pytest.fixture
def write_token(engine) -> str:
    """An API token of write scope, for the hooks."""
    with unit_of_work(engine) as s:
        auth.create_user(
            session=s, email="w@example.com", name="W", password="x" * 12, role="write"
        )
        token, _ = auth.create_token(session=s, email="w@example.com", name="hook", scope="write")
    return token
