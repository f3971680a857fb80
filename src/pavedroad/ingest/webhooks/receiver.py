"""The webhook receiver: verify, deduplicate, then write each delivery in one transaction.

Providers are declared in `providers.py`, a delivery is written by `deliveries.py` and counted
on its run (one per provider per UTC hour, channel `webhook`) by `run_accounting.py`; stored
deliveries are mapped again by `reprocessing.py`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError

from pavedroad.db import session_factory, utcnow
from pavedroad.errors import NotFoundError
from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.models import WebhookDelivery
from pavedroad.ingest.webhooks import generic
from pavedroad.ingest.webhooks.deliveries import CatalogCache, Outcome, apply_delivery, clean
from pavedroad.ingest.webhooks.limiter import RETRY_AFTER_SECONDS, InFlightLimiter
from pavedroad.ingest.webhooks.payloads import (
    MAX_ID_CHARS,
    Headers,
    Ignored,
    Malformed,
    Mapped,
    parse_json,
)
from pavedroad.ingest.webhooks.providers import PROVIDERS
from pavedroad.ingest.webhooks.rules import MappingRules, load_rules
from pavedroad.ingest.webhooks.run_accounting import hour_run_id
from pavedroad.settings import Settings

log = logging.getLogger(__name__)


class WebhookRefused(Exception):
    """A delivery refused as a whole (nothing stored): the HTTP status, why, and extra headers."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


class WebhookReceiver:
    """Receives deliveries for one database: secrets, mapping rules, the in-flight limit and
    the catalog that deliveries resolve against."""

    def __init__(
        self, engine: Engine, settings: Settings, rules: MappingRules | None = None
    ) -> None:
        self.engine = engine
        self.rules = rules if rules is not None else load_rules(settings.webhook_rules)
        self.secrets = {name: p.secret(settings) for name, p in PROVIDERS.items()}
        self.limiter = InFlightLimiter(settings.webhook_max_in_flight)
        self.catalogs = CatalogCache()
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
                    session,
                    delivery=delivery,
                    mapped=mapped,
                    run_id=run_id,
                    finish=True,
                    catalogs=self.catalogs,
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
            run_id = hour_run_id(session, provider=provider, hour=hour)
        self._hour_runs = {
            (provider, hour): run_id,
            **{k: v for k, v in self._hour_runs.items() if k[1] == hour},
        }
        return run_id
