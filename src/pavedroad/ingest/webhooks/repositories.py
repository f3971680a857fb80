"""Which service a repository named by a delivery is, when the rules file does not map it.

A repository is remembered (`webhook_repositories`) the first time a delivery names it. Its
short name (`Codertocat/Hello-World` -> `hello-world`) is its service only while no other
owner's repository of that name is known, from a delivery or the rules file: two owners'
`hello-world` must not merge silently. Otherwise the row is refused with the repositories that
share the name, and stays reprocessable once the rules file maps each `owner/repo`. This runs
in the delivery's transaction, so a refused or failed delivery remembers nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pavedroad.db import utcnow
from pavedroad.ingest.models import WebhookRepository
from pavedroad.ingest.webhooks.payloads import Mapped
from pavedroad.ingest.webhooks.rules import RULES_ENV, RepositoryRef


@dataclass
class ResolvedRepositories:
    """The rows with their services, why a row's repository could not be mapped, and how each
    repository was mapped (`repository -> explanation`, answered to the sender)."""

    rows: list[Mapped]
    problems: list[str | None]
    notes: dict[str, str] = field(default_factory=dict)


def _remember(session: Session, refs: list[RepositoryRef]) -> None:
    """Record the repositories (first sight wins; a concurrent delivery may record them too)."""
    values = [
        {"full_name": ref.key[:300], "name": ref.short_name[:200], "first_seen_at": utcnow()}
        for ref in refs
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(WebhookRepository)
        .values(values)
        .on_conflict_do_nothing(index_elements=["full_name"])
    )


def _known(session: Session, names: set[str]) -> dict[str, set[str]]:
    """Every remembered repository of each short name in `names`."""
    if session.get_bind().dialect.name == "postgresql":
        # Two first deliveries of `hello-world` from different owners must see each other:
        # the second waits here until the first commits.
        for name in sorted(names):
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
    found: dict[str, set[str]] = {name: set() for name in names}
    rows = session.execute(
        select(WebhookRepository.name, WebhookRepository.full_name).where(
            WebhookRepository.name.in_(sorted(names))
        )
    )
    for name, full_name in rows:
        found[name].add(full_name)
    return found


def resolve_repositories(session: Session, mapped: list[Mapped]) -> ResolvedRepositories:
    """Give every row whose service is a RepositoryRef its service, or the reason it has none."""
    refs: dict[str, RepositoryRef] = {}
    for _, raw in mapped:
        ref = raw.get("service")
        if isinstance(ref, RepositoryRef):
            refs[ref.key] = ref
    if not refs:
        return ResolvedRepositories(mapped, [None] * len(mapped))
    names = {ref.short_name for ref in refs.values()}
    # Remember first, then read: on SQLite the insert takes the write lock, so the read sees
    # every other delivery that committed before it.
    _remember(session, list(refs.values()))
    known = _known(session, names)
    services: dict[str, str | None] = {}
    reasons: dict[str, str] = {}
    notes: dict[str, str] = {}
    for key, ref in refs.items():
        others = (known[ref.short_name] - ref.mapped) | ref.claimed_by
        others.discard(key)
        if not others:
            services[key] = ref.short_name
            notes[ref.full_name] = (
                f"{ref.short_name}: the repository's name (no other owner's repository of that "
                "name is known)"
            )
            continue
        services[key] = None
        shared = ", ".join(sorted(others))
        reasons[key] = (
            f"repository {ref.full_name}: its name {ref.short_name!r} is also used by {shared}, so it is "
            f"not taken as that service; map {key} in the rules file's repositories ({RULES_ENV})"
        )
        notes[ref.full_name] = f"not mapped: {ref.short_name!r} is also used by {shared}"
    rows: list[Mapped] = []
    problems: list[str | None] = []
    for kind_name, raw in mapped:
        ref = raw.get("service")
        if not isinstance(ref, RepositoryRef):
            rows.append((kind_name, raw))
            problems.append(None)
            continue
        service = services[ref.key]
        rows.append((kind_name, {**raw, "service": service or ref.key}))
        problems.append(None if service else reasons[ref.key])
    return ResolvedRepositories(rows, problems, notes)
