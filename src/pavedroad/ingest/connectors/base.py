"""What a provider module gives the sync engine, and what the engine gives it.

A provider (`github.py`, `gitlab.py`, ...) is a module-level `PROVIDER = Provider(...)`:
- `options(raw)` checks the provider options a connection is added with (`--repo`, `--jql`...)
  and returns them as stored, or raises `InvalidInputError` naming the option;
- `client(ctx_inputs)` builds the `ApiClient` with the provider's auth headers;
- `check(ctx)` makes one cheap request per resource list ("test the connection") and returns
  what it can read, or raises `ApiError` saying what is wrong;
- `collect(ctx)` yields `Batch`es: mapped rows (the same `(kind, values)` pairs webhooks map to)
  with the cursor of their resource after them. The engine writes a batch's rows and stores its
  cursor in one transaction, so a crash resumes from the last written page, never skipping one,
  and upserts on natural keys make a page read twice change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pavedroad.ingest.connectors.http import ApiClient, OnWait
from pavedroad.ingest.webhooks.payloads import Mapped
from pavedroad.ingest.webhooks.rules import MappingRules
from pavedroad.settings import DEFAULT_PRODUCTION_PATTERN, production_pattern


def is_production(environment: str) -> bool:
    """Whether an environment is production by the rule the KPI engine applies
    (`PAVEDROAD_PRODUCTION_PATTERN`, default `^(prod|production)$`), so a connector links
    changes to exactly the deployments the KPIs count."""
    pattern = production_pattern() or DEFAULT_PRODUCTION_PATTERN
    return re.search(pattern, environment.lower()) is not None  # as the engine: lower-cased


# A first sync without `--since` reads this far back.
DEFAULT_BACKFILL = timedelta(days=365)
# An incremental sync starts this long before the last one ended: items updated around the
# boundary are read again (upserts make that harmless) rather than missed.
OVERLAP = timedelta(hours=1)


def _iso(value: datetime) -> str:
    return value.isoformat()


def _parse(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Pass:
    """One read of a resource list over a window, from the start or resumed.

    A resource's stored cursor is `{"since", "until", "state", "synced_until"}`: the window of
    the pass under way, the provider's own page state to resume it from (`state`; None once
    the pass finished), and the end of the last finished pass (where the next starts)."""

    resource: str
    since: datetime
    until: datetime
    # The provider's page state to resume from ({}: from the first page).
    state: dict[str, Any]
    synced_until: datetime | None

    @property
    def resumed(self) -> bool:
        return bool(self.state)

    def page(self, state: dict[str, Any]) -> dict[str, Any]:
        """The cursor to store after a page, when `state` says where the next one starts."""
        return {
            "since": _iso(self.since),
            "until": _iso(self.until),
            "state": state,
            "synced_until": _iso(self.synced_until) if self.synced_until else None,
        }

    def finished(self) -> dict[str, Any]:
        """The cursor to store once the last page of the pass is written."""
        end = max(self.until, self.synced_until) if self.synced_until else self.until
        return {
            "since": _iso(self.since),
            "until": _iso(self.until),
            "state": None,
            "synced_until": _iso(end),
        }


@dataclass(frozen=True)
class ConnectionView:
    """A connection as a provider sees it (no token: the client carries it)."""

    name: str
    provider: str
    url: str
    options: Mapping[str, Any]


@dataclass
class Batch:
    """What one page (or a few) of a resource list gave.

    `rows` are event rows; `entities` are catalog entities (Backstage), imported as a whole
    once the last page is read (`final`). `cursor` replaces the resource's stored cursor when
    the batch is written (None: keep it)."""

    resource: str
    rows: list[Mapped] = field(default_factory=list)
    cursor: dict[str, Any] | None = None
    entities: list[dict[str, Any]] | None = None
    final: bool = False


@dataclass
class SyncContext:
    """Everything a provider's `check` and `collect` read."""

    connection: ConnectionView
    client: ApiClient
    # The window asked for: `since` (None: the provider's default backfill, a year) and `until`
    # (None: now). An incremental sync passes the stored cursors and no window.
    since: datetime | None
    until: datetime | None
    now: datetime
    cursors: Mapping[str, dict[str, Any]]
    rules: MappingRules
    # Repository (`owner/name`, lower-cased) -> service, from the catalog (Backstage annotation).
    repositories: Mapping[str, str]
    # Tells the progress bar what is being read ("deployments of acme/api, page 3").
    on_progress: Callable[[str], None] = lambda _text: None

    def cursor(self, resource: str) -> dict[str, Any]:
        """The stored cursor of a resource list (empty before its first sync)."""
        return dict(self.cursors.get(resource) or {})

    def window(self, resource: str) -> Pass:
        """What to read of a resource list now: the unfinished pass where one was interrupted
        (when no other window is asked for), else from `since` (asked for, or the end of the
        last pass less `OVERLAP`, or a year back) to `until` (asked for, or now)."""
        stored = self.cursor(resource)
        synced = _parse(stored.get("synced_until"))
        state = stored.get("state")
        since, until = _parse(stored.get("since")), _parse(stored.get("until"))
        asked = self.since is not None or self.until is not None
        if isinstance(state, dict) and since and until:
            same = (self.since in (None, since)) and (self.until in (None, until))
            if not asked or same:
                return Pass(resource, since, until, state, synced)
        start = self.since or (synced - OVERLAP if synced else self.now - DEFAULT_BACKFILL)
        return Pass(resource, start, self.until or self.now, {}, synced)

    def service_for_repository(self, full_name: str) -> str:
        """A repository's service: the mapping file first, then the catalog's annotation,
        else the repository's short name where it is unique (`MappingRules`)."""
        key = full_name.strip().lower()
        if key in self.rules.repositories:
            return self.rules.service_for_repository(full_name)
        return self.repositories.get(key) or self.rules.service_for_repository(full_name)


@dataclass(frozen=True)
class Provider:
    """One provider's connector."""

    name: str
    # The API root when `--url` is not given (None: `--url` is required).
    default_url: str | None
    # The token scopes or permissions it needs, as the README and errors say them.
    scopes: str
    options: Callable[[Mapping[str, Any]], dict[str, Any]]
    auth_headers: Callable[[str, Mapping[str, Any]], dict[str, str]]
    check: Callable[[SyncContext], list[str]]
    collect: Callable[[SyncContext], Iterator[Batch]]

    def client(
        self, url: str, token: str, options: Mapping[str, Any], on_wait: OnWait | None
    ) -> ApiClient:
        """The HTTP client for a connection of this provider."""
        return ApiClient(
            url,
            provider=self.name,
            auth=self.auth_headers(token, options),
            scopes=self.scopes,
            on_wait=on_wait,
        )
