"""Sending the week: Slack through a real local HTTP server that answers 429 with Retry-After,
5xx, or always 500 (the URL, a secret, never shown), and email through a real local SMTP server
(aiosmtpd), parsed back into its text and HTML parts."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from pavedroad.comms import email as mail
from pavedroad.comms import slack
from pavedroad.errors import PavedroadError

HOSTILE = '<script>alert("x")</script> & <!channel>'
SECRET_PATH = "/services/T000/B000/sup3rs3cr3tT0k3n"


class SlackStub:
    """An incoming-webhook stand-in: answers each POST with the next scripted status."""

    def __init__(self, script: list[tuple[int, dict[str, str]]], default: int = 200) -> None:
        self.script = list(script)
        self.default = default
        self.bodies: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                stub.bodies.append(json.loads(self.rfile.read(length)))
                status, headers = stub.script.pop(0) if stub.script else (stub.default, {})
                body = b"ok" if status == 200 else b"error"
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{SECRET_PATH}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub_factory() -> Iterator:
    made: list[SlackStub] = []

    def make(script: list[tuple[int, dict[str, str]]], default: int = 200) -> SlackStub:
        made.append(SlackStub(script, default))
        return made[-1]

    yield make
    for stub in made:
        stub.close()


@pytest.fixture
def week_with_entries(cli) -> str:
    for title, day in ((f"CI in 6 minutes {HOSTILE}", "2026-09-29"), ("Rollback", "2026-10-01")):
        result = cli(
            "changelog",
            "add",
            "--title",
            title,
            "--body",
            f"Body {HOSTILE}",
            "--before",
            "18 min",
            "--after",
            "6 min",
            "--date",
            day,
        )
        assert result.exit_code == 0, result.stderr
    return "2026-W40"


def _no_secret(*texts: str) -> None:
    for text in texts:
        assert "sup3rs3cr3tT0k3n" not in text and SECRET_PATH not in text


# ---- Slack ---------------------------------------------------------------------------------


def test_post_sends_exactly_the_slack_format(cli, monkeypatch, stub_factory, week_with_entries):
    stub = stub_factory([])
    monkeypatch.setenv("PAVEDROAD_SLACK_WEBHOOK_URL", stub.url)
    result = cli("changelog", "post", "--week", week_with_entries)
    assert result.exit_code == 0, result.stderr
    assert "1 attempt" in result.stdout
    _no_secret(result.stdout, result.stderr)
    printed = json.loads(
        cli("changelog", "week", "--week", week_with_entries, "--format", "slack").stdout
    )
    assert stub.bodies == [printed]
    sent = json.dumps(stub.bodies[0])
    assert "<!channel>" not in sent and "<script>" not in sent


def test_post_waits_for_retry_after_then_succeeds(
    cli, monkeypatch, stub_factory, week_with_entries
):
    stub = stub_factory([(429, {"Retry-After": "1"})])
    monkeypatch.setenv("PAVEDROAD_SLACK_WEBHOOK_URL", stub.url)
    slept: list[float] = []
    monkeypatch.setattr(slack, "wait", slept.append)
    result = cli("changelog", "post", "--week", week_with_entries)
    assert result.exit_code == 0, result.stderr
    assert slept == [1.0] and len(stub.bodies) == 2 and "2 attempts" in result.stdout


def test_post_retries_5xx_with_capped_backoff(cli, monkeypatch, stub_factory, week_with_entries):
    stub = stub_factory([(503, {}), (502, {})])
    monkeypatch.setenv("PAVEDROAD_SLACK_WEBHOOK_URL", stub.url)
    slept: list[float] = []
    monkeypatch.setattr(slack, "wait", slept.append)
    result = cli("changelog", "post", "--week", week_with_entries)
    assert result.exit_code == 0, result.stderr
    assert len(stub.bodies) == 3 and slept == [0.5, 1.0]


def test_post_that_always_fails_says_so_without_the_url(
    cli, monkeypatch, stub_factory, week_with_entries
):
    stub = stub_factory([], default=500)
    monkeypatch.setenv("PAVEDROAD_SLACK_WEBHOOK_URL", stub.url)
    monkeypatch.setattr(slack, "wait", lambda s: None)
    result = cli("changelog", "post", "--week", week_with_entries)
    assert result.exit_code == 1
    assert f"after {slack.ATTEMPTS} attempts" in result.stderr and "HTTP 500" in result.stderr
    assert "127.0.0.1" in result.stderr
    assert len(stub.bodies) == slack.ATTEMPTS
    _no_secret(result.stdout, result.stderr)


def test_post_does_not_retry_a_refusal(cli, monkeypatch, stub_factory, week_with_entries):
    stub = stub_factory([(404, {})])
    monkeypatch.setenv("PAVEDROAD_SLACK_WEBHOOK_URL", stub.url)
    result = cli("changelog", "post", "--week", week_with_entries)
    assert result.exit_code == 1 and "refused" in result.stderr and len(stub.bodies) == 1
    _no_secret(result.stdout, result.stderr)


def test_post_to_nowhere_and_to_a_bad_url(cli, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(slack, "wait", lambda s: None)
    monkeypatch.setenv("PAVEDROAD_SLACK_WEBHOOK_URL", f"http://127.0.0.1:{port}{SECRET_PATH}")
    result = cli("changelog", "post")
    assert result.exit_code == 1 and "network error" in result.stderr
    _no_secret(result.stdout, result.stderr)
    monkeypatch.setenv("PAVEDROAD_SLACK_WEBHOOK_URL", f"ftp:/{SECRET_PATH}")
    bad = cli("changelog", "post")
    assert bad.exit_code == 1 and "value hidden" in bad.stderr
    _no_secret(bad.stdout, bad.stderr)
    monkeypatch.delenv("PAVEDROAD_SLACK_WEBHOOK_URL")
    unset = cli("changelog", "post")
    assert unset.exit_code == 1 and "PAVEDROAD_SLACK_WEBHOOK_URL is not set" in unset.stderr


def test_a_long_retry_after_is_reported_not_waited(stub_factory):
    stub = stub_factory([(429, {"Retry-After": "3600"})])
    with pytest.raises(PavedroadError, match="Retry-After") as caught:
        slack.post_message(stub.url, {"text": "x"}, sleep=lambda s: None)
    _no_secret(str(caught.value))


def test_masked_url_keeps_only_scheme_and_host():
    assert slack.masked_url("https://hooks.slack.com" + SECRET_PATH) == "https://hooks.slack.com/…"


# ---- email ---------------------------------------------------------------------------------


class Inbox:
    """Collects what the SMTP server receives."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"pa:ss w0rd"
        return AuthResult(success=ok, handled=False)

    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox, port
    controller.stop()


