"""Webhook runs: one per provider per UTC hour, and each delivery's counts added to its run.

Counts are added by the database from the row it locks, so concurrent deliveries of the same
run add up on both engines; a run is closed by `runs.closing_status`, the rule file imports use.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from pavedroad.db import utcnow
from pavedroad.ingest import runs
from pavedroad.ingest.models import Run
from pavedroad.ingest.writer import UpsertCounts

CHANNEL = "webhook"

# One run's refused row as `runs.keep_rejects` stores it: line, field, reason, raw.
Reject = tuple[int | None, str | None, str, str]


def hour_run_id(session: Session, *, provider: str, hour: datetime) -> int:
    """The provider's run for the UTC hour starting at `hour`, opened when there is none."""
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
    if run_id is not None:
        return run_id
    run = runs.start_run(
        session=session,
        kind=provider,
        channel=CHANNEL,
        source=provider,
        options={"hour": hour.isoformat(), "deliveries": 0, "ignored": 0},
    )
    runs.finish_run(run)
    return run.id


def add_delivery(
    session: Session,
    *,
    run_id: int,
    read: int,
    counts: UpsertCounts,
    rejects: list[Reject],
    errors: list[str],
    ignored: bool,
    finish: bool,
) -> None:
    """Add a delivery's rows, refused rows and errors to its run (and close the run if asked)."""
    if not rejects and not errors:
        _add_counts(session, run_id, read=read, counts=counts, ignored=ignored, finish=finish)
        return
    # NO KEY UPDATE (on PostgreSQL): the delivery's foreign key already holds a KEY SHARE lock
    # on this row, and a plain FOR UPDATE would deadlock two deliveries of the same run.
    run = session.scalars(
        select(Run)
        .where(Run.id == run_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    if rejects:
        runs.keep_rejects(session=session, run=run, rejects=rejects)
    runs.add_errors(run, errors)
    run.read += read
    run.new += counts.new
    run.updated += counts.updated
    run.unchanged += counts.unchanged
    run.rejected += len(rejects)
    options = dict(run.options or {})
    options["deliveries"] = int(options.get("deliveries") or 0) + 1
    if ignored:
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


def _add_counts(
    session: Session, run_id: int, *, read: int, counts: UpsertCounts, ignored: bool, finish: bool
) -> None:
    """Count a delivery that refused nothing on its run (and close the run when asked)."""
    dialect = session.get_bind().dialect.name
    sql = (
        "UPDATE ingest_runs SET "  # noqa: S608 - constants only
        + _ADD_COUNTS_SET
        + _OPTIONS_SET[dialect]
        + " WHERE id = :id RETURNING new + updated + unchanged, rejected"
    )
    params = {
        "id": run_id,
        "read": read,
        "new": counts.new,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "ignored": 1 if ignored else 0,
    }
    taken, rejected = session.execute(text(sql), params).one()
    if finish:
        # The row stays locked by the UPDATE above until the delivery commits.
        session.execute(
            update(Run)
            .where(Run.id == run_id)
            .values(
                status=runs.closing_status(taken=taken, rejected=rejected),
                finished_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
