"""Connections API: add, list, show and remove connections, test one, sync it now, its runs.

Reading needs `read` scope; adding, removing, testing and syncing need `write`. A token is
never returned: give the name of the environment variable the server reads it from
(`token_env`), or the token itself (`token`), which is stored encrypted with the server's
`PAVEDROAD_SECRET_KEY` and refused when there is none.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from pavedroad.errors import ConflictError, PavedroadError
from pavedroad.ingest.connectors import service
from pavedroad.ingest.connectors.service import ConnectionOut
from pavedroad.ingest.connectors.sync import (
    SyncRunOut,
    connection_runs,
    start_sync_in_background,
    test_connection,
)
from pavedroad.settings import Settings
from pavedroad.web.deps import DbSession, ReadGrant, WriteGrant

router = APIRouter(prefix="/api/v1", tags=["connections"])

ConnectionName = Annotated[str, Path(min_length=1, max_length=100)]


class ConnectionIn(BaseModel):
    """A connection to add. `options` are the provider's (`repos`, `org`, `jql`...)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    provider: Annotated[str, Field(min_length=1, max_length=20)]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    url: Annotated[str, Field(max_length=500)] | None = None
    token_env: Annotated[str, Field(max_length=100)] | None = None
    # Stored encrypted, never returned nor logged.
    token: Annotated[SecretStr, Field(max_length=10_000)] | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    every: Annotated[str, Field(max_length=20)] | None = None


class ConnectionTest(BaseModel):
    """What testing a connection found: what it can read, or what is wrong."""

    ok: bool
    notes: list[str] | None = None
    error: str | None = None


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/connections", response_model=list[ConnectionOut])
def list_connections(session: DbSession, _grant: ReadGrant) -> list[ConnectionOut]:
    """Every connection with its last run, next scheduled sync and how far it is synced."""
    return service.list_connections(session=session)


@router.post("/connections", response_model=ConnectionOut, status_code=201)
def add_connection(
    body: ConnectionIn, request: Request, session: DbSession, _grant: WriteGrant
) -> ConnectionOut:
    """Add a connection (the provider checks its options)."""
    return service.add_connection(
        session=session,
        name=body.name,
        provider=body.provider,
        url=body.url,
        token_env=body.token_env,
        token=body.token.get_secret_value() if body.token else None,
        secret_key=_settings(request).secret_key,
        options=body.options,
        every=body.every,
    )


@router.get("/connections/{name}", response_model=ConnectionOut)
def get_connection(name: ConnectionName, session: DbSession, _grant: ReadGrant) -> ConnectionOut:
    """One connection."""
    return service.get_connection(session=session, name=name)


@router.delete("/connections/{name}", status_code=204)
def remove_connection(name: ConnectionName, session: DbSession, _grant: WriteGrant) -> Response:
    """Forget a connection (its runs and the rows it wrote stay)."""
    service.remove_connection(session=session, name=name)
    return Response(status_code=204)


@router.post("/connections/{name}/test", response_model=ConnectionTest)
def test(
    name: ConnectionName, request: Request, session: DbSession, _grant: WriteGrant
) -> ConnectionTest:
    """One cheap request per resource list: `ok` with what it can read, or the error."""
    service.get_connection_or_raise(session=session, name=name)
    session.commit()  # nothing to write: do not hold the store while the provider answers
    try:
        notes = test_connection(request.app.state.engine, _settings(request), name)
    except PavedroadError as exc:
        return ConnectionTest(ok=False, error=str(exc))
    return ConnectionTest(ok=True, notes=notes)


@router.post("/connections/{name}/sync", response_model=SyncRunOut, status_code=202)
def sync_now(
    name: ConnectionName, request: Request, session: DbSession, _grant: WriteGrant
) -> SyncRunOut:
    """Queue a sync and run it in the background; answers the queued run."""
    found = service.get_connection(session=session, name=name)
    if found.syncing:
        raise ConflictError(f"connection {name!r} is being synced; its run is on /runs")
    session.commit()  # the sync writes in its own transactions
    return start_sync_in_background(request.app.state.engine, _settings(request), name)


@router.get("/connections/{name}/runs", response_model=list[SyncRunOut])
def list_runs(
    name: ConnectionName,
    session: DbSession,
    _grant: ReadGrant,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[SyncRunOut]:
    """The connection's sync runs, newest first, with their counts per table."""
    return connection_runs(session=session, name=name, limit=limit)
