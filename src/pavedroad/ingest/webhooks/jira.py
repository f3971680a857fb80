"""Jira: issue created / updated -> tickets.

Jira Cloud signs webhooks registered with a secret as `X-Hub-Signature: sha256=<hex HMAC-SHA256
of the body>`. The delivery id is `X-Atlassian-Webhook-Identifier` (kept across Jira's retries),
else a hash of the body; the event is the body's `webhookEvent`. Each event carries the whole
issue, so the ticket is its latest state: category from labels and components, kind from the
issue type, self-service from a label (see rules.py).
"""

from __future__ import annotations

from typing import Any

from pavedroad.ingest.webhooks.payloads import (
    Headers,
    Ignored,
    Mapped,
    as_object,
    bounded_id,
    lookup,
    optional_text,
    required,
    required_text,
    timestamp_text,
    verify_sha256_header,
)
from pavedroad.ingest.webhooks.rules import MappingRules

NAME = "jira"
SIGNATURE_HEADER = "X-Hub-Signature"
EVENTS = ("jira:issue_created", "jira:issue_updated")
MAX_TEXT = 20_000


def verify(headers: Headers, body: bytes, secret: str) -> bool:
    """Whether `X-Hub-Signature` is `sha256=` the body's HMAC-SHA256 under `secret`."""
    return verify_sha256_header(headers, "x-hub-signature", body, secret)


def delivery_id(headers: Headers, body: bytes) -> str:
    """`X-Atlassian-Webhook-Identifier`, else a hash of the body."""
    return bounded_id(headers.get("x-atlassian-webhook-identifier"), body)


def event_type(headers: Headers, payload: Any) -> str:
    """The body's `webhookEvent`, such as `jira:issue_created`."""
    return required_text(payload, "webhookEvent").strip()


def _names(values: object, key: str | None = None) -> list[str]:
    """Label texts, or the `name` of component objects."""
    if not isinstance(values, list):
        return []
    found = [v.get(key) if key and isinstance(v, dict) else v for v in values]
    return [f for f in found if isinstance(f, str) and f.strip()]


def map_event(event_type: str, payload: Any, rules: MappingRules) -> list[Mapped]:
    """A ticket row for an issue event, or Ignored / Malformed."""
    if event_type not in EVENTS:
        raise Ignored(f"Jira event {event_type!r} is not used; pavedroad reads {', '.join(EVENTS)}")
    fields = as_object(required(payload, "issue.fields"), "issue.fields")
    labels = _names(fields.get("labels"))
    components = _names(fields.get("components"), "name")
    summary = optional_text(fields, "summary") or ""
    description = fields.get("description")
    # Jira's REST v3 sends rich-text descriptions as documents; only plain text is kept.
    text = (
        f"{summary}\n\n{description}" if isinstance(description, str) and description else summary
    )
    return [
        (
            "tickets",
            {
                "id": required_text(payload, "issue.key"),
                "team": None,
                "opened_at": timestamp_text(required(fields, "created")),
                "resolved_at": timestamp_text(lookup(fields, "resolutiondate")),
                "category": rules.ticket_category(labels, components),
                "kind": rules.ticket_kind(optional_text(fields, "issuetype.name") or ""),
                "self_service": rules.is_self_service(labels),
                "text": text[:MAX_TEXT],
            },
        )
    ]
