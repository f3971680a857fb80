"""Sending the changelog email through the server in `PAVEDROAD_SMTP_URL`:
`smtp://user:password@host:port` (plain, port 25), `smtps://` (TLS from the start, port 465)
or `smtp+starttls://` (STARTTLS, port 587). The password is never shown back."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from pavedroad.errors import PavedroadError

TIMEOUT_SECONDS = 20.0
DEFAULT_PORTS = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}


class EmailError(PavedroadError):
    """The message could not be sent; the text names the server without the password."""


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send: the parts of an SMTP URL."""

    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None

    def __str__(self) -> str:
        """The server as it may be shown: `smtp://user@host:port`, never the password."""
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpServer:
    """The server an SMTP URL names, or EmailError (the value is never echoed)."""
    hint = (
        "PAVEDROAD_SMTP_URL must look like smtp://user:password@host:port, smtps://... or "
        "smtp+starttls://... (value hidden)"
    )
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = parts.hostname
        port = parts.port
    except ValueError:
        raise EmailError(hint) from None
    if scheme not in DEFAULT_PORTS or not host:
        raise EmailError(hint)
    return SmtpServer(
        scheme=scheme,
        host=host,
        port=port or DEFAULT_PORTS[scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def send_message(server: SmtpServer, message: EmailMessage) -> None:
    """Send one message; EmailError with the server (no password) and the reason."""
    try:
        client: smtplib.SMTP
        if server.scheme == "smtps":
            client = smtplib.SMTP_SSL(
                server.host,
                server.port,
                timeout=TIMEOUT_SECONDS,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        with client:
            if server.scheme == "smtp+starttls":
                client.starttls(context=ssl.create_default_context())
            if server.username:
                client.login(server.username, server.password or "")
            refused = client.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise EmailError(f"{server} refused the user name or password") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise EmailError(
            f"{server} refused every recipient: {', '.join(map(str, exc.recipients))}"
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        reason = str(exc).replace(server.password or "\x00", "…") if server.password else str(exc)
        raise EmailError(
            f"could not send through {server}: {type(exc).__name__}: {reason}"
        ) from None
    if refused:
        raise EmailError(f"{server} refused some recipients: {', '.join(sorted(refused))}")
