"""Webhook receivers: GitHub, GitLab, PagerDuty and Jira (signature only), and the generic hook.

Errors are JSON `{"detail": ...}`: 400 unreadable delivery, 401 missing or wrong signature,
408 body not received in time, 413 body too large, 503 not configured or overloaded (with
`Retry-After`). What needs no body (configuration, signature header, the generic hook's
token) is checked before the body is read, and a delivery slot is taken only once it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from pavedroad.ingest.webhooks.deliveries import Outcome
from pavedroad.ingest.webhooks.limiter import RETRY_AFTER_SECONDS
from pavedroad.ingest.webhooks.payloads import Headers
from pavedroad.ingest.webhooks.receiver import WebhookReceiver, WebhookRefused
from pavedroad.settings import Settings
from pavedroad.web.deps import DbSession, WriteGrant

MAX_BODY_BYTES = 5 * 1024 * 1024  # read before the signature is checked, so kept small

router = APIRouter(tags=["webhooks"])

_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "Stored, or already received (`status` processed or duplicate)"},
    202: {"description": "Accepted but ignored, or rows refused (`status` ignored or rejected)"},
    400: {"description": "Not JSON, or a field the mapping needs is missing"},
    401: {"description": "Missing or wrong signature; nothing stored"},
    503: {"description": "Secret not configured, or too many deliveries in flight"},
}


def install(app: FastAPI, settings: Settings) -> None:
    """Load the mapping rules (a bad rules file stops the start) and add the receivers."""
    app.state.webhooks = WebhookReceiver(app.state.engine, settings)
    app.include_router(router)


def _receiver(request: Request) -> WebhookReceiver:
    receiver: WebhookReceiver = request.app.state.webhooks
    return receiver


def _ready(provider: str) -> Callable[[Request], None]:
    """The checks that need no body: the provider is configured and the delivery is signed."""

    def check(request: Request) -> None:
        headers = {name.lower(): value for name, value in request.headers.items()}
        try:
            _receiver(request).ready(provider, headers)
        except WebhookRefused as exc:
            raise HTTPException(exc.status, exc.detail, headers=exc.headers or None) from None

    return check


async def _delivery_body(request: Request) -> bytes:
    """The raw body, read within the settings' time bound and size limit.

    No delivery slot is held while a body arrives: a slow or idle sender only ties up its own
    connection, and a body that does not arrive in time is answered 408."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HTTPException(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    seconds = request.app.state.settings.webhook_body_seconds
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise HTTPException(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise HTTPException(408, f"the body did not arrive within {seconds:g} s") from None
    return b"".join(chunks)


DeliveryBody = Annotated[bytes, Depends(_delivery_body)]


def _answer(request: Request, receive: Callable[[Headers], Outcome]) -> JSONResponse:
    """Run a delivery through the receiver in one of its slots and answer its outcome, or its
    refusal (503 with Retry-After when every slot is taken)."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    limiter = _receiver(request).limiter
    if not limiter.try_acquire():
        raise HTTPException(
            503,
            "too many webhook deliveries in flight; retry later",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    try:
        outcome = receive(headers)
    except WebhookRefused as exc:
        raise HTTPException(exc.status, exc.detail, headers=exc.headers or None) from None
    finally:
        limiter.release()
    return JSONResponse(outcome.as_dict(), status_code=outcome.http_status)


@router.post("/webhooks/github", responses=_ANSWERS)
def github(
    request: Request, _ready: Annotated[None, Depends(_ready("github"))], body: DeliveryBody
) -> JSONResponse:
    """GitHub `deployment_status`, `workflow_run` and `pull_request` events."""
    return _answer(request, lambda h: _receiver(request).receive("github", h, body))


@router.post("/webhooks/gitlab", responses=_ANSWERS)
def gitlab(
    request: Request, _ready: Annotated[None, Depends(_ready("gitlab"))], body: DeliveryBody
) -> JSONResponse:
    """GitLab Deployment, Pipeline and Merge Request hooks."""
    return _answer(request, lambda h: _receiver(request).receive("gitlab", h, body))


@router.post("/webhooks/pagerduty", responses=_ANSWERS)
def pagerduty(
    request: Request, _ready: Annotated[None, Depends(_ready("pagerduty"))], body: DeliveryBody
) -> JSONResponse:
    """PagerDuty V3 incident events."""
    return _answer(request, lambda h: _receiver(request).receive("pagerduty", h, body))


@router.post("/webhooks/jira", responses=_ANSWERS)
def jira(
    request: Request, _ready: Annotated[None, Depends(_ready("jira"))], body: DeliveryBody
) -> JSONResponse:
    """Jira issue created and updated events."""
    return _answer(request, lambda h: _receiver(request).receive("jira", h, body))


@router.post(
    "/api/v1/hooks/{kind}",
    responses={**_ANSWERS, 401: {"description": "No or unknown API token"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": 'One row, or {"rows": [...]}, with the columns of the kind',
        }
    },
)
def generic_hook(
    kind: str, request: Request, _grant: WriteGrant, session: DbSession, body: DeliveryBody
) -> JSONResponse:
    """Rows of one event kind (`deployments`, `ci-runs`...); `Idempotency-Key` deduplicates."""
    session.commit()  # release this request's transaction: the delivery runs its own
    return _answer(request, lambda h: _receiver(request).receive_generic(kind, h, body))
