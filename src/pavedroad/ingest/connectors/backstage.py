"""The backstage connector (being built: see issue 17)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pavedroad.ingest.connectors.base import Batch, Provider, SyncContext
from pavedroad.ingest.connectors.http import ApiError

SCOPES = "read access"


def _options(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in raw.items() if value not in (None, [], "")}


def _auth(token: str, _options: Mapping[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _check(ctx: SyncContext) -> list[str]:
    raise ApiError("the backstage connector is not built yet")


def _collect(ctx: SyncContext) -> Iterator[Batch]:
    raise ApiError("the backstage connector is not built yet")
    yield Batch("none")


PROVIDER = Provider(
    name="backstage",
    default_url=None,
    scopes=SCOPES,
    options=_options,
    auth_headers=_auth,
    check=_check,
    collect=_collect,
)
