"""Writing one delivery: check its mapped rows, resolve them against the catalog, upsert them.

An accepted delivery is stored with its raw payload in the same transaction as its rows and its
run's counts, so a delivery answered 2xx is never lost and a failed one leaves nothing behind.
A webhook never creates teams or services, so rows naming an unknown one are rejects; an unknown
capability in usage rows is created (and listed in the answer), like a file import does.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC
from typing import Literal

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from pavedroad import versions
from pavedroad.catalog.capabilities import ensure_capabilities
from pavedroad.errors import InputProblem
from pavedroad.ingest.files import (
    USAGE_KIND,
    Catalog,
    deployment_references,
    resolve_references,
)
from pavedroad.ingest.kinds import KINDS, EventKind
from pavedroad.ingest.models import WebhookDelivery
from pavedroad.ingest.rows import KEPT, Row, convert_row, distinct_generated_keys
from pavedroad.ingest.webhooks import run_accounting
from pavedroad.ingest.webhooks.payloads import Ignored, Malformed, Mapped
from pavedroad.ingest.webhooks.repositories import resolve_repositories
from pavedroad.ingest.webhooks.rules import RULES_ENV
from pavedroad.ingest.writer import UpsertCounts, deployment_finishes, upsert_rows

UNKNOWN_HINT = f"add it to the catalog, or map the name in the rules file ({RULES_ENV})"
DeliveryStatus = Literal["processed", "rejected", "ignored", "duplicate"]
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


@dataclass
class Outcome:
    """What a delivery did, as answered to its sender."""

    provider: str
    delivery: str
    event: str
    status: DeliveryStatus
    run: int | None
    read: int = 0
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    rejects: list[dict[str, object]] = field(default_factory=list)
    reason: str | None = None
    # How each repository the delivery named was mapped to a service, when not by the rules.
    services: dict[str, str] = field(default_factory=dict)
    # What was taken with a change, such as a clamped time.
    warnings: list[str] = field(default_factory=list)
    # Capabilities the delivery's usage rows named that the catalog did not know: created.
    created_capabilities: list[str] = field(default_factory=list)

    @property
    def http_status(self) -> int:
        """200 when taken or already taken; 202 when accepted but ignored or refused in part."""
        return 202 if self.status in ("ignored", "rejected") else 200

    def as_dict(self) -> dict[str, object]:
        """The JSON body of the answer."""
        return {
            "provider": self.provider,
            "delivery": self.delivery,
            "event": self.event,
            "status": self.status,
            "run": self.run,
            "counts": {
                "read": self.read,
                "new": self.counts.new,
                "updated": self.counts.updated,
                "unchanged": self.counts.unchanged,
                "rejected": len(self.rejects),
            },
            "rejects": self.rejects,
            "reason": self.reason,
            "services": self.services,
            "warnings": self.warnings,
            "created_capabilities": self.created_capabilities,
        }


@dataclass
class CheckedRow:
    """One mapped row: its kind, the values as mapped, the typed row, and its problems."""

    kind: EventKind | None
    raw: dict[str, object]
    row: Row | None
    problems: list[InputProblem]
    warnings: list[InputProblem] = field(default_factory=list)


def clean(text: str, limit: int) -> str:
    """Text any store accepts: no NUL or lone surrogates, at most `limit` characters."""
    return _UNSAFE.sub("\ufffd", text)[:limit]


def check_row(kind_name: str, raw: dict[str, object]) -> CheckedRow:
    """Typed values for a mapped row, or its problems (unknown fields, bad values)."""
    kind = KINDS[kind_name]
    unknown = [k for k in raw if k not in kind.column_names]
    if unknown:
        reason = f"unknown field; expected {', '.join(kind.column_names)}"
        return CheckedRow(kind, raw, None, [InputProblem(field=unknown[0], reason=reason)])
    broken = [k for k, v in raw.items() if isinstance(v, str) and _UNSAFE.search(v)]
    if broken:
        return CheckedRow(
            kind,
            raw,
            None,
            [InputProblem(field=broken[0], reason="contains a NUL or invalid character")],
        )
    warnings: list[InputProblem] = []
    row, problems = convert_row(kind, raw, tz=UTC, warnings=warnings)
    return CheckedRow(kind, raw, row, problems, warnings)


class CatalogCache:
    """The catalog deliveries resolve against, loaded again after any catalog write.

    Keyed on the catalog's data version (`versions.of(session, "catalog")`), which every
    catalog write bumps in its own transaction, whichever process makes it.
    """

    def __init__(self) -> None:
        self._loaded: tuple[int, Catalog] | None = None

    def current(self, session: Session) -> Catalog:
        """The catalog as the session sees it."""
        # The version is read first: a write committed between the two reads is then seen
        # as a newer version by the next delivery, never hidden under this one.
        version = versions.of(session, "catalog")
        loaded = self._loaded
        if loaded is not None and loaded[0] == version:
            return loaded[1]
        catalog = Catalog.load(session)
        self._loaded = (version, catalog)
        return catalog


def _resolve(session: Session, checked: list[CheckedRow], catalogs: CatalogCache) -> None:
    """Refuse rows whose service, team or deployment is unknown (never creating any)."""
    typed = [(c, c.kind, c.row) for c in checked if c.kind is not None and c.row is not None]
    if not typed:
        return
    refs = [ref for _, kind, row in typed for ref in deployment_references(kind, [row])]
    known = deployment_finishes(session.connection(), refs) if refs else {}
    catalog = catalogs.current(session)
    for c, kind, row in typed:
        c.problems = resolve_references(
            kind, row, catalog=catalog, known_deployments=known, hint=UNKNOWN_HINT
        )


@dataclass
class CheckedBatch:
    """Mapped rows checked against their kinds and the catalog: the good ones per kind."""

    checked: list[CheckedRow]
    good: dict[str, list[Row]]
    # How each repository the rows named was mapped to a service, when not by the rules.
    services: dict[str, str]

    @property
    def refused(self) -> list[tuple[int, CheckedRow]]:
        """The refused rows with their 1-based position."""
        return [(i, c) for i, c in enumerate(self.checked, start=1) if c.problems]

    @property
    def warnings(self) -> list[str]:
        """What was taken with a change (such as a clamped time), per taken row."""
        return [
            clean(f"{c.kind.name if c.kind else 'row'}: {w}", 500)
            for c in self.checked
            if not c.problems
            for w in c.warnings
        ]


def check_mapped(
    session: Session, mapped: list[Mapped], *, salt: str, catalogs: CatalogCache
) -> CheckedBatch:
    """Type mapped rows, resolve their repositories, services, teams and deployments, and give
    generated keys to rows without an id (`salt` keeps identical rows of two batches apart).
    Writes nothing but the repositories first seen (in the caller's transaction)."""
    resolved = resolve_repositories(session, mapped)
    checked = [
        check_row(kind_name, raw)
        if problem is None
        else CheckedRow(
            KINDS[kind_name], raw, None, [InputProblem(field="service", reason=problem)]
        )
        for (kind_name, raw), problem in zip(resolved.rows, resolved.problems, strict=True)
    ]
    return _checked_batch(session, checked, resolved.notes, salt=salt, catalogs=catalogs)


def _checked_batch(
    session: Session,
    checked: list[CheckedRow],
    services: dict[str, str],
    *,
    salt: str,
    catalogs: CatalogCache,
) -> CheckedBatch:
    _resolve(session, checked, catalogs)
    good: dict[str, list[Row]] = {}
    for c in checked:
        if not c.problems and c.kind is not None and c.row is not None:
            good.setdefault(c.kind.name, []).append(c.row)
    for kind_name, rows in good.items():
        kind = KINDS[kind_name]
        if kind.hashed_key:  # identical rows without an id, in this batch or another
            keys = distinct_generated_keys([row[kind.key] for row in rows], Counter(), salt=salt)
            for row, key in zip(rows, keys, strict=True):
                row[kind.key] = key
    return CheckedBatch(checked, good, services)


@dataclass
class Written:
    """What writing a checked batch did."""

    counts: UpsertCounts = field(default_factory=UpsertCounts)
    per_kind: dict[str, UpsertCounts] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    created_capabilities: list[str] = field(default_factory=list)


def write_checked(
    session: Session, batch: CheckedBatch, *, channel: str, run_id: int, catalogs: CatalogCache
) -> Written:
    """Upsert a checked batch's good rows in the session's transaction."""
    written = Written()
    connection = session.connection()
    for kind_name, rows in batch.good.items():
        counts = upsert_rows(connection, KINDS[kind_name], rows, channel=channel, run_id=run_id)
        written.per_kind[kind_name] = counts
        written.counts.add(counts)
        written.warnings += _still_unknown(session, KINDS[kind_name], rows)
    if USAGE_KIND in batch.good:
        written.created_capabilities = _new_capabilities(session, batch.good[USAGE_KIND], catalogs)
    return written


def apply_delivery(
    session: Session,
    *,
    delivery: WebhookDelivery,
    mapped: list[Mapped] | Ignored | Malformed,
    run_id: int,
    finish: bool,
    catalogs: CatalogCache,
) -> Outcome:
    """Write a delivery's rows, its own record and its run's counts in the session's transaction."""
    outcome = Outcome(
        delivery.provider, delivery.delivery_id, delivery.event_type, "processed", run_id
    )
    salt = delivery.delivery_id
    if isinstance(mapped, Ignored):
        outcome.status, outcome.reason = "ignored", str(mapped)
        batch = CheckedBatch([], {}, {})
    elif isinstance(mapped, Malformed):
        malformed = [CheckedRow(None, {}, None, [InputProblem(reason=f"malformed: {mapped}")])]
        batch = _checked_batch(session, malformed, {}, salt=salt, catalogs=catalogs)
    else:
        batch = check_mapped(session, mapped, salt=salt, catalogs=catalogs)
    outcome.services = batch.services
    checked, refused = batch.checked, batch.refused
    outcome.read = len(checked)
    outcome.warnings = batch.warnings
    outcome.rejects = [
        {
            "kind": c.kind.name if c.kind else None,
            "field": c.problems[0].field,
            "reason": clean("; ".join(str(p) for p in c.problems), 500),
        }
        for _, c in refused
    ]
    if refused:
        outcome.status = "rejected"
        outcome.reason = "; ".join(str(r["reason"]) for r in outcome.rejects)
    delivery.status = outcome.status
    delivery.error = clean(outcome.reason, 1000) if outcome.reason else None
    session.add(delivery)
    session.flush()  # a concurrent copy of this delivery fails here, before any row is written
    written = write_checked(
        session,
        batch,
        channel=f"{run_accounting.CHANNEL}:{delivery.provider}",
        run_id=run_id,
        catalogs=catalogs,
    )
    outcome.counts = written.counts
    outcome.warnings += written.warnings
    outcome.created_capabilities = written.created_capabilities
    where = f"{delivery.event_type} {delivery.delivery_id}"
    several = len(checked) > 1
    run_accounting.add_delivery(
        session,
        run_id=run_id,
        read=outcome.read,
        counts=outcome.counts,
        rejects=[
            (
                index if several else None,
                clean(c.problems[0].field, 100) if c.problems[0].field else None,
                clean(f"{where}: {'; '.join(str(p) for p in c.problems)}", 500),
                clean(
                    json.dumps({"delivery": delivery.delivery_id, "row": c.raw}, default=str),
                    4000,
                ),
            )
            for index, c in refused
        ],
        errors=[clean(f"{where}: {r['reason']}", 1000) for r in outcome.rejects]
        + [clean(f"{where}: warning: {w}", 1000) for w in outcome.warnings],
        ignored=outcome.status == "ignored",
        finish=finish,
    )
    return outcome


def _new_capabilities(session: Session, rows: list[Row], catalogs: CatalogCache) -> list[str]:
    """Create the capabilities usage rows name that the catalog lacks; returns the created."""
    catalog = catalogs.current(session)
    unseen = {str(row["capability"]) for row in rows} - catalog.capabilities
    if not unseen:
        return []
    # The cached catalog is left as it is: creating a name bumps the catalog's version,
    # so the next delivery loads it again (and a rolled-back delivery leaves it right).
    return ensure_capabilities(session=session, names=unseen)


def _still_unknown(session: Session, kind: EventKind, rows: list[Row]) -> list[str]:
    """Notes for snapshots that left a fixed column (an incident's start) to a stored row
    that does not have it either: the row is kept, and says so until a later row fills it."""
    if kind.snapshots is None:
        return []
    notes: list[str] = []
    for column in kind.snapshots.fixed:
        keys = [row[kind.key] for row in rows if row[column] is KEPT]
        if not keys:
            continue
        empty = session.execute(
            text(
                f"SELECT {kind.key} FROM {kind.table} "  # noqa: S608 - names from the kind
                f"WHERE {column} IS NULL AND {kind.key} IN :keys"
            ).bindparams(bindparam("keys", expanding=True)),
            {"keys": keys},
        ).scalars()
        notes += [
            f"{kind.name} {key}: {column} unknown (this delivery does not carry it and none "
            f"before did); kept, and filled by a later delivery that carries it or by "
            f"`pavedroad import {kind.name}` of a row with it"
            for key in empty
        ]
    return notes
