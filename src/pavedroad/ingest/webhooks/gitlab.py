"""GitLab: Deployment Hook -> deployments, Pipeline Hook -> ci_runs, merged MRs -> changes.

Verified with the shared secret in `X-Gitlab-Token`. The delivery id is `Idempotency-Key`
(kept across GitLab's retries), else `X-Gitlab-Event-UUID`; the event is `X-Gitlab-Event`.
A Deployment Hook carries no start time, so `started_at` stays empty; a pipeline starts at its
`created_at` (queue time included); a merge request's `first_commit_at` is its `created_at`.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

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


def _pipeline(payload: Any, rules: MappingRules) -> list[Mapped]:
    status = required_text(payload, "object_attributes.status").lower()
    if status not in PIPELINE_RESULTS:
        raise Ignored(f"pipeline status {status!r} is not finished (success, failed or canceled)")
    return [
        (
            "ci-runs",
            {
                "id": f"gl-pipeline-{required_text(payload, 'object_attributes.id')}",
                "service": _service(payload, rules),
                "started_at": timestamp_text(required(payload, "object_attributes.created_at")),
                "finished_at": timestamp_text(required(payload, "object_attributes.finished_at")),
                "result": PIPELINE_RESULTS[status],
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
