"""GitLab: Deployment Hook -> deployments, Pipeline Hook -> ci_runs, merged MRs -> changes.

Verified with the shared secret in `X-Gitlab-Token`. The delivery id is `Idempotency-Key`
(kept across GitLab's retries), else `X-Gitlab-Event-UUID`; the event is `X-Gitlab-Event`.
A Deployment Hook carries no start time, so `started_at` stays empty; a merge request's
`first_commit_at` is its `created_at`. A pipeline is queued at its `created_at` and starts
`queued_duration` seconds later (GitLab 13.x and later send it), so its duration, as GitHub's,
runs from its start to its `finished_at` and its queue time is apart; without
`queued_duration` it starts at `created_at` and its queue time is unknown.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pavedroad.errors import InvalidInputError
from pavedroad.ingest.webhooks.payloads import (
    Headers,
    Ignored,
    Malformed,
    Mapped,
    as_object,
    bounded_id,
    lookup,
    optional_text,
    required,
    required_text,
    timestamp_text,
)
from pavedroad.ingest.webhooks.rules import MappingRules
from pavedroad.parsing import parse_timestamp

NAME = "gitlab"
SIGNATURE_HEADER = "X-Gitlab-Token"
DEPLOYMENT_RESULTS = {"success": "success", "failed": "failed"}
PIPELINE_RESULTS = {"success": "success", "failed": "failed", "canceled": "cancelled"}


def verify(headers: Headers, body: bytes, secret: str) -> bool:
    """Whether `X-Gitlab-Token` is the configured token (compared in constant time)."""
    given = headers.get("x-gitlab-token", "")
    return bool(given) and hmac.compare_digest(given.encode(), secret.encode())


def delivery_id(headers: Headers, body: bytes) -> str:
    """`Idempotency-Key`, else `X-Gitlab-Event-UUID`, else a hash of the body."""
    given = headers.get("idempotency-key") or headers.get("x-gitlab-event-uuid")
    return bounded_id(given, body)


def event_type(headers: Headers, payload: Any) -> str:
    """`X-Gitlab-Event`, such as `Pipeline Hook`."""
    event = headers.get("x-gitlab-event", "").strip()
    if not event:
        raise Malformed("missing the X-Gitlab-Event header")
    return event


def _service(payload: Any, rules: MappingRules, path: str = "project.path_with_namespace") -> str:
    return rules.service_for_repository(required_text(payload, path))


def _deployment(payload: Any, rules: MappingRules) -> list[Mapped]:
    status = required_text(payload, "status").lower()
    if status not in DEPLOYMENT_RESULTS:
        raise Ignored(f"deployment status {status!r} is not final (success or failed)")
    return [
        (
            "deployments",
            {
                "id": f"gl-deploy-{required_text(payload, 'deployment_id')}",
                "service": _service(payload, rules),
                "environment": required_text(payload, "environment"),
                "started_at": None,
                "finished_at": timestamp_text(required(payload, "status_changed_at")),
                "result": DEPLOYMENT_RESULTS[status],
            },
        )
    ]


def _queued_seconds(payload: Any) -> float | None:
    """`object_attributes.queued_duration` in seconds, None when GitLab does not send it."""
    value = lookup(payload, "object_attributes.queued_duration")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Malformed(
            f"field object_attributes.queued_duration should be seconds, got {value!r:.40}"
        )
    if not math.isfinite(value) or value < 0 or value > 366 * 86400:
        raise Malformed(
            "field object_attributes.queued_duration should be 0 to a year of seconds, "
            f"got {value!r}"
        )
    return float(value)


def _pipeline_start(created: object, queued: float) -> object:
    """`created_at` plus the queue time, as ISO text; a created_at that is not a time is kept
    as sent so that the row's validation names it."""
    text = timestamp_text(created)
    if not isinstance(text, str):
        return text
    try:
        moment = parse_timestamp(text)
    except InvalidInputError:
        return text
    return (moment + timedelta(seconds=queued)).isoformat()


def _pipeline(payload: Any, rules: MappingRules) -> list[Mapped]:
    status = required_text(payload, "object_attributes.status").lower()
    if status not in PIPELINE_RESULTS:
        raise Ignored(f"pipeline status {status!r} is not finished (success, failed or canceled)")
    created = required(payload, "object_attributes.created_at")
    queued = _queued_seconds(payload)
    return [
        (
            "ci-runs",
            {
                "id": f"gl-pipeline-{required_text(payload, 'object_attributes.id')}",
                "service": _service(payload, rules),
                "started_at": timestamp_text(created)
                if queued is None
                else _pipeline_start(created, queued),
                "finished_at": timestamp_text(required(payload, "object_attributes.finished_at")),
                "result": PIPELINE_RESULTS[status],
                "queued_at": None if queued is None else timestamp_text(created),
            },
        )
    ]


def _merge_request(payload: Any, rules: MappingRules) -> list[Mapped]:
    action = optional_text(payload, "object_attributes.action")
    if action != "merge":
        raise Ignored(f"merge request action {action!r}; only merges count")
    target = optional_text(payload, "object_attributes.target.path_with_namespace")
    project = target or required_text(payload, "project.path_with_namespace")
    merged = lookup(payload, "object_attributes.merged_at") or required(
        payload, "object_attributes.updated_at"
    )
    return [
        (
            "changes",
            {
                "id": f"{project}!{required_text(payload, 'object_attributes.iid')}",
                "service": rules.service_for_repository(project),
                "first_commit_at": timestamp_text(
                    required(payload, "object_attributes.created_at")
                ),
                "merged_at": timestamp_text(merged),
                "deployment_id": None,
            },
        )
    ]


_EVENTS: dict[str, Callable[[Any, MappingRules], list[Mapped]]] = {
    "Deployment Hook": _deployment,
    "Pipeline Hook": _pipeline,
    "Merge Request Hook": _merge_request,
}


def map_event(event_type: str, payload: Any, rules: MappingRules) -> list[Mapped]:
    """Rows for a GitLab event, or Ignored / Malformed."""
    handler = _EVENTS.get(event_type)
    if handler is None:
        raise Ignored(
            f"GitLab event {event_type!r} is not used; pavedroad reads {', '.join(_EVENTS)}"
        )
    return handler(as_object(payload, "the top level"), rules)
