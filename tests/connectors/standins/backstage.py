"""A Backstage catalog backend stand-in, answering as Backstage's catalog-backend OpenAPI
description says (backstage/backstage `plugins/catalog-backend/src/schema/openapi.yaml`):

- `GET /api/catalog/entities/by-query` (filter, limit, cursor) answers `EntitiesQueryResponse`:
  `{"items": [Entity], "totalItems": n, "pageInfo": {"nextCursor"?, "prevCursor"?}}`; a
  `cursor` carries the filter (filter and cursor are mutually exclusive);
- `GET /api/catalog/entities` (filter, limit, offset) answers a JSON array of `Entity`;
- errors answer the `Error` schema `{"error": {"name", "message"}, "request": {"method",
  "url"}, "response": {"statusCode"}}`;
- entities follow the `Entity` schema: `apiVersion`, `kind`, `metadata` (`name`, `namespace`,
  `uid`, `etag`, `annotations`...), `spec`, `relations`.
Like the Express backend, a JSON answer carries a weak ETag and a matching `If-None-Match`
gets 304. `legacy=True` plays a backend from before by-query (Backstage < 1.12): 404 there.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from tests.connectors.standin import Answer, Request, StandIn


def entity(
    kind: str,
    name: str,
    spec: dict[str, Any] | None = None,
    annotations: dict[str, str] | None = None,
    namespace: str = "default",
) -> dict[str, Any]:
    """An entity as the catalog API returns it (with the uid and etag the catalog adds)."""
    digest = hashlib.sha256(f"{kind}:{namespace}/{name}".encode()).hexdigest()
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": kind,
        "metadata": {
            "namespace": namespace,
            "name": name,
            "uid": f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}",
            "etag": digest[:40],
            "annotations": {"backstage.io/managed-by-location": "url:https://example.com/c.yaml"}
            | (annotations or {}),
        },
        "spec": spec or {},
        "relations": [],
    }


def small_catalog() -> list[dict[str, Any]]:
    """Two teams, three users, a system, three services (one a library) and an API."""
    return [
        entity("Group", "payments", {"type": "team", "profile": {"displayName": "Payments"}}),
        entity("Group", "search", {"type": "team", "children": []}),
        entity("User", "ada", {"profile": {"email": "ada@example.com"}, "memberOf": ["payments"]}),
        entity("User", "bob", {"profile": {"displayName": "Bob"}, "memberOf": ["payments"]}),
        entity("User", "cy", {"memberOf": ["group:default/search"]}),
        entity("System", "money", {"owner": "payments"}),
        entity(
            "Component",
            "ledger",
            {"type": "service", "lifecycle": "production", "owner": "payments", "system": "money"},
            {"github.com/project-slug": "Acme/Ledger", "pavedroad.dev/tier": "1"},
        ),
        entity(
            "Component",
            "search-api",
            {"type": "service", "lifecycle": "production", "owner": "group:search"},
            {"gitlab.com/project-slug": "platform/search/search-api"},
        ),
        entity(
            "Component",
            "utils",
            {"type": "library", "lifecycle": "production", "owner": "payments"},
        ),
        entity("API", "ledger-api", {"type": "openapi", "owner": "payments", "definition": "x"}),
    ]


def error(status: int, name: str, message: str, request: Request) -> Answer:
    return Answer(
        status,
        {
            "error": {"name": name, "message": message},
            "request": {"method": request.method, "url": request.path},
            "response": {"statusCode": status},
        },
    )


@dataclass
class Backstage:
    """The catalog served, the token it accepts (None: no auth), and whether it is old."""

    standin: StandIn
    entities: list[Any] = field(default_factory=small_catalog)
    token: str | None = None
    legacy: bool = False

    def install(self) -> Backstage:
        self.standin.route("GET", "/api/catalog/entities/by-query")(self._by_query)
        self.standin.route("GET", "/api/catalog/entities")(self._entities)
        return self

    @property
    def url(self) -> str:
        return self.standin.base_url

    def _refused(self, request: Request) -> Answer | None:
        if self.token is None:
            return None
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return error(401, "AuthenticationError", "Missing credentials", request)
        return None

    def _matching(self, filters: list[str]) -> list[Any]:
        if not filters:
            return list(self.entities)
        sets = [
            [tuple(c.split("=", 1)) for c in f.split(",") if c] for f in filters
        ]  # conditions of a set are ANDed, sets ORed
        found = []
        for e in self.entities:
            if not isinstance(e, dict):
                found.append(e)  # a broken item (hostile tests) passes every filter
                continue
            for conditions in sets:
                if all(
                    key == "kind" and str(e.get("kind", "")).lower() == value.lower()
                    for key, value in conditions
                ):
                    found.append(e)
                    break
        return found

    def _json(self, request: Request, body: Any) -> Answer:
        data = json.dumps(body).encode()
        tag = f'W/"{len(data):x}-{hashlib.sha256(data).hexdigest()[:27]}"'
        if request.headers.get("if-none-match") == tag:
            return Answer(304, None, {"ETag": tag})
        return Answer(200, raw=data, headers={"ETag": tag})

    def _by_query(self, request: Request) -> Answer:
        if self.legacy:
            return error(404, "NotFoundError", "Not Found", request)
        if refused := self._refused(request):
            return refused
        limit = request.int_arg("limit", 20)
        cursor = request.arg("cursor")
        if cursor:
            state = json.loads(base64.b64decode(cursor))
            filters, offset = state["filter"], state["offset"]
        else:
            filters, offset = request.query.get("filter", []), 0
        matching = self._matching(filters)
        items = matching[offset : offset + limit]
        info: dict[str, str] = {}
        if offset + limit < len(matching):
            info["nextCursor"] = _cursor(filters, offset + limit)
        if offset > 0:
            info["prevCursor"] = _cursor(filters, max(offset - limit, 0))
        return self._json(request, {"items": items, "totalItems": len(matching), "pageInfo": info})

    def _entities(self, request: Request) -> Answer:
        if refused := self._refused(request):
            return refused
        matching = self._matching(request.query.get("filter", []))
        offset = request.int_arg("offset", 0)
        limit = request.int_arg("limit", len(matching))
        return self._json(request, matching[offset : offset + limit])


def _cursor(filters: list[str], offset: int) -> str:
    return base64.b64encode(json.dumps({"filter": filters, "offset": offset}).encode()).decode()
