"""Backstage entity names and references, by Backstage's rules (ADR009, "Entity References").

A reference is `[kind:][namespace/]name`, or the compound form `{kind, namespace, name}`.
Kind and namespace fall back to what the field implies: `spec.owner` means a Group, and the
namespace is the referring entity's own. Comparison is case-insensitive, so refs are lower-cased.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pavedroad.errors import InvalidInputError

DEFAULT_NAMESPACE = "default"
MAX_PART_LENGTH = 63
_NAME = re.compile(r"[a-zA-Z0-9]+(?:[-_.][a-zA-Z0-9]+)*")
_NAMESPACE = re.compile(r"[a-z0-9]+(?:-+[a-z0-9]+)*")
_KIND = re.compile(r"[a-zA-Z][a-zA-Z0-9]*")
NAME_RULE = "1-63 characters a-z, A-Z, 0-9, separated by single '-', '_' or '.'"
NAMESPACE_RULE = "1-63 characters a-z, 0-9, separated by '-'"


@dataclass(frozen=True, order=True)
class EntityRef:
    """A Backstage entity reference, every part lower-cased."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.namespace}/{self.name}"

    def short(self) -> str:
        """How a message names the entity: the namespace only where it is not the default."""
        return self.name if self.namespace == DEFAULT_NAMESPACE else f"{self.namespace}/{self.name}"


def name_problem(name: str) -> str | None:
    """Why `name` is not a valid `metadata.name`, or None."""
    if len(name) > MAX_PART_LENGTH or not _NAME.fullmatch(name):
        return f"is not a valid Backstage name ({NAME_RULE})"
    return None


def namespace_problem(namespace: str) -> str | None:
    """Why `namespace` is not a valid `metadata.namespace`, or None."""
    if len(namespace) > MAX_PART_LENGTH or not _NAMESPACE.fullmatch(namespace.lower()):
        return f"is not a valid Backstage namespace ({NAMESPACE_RULE})"
    return None


def _check(kind: str, namespace: str, name: str, shown: str) -> EntityRef:
    if not name:
        raise InvalidInputError.because(f"reference {shown!r} has no name")
    if not _KIND.fullmatch(kind) or len(kind) > MAX_PART_LENGTH:
        raise InvalidInputError.because(f"reference {shown!r} has an invalid kind {kind!r}")
    if problem := namespace_problem(namespace):
        raise InvalidInputError.because(f"reference {shown!r}: namespace {namespace!r} {problem}")
    if problem := name_problem(name):
        raise InvalidInputError.because(f"reference {shown!r}: name {name!r} {problem}")
    return EntityRef(kind=kind.lower(), namespace=namespace.lower(), name=name.lower())


def parse_entity_ref(
    ref: object, *, default_kind: str, default_namespace: str = DEFAULT_NAMESPACE
) -> EntityRef:
    """Parse `group:default/payments`, `default/payments`, `payments` or the compound form."""
    example = f"expected an entity reference such as {default_kind}:default/payments"
    if isinstance(ref, dict):
        name, kind, namespace = ref.get("name"), ref.get("kind"), ref.get("namespace")
        if not all(isinstance(part, str | None) for part in (name, kind, namespace)):
            raise InvalidInputError.because(example)
        shown = "{" + ", ".join(f"{k}: {v}" for k, v in ref.items() if isinstance(v, str)) + "}"
        return _check(
            (kind or default_kind).strip(),
            (namespace or default_namespace).strip(),
            (name or "").strip(),
            shown,
        )
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidInputError.because(example)
    text = ref.strip()
    # As Backstage reads it: a ':' after the first '/' belongs to the name, not to a kind.
    colon, slash = text.find(":"), text.find("/")
    if slash != -1 and slash < colon:
        colon = -1
    kind = text[:colon] if colon != -1 else default_kind
    namespace = text[colon + 1 : slash] if slash != -1 else default_namespace
    name = text[max(colon + 1, slash + 1) :]
    return _check(kind, namespace, name, text)
