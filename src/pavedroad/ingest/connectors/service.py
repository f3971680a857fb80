"""Connections: add, list, show, change the token of and remove them.

Keyword-only functions over a session; the caller owns the transaction. A connection's token is
never part of what is returned: `token` says where it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad.db import utcnow
from pavedroad.errors import ConflictError, InvalidInputError, NotFoundError
from pavedroad.ingest.connectors import provider_or_raise
from pavedroad.ingest.connectors.http import shown_url
from pavedroad.ingest.connectors.models import Connection
from pavedroad.ingest.connectors.secrets import encrypt_token, token_source
from pavedroad.ingest.models import Run
from pavedroad.ingest.runs import RunOut, run_out

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_EVERY = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# A schedule more often than this would hammer the provider's rate limit for little news.
MIN_EVERY_SECONDS = 60


class ResourceState(BaseModel):
    """How far a resource list of a connection is synced."""

    resource: str
    synced_until: datetime | None
    # A pass under way (interrupted or running): its window.
    pending_since: datetime | None
    pending_until: datetime | None


class ConnectionOut(BaseModel):
    """A connection as listed and shown (never its token)."""

    name: str
    provider: str
    url: str
    token: str
    options: dict[str, Any]
    every: str | None
    every_seconds: int | None
    syncing: bool
    last_run: RunOut | None
    next_sync_at: datetime | None
    resources: list[ResourceState]
    created_at: datetime


def parse_every(text: str | None) -> int | None:
    """`--every 1h` (s, m, h or d) as seconds; None or `off`: no schedule."""
    if text is None or text.strip().lower() in ("", "off", "none"):
        return None
    match = _EVERY.match(text.strip().lower())
    if not match:
        raise InvalidInputError.because(
            f"{text!r} is not a schedule; write a number and a unit, such as 30m, 1h or 1d",
            field="every",
        )
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds < MIN_EVERY_SECONDS:
        raise InvalidInputError.because(
            f"a schedule must be at least {MIN_EVERY_SECONDS} seconds apart", field="every"
        )
    return seconds


def every_text(seconds: int | None) -> str | None:
    """Seconds as the shortest exact `--every` text (3600 -> `1h`)."""
    if seconds is None:
        return None
    for unit in ("d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def _check_url(url: str) -> str:
    url = url.strip()
    if not re.match(r"^https?://[^/\s]+", url):
        raise InvalidInputError.because(
            f"{shown_url(url) if url else 'an empty URL'} is not an http(s) URL of an API root",
            field="url",
        )
    if "@" in url.split("//", 1)[1].split("/", 1)[0]:
        raise InvalidInputError.because(
            "the URL carries credentials; give the token with --token-env instead", field="url"
        )
    return url.rstrip("/")


def get_connection_or_raise(*, session: Session, name: str) -> Connection:
    """The connection of this name, or NotFoundError."""
    found = session.scalars(select(Connection).where(Connection.name == name.strip())).first()
    if found is None:
        raise NotFoundError(f"no connection {name!r}; `pavedroad connect list` lists them")
    return found


def add_connection(
    *,
    session: Session,
    name: str,
    provider: str,
    url: str | None,
    token_env: str | None,
    token: str | None,
    secret_key: str | None,
    options: Mapping[str, Any],
    every: str | None,
) -> ConnectionOut:
    """Store a new connection (its provider options checked by the provider)."""
    found = provider_or_raise(provider)
    name = name.strip()
    if not _NAME.match(name):
        raise InvalidInputError.because(
            f"{name!r} is not a connection name: lower-case letters, digits, '-', '_' or '.', "
            "starting with a letter or digit",
            field="name",
        )
    if session.scalars(select(Connection.id).where(Connection.name == name)).first():
        raise ConflictError(f"a connection named {name!r} exists; remove it first or pick another")
    if token_env is not None and not _ENV.match(token_env):
        raise InvalidInputError.because(
            f"{token_env!r} is not an environment variable name", field="token-env"
        )
    if token_env and token:
        raise InvalidInputError.because(
            "give the token either by --token-env or stored, not both", field="token"
        )
    given = url or found.default_url
    if not given:
        raise InvalidInputError.because(
            f"a {found.name} connection needs --url (its API root)", field="url"
        )
    # What every connection needs is checked before the provider's own options.
    checked_url, every_seconds = _check_url(given), parse_every(every)
    encrypted = encrypt_token(token, secret_key=secret_key) if token else None
    connection = Connection(
        name=name,
        provider=found.name,
        url=checked_url,
        token_env=token_env or None,
        token_encrypted=encrypted,
        options=found.options(options),
        every_seconds=every_seconds,
        cursor={},
    )
    session.add(connection)
    session.flush()
    return connection_out(session=session, connection=connection)


def set_token(
    *,
    session: Session,
    name: str,
    token_env: str | None,
    token: str | None,
    secret_key: str | None,
) -> ConnectionOut:
    """Change where a connection's token comes from (or the stored token)."""
    connection = get_connection_or_raise(session=session, name=name)
    if bool(token_env) == bool(token):
        raise InvalidInputError.because(
            "give exactly one of --token-env or --token-stdin", field="token"
        )
    if token_env and not _ENV.match(token_env):
        raise InvalidInputError.because(
            f"{token_env!r} is not an environment variable name", field="token-env"
        )
    connection.token_env = token_env or None
    connection.token_encrypted = encrypt_token(token, secret_key=secret_key) if token else None
    connection.updated_at = utcnow()
    return connection_out(session=session, connection=connection)


