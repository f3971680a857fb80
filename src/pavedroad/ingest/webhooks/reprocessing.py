"""Reprocessing a webhook run: its stored deliveries mapped again with the current rules."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select

from pavedroad.db import session_factory, store_of
from pavedroad.errors import PavedroadError
from pavedroad.ingest import runs
from pavedroad.ingest.models import WebhookDelivery
from pavedroad.ingest.runs import RunOut
from pavedroad.ingest.webhooks import generic
from pavedroad.ingest.webhooks.deliveries import CatalogCache, apply_delivery
from pavedroad.ingest.webhooks.payloads import Ignored, Malformed, Mapped
from pavedroad.ingest.webhooks.providers import PROVIDERS
from pavedroad.ingest.webhooks.rules import MappingRules, load_rules
from pavedroad.ingest.webhooks.run_accounting import CHANNEL


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
    rules = rules if rules is not None else load_rules(store_of(engine).settings.webhook_rules)
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
    catalogs = CatalogCache()
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
                    catalogs=catalogs,
                )
    except BaseException as exc:
        _close(engine, new_id, error=f"{type(exc).__name__}: {exc}")
        raise
    return _close(engine, new_id)


def _close(engine: Engine, run_id: int, *, error: str | None = None) -> RunOut:
    """Finish the reprocessing run (failed with `error`) and return it as listed."""
    with session_factory(engine)() as session, session.begin():
        run = runs.get_run_or_raise(session=session, run_id=run_id)
        if run.status == "running":
            runs.finish_run(run, failed=error is not None, error=error)
        return runs.run_out(run)
