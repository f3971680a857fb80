"""Slow or idle senders cannot starve signed webhook deliveries: what needs no body is checked
first, a body has a time bound, and no delivery slot is held while one arrives."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from urllib.parse import urlparse

import httpx
import pytest

SECRET = "slow-client-secret"


@pytest.fixture
def hooked(monkeypatch) -> None:
    monkeypatch.setenv("PAVEDROAD_GITHUB_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("PAVEDROAD_WEBHOOK_MAX_IN_FLIGHT", "4")
    monkeypatch.setenv("PAVEDROAD_WEBHOOK_BODY_SECONDS", "2")


def _open(base: str, headers: dict[str, str], first_bytes: bytes) -> socket.socket:
    """A connection that sends its headers and the start of a body, then goes quiet."""
    url = urlparse(base)
    sock = socket.create_connection((url.hostname, url.port), timeout=30)
    lines = ["POST /webhooks/github HTTP/1.1", f"Host: {url.hostname}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + first_bytes)
    return sock


def _status(sock: socket.socket) -> int:
    head = sock.recv(4096).split(b"\r\n", 1)[0]
    return int(head.split()[1])


def _signed_ping(n: int) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"zen": "Keep it logically awesome.", "hook_id": n}).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {
        "X-GitHub-Event": "ping",
        "X-GitHub-Delivery": f"slow-{n}",
        "X-Hub-Signature-256": f"sha256={signature}",
        "Content-Type": "application/json",
    }


def test_idle_senders_hold_no_slot_and_time_out_with_408(hooked, live_server):
    idle = [
        _open(
            live_server,
            {
                "Content-Length": "5000",
                "X-Hub-Signature-256": "sha256=00",
                "X-GitHub-Event": "ping",
            },
            b'{"zen": ',
        )
        for _ in range(40)
    ]
    try:
        time.sleep(0.3)
        for n in range(5):  # more than the 4 slots, one after another
            body, headers = _signed_ping(n)
            answer = httpx.post(f"{live_server}/webhooks/github", content=body, headers=headers)
            assert answer.status_code in {200, 202}, answer.text
        started = time.monotonic()
        statuses = [_status(sock) for sock in idle]
        assert statuses == [408] * 40
        assert time.monotonic() - started < 10
    finally:
        for sock in idle:
            sock.close()


def test_an_unsigned_sender_is_refused_before_its_body_is_read(hooked, live_server):
    sock = _open(live_server, {"Content-Length": "5000", "X-GitHub-Event": "ping"}, b"")
    try:
        started = time.monotonic()
        assert _status(sock) == 401
        assert time.monotonic() - started < 1.5  # long before the body's time bound
    finally:
        sock.close()


def test_the_generic_hook_checks_its_token_before_the_body(hooked, live_server):
    url = urlparse(live_server)
    sock = socket.create_connection((url.hostname, url.port), timeout=30)
    try:
        sock.sendall(
            b"POST /api/v1/hooks/deployments HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
            b"Authorization: Bearer prd_not-a-token\r\n\r\n"
        )
        started = time.monotonic()
        assert _status(sock) == 401
        assert time.monotonic() - started < 1.5
    finally:
        sock.close()
