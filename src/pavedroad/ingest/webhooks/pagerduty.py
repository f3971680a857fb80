"""PagerDuty V3 webhooks: incident events -> incidents.

Signed with `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the body>[,v1=...]` (several while a
secret rotates; any match passes). The delivery id is `event.id`, the event `event.event_type`.
Each event about an incident carries a snapshot of it as of the event's `occurred_at`, which
becomes the row's `snapshot_at`: the upsert keeps whichever snapshot is newest, so deliveries
may arrive in any order (see `kinds.Snapshots`). A snapshot sets only what it says: a column it
does not carry is `KEPT` (the stored value stays). `created_at` is often absent from captured
deliveries: a trigger then starts at its `occurred_at`, and any other event leaves the start
unknown until a trigger, a later event or an import fills it. Only `incident.resolved` sets
`resolved_at` and only `incident.reopened` clears it.
"""

from __future__ import annotations

from typing import Any

from pavedroad.ingest.rows import KEPT
from pavedroad.ingest.webhooks.payloads import (
    Headers,
    Ignored,
    Malformed,
    Mapped,
    as_object,
    hmac_sha256_hex,
    lookup,
    optional_text,
    parse_json,
    required,
    required_text,
    same_signature,
    timestamp_text,
)
from pavedroad.ingest.webhooks.rules import MappingRules

NAME = "pagerduty"
SIGNATURE_HEADER = "X-PagerDuty-Signature"
TRIGGERED = "incident.triggered"
RESOLVED = "incident.resolved"
REOPENED = "incident.reopened"
# What an event does to `resolved_at` besides incident.resolved, which sets it: only a reopen
# empties it; every other event keeps it.
RESOLUTION: dict[str, object] = {REOPENED: None}
MAX_ID_CHARS = 200


def verify(headers: Headers, body: bytes, secret: str) -> bool:
    """Whether any `v1=` value of `X-PagerDuty-Signature` is the body's HMAC-SHA256."""
    expected = hmac_sha256_hex(secret, body)
    matched = False
    for part in headers.get("x-pagerduty-signature", "").split(","):
        version, _, digest = part.strip().partition("=")
        # Compare every candidate so the time taken does not tell which one matched.
        if version == "v1" and digest and same_signature(digest, expected):
            matched = True
    return matched


def delivery_id(headers: Headers, body: bytes) -> str:
    """`event.id` of the body."""
    event_id = required_text(parse_json(body), "event.id").strip()
    if len(event_id) > MAX_ID_CHARS or not event_id.isprintable():
        raise Malformed(
            f"event.id is not a usable id (at most {MAX_ID_CHARS} printable characters)"
        )
    return event_id


def event_type(headers: Headers, payload: Any) -> str:
    """`event.event_type`, such as `incident.triggered`."""
    return required_text(payload, "event.event_type").strip()


def map_event(event_type: str, payload: Any, rules: MappingRules) -> list[Mapped]:
    """The incident snapshot of an incident event, or Ignored / Malformed."""
    event = as_object(lookup(payload, "event"), "event")
    if not event_type.startswith("incident.") or lookup(event, "data.type") != "incident":
        raise Ignored(f"PagerDuty event {event_type!r} is not about an incident's state")
    data = as_object(event.get("data"), "event.data")
    if optional_text(data, "status") == "resolved" and event_type != RESOLVED:
        # Its resolution time is not in it: taken as the newest snapshot, it would hide the
        # incident.resolved delivery that says when, should that one arrive later.
        raise Ignored(f"{event_type} of an already resolved incident changes nothing")
    occurred = timestamp_text(required(event, "occurred_at"))
    created = lookup(data, "created_at")
    if isinstance(created, str) and not created.strip():
        created = None
    service = optional_text(data, "service.summary")
    severity = optional_text(data, "priority.summary") or optional_text(data, "urgency")
    row: dict[str, object] = {
        "id": f"PD-{required_text(data, 'id')}",
        "service": rules.service_for_pagerduty(service) if service else KEPT,
        "team": KEPT,
        "started_at": (
            timestamp_text(created)
            if created is not None
            else occurred
            if event_type == TRIGGERED
            else KEPT
        ),
        "resolved_at": RESOLUTION.get(event_type, KEPT) if event_type != RESOLVED else occurred,
        "severity": severity or KEPT,
        "caused_by_deployment_id": KEPT,
        "platform_caused": KEPT,
        "snapshot_at": occurred,
    }
    return [("incidents", row)]
