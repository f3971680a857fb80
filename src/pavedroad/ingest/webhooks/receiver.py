"""The shared webhook pipeline: verify, deduplicate, map, validate, resolve, upsert, account.

An accepted delivery is stored with its raw payload in the same transaction as its rows and its
run's counts, so a delivery answered 2xx is never lost and a failed one leaves nothing behind.
Deliveries are grouped into one run per provider per UTC hour (channel `webhook`); a webhook
never creates catalog entries, so rows naming an unknown service or team are rejects.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Engine, bindparam, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from pavedroad.db import session_factory, utcnow
from pavedroad.errors import NotFoundError, PavedroadError
from pavedroad.ingest import runs
from pavedroad.ingest.files import Catalog, deployment_references, resolve_references
from pavedroad.ingest.kinds import KINDS, EventKind
from pavedroad.ingest.models import Run, WebhookDelivery
from pavedroad.ingest.rows import KEPT, Row, RowProblem, convert_row, distinct_generated_keys
from pavedroad.ingest.runs import RunOut
from pavedroad.ingest.webhooks import generic, github, gitlab, jira, pagerduty
from pavedroad.ingest.webhooks.limiter import RETRY_AFTER_SECONDS, InFlightLimiter
from pavedroad.ingest.webhooks.payloads import (
    MAX_ID_CHARS,
    Headers,
    Ignored,
    Malformed,
    Mapped,
    parse_json,
)
from pavedroad.ingest.webhooks.repositories import resolve_repositories
from pavedroad.ingest.webhooks.rules import RULES_ENV, MappingRules, load_rules
from pavedroad.ingest.writer import UpsertCounts, deployment_finishes, upsert_rows
from pavedroad.settings import Settings, load_settings

CHANNEL = "webhook"
log = logging.getLogger(__name__)
UNKNOWN_HINT = f"add it to the catalog, or map the name in the rules file ({RULES_ENV})"
DeliveryStatus = Literal["processed", "rejected", "ignored", "duplicate"]
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class Provider:
    """How one provider's deliveries are verified, identified and mapped."""

    name: str
    secret_env: str
    signature_header: str
    secret: Callable[[Settings], str | None]
    verify: Callable[[Headers, bytes, str], bool]
    delivery_id: Callable[[Headers, bytes], str]
    event_type: Callable[[Headers, Any], str]
    map_event: Callable[[str, Any, MappingRules], list[Mapped]]


PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider(
            github.NAME,
            "PAVEDROAD_GITHUB_WEBHOOK_SECRET",
            github.SIGNATURE_HEADER,
            lambda s: s.github_webhook_secret,
            github.verify,
            github.delivery_id,
            github.event_type,
            github.map_event,
        ),
        Provider(
            gitlab.NAME,
            "PAVEDROAD_GITLAB_WEBHOOK_TOKEN",
            gitlab.SIGNATURE_HEADER,
            lambda s: s.gitlab_webhook_token,
            gitlab.verify,
            gitlab.delivery_id,
            gitlab.event_type,
            gitlab.map_event,
        ),
        Provider(
            pagerduty.NAME,
            "PAVEDROAD_PAGERDUTY_WEBHOOK_SECRET",
            pagerduty.SIGNATURE_HEADER,
            lambda s: s.pagerduty_webhook_secret,
            pagerduty.verify,
            pagerduty.delivery_id,
            pagerduty.event_type,
            pagerduty.map_event,
        ),
        Provider(
            jira.NAME,
            "PAVEDROAD_JIRA_WEBHOOK_SECRET",
            jira.SIGNATURE_HEADER,
            lambda s: s.jira_webhook_secret,
            jira.verify,
            jira.delivery_id,
            jira.event_type,
            jira.map_event,
        ),
    )
}