def set_schedule(*, session: Session, name: str, every: str | None) -> ConnectionOut:
    """Change (or turn off) how often `pavedroad serve` syncs a connection."""
    connection = get_connection_or_raise(session=session, name=name)
    connection.every_seconds = parse_every(every)
    connection.updated_at = utcnow()
    return connection_out(session=session, connection=connection)


def remove_connection(*, session: Session, name: str) -> None:
    """Forget a connection (its runs and the rows it wrote stay)."""
    session.delete(get_connection_or_raise(session=session, name=name))


def _resources(cursor: Mapping[str, Any]) -> list[ResourceState]:
    found = []
    for resource, state in sorted((cursor.get("resources") or {}).items()):
        state = state or {}
        pending = state.get("state") is not None

        def when(key: str, state: Mapping[str, Any] = state) -> datetime | None:
            value = state.get(key)
            return datetime.fromisoformat(value) if isinstance(value, str) and value else None

        found.append(
            ResourceState(
                resource=resource,
                synced_until=when("synced_until"),
                pending_since=when("since") if pending else None,
                pending_until=when("until") if pending else None,
            )
        )
    return found


def next_sync_at(connection: Connection, last: Run | None) -> datetime | None:
    """When `serve` syncs the connection next (None: not scheduled)."""
    if connection.every_seconds is None:
        return None
    if last is None or last.started_at is None:
        return connection.created_at
    return last.started_at + timedelta(seconds=connection.every_seconds)


def connection_out(*, session: Session, connection: Connection) -> ConnectionOut:
    last = session.get(Run, connection.last_run_id) if connection.last_run_id else None
    now = utcnow()
    return ConnectionOut(
        name=connection.name,
        provider=connection.provider,
        url=shown_url(connection.url),
        token=token_source(
            token_env=connection.token_env, token_encrypted=connection.token_encrypted
        ),
        options=dict(connection.options or {}),
        every=every_text(connection.every_seconds),
        every_seconds=connection.every_seconds,
        syncing=bool(
            connection.lock_owner and connection.lock_until and connection.lock_until > now
        ),
        last_run=run_out(last) if last else None,
        next_sync_at=next_sync_at(connection, last),
        resources=_resources(connection.cursor or {}),
        created_at=connection.created_at,
    )


def list_connections(*, session: Session) -> list[ConnectionOut]:
    """Every connection, by name."""
    found = session.scalars(select(Connection).order_by(Connection.name))
    return [connection_out(session=session, connection=c) for c in found]


def get_connection(*, session: Session, name: str) -> ConnectionOut:
    """One connection as shown."""
    return connection_out(
        session=session, connection=get_connection_or_raise(session=session, name=name)
    )