def test_email_is_multipart_text_and_html_escaped(cli, monkeypatch, smtp_server, week_with_entries):
    inbox, port = smtp_server
    monkeypatch.setenv("PAVEDROAD_SMTP_URL", f"smtp://pm:pa%3Ass%20w0rd@127.0.0.1:{port}")
    monkeypatch.setenv("PAVEDROAD_EMAIL_FROM", "platform@brightwave.example")
    result = cli(
        "changelog",
        "email",
        "--week",
        week_with_entries,
        "--to",
        "dev@example.com",
        "--to",
        "lead@example.com",
    )
    assert result.exit_code == 0, result.stderr
    assert "pa:ss" not in result.stdout and "w0rd" not in result.stdout
    assert "smtp://pm@127.0.0.1" in result.stdout
    (envelope,) = inbox.envelopes
    assert envelope.mail_from == "platform@brightwave.example"
    assert sorted(envelope.rcpt_tos) == ["dev@example.com", "lead@example.com"]
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Platform changelog 2026-W40: 2 changes"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert HOSTILE in text  # plain text carries it literally: it is not markup there
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; &lt;!channel&gt;" in html
    assert "Before: 18 min" in text and "<strong>After:</strong> 6 min" in html


def test_email_recipients_come_from_the_setting(cli, monkeypatch, smtp_server, week_with_entries):
    inbox, port = smtp_server
    monkeypatch.setenv("PAVEDROAD_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("PAVEDROAD_EMAIL_TO", "a@example.com, b@example.com")
    result = cli("changelog", "email", "--week", week_with_entries)
    assert result.exit_code == 0, result.stderr
    assert sorted(inbox.envelopes[0].rcpt_tos) == ["a@example.com", "b@example.com"]


def test_email_failures_are_clear_and_hide_the_password(cli, monkeypatch, smtp_server):
    _, port = smtp_server
    monkeypatch.setenv("PAVEDROAD_SMTP_URL", f"smtp://pm:wrong-secret@127.0.0.1:{port}")
    wrong = cli("changelog", "email", "--to", "dev@example.com")
    assert wrong.exit_code == 1 and "refused the user name or password" in wrong.stderr
    assert "wrong-secret" not in wrong.stderr + wrong.stdout
    monkeypatch.setenv("PAVEDROAD_SMTP_URL", f"smtp://pm:wrong-secret@127.0.0.1:{_free_port()}")
    down = cli("changelog", "email", "--to", "dev@example.com")
    assert down.exit_code == 1 and "could not send" in down.stderr
    assert "wrong-secret" not in down.stderr
    monkeypatch.setenv("PAVEDROAD_SMTP_URL", "imap://pm:wrong-secret@host")
    bad = cli("changelog", "email", "--to", "dev@example.com")
    assert bad.exit_code == 1 and "value hidden" in bad.stderr and "wrong-secret" not in bad.stderr
    monkeypatch.setenv("PAVEDROAD_SMTP_URL", f"smtp://127.0.0.1:{port}")
    no_one = cli("changelog", "email")
    assert no_one.exit_code == 1 and "--to" in no_one.stderr
    hostile = cli("changelog", "email", "--to", "a@example.com\r\nBcc: x@evil.example")
    assert hostile.exit_code == 1 and "not an email address" in hostile.stderr


def test_smtp_urls_are_read_with_their_default_ports():
    assert str(mail.parse_smtp_url("smtps://u:p@mail.example")) == "smtps://u@mail.example:465"
    assert mail.parse_smtp_url("smtp+starttls://mail.example").port == 587
    assert mail.parse_smtp_url("smtp://mail.example").port == 25
    assert mail.parse_smtp_url("smtp://u:p%40ss@h:2525").password == "p@ss"
