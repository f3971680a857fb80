"""GitHub: deployment_status -> deployments, workflow_run or check_suite -> ci_runs, merged
pull_request -> changes.

Signed with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`; the delivery id is
`X-GitHub-Delivery` (the same on a redelivery) and the event `X-GitHub-Event`. A pull request
payload does not carry its first commit, so `first_commit_at` is the pull request's
`created_at`: lead times start when the pull request was opened.

CI runs come from one source, chosen by the rules file's `ci_source`, so nothing counts twice:
`workflow_run` (GitHub Actions, the default) or `check_suite` (every app that reports through
checks, Actions included: Jenkins, CircleCI, Buildkite...). A run lasts from its start to its
end; its queue time is apart (`queued_at`) where GitHub says when it was queued.
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
    """The service of `repository.full_name`: a RepositoryRef unless the rules file maps it."""
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


def _conclusion(payload: Any, what: str, path: str) -> str:
    conclusion = (optional_text(payload, path) or "").lower()
    if conclusion not in CI_RESULTS:
        raise Ignored(f"{what} conclusion {conclusion!r} is not a success, failure or cancel")
    return CI_RESULTS[conclusion]


def _workflow_run(payload: Any, rules: MappingRules) -> list[Mapped]:
    status = optional_text(payload, "workflow_run.status")
    if status != "completed":
        raise Ignored(f"workflow run is {status or 'not completed'}; only completed runs count")
    if rules.ci_source != "workflow_run":
        raise Ignored(
            "the rules file's ci_source is check_suite: GitHub Actions runs are read from their "
            "check suites, so workflow runs are not counted twice"
        )
    result = _conclusion(payload, "workflow run", "workflow_run.conclusion")
    started = lookup(payload, "workflow_run.run_started_at")
    created = lookup(payload, "workflow_run.created_at")
    if not started:
        created = required(payload, "workflow_run.created_at")
    attempt = lookup(payload, "workflow_run.run_attempt")
    # `created_at` is when the run was queued; `run_started_at` when its latest attempt
    # started. A re-run keeps the first `created_at`, so its queue time is unknown.
    first_attempt = attempt is None or (type(attempt) is int and attempt == 1)
    return [
        (
            "ci-runs",
            {
                "id": f"gh-run-{required_text(payload, 'workflow_run.id')}",
                "service": _repository(payload, rules),
                "started_at": timestamp_text(started or created),
                "finished_at": timestamp_text(required(payload, "workflow_run.updated_at")),
                "result": result,
                "queued_at": (
                    timestamp_text(created) if created and started and first_attempt else None
                ),
            },
        )
    ]


def _check_suite(payload: Any, rules: MappingRules) -> list[Mapped]:
    status = optional_text(payload, "check_suite.status")
    if optional_text(payload, "action") != "completed" or status != "completed":
        raise Ignored(f"check suite is {status or 'not completed'}; only completed suites count")
    if rules.ci_source != "check_suite":
        raise Ignored(
            "check suites are not read while the rules file's ci_source is workflow_run (the "
            "default); set ci_source: check_suite for CI that reports through checks"
        )
    result = _conclusion(payload, "check suite", "check_suite.conclusion")
    if lookup(payload, "check_suite.latest_check_runs_count") == 0:
        raise Ignored("the check suite ran no checks")
    # A suite says when it was created (the push that asked for it), not when its checks
    # started: its queue time is inside its duration and not apart.
    return [
        (
            "ci-runs",
            {
                "id": f"gh-suite-{required_text(payload, 'check_suite.id')}",
                "service": _repository(payload, rules),
                "started_at": timestamp_text(required(payload, "check_suite.created_at")),
                "finished_at": timestamp_text(required(payload, "check_suite.updated_at")),
                "result": result,
                "queued_at": None,
            },
        )
    ]


def _check_run(payload: Any, rules: MappingRules) -> list[Mapped]:
    raise Ignored(
        "check runs are counted through their check suite (ci_source: check_suite), so a suite "
        "of many checks is one CI run"
    )


def _status(payload: Any, rules: MappingRules) -> list[Mapped]:
    raise Ignored(
        "a commit status names no run and no start time, so it cannot be a CI run; read check "
        "suites (ci_source: check_suite) or send runs to POST /api/v1/hooks/ci-runs"
    )


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
    "check_suite": _check_suite,
    "pull_request": _pull_request,
}
# Events that GitHub sends for CI, answered with why they are not read.
_EXPLAINED: dict[str, Callable[[Any, MappingRules], list[Mapped]]] = {
    "check_run": _check_run,
    "status": _status,
}


def map_event(event_type: str, payload: Any, rules: MappingRules) -> list[Mapped]:
    """Rows for a GitHub event, or Ignored / Malformed."""
    handler = _EVENTS.get(event_type) or _EXPLAINED.get(event_type)
    if handler is None:
        raise Ignored(
            f"GitHub event {event_type!r} is not used; pavedroad reads {', '.join(_EVENTS)}"
        )
    return handler(as_object(payload, "the top level"), rules)
