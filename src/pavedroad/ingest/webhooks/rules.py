"""Mapping rules: which service a repository or PagerDuty service is, and how Jira issues sort.

The rules live in an optional YAML file named by `PAVEDROAD_WEBHOOK_RULES`; without one, the
defaults below apply. Names are matched case-insensitively.

    repositories:        {payments/ledger-api: ledger-service}   # else the repo name where unique
    pagerduty_services:  {Ledger API: ledger-service}            # else the name as a slug
    ticket_categories:   {ci-pipeline: ci, Deploys: deploy}      # Jira label or component
    ticket_kinds:        {Service Request: request}              # Jira issue type
    self_service_labels: [self-service]                          # labels marking self-service
    ci_source:           workflow_run                            # GitHub CI runs: or check_suite

A repository the file does not map is its service by its short name (`Codertocat/Hello-World`
-> `hello-world`) only while no other owner's repository of that name is known (in this file or
seen by a delivery); otherwise its rows are refused until the file maps its `owner/repo`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pavedroad.errors import InvalidInputError, PavedroadError
from pavedroad.ingest.kinds import KINDS
from pavedroad.settings import BY_NAME
from pavedroad.yamlfile import load_document

RULES_ENV = BY_NAME["webhook_rules"].env
TICKET_KINDS = KINDS["tickets"].column("kind").choices
DEFAULT_TICKET_KINDS: Mapping[str, str] = {"bug": "bug", "question": "question"}
MAPS = ("repositories", "pagerduty_services", "ticket_categories", "ticket_kinds")
KEYS = (*MAPS, "self_service_labels", "ci_source")
CiSource = Literal["workflow_run", "check_suite"]
CI_SOURCES: tuple[CiSource, ...] = ("workflow_run", "check_suite")
_NOT_SLUG = re.compile(r"[^a-z0-9._-]+")


class RepositoryRef(str):
    """A row's service while it is a repository that the rules file does not map.

    Its value is the short name the service would be; the receiver decides, in the delivery's
    transaction, whether that name is unique (`webhooks/repositories.py`). `claimed_by` lists
    the repositories the rules file maps to that short name; `mapped` every repository the file
    maps (their rows never take a short name, so they cannot collide with it).
    """

    full_name: str
    claimed_by: frozenset[str]
    mapped: frozenset[str]

    def __new__(
        cls,
        full_name: str,
        claimed_by: frozenset[str] = frozenset(),
        mapped: frozenset[str] = frozenset(),
    ) -> RepositoryRef:
        ref = super().__new__(cls, repository_name(full_name))
        ref.full_name = full_name.strip()
        ref.claimed_by = claimed_by
        ref.mapped = mapped
        return ref

    @property
    def key(self) -> str:
        """`owner/repo` lower-cased: how the repository is matched and remembered."""
        return self.full_name.lower()

    @property
    def short_name(self) -> str:
        """The repository's own name, lower-cased: its service when no other owner uses it."""
        return str(self)


def repository_name(full_name: str) -> str:
    """`Codertocat/Hello-World` -> `hello-world` (GitLab: the last part of the path)."""
    return full_name.strip().lower().rsplit("/", 1)[-1]


class RulesError(PavedroadError):
    """The rules file cannot be used; the message names the file and the key."""


def slug(name: str) -> str:
    """A name as a catalog slug: lower-cased, runs of other characters as one `-`."""
    return _NOT_SLUG.sub("-", name.strip().lower()).strip("-")


