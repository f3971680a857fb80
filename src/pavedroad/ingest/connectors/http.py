"""The one HTTP layer every connector reads its provider's API through (httpx).

It owns what behaving well against a real API takes, so a provider module only says which
pages to read and how to map them:
- rate limits: GitHub's `X-RateLimit-Remaining`/`X-RateLimit-Reset`, GitLab's
  `RateLimit-Remaining`/`RateLimit-Reset`, `Retry-After` (GitHub's secondary limit, 429
  everywhere): the client waits, and says so through `on_wait` (the progress bar);
- retries with exponential backoff on 5xx answers, timeouts and network errors;
- conditional requests: `get(..., etag=...)` sends `If-None-Match` and reports a 304;
- clear errors: a wrong URL, a bad token (401), a missing permission or scope (403, with the
  scopes the token has and needs where the provider says), a missing resource (404).
The token travels only in the request headers; no message, log line or error carries it.
"""

from __future__ import annotations

import email.utils
import json
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from pavedroad import __version__
from pavedroad.errors import PavedroadError

# Answers worth a retry: the provider or a proxy in front of it failed for a moment.
RETRIED_STATUSES = frozenset({500, 502, 503, 504})
# A reset further away than this is not waited for: the sync fails and says when to retry.
MAX_WAIT_SECONDS = 3600.0
USER_AGENT = f"pavedroad/{__version__} (+connectors)"
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([^";]+)"?')

OnWait = Callable[[float, str], None]


class ApiError(PavedroadError):
    """A provider's API could not be read; the message says why and what to do."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Stats:
    """What a client did: requests, retries, waits, bytes, and the seconds spent on the wire.

    Providers fetch per-item resources from several threads over one client, so every count
    goes through `add`, under a lock."""

    requests: int = 0
    not_modified: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    http_seconds: float = 0.0
    bytes: int = 0

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **amounts: float) -> None:
        """Add to the named counters, atomically."""
        with self._lock:
            for name, amount in amounts.items():
                setattr(self, name, getattr(self, name) + amount)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "requests": self.requests,
            "not_modified": self.not_modified,
            "retries": self.retries,
            "waited_seconds": round(self.waited_seconds, 3),
            "http_seconds": round(self.http_seconds, 3),
            "bytes": self.bytes,
        }


@dataclass
class Page:
    """One answer: its JSON body (None on a 304), its headers, and its `Link` relations."""

    url: str
    status: int
    body: Any
    headers: httpx.Headers
    links: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        value = self.headers.get("etag")
        return str(value) if value else None

    def header_int(self, name: str) -> int | None:
        value = self.headers.get(name, "").strip()
        return int(value) if value.isdigit() else None


def shown_url(url: str) -> str:
    """A URL as it may appear in a message: no credentials, no query string."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def parse_links(header: str | None) -> dict[str, str]:
    """A `Link` header (RFC 8288, as GitHub and GitLab send it) as relation -> URL."""
    found: dict[str, str] = {}
    for target, rels in _LINK.findall(header or ""):
        for rel in rels.split():
            found.setdefault(rel, target)
    return found


def _retry_after(headers: httpx.Headers, now: float) -> float | None:
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now, 0.0)


def _reset_wait(headers: httpx.Headers, now: float) -> float | None:
    """Seconds until the rate-limit window resets, when the answer says none is left."""
    for remaining, reset in (
        ("x-ratelimit-remaining", "x-ratelimit-reset"),
        ("ratelimit-remaining", "ratelimit-reset"),
    ):
        left = headers.get(remaining, "").strip()
        if left == "0":
            at = headers.get(reset, "").strip()
            if at.isdigit():
                return max(float(at) - now, 0.0) + 1.0
            return 60.0
    return None


class ApiClient:
    """A client for one provider's API root, with the behaviour described above.

    `auth` holds the headers that authenticate (built by the provider from its token);
    `scopes` says which token scopes or permissions the provider needs (shown on 401/403).
    """

    def __init__(
        self,
        base_url: str,
        *,
        provider: str,
        auth: Mapping[str, str],
        scopes: str,
        on_wait: OnWait | None = None,
        timeout: float = 30.0,
        retries: int = 5,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = MAX_WAIT_SECONDS,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.provider = provider
        self.scopes = scopes
        self.on_wait = on_wait
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.stats = Stats()
        self._sleep = sleep
        self._http = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **auth},
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def url(self, path: str) -> str:
        """`path` under the API root (an absolute URL, such as a `Link` target, stays)."""
        if path.startswith(("http://", "https://")):
            return path
        return urljoin(self.base_url, path.lstrip("/"))

    def wait(self, seconds: float, reason: str) -> None:
        """Wait (shown through `on_wait`), or fail when the wait is longer than allowed."""
        if seconds > self.max_wait:
            raise ApiError(
                f"{self.provider}: {reason}; the limit resets in {seconds / 60:.0f} minutes, "
                "longer than a sync waits. Run the sync again later: it resumes where it stopped"
            )
        if self.on_wait is not None:
            self.on_wait(seconds, reason)
        self.stats.add(waited_seconds=seconds)
        self._sleep(seconds)

    def get(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        etag: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Page:
        """GET a JSON resource, waiting out rate limits and retrying what is worth it."""
        return self.request("GET", path, params=params, etag=etag, headers=headers)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        etag: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Page:
        """One request, as `get` describes, for any method (Jira searches are POSTs)."""
        url = self.url(path)
        sent = dict(headers or {})
        if etag:
            sent["If-None-Match"] = etag
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                response = self._http.request(
                    method, url, params=params, json=json_body, headers=sent
                )
            except httpx.TransportError as exc:
                self.stats.add(http_seconds=time.perf_counter() - started)
                attempt = self._retry_or_raise(
                    attempt, url, f"network error ({type(exc).__name__})"
                )
                continue
            self.stats.add(
                http_seconds=time.perf_counter() - started,
                requests=1,
                bytes=len(response.content),
            )
            waited = self._rate_limited(response)
            if waited is not None:
                self.wait(waited, f"{self.provider} rate limit reached")
                continue
            if response.status_code in RETRIED_STATUSES:
                attempt = self._retry_or_raise(
                    attempt, url, f"{response.status_code} {response.reason_phrase}"
                )
                continue
            return self._page(url, response)

    def _retry_or_raise(self, attempt: int, url: str, what: str) -> int:
        if attempt >= self.retries:
            raise ApiError(
                f"{self.provider}: {shown_url(url)} answered {what} {attempt + 1} times; "
                "is the URL right and the service up? The next sync resumes where this stopped"
            )
        self.stats.add(retries=1)
        delay = self.backoff * (2**attempt) * (1 + random.random() / 4)
        self.wait(delay, f"{self.provider}: {what}, retrying")
        return attempt + 1

    def _rate_limited(self, response: httpx.Response) -> float | None:
        """Seconds to wait before asking again, when the answer is a rate limit."""
        status, headers, now = response.status_code, response.headers, time.time()
        if status == 429 or (
            status == 403 and ("retry-after" in headers or _reset_wait(headers, now))
        ):
            return _retry_after(headers, now) or _reset_wait(headers, now) or 60.0
        return None

    def _page(self, url: str, response: httpx.Response) -> Page:
        status = response.status_code
        if status == 304:
            self.stats.add(not_modified=1)
            return Page(url, status, None, response.headers)
        if status >= 400:
            raise self._refusal(url, response)
        text = response.text
        try:
            body = json.loads(text) if text.strip() else None
        except json.JSONDecodeError:
            raise ApiError(
                f"{self.provider}: {shown_url(url)} did not answer JSON "
                f"({response.headers.get('content-type', 'no content type')}); is --url the "
                "API root?",
                status=status,
            ) from None
        page = Page(url, status, body, response.headers, parse_links(response.headers.get("link")))
        # Out of requests after this one: wait now rather than be refused next.
        reset = _reset_wait(response.headers, time.time())
        if reset is not None:
            self.wait(reset, f"{self.provider} rate limit reached")
        return page

    def _refusal(self, url: str, response: httpx.Response) -> ApiError:
        status, where = response.status_code, shown_url(url)
        detail = _message(response)
        if status == 401:
            return ApiError(
                f"{self.provider}: the token was refused (401) at {where}{detail}: check it "
                f"is valid and not expired; it needs {self.scopes}",
                status=status,
            )
        if status == 403:
            has = response.headers.get("x-oauth-scopes")
            wants = response.headers.get("x-accepted-oauth-scopes")
            scopes = ""
            if has is not None or wants:
                scopes = f" (the token has scopes: {has or 'none'}"
                scopes += f"; this needs: {wants})" if wants else ")"
            return ApiError(
                f"{self.provider}: permission denied (403) at {where}{detail}{scopes}; the "
                f"token needs {self.scopes}",
                status=status,
            )
        if status == 404:
            return ApiError(
                f"{self.provider}: {where} was not found (404){detail}: check --url and the "
                "names given (repository, project, query); a private resource the token "
                "cannot see also answers 404",
                status=status,
            )
        return ApiError(f"{self.provider}: {where} answered {status}{detail}", status=status)


def _message(response: httpx.Response) -> str:
    """The provider's own explanation, when its error body carries one (short, printable)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    text: object = None
    if isinstance(body, dict):
        text = body.get("message") or body.get("error") or body.get("errorMessages")
        if isinstance(text, dict):
            text = text.get("message")
    if isinstance(text, list):
        text = "; ".join(str(t) for t in text[:3])
    if not isinstance(text, str) or not text.strip():
        return ""
    return f' ("{text.strip()[:200]}")'
