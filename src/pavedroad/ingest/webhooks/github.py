"""GitHub: deployment_status -> deployments, workflow_run -> ci_runs, merged pull_request -> changes.

Signed with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`; the delivery id is
`X-GitHub-Delivery` (the same on a redelivery) and the event `X-GitHub-Event`. A pull request
payload does not carry its first commit, so `first_commit_at` is the pull request's
`created_at`: lead times start when the pull request was opened.
"""

from __future__ import annotations

import json
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
    verify_sha256_header,
)
from pavedroad.ingest.webhooks.rules import MappingRules

NAME = "github"
SIGNATURE_HEADER = "X-Hub-Signature-256"
DEPLOYMENT_RESULTS = {"success": "success", "failure": "failed", "error": "failed"}
CI_RESULTS = {
    "success": "success",
    "failure": "failed",
    "timed_out": "failed",
    "startup_failure": "failed",
    "cancelled": "cancelled",
}


def verify(headers: Headers, body: bytes, secret: str) -> bool:
    """Whether `X-Hub-Signature-256` is the HMAC-SHA256 of the body under `secret`."""
    return verify_sha256_header(headers, "x-hub-signature-256", body, secret)


def delivery_id(headers: Headers, body: bytes) -> str:
    """`X-GitHub-Delivery`, else a hash of the body."""
    return bounded_id(headers.get("x-github-delivery"), body)


def event_type(headers: Headers, payload: Any) -> str:
    """`X-GitHub-Event`, such as `deployment_status`."""
    event = headers.get("x-github-event", "").strip()
    if not event:
        raise Malformed("missing the X-GitHub-Event header")
    return event


def _repository(payload: Any, rules: MappingRules) -> str:
    return rules.service_for_repository(required_text(payload, "repository.full_name"))


def _deployment_payload(deployment: dict[str, Any]) -> dict[str, Any]:
    """The free-form `deployment.payload` that deploy tooling may fill (an object or JSON text)."""
    value = deployment.get("payload")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            return {}
    return value if isinstance(value, dict) else {}


def _flag(extra: dict[str, Any], *names: str) -> object:
    return next((extra[n] for n in names if isinstance(extra.get(n), bool | str)), None)


def _deployment_status(payload: Any, rules: MappingRules) -> list[Mapped]:
    state = required_text(payload, "deployment_status.state").lower()
    if state not in DEPLOYMENT_RESULTS:
        raise Ignored(f"deployment status {state!r} is not final (success, failure or error)")
    deployment = as_object(required(payload, "deployment"), "deployment")
    extra = _deployment_payload(deployment)
    task = str(deployment.get("task") or "").lower()
    finished = lookup(payload, "deployment_status.created_at") or required(
        payload, "deployment_status.updated_at"
    )
    return [
        (
            "deployments",
            {
                "id": f"gh-deploy-{required_text(payload, 'deployment.id')}",
                "service": _repository(payload, rules),
                "environment": required_text(payload, "deployment.environment"),
                "started_at": timestamp_text(deployment.get("created_at")),
                "finished_at": timestamp_text(finished),
                "result": DEPLOYMENT_RESULTS[state],
                "is_rollback": True
                if "rollback" in task
                else _flag(extra, "rollback", "is_rollback"),
                "via_platform": _flag(extra, "via_platform"),
            },
        )
    ]


def _workflow_run(payload: Any, rules: MappingRules) -> list[Mapped]:
    status = optional_text(payload, "workflow_run.status")
    if status != "completed":
        raise Ignored(f"workflow run is {status or 'not completed'}; only completed runs count")
    conclusion = (optional_text(payload, "workflow_run.conclusion") or "").lower()
    if conclusion not in CI_RESULTS:
        raise Ignored(f"workflow run conclusion {conclusion!r} is not a success, failure or cancel")
    started = lookup(payload, "workflow_run.run_started_at") or required(
        payload, "workflow_run.created_at"
    )
    return [
        (
            "ci-runs",
            {
                "id": f"gh-run-{required_text(payload, 'workflow_run.id')}",
                "service": _repository(payload, rules),
                "started_at": timestamp_text(started),
                "finished_at": timestamp_text(required(payload, "workflow_run.updated_at")),
                "result": CI_RESULTS[conclusion],
            },
        )
    ]


def _pull_request(payload: Any, rules: MappingRules) -> list[Mapped]:
    action = optional_text(payload, "action")
    if action != "closed":
        raise Ignored(f"pull request action {action!r}; only merged pull requests count")
    if lookup(payload, "pull_request.merged") is not True:
        raise Ignored("the pull request was closed without being merged")
    repository = optional_text(payload, "pull_request.base.repo.full_name") or required_text(
        payload, "repository.full_name"
    )
    number = required_text(payload, "pull_request.number")
    return [
        (
            "changes",
            {
                "id": f"{repository}#{number}",
                "service": rules.service_for_repository(repository),
                "first_commit_at": timestamp_text(required(payload, "pull_request.created_at")),
                "merged_at": timestamp_text(required(payload, "pull_request.merged_at")),
                "deployment_id": None,
            },
        )
    ]


_EVENTS: dict[str, Callable[[Any, MappingRules], list[Mapped]]] = {
    "deployment_status": _deployment_status,
    "workflow_run": _workflow_run,
    "pull_request": _pull_request,
}


def map_event(event_type: str, payload: Any, rules: MappingRules) -> list[Mapped]:
    """Rows for a GitHub event, or Ignored / Malformed."""
    handler = _EVENTS.get(event_type)
    if handler is None:
        raise Ignored(
            f"GitHub event {event_type!r} is not used; pavedroad reads {', '.join(_EVENTS)}"
        )
    return handler(as_object(payload, "the top level"), rules)