@dataclass(frozen=True)
class MappingRules:
    """The rules in force (keys lower-cased); the defaults when no file is configured."""

    repositories: Mapping[str, str] = field(default_factory=dict)
    pagerduty_services: Mapping[str, str] = field(default_factory=dict)
    ticket_categories: Mapping[str, str] = field(default_factory=dict)
    ticket_kinds: Mapping[str, str] = field(default_factory=dict)
    self_service_labels: frozenset[str] = frozenset({"self-service"})
    ci_source: CiSource = "workflow_run"

    def service_for_repository(self, full_name: str) -> str:
        """`owner/repo` (GitLab: `group/sub/project`) -> its mapped service, else a RepositoryRef.

        A RepositoryRef becomes the short name only where that is unique (decided on receipt).
        """
        key = full_name.strip().lower()
        mapped = self.repositories.get(key)
        if mapped:
            return mapped
        name = repository_name(key)
        claimed = frozenset(
            other for other, service in self.repositories.items() if service == name
        )
        return RepositoryRef(full_name, claimed, frozenset(self.repositories))

    def service_for_pagerduty(self, name: str) -> str:
        """A PagerDuty service name -> service; default the name as a slug."""
        return self.pagerduty_services.get(name.strip().lower()) or slug(name)

    def ticket_category(self, labels: Iterable[str], components: Iterable[str]) -> str | None:
        """The first mapped label or component, else the first component, else the first label."""
        labels, components = list(labels), list(components)
        for name in (*labels, *components):
            mapped = self.ticket_categories.get(name.strip().lower())
            if mapped:
                return mapped
        first = next((n.strip() for n in (*components, *labels) if n.strip()), None)
        return first.lower()[:100] if first else None

    def ticket_kind(self, issue_type: str) -> str:
        """A Jira issue type -> question, request or bug; unmapped types are requests."""
        key = issue_type.strip().lower()
        return self.ticket_kinds.get(key) or DEFAULT_TICKET_KINDS.get(key, "request")

    def is_self_service(self, labels: Iterable[str]) -> bool:
        """Whether a label marks the ticket as solved without the platform team."""
        return any(label.strip().lower() in self.self_service_labels for label in labels)


def _problem(path: Path, key: str, reason: str) -> RulesError:
    return RulesError(f"webhook rules file {path} ({RULES_ENV}): key {key!r}: {reason}")


def _read_map(path: Path, name: str, value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _problem(path, name, "expected a mapping of name: value")
    result: dict[str, str] = {}
    for key, mapped in value.items():
        where = f"{name}.{key}"
        if not isinstance(mapped, str) or not mapped.strip():
            raise _problem(path, where, f"expected a non-empty name (got {mapped!r})")
        if name == "ticket_kinds" and mapped.strip().lower() not in TICKET_KINDS:
            raise _problem(
                path, where, f"expected one of {', '.join(TICKET_KINDS)} (got {mapped!r})"
            )
        result[str(key).strip().lower()] = mapped.strip().lower()
    return result


def parse_rules(path: Path, document: Any) -> MappingRules:
    """Rules from a parsed YAML document; RulesError names the file and the key at fault."""
    if document is None:
        return MappingRules()
    if not isinstance(document, dict):
        raise _problem(path, "(top level)", f"expected a mapping with the keys {', '.join(KEYS)}")
    unknown = [str(k) for k in document if k not in KEYS]
    if unknown:
        raise _problem(path, unknown[0], f"unknown key; expected {', '.join(KEYS)}")
    maps = {name: _read_map(path, name, document.get(name)) for name in MAPS}
    labels = document.get("self_service_labels", ["self-service"])
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise _problem(path, "self_service_labels", "expected a list of labels")
    ci_source = document.get("ci_source", "workflow_run")
    if ci_source not in CI_SOURCES:
        raise _problem(
            path, "ci_source", f"expected one of {', '.join(CI_SOURCES)} (got {ci_source!r})"
        )
    return MappingRules(
        ci_source=ci_source,
        repositories=maps["repositories"],
        pagerduty_services=maps["pagerduty_services"],
        ticket_categories=maps["ticket_categories"],
        ticket_kinds=maps["ticket_kinds"],
        self_service_labels=frozenset(x.strip().lower() for x in labels),
    )


def load_rules(path: str | Path | None) -> MappingRules:
    """The rules of the YAML file at `path`, or the defaults when `path` is None."""
    if path is None:
        return MappingRules()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise RulesError(
            f"webhook rules file {path} ({RULES_ENV}): cannot read it: {reason}"
        ) from None
    try:
        document = load_document(text, source=str(path))
    except InvalidInputError as exc:
        [problem] = exc.problems
        where = f" at line {problem.line}" if problem.line is not None else ""
        reason = problem.reason.removeprefix("broken YAML: ")
        raise RulesError(
            f"webhook rules file {path} ({RULES_ENV}): broken YAML{where}: {reason}"
        ) from None
    return parse_rules(path, document.value)