class WebhookRefused(Exception):
    """A delivery refused as a whole (nothing stored): the HTTP status, why, and extra headers."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


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
        }


@dataclass
class _Checked:
    """One mapped row: its kind, the values as mapped, the typed row, and its problems."""

    kind: EventKind | None
    raw: dict[str, object]
    row: Row | None
    problems: list[RowProblem]
    warnings: list[RowProblem] = field(default_factory=list)


def clean(text: str, limit: int) -> str:
    """Text any store accepts: no NUL or lone surrogates, at most `limit` characters."""
    return _UNSAFE.sub("\ufffd", text)[:limit]


def check_row(kind_name: str, raw: dict[str, object]) -> _Checked:
    """Typed values for a mapped row, or its problems (unknown fields, bad values)."""
    kind = KINDS[kind_name]
    unknown = [k for k in raw if k not in kind.column_names]
    if unknown:
        reason = f"unknown field; expected {', '.join(kind.column_names)}"
        return _Checked(kind, raw, None, [RowProblem(unknown[0], reason)])
    broken = [k for k, v in raw.items() if isinstance(v, str) and _UNSAFE.search(v)]
    if broken:
        return _Checked(
            kind, raw, None, [RowProblem(broken[0], "contains a NUL or invalid character")]
        )
    warnings: list[RowProblem] = []
    row, problems = convert_row(kind, raw, tz=UTC, warnings=warnings)
    return _Checked(kind, raw, row, problems, warnings)


# The catalog per database, reloaded whenever a delivery names a service or team it lacks.
_CATALOGS: dict[str, Catalog] = {}


def _knows(catalog: Catalog, kind: EventKind, row: Row) -> bool:
    for column in kind.references:
        value = row.get(column.name)
        if value is None or value is KEPT:
            continue
        if column.reference == "service" and value not in catalog.owners:
            return False
        if column.reference == "team" and value not in catalog.teams:
            return False
    return True


def _catalog_for(session: Session, typed: list[tuple[_Checked, EventKind, Row]]) -> Catalog:
    """The cached catalog when it knows every reference of the delivery, else a fresh one."""
    key = session.connection().engine.url.render_as_string(hide_password=False)
    cached = _CATALOGS.get(key)
    if cached is not None and all(_knows(cached, kind, row) for _, kind, row in typed):
        return cached
    fresh = Catalog.load(session)
    _CATALOGS[key] = fresh
    return fresh


def _resolve(session: Session, checked: list[_Checked]) -> None:
    """Refuse rows whose service, team or deployment is unknown (never creating any)."""
    typed = [(c, c.kind, c.row) for c in checked if c.kind is not None and c.row is not None]
    if not typed:
        return
    refs = [ref for _, kind, row in typed for ref in deployment_references(kind, [row])]
    known = deployment_finishes(session.connection(), refs) if refs else {}
    catalog = _catalog_for(session, typed)
    for c, kind, row in typed:
        c.problems = resolve_references(
            kind, row, catalog=catalog, known_deployments=known, hint=UNKNOWN_HINT
        )


def apply_delivery(
    session: Session,
    *,
    delivery: WebhookDelivery,
    mapped: list[Mapped] | Ignored | Malformed,
    run_id: int,
    finish: bool,
) -> Outcome:
    """Write a delivery's rows, its own record and its run's counts in the session's transaction."""
    outcome = Outcome(
        delivery.provider, delivery.delivery_id, delivery.event_type, "processed", run_id
    )
    checked: list[_Checked] = []
    if isinstance(mapped, Ignored):
        outcome.status, outcome.reason = "ignored", str(mapped)
    elif isinstance(mapped, Malformed):
        checked = [_Checked(None, {}, None, [RowProblem(None, f"malformed: {mapped}")])]
    else:
        resolved = resolve_repositories(session, mapped)
        outcome.services = resolved.notes
        checked = [
            check_row(kind_name, raw)
            if problem is None
            else _Checked(KINDS[kind_name], raw, None, [RowProblem("service", problem)])
            for (kind_name, raw), problem in zip(resolved.rows, resolved.problems, strict=True)
        ]
    _resolve(session, checked)
    good: dict[str, list[Row]] = {}
    for c in checked:
        if not c.problems and c.kind is not None and c.row is not None:
            good.setdefault(c.kind.name, []).append(c.row)
    for kind_name, rows in good.items():
        kind = KINDS[kind_name]
        if kind.hashed_key:  # identical rows without an id, in this delivery or another
            keys = distinct_generated_keys(
                [row[kind.key] for row in rows], Counter(), salt=delivery.delivery_id
            )
            for row, key in zip(rows, keys, strict=True):
                row[kind.key] = key
    refused = [(i, c) for i, c in enumerate(checked, start=1) if c.problems]
    outcome.read = len(checked)
    outcome.warnings = [
        clean(f"{c.kind.name if c.kind else 'row'}: {w}", 500)
        for c in checked
        if not c.problems
        for w in c.warnings
    ]
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
    channel = f"{CHANNEL}:{delivery.provider}"
    connection = session.connection()
    for kind_name, rows in good.items():
        outcome.counts.add(
            upsert_rows(connection, KINDS[kind_name], rows, channel=channel, run_id=run_id)
        )
        outcome.warnings += _still_unknown(session, KINDS[kind_name], rows)
    _account(session, run_id, outcome, refused, delivery, several=len(checked) > 1, finish=finish)
    return outcome


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


