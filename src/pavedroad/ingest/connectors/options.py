"""Checking a connection's provider options: each provider accepts only its own.

`connect add` passes every provider option it was given (`repos`, `jql`, `services`...); a
provider refuses those that are not its own, naming the command-line option, so a `--jql` given
to a PagerDuty connection is an error rather than silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pavedroad.errors import InvalidInputError

# Option key -> the `connect add` option that sets it.
FLAGS: Mapping[str, str] = {
    "repos": "--repo",
    "org": "--org",
    "projects": "--project",
    "group": "--group",
    "services": "--service",
    "urgencies": "--urgency",
    "priorities": "--priority",
    "jql": "--jql",
    "as": "--as",
    "api": "--jira-api",
    "self_service_field": "--self-service-field",
    "self_service_label": "--self-service-label",
    "mapping": "--mapping",
}


def flag(key: str) -> str:
    """The command-line option of an option key (`self_service_field` -> `--self-service-field`)."""
    return FLAGS.get(key, f"--{key.replace('_', '-')}")


def given(raw: Mapping[str, Any], provider: str, allowed: Iterable[str]) -> dict[str, Any]:
    """The options given (empty ones dropped), or a refusal naming one that is not the
    provider's."""
    mine = set(allowed)
    found = {key: value for key, value in raw.items() if value not in (None, [], "")}
    for key in found:
        if key not in mine:
            raise InvalidInputError.because(
                f"{flag(key)} is not an option of a {provider} connection; it takes "
                + (", ".join(flag(k) for k in sorted(mine)) or "no options"),
                field=flag(key).lstrip("-"),
            )
    return found


def text_list(value: object, key: str) -> list[str]:
    """A list of non-empty texts (one text is a list of one), or a refusal naming the option."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
        raise InvalidInputError.because("expected one or more names", field=flag(key).lstrip("-"))
    cleaned = [v.strip() for v in items if v.strip()]
    if len(cleaned) > 100 or any(len(v) > 200 or not v.isprintable() for v in cleaned):
        raise InvalidInputError.because(
            "expected at most 100 printable names of at most 200 characters",
            field=flag(key).lstrip("-"),
        )
    return list(dict.fromkeys(cleaned))
