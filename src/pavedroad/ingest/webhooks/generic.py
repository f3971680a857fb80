"""The generic JSON hook: rows of one event kind with exactly the columns of kinds.py.

The body is one object or `{"rows": [...]}`. Senders authenticate with an API token of write
scope (checked by the router); the delivery id is `Idempotency-Key`, else a hash of the body.
"""

from __future__ import annotations

from typing import Any

from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.webhooks.payloads import Headers, Malformed, Mapped, bounded_id
from pavedroad.ingest.webhooks.rules import MappingRules

NAME = "generic"
MAX_ROWS = 5000


def delivery_id(headers: Headers, body: bytes) -> str:
    """`Idempotency-Key`, else a hash of the body."""
    return bounded_id(headers.get("idempotency-key"), body)


def map_event(event_type: str, payload: Any, rules: MappingRules) -> list[Mapped]:
    """The rows of the body as values of kind `event_type` (a kind name), or Malformed."""
    if event_type not in KINDS:
        raise Malformed(f"unknown kind {event_type!r}; use one of {', '.join(KINDS)}")
    if not isinstance(payload, dict):
        raise Malformed('expected one JSON object or {"rows": [...]}')
    rows: object = [payload]
    if "rows" in payload:
        if len(payload) > 1:
            raise Malformed('a batch is {"rows": [...]} with no other keys')
        rows = payload["rows"]
    if not isinstance(rows, list) or not rows:
        raise Malformed('"rows" should be a non-empty list of objects')
    if len(rows) > MAX_ROWS:
        raise Malformed(f"at most {MAX_ROWS} rows per request; split the batch or import a file")
    mapped: list[Mapped] = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise Malformed(f"rows[{index}] is not a JSON object")
        mapped.append((event_type, {str(k).lower(): v for k, v in row.items()}))
    return mapped