def _account(
    session: Session,
    run_id: int,
    outcome: Outcome,
    refused: list[tuple[int, _Checked]],
    delivery: WebhookDelivery,
    *,
    several: bool,
    finish: bool,
) -> None:
    """Add a delivery to its run's counts; the run row is locked so concurrent deliveries add up."""
    if not refused and not outcome.warnings:
        _add_counts(session, run_id, outcome, finish=finish)
        return
    # NO KEY UPDATE (on PostgreSQL): the delivery's foreign key already holds a KEY SHARE lock
    # on this row, and a plain FOR UPDATE would deadlock two deliveries of the same run.
    run = session.scalars(
        select(Run)
        .where(Run.id == run_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    where = f"{delivery.event_type} {delivery.delivery_id}"
    if refused:
        runs.keep_rejects(
            session=session,
            run=run,
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
        )
        runs.add_errors(run, [clean(f"{where}: {r['reason']}", 1000) for r in outcome.rejects])
    runs.add_errors(run, [clean(f"{where}: warning: {w}", 1000) for w in outcome.warnings])
    run.read += outcome.read
    run.new += outcome.counts.new
    run.updated += outcome.counts.updated
    run.unchanged += outcome.counts.unchanged
    run.rejected += len(refused)
    options = dict(run.options or {})
    options["deliveries"] = int(options.get("deliveries") or 0) + 1
    if outcome.status == "ignored":
        options["ignored"] = int(options.get("ignored") or 0) + 1
    run.options = options
    if finish:
        runs.finish_run(run)


# The common case (nothing refused) in one UPDATE: counters add up atomically on both engines
# because the increments are computed by the database from the row it locks.
_ADD_COUNTS_SET = (
    "read = read + :read, new = new + :new, updated = updated + :updated, "
    "unchanged = unchanged + :unchanged"
)
# The same rule as `runs.finish_run`: failed when rows were refused and none taken.
_FINISH_SET = (
    ", status = CASE WHEN rejected = 0 THEN 'succeeded' "
    "WHEN new + updated + unchanged + :taken = 0 THEN 'failed' "
    "ELSE 'partly_succeeded' END, finished_at = :now"
)
_OPTIONS_SET = {
    "sqlite": (
        ", options = json_set(coalesce(options, '{}'), "
        "'$.deliveries', coalesce(json_extract(options, '$.deliveries'), 0) + 1, "
        "'$.ignored', coalesce(json_extract(options, '$.ignored'), 0) + :ignored)"
    ),
    "postgresql": (
        ", options = (coalesce(options::jsonb, '{}'::jsonb) || jsonb_build_object("
        "'deliveries', coalesce((options->>'deliveries')::int, 0) + 1, "
        "'ignored', coalesce((options->>'ignored')::int, 0) + :ignored))::json"
    ),
}


def _add_counts(session: Session, run_id: int, outcome: Outcome, *, finish: bool) -> None:
    """Count a delivery that refused nothing on its run (and close the run when asked)."""
    dialect = session.get_bind().dialect.name
    sql = "UPDATE ingest_runs SET " + _ADD_COUNTS_SET + _OPTIONS_SET[dialect]  # noqa: S608 - constants only
    if finish:
        sql += _FINISH_SET
    params: dict[str, object] = {
        "id": run_id,
        "read": outcome.read,
        "new": outcome.counts.new,
        "updated": outcome.counts.updated,
        "unchanged": outcome.counts.unchanged,
        "ignored": 1 if outcome.status == "ignored" else 0,
    }
    if finish:
        now = utcnow()
        params["taken"] = outcome.counts.new + outcome.counts.updated + outcome.counts.unchanged
        params["now"] = (
            now.replace(tzinfo=None).isoformat(" ", "microseconds") if dialect == "sqlite" else now
        )
    session.execute(text(sql + " WHERE id = :id"), params)


class WebhookReceiver:
    """Receives deliveries for one database: secrets, mapping rules and the in-flight limit."""

    def __init__(
        self, engine: Engine, settings: Settings, rules: MappingRules | None = None
    ) -> None:
        self.engine = engine
        self.rules = rules if rules is not None else load_rules(settings.webhook_rules)
        self.secrets = {name: p.secret(settings) for name, p in PROVIDERS.items()}
        self.limiter = InFlightLimiter(settings.webhook_max_in_flight)
        self._make_session = session_factory(engine)
        self._run_lock = threading.Lock()
        # SQLite has one writer at a time: queueing this process's writers on a lock is fairer
        # and faster than letting them sleep in SQLite's busy handler.
        self._write_gate: AbstractContextManager[object] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )
        # (provider, UTC hour) -> run id, so a delivery does not look its run up again.
        self._hour_runs: dict[tuple[str, datetime], int] = {}

    def ready(self, provider: str, headers: Headers) -> str:
        """The provider's secret, once what needs no body holds: the provider is configured and
        the delivery carries its signature header (headers lower-cased); else WebhookRefused."""
        spec = PROVIDERS[provider]
        secret = self.secrets[provider]
        if not secret:
            raise WebhookRefused(
                503, f"the {provider} webhook is not configured: set {spec.secret_env}"
            )
        if not headers.get(spec.signature_header.lower()):
            raise WebhookRefused(401, f"missing the {spec.signature_header} header")
        return secret

    def receive(self, provider: str, headers: Headers, body: bytes) -> Outcome:
        """Verify, deduplicate and process one provider delivery; headers are lower-cased."""
        spec = PROVIDERS[provider]
        secret = self.ready(provider, headers)
        if not spec.verify(headers, body, secret):
            raise WebhookRefused(
                401, f"{spec.signature_header} does not match the secret in {spec.secret_env}"
            )
        try:
            payload = parse_json(body)
            delivery_id = spec.delivery_id(headers, body)
            event = clean(spec.event_type(headers, payload), 100)
        except Malformed as exc:
            raise WebhookRefused(400, str(exc)) from None
        return self._accept(
            provider, delivery_id, event, body, lambda: spec.map_event(event, payload, self.rules)
        )

    def receive_generic(self, kind_name: str, headers: Headers, body: bytes) -> Outcome:
        """Process rows of one kind sent to the generic hook (the caller checked the token)."""
        if kind_name not in KINDS:
            raise NotFoundError(f"unknown kind {kind_name!r}; use one of {', '.join(KINDS)}")
        try:
            payload = parse_json(body)
        except Malformed as exc:
            raise WebhookRefused(400, str(exc)) from None
        # The same Idempotency-Key sent to two kinds names two deliveries.
        delivery_id = f"{kind_name}:{generic.delivery_id(headers, body)}"
        if len(delivery_id) > MAX_ID_CHARS:
            delivery_id = f"{kind_name}:sha256:{hashlib.sha256(delivery_id.encode()).hexdigest()}"
        return self._accept(
            generic.NAME,
            delivery_id,
            kind_name,
            body,
            lambda: generic.map_event(kind_name, payload, self.rules),
        )

    def _accept(
        self,
        provider: str,
        delivery_id: str,
        event: str,
        body: bytes,
        map_rows: Callable[[], list[Mapped]],
    ) -> Outcome:
        # A redelivery is found when its record collides with the stored one (IntegrityError
        # below, before any row is written): no extra query for the common, new delivery.
        mapped: list[Mapped] | Ignored
        try:
            mapped = map_rows()
        except Ignored as exc:
            mapped = exc
        except Malformed as exc:
            raise WebhookRefused(400, str(exc)) from None
        try:
            run_id = self._hour_run(provider)
            delivery = WebhookDelivery(
                provider=provider,
                delivery_id=delivery_id,
                event_type=event,
                status="received",
                run_id=run_id,
                payload=body.decode("utf-8"),
            )
            with self._write_gate, self._make_session() as session, session.begin():
                return apply_delivery(
                    session, delivery=delivery, mapped=mapped, run_id=run_id, finish=True
                )
        except IntegrityError:
            duplicate = self._duplicate(provider, delivery_id, event)
            if duplicate is None:
                raise
            return duplicate
        except OperationalError as exc:
            log.warning("webhook %s delivery %s not stored: %s", provider, delivery_id, exc)
            raise WebhookRefused(
                503,
                "the store is busy; nothing was stored, send the delivery again",
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            ) from None

    def _duplicate(self, provider: str, delivery_id: str, event: str) -> Outcome | None:
        """The answer for a delivery already received, or None for a new one."""
        with self._make_session() as session:
            seen = session.scalars(
                select(WebhookDelivery).where(
                    WebhookDelivery.provider == provider,
                    WebhookDelivery.delivery_id == delivery_id,
                )
            ).first()
        if seen is None:
            return None
        return Outcome(
            provider,
            delivery_id,
            event,
            "duplicate",
            seen.run_id,
            reason=f"already received at {seen.received_at.isoformat()} ({seen.status}); "
            "nothing changed",
        )

    def _hour_run(self, provider: str) -> int:
        """The run of this provider for the current UTC hour, opened by its first delivery."""
        hour = utcnow().replace(minute=0, second=0, microsecond=0)
        cached = self._hour_runs.get((provider, hour))
        if cached is not None:
            return cached
        with self._run_lock, self._make_session() as session, session.begin():
            run_id = session.scalar(
                select(Run.id)
                .where(
                    Run.channel == CHANNEL,
                    Run.kind == provider,
                    Run.source == provider,
                    Run.started_at >= hour,
                    Run.started_at < hour + timedelta(hours=1),
                )
                .order_by(Run.id)
                .limit(1)
            )
            if run_id is None:
                run = runs.start_run(
                    session=session,
                    kind=provider,
                    channel=CHANNEL,
                    source=provider,
                    options={"hour": hour.isoformat(), "deliveries": 0, "ignored": 0},
                )
                runs.finish_run(run)
                run_id = run.id
        self._hour_runs = {
            (provider, hour): run_id,
            **{k: v for k, v in self._hour_runs.items() if k[1] == hour},
        }
        return run_id


def _map_stored(
    delivery: WebhookDelivery, rules: MappingRules
) -> list[Mapped] | Ignored | Malformed:
    """Map a stored payload again with the current rules."""
    map_event = (
        generic.map_event
        if delivery.provider == generic.NAME
        else PROVIDERS[delivery.provider].map_event
    )
    try:
        return map_event(delivery.event_type, json.loads(delivery.payload), rules)
    except (Ignored, Malformed) as exc:
        return exc
    except json.JSONDecodeError as exc:
        return Malformed(f"the stored payload is not JSON: {exc.msg}")


def reprocess_run(engine: Engine, run_id: int, rules: MappingRules | None = None) -> RunOut:
    """Map every stored delivery of a webhook run again and upsert the rows, as a new run."""
    # Deliveries stay attached to the run that received them, so retrying a reprocessing run
    # reprocesses the same deliveries (after another change to the rules, say).
    rules = rules if rules is not None else load_rules(load_settings().webhook_rules)
    make_session = session_factory(engine)
    with make_session() as session, session.begin():
        run = runs.get_run_or_raise(session=session, run_id=run_id)
        if run.channel != CHANNEL:
            raise PavedroadError(f"run {run_id} is not a webhook run")
        origin = int((run.options or {}).get("reprocess_of") or run.id)
        stored = list(
            session.scalars(
                select(WebhookDelivery.id)
                .where(WebhookDelivery.run_id == origin)
                .order_by(WebhookDelivery.id)
            )
        )
        if not stored:
            raise PavedroadError(f"run {origin} has no stored webhook deliveries to reprocess")
        new_run = runs.start_run(
            session=session,
            kind=run.kind,
            channel=CHANNEL,
            source=f"{run.kind}: reprocess of run {origin}",
            options={"reprocess_of": origin, "deliveries": 0, "ignored": 0},
        )
        new_id = new_run.id
    try:
        for delivery_pk in stored:
            with make_session() as session, session.begin():
                delivery = session.get_one(WebhookDelivery, delivery_pk)
                apply_delivery(
                    session,
                    delivery=delivery,
                    mapped=_map_stored(delivery, rules),
                    run_id=new_id,
                    finish=False,
                )
    except BaseException as exc:
        _close(engine, new_id, error=f"{type(exc).__name__}: {exc}")
        raise
    return _close(engine, new_id)


def _close(engine: Engine, run_id: int, *, error: str | None = None) -> RunOut:
    with session_factory(engine)() as session, session.begin():
        run = runs.get_run_or_raise(session=session, run_id=run_id)
        if run.status == "running":
            runs.finish_run(run, failed=error is not None, error=error)
        return runs.run_out(run)
