"""The Backstage connector: the catalog (Groups, Users, Components, Systems) from a Backstage
backend's catalog API, imported with the same mapping as catalog-info.yaml files.

- `GET {backend}/api/catalog/entities/by-query?filter=kind=group&filter=kind=user&...&limit=N`
  answers `{"items", "totalItems", "pageInfo": {"nextCursor"}}` (Backstage 1.12 and later);
  the next page is `?cursor=NEXT&limit=N` (the cursor carries the filter). A backend without
  by-query (404) is read from the older `GET /api/catalog/entities?filter=...&limit&offset`,
  which answers a JSON array. Filter sets repeat: conditions within one set are ANDed.
- The catalog is imported as a whole once its last page is read (a Group's headcount counts
  its Users, references resolve across pages), so a sync that stops midway imports nothing
  and the next one reads the catalog again from its first page.
- An incremental sync of a catalog that fits one page sends the page's ETag (the backend is
  Express, which answers 304 to a matching `If-None-Match`): nothing new costs one request
  and imports nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pavedroad.ingest.connectors.base import Batch, Provider, SyncContext
from pavedroad.ingest.connectors.http import ApiError, Page
from pavedroad.ingest.connectors.options import given as provider_options

SCOPES = (
    "a static token the backend accepts (`backend.auth.externalAccess`, type `static`) "
    "with read access to the catalog, or none for a backend without auth"
)
RESOURCE = "entities"
KINDS = ("group", "user", "component", "system")
PAGE_SIZE = 500


def _options(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Backstage takes no provider options (it reads the whole catalog): any given is refused."""
    return provider_options(raw, "backstage", ())


def _auth(token: str, _options: Mapping[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _catalog_path(ctx: SyncContext, path: str) -> str:
    """`path` under the catalog API, whether `--url` is the backend or its `/api/catalog`."""
    root = ctx.client.base_url.rstrip("/")
    return path if root.endswith("/api/catalog") else f"api/catalog/{path}"


def _filters() -> dict[str, Any]:
    """One filter set per kind (repeated `filter` parameters are ORed)."""
    return {"filter": [f"kind={kind}" for kind in KINDS]}


def _query_page(body: Any, url: str) -> tuple[list[Any], int | None, str | None]:
    """A by-query answer's items, total and next cursor; refuses any other shape."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise ApiError(
            f"backstage: {url} did not answer an entities page (an object with `items`); "
            "is --url the Backstage backend?"
        )
    total = body.get("totalItems")
    info = body.get("pageInfo")
    cursor = info.get("nextCursor") if isinstance(info, dict) else None
    return (
        list(body["items"]),
        int(total) if isinstance(total, int | float) else None,
        cursor if isinstance(cursor, str) and cursor else None,
    )


def _legacy_page(body: Any, url: str) -> list[Any]:
    if not isinstance(body, list):
        raise ApiError(
            f"backstage: {url} did not answer a list of entities; is --url the Backstage backend?"
        )
    return body


def _by_query(ctx: SyncContext, params: dict[str, Any], etag: str | None) -> Page | None:
    """One by-query page, or None when the backend has no by-query endpoint (404)."""
    try:
        return ctx.client.get(_catalog_path(ctx, "entities/by-query"), params=params, etag=etag)
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


def _check(ctx: SyncContext) -> list[str]:
    page = _by_query(ctx, {**_filters(), "limit": 1}, None)
    if page is not None:
        items, total, _ = _query_page(page.body, page.url)
        count = total if total is not None else len(items)
        return [f"catalog: {count} entities (Groups, Users, Components and Systems) readable"]
    legacy = ctx.client.get(_catalog_path(ctx, "entities"), params={**_filters(), "limit": 1})
    _legacy_page(legacy.body, legacy.url)
    return ["catalog: readable (an older backend without /entities/by-query: read by offset)"]


def _collect(ctx: SyncContext) -> Iterator[Batch]:
    window = ctx.window(RESOURCE)
    stored = ctx.cursor(RESOURCE)
    # Only an incremental sync of a finished one-page pass may stop at a 304.
    incremental = not window.resumed and ctx.since is None and ctx.until is None
    one_page = stored.get("state") is None and stored.get("pages") == 1
    etag = stored.get("etag") if incremental and one_page else None
    # Written before the first page: a sync that stops midway leaves its pass pending, so the
    # next sync reads the catalog again (and marks this run retried).
    started = window.page({"restart": True})
    first = _by_query(ctx, {**_filters(), "limit": PAGE_SIZE}, etag or None)
    if first is None:
        yield from _collect_legacy(ctx, started)
        return
    if first.not_modified:
        ctx.on_progress("catalog unchanged since the last sync")
        yield Batch(RESOURCE, cursor={**window.finished(), "etag": etag, "pages": 1}, final=True)
        return
    page, number = first, 1
    while True:
        items, total, cursor = _query_page(page.body, page.url)
        ctx.on_progress(f"catalog entities, page {number}" + (f" of {total}" if total else ""))
        if cursor is None:
            final = {**window.finished(), "etag": first.etag, "pages": number}
            yield Batch(RESOURCE, entities=items, cursor=final, final=True)
            return
        yield Batch(RESOURCE, entities=items, cursor=started if number == 1 else None)
        page = ctx.client.get(
            _catalog_path(ctx, "entities/by-query"),
            params={"cursor": cursor, "limit": PAGE_SIZE},
        )
        number += 1


def _collect_legacy(ctx: SyncContext, started: dict[str, Any]) -> Iterator[Batch]:
    window = ctx.window(RESOURCE)
    offset, number = 0, 1
    while True:
        page = ctx.client.get(
            _catalog_path(ctx, "entities"),
            params={**_filters(), "limit": PAGE_SIZE, "offset": offset},
        )
        items = _legacy_page(page.body, page.url)
        ctx.on_progress(f"catalog entities, page {number}")
        if len(items) < PAGE_SIZE:
            final = {**window.finished(), "etag": None, "pages": number}
            yield Batch(RESOURCE, entities=items, cursor=final, final=True)
            return
        yield Batch(RESOURCE, entities=items, cursor=started if number == 1 else None)
        offset += len(items)
        number += 1


PROVIDER = Provider(
    name="backstage",
    default_url=None,
    scopes=SCOPES,
    options=_options,
    auth_headers=_auth,
    check=_check,
    collect=_collect,
)
