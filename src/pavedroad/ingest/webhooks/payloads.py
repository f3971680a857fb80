"""What every provider module shares: outcomes of mapping, payload accessors, signatures, ids.

Provider functions are pure: they take the request headers (names lower-cased), the raw body
and the parsed JSON payload, and either return rows as `(kind name, raw values)` or raise
`Ignored` (an event pavedroad does not use) or `Malformed` (the payload lacks what the mapping
needs).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

Headers = Mapping[str, str]
Mapped = tuple[str, dict[str, object]]
MAX_ID_CHARS = 200


class Ignored(Exception):
    """The delivery is valid but pavedroad does not use this event; the message says why."""


class Malformed(Exception):
    """The delivery cannot be read or lacks a field the mapping needs; the message names it."""


def parse_json(body: bytes) -> Any:
    """The JSON document of a body, or Malformed saying why it is not one."""
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise Malformed("the body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise Malformed(f"the body is not JSON: {exc.msg} at position {exc.pos}") from None
    except RecursionError:
        raise Malformed("the body is JSON nested too deeply") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise Malformed("the body holds a number too long to read") from None


def as_object(value: object, where: str) -> dict[str, Any]:
    """`value` as a JSON object, or Malformed naming where one was expected."""
    if not isinstance(value, dict):
        raise Malformed(f"expected a JSON object at {where}")
    return value


def lookup(payload: object, path: str) -> Any:
    """The value at a dotted path such as `deployment.environment`, or None when absent."""
    value: Any = payload
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def required(payload: object, path: str) -> Any:
    """The value at a dotted path, or Malformed naming the missing field."""
    value = lookup(payload, path)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Malformed(f"missing field {path}")
    return value


def required_text(payload: object, path: str) -> str:
    """The text (or number, as text) at a dotted path, or Malformed naming the field."""
    value = required(payload, path)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Malformed(f"field {path} should be text, got {type(value).__name__}")
    return str(value)


def optional_text(payload: object, path: str) -> str | None:
    """The text at a dotted path, or None when it is absent or not text."""
    value = lookup(payload, path)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    return None


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of a raw body, as GitHub, PagerDuty and Jira sign them."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def same_signature(given: str, expected: str) -> bool:
    """Compare two signatures in constant time."""
    return hmac.compare_digest(given.strip().lower().encode(), expected.encode())


def body_hash(body: bytes) -> str:
    """A delivery id for senders that give none: the SHA-256 of the body."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


def bounded_id(value: str | None, body: bytes) -> str:
    """A usable delivery id: the given one when it fits, else the body's hash."""
    text = (value or "").strip()
    if not text or len(text) > MAX_ID_CHARS or not text.isprintable():
        return body_hash(body)
    return text


def timestamp_text(value: object) -> object:
    """Timestamps as ISO 8601 text: `2016-08-12 15:23:28 UTC` (GitLab) becomes `...+00:00`."""
    if isinstance(value, str) and value.strip().endswith(" UTC"):
        return value.strip()[: -len(" UTC")] + "+00:00"
    return value


def verify_sha256_header(headers: Headers, header: str, body: bytes, secret: str) -> bool:
    """Whether header `header` is `sha256=<hex HMAC-SHA256 of the body under secret>`."""
    scheme, _, digest = headers.get(header, "").partition("=")
    if scheme.strip().lower() != "sha256" or not digest.strip():
        return False
    return same_signature(digest, hmac_sha256_hex(secret, body))
