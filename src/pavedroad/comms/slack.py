"""Posting to a Slack incoming webhook: 429 waits as long as `Retry-After` says, 5xx and
network errors are retried with capped backoff, and the URL (a secret) is never shown in full.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from pavedroad.errors import PavedroadError, printable

ATTEMPTS = 4
BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
# A Retry-After beyond this is not waited for: the post is reported as failed instead.
MAX_RETRY_AFTER_SECONDS = 120.0
TIMEOUT_SECONDS = 10.0


class DeliveryError(PavedroadError):
    """The message could not be delivered; the text says why without the secret."""


@dataclass(frozen=True)
class Delivery:
    """A delivered message: where (masked) and how many attempts it took."""

    destination: str
    attempts: int


def masked_url(url: str) -> str:
    """The webhook URL with its secret path hidden: `https://hooks.slack.com/…`."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "the webhook URL (hidden)"
    return f"{parts.scheme or 'https'}://{host}{port}/…"


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise DeliveryError(
            "PAVEDROAD_SLACK_WEBHOOK_URL must be an http(s) URL such as "
            "https://hooks.slack.com/services/... (value hidden)"
        )


@contextmanager
def _quiet_httpx() -> Iterator[None]:
    """httpx logs every request with its full URL at INFO: not for a secret URL."""
    logger = logging.getLogger("httpx")
    before = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(before)


def wait(seconds: float) -> None:
    """Wait between attempts (tests replace it to keep time)."""
    time.sleep(seconds)


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after", "").strip()
    try:
        seconds = float(raw)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def post_message(
    url: str,
    payload: dict[str, Any],
    *,
    attempts: int = ATTEMPTS,
    backoff: float = BACKOFF_SECONDS,
    sleep: Callable[[float], None] | None = None,
) -> Delivery:
    """POST `payload` as JSON to the webhook; DeliveryError once retries are spent."""
    pause = sleep or wait
    _check_url(url)
    where = masked_url(url)
    last = ""
    with _quiet_httpx(), httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        for attempt in range(1, attempts + 1):
            delay = min(MAX_BACKOFF_SECONDS, backoff * 2 ** (attempt - 1))
            try:
                response = client.post(url, json=payload)
            except httpx.HTTPError as exc:
                # The exception's text may hold the URL: only its kind is shown.
                last = f"network error ({type(exc).__name__})"
            else:
                if 200 <= response.status_code < 300:
                    return Delivery(destination=where, attempts=attempt)
                answer = printable(response.text.strip(), 200)
                last = f"HTTP {response.status_code}" + (f": {answer}" if answer else "")
                if response.status_code == 429:
                    asked = _retry_after(response)
                    if asked is not None and asked > MAX_RETRY_AFTER_SECONDS:
                        raise DeliveryError(
                            f"Slack at {where} is rate limiting; it asks to wait {asked:.0f}s "
                            "(Retry-After), longer than pavedroad waits: post again later"
                        )
                    delay = asked if asked is not None else delay
                elif response.status_code < 500:
                    raise DeliveryError(
                        f"Slack at {where} refused the message ({last}); check the webhook "
                        "URL in PAVEDROAD_SLACK_WEBHOOK_URL"
                    )
            if attempt < attempts:
                pause(delay)
    raise DeliveryError(f"could not post to Slack at {where} after {attempts} attempts: {last}")
