"""A provider's API stand-in: a real HTTP server on 127.0.0.1 that answers from handlers.

Each provider's tests register handlers that answer in the provider's documented shape
(`standin.route("GET", r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/deployments")`), and queue
faults the way real APIs misbehave: a 502 in the middle of a backfill, a rate-limit pause, a
token without the right scope. Every request is logged, so a test can count them.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """A request as the stand-in received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def int_arg(self, name: str, default: int) -> int:
        value = self.arg(name)
        return int(value) if value is not None and value.isdigit() else default


@dataclass
class Answer:
    """What the stand-in sends back."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


Handler = Callable[[Request], Answer]


@dataclass
class _Fault:
    matches: Callable[[Request], bool]
    answer: Answer
    times: int


class StandIn:
    """Routes, faults and a request log; `serve()` runs it on a free port."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.faults: list[_Fault] = []
        self.requests: list[Request] = []
        self.base_url = ""
        self._lock = threading.Lock()

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append((method.upper(), re.compile(f"^{pattern}$"), handler))
            return handler

        return register

    def fail(
        self,
        answer: Answer,
        *,
        times: int = 1,
        when: Callable[[Request], bool] = lambda _r: True,
    ) -> None:
        """Answer the next `times` matching requests with `answer` instead of the handler."""
        with self._lock:
            self.faults.append(_Fault(when, answer, times))

    def count(self, path_pattern: str = ".*") -> int:
        """How many requests had a path matching `path_pattern`."""
        pattern = re.compile(path_pattern)
        return sum(1 for r in self.requests if pattern.search(r.path))

    def answer(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
            for fault in self.faults:
                if fault.times > 0 and fault.matches(request):
                    fault.times -= 1
                    return fault.answer
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if method == request.method and match:
                request.params = match.groupdict()
                return handler(request)
        return Answer(404, {"message": "Not Found"})

    @contextmanager
    def serve(self) -> Iterator[StandIn]:
        standin = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                return

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                data = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(data) if data else None
                except ValueError:
                    body = data.decode(errors="replace")
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                answer = standin.answer(request)
                payload = (
                    answer.raw
                    if answer.raw is not None
                    else b""
                    if answer.body is None
                    else json.dumps(answer.body).encode()
                )
                self.send_response(answer.status)
                headers = {"Content-Type": "application/json; charset=utf-8", **answer.headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = _handle  # noqa: N815 - the name http.server calls
            do_POST = _handle  # noqa: N815
            do_HEAD = _handle  # noqa: N815

        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def link_header(base: str, path: str, query: dict[str, Any], page: int, last: int) -> str:
    """A GitHub/GitLab style `Link` header for page `page` of `last`."""
    from urllib.parse import urlencode

    def at(number: int) -> str:
        return f"<{base}{path}?{urlencode({**query, 'page': number})}>"

    links = []
    if page < last:
        links += [f'{at(page + 1)}; rel="next"', f'{at(last)}; rel="last"']
    if page > 1:
        links += [f'{at(1)}; rel="first"', f'{at(page - 1)}; rel="prev"']
    return ", ".join(links)
