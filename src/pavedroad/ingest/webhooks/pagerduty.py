"""PagerDuty V3 webhooks: incident events -> incidents.

Signed with `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the body>[,v1=...]` (several while a
secret rotates; any match passes). The delivery id is `event.id`, the event `event.event_type`.
Each incident event carries the incident as it is: `started_at` is its `created_at`, and
`incident.resolved` sets `resolved_at` to the event's `occurred_at`.
"""

from __future__ import annotations

from typing import Any

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
RESOLVED = "incident.resolved"
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
    """An incident row for an incident event, or Ignored / Malformed."""
    event = as_object(lookup(payload, "event"), "event")
    if not event_type.startswith("incident.") or lookup(event, "data.type") != "incident":
        raise Ignored(f"PagerDuty event {event_type!r} is not about an incident's state")
    data = as_object(event.get("data"), "event.data")
    status = optional_text(data, "status")
    resolved = event_type == RESOLVED
    if status == "resolved" and not resolved:
        # A late event about a resolved incident must not clear its resolution time.
        raise Ignored(f"{event_type} of an already resolved incident changes nothing")
    service = optional_text(data, "service.summary")
    return [
        (
            "incidents",
            {
                "id": f"PD-{required_text(data, 'id')}",
                "service": rules.service_for_pagerduty(service) if service else None,
                "started_at": timestamp_text(required(data, "created_at")),
                "resolved_at": timestamp_text(required(event, "occurred_at")) if resolved else None,
                "severity": optional_text(data, "priority.summary")
                or optional_text(data, "urgency"),
            },
        )
    ]
