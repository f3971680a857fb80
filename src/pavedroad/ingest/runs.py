"""Runs: every file import and webhook batch, with status, counts, first errors and timings."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad.db import utcnow
from pavedroad.errors import NotFoundError, printable
from pavedroad.ingest.models import Run, RunReject

RunStatus = Literal["queued", "running", "succeeded", "partly_succeeded", "failed", "retried"]
# `retried`: a connector sync that did not finish (crashed or failed) and whose work a later
# sync of the same connection picked up from the stored cursor.
STATUSES: tuple[RunStatus, ...] = (
    "queued",
    "running",
    "succeeded",
    "partly_succeeded",
    "failed",
    "retried",
)
KEPT_ERRORS = 20
KEPT_REJECTS = 1000
# The key of a run's options that lists the capabilities its usage rows created.
CREATED_CAPABILITIES = "created_capabilities"


class RejectOut(BaseModel):
    """A refused row as kept with its run."""

    line: int | None
    field: str | None
    reason: str
    raw: str


class RunOut(BaseModel):
    """A run as listed."""

    id: int
    kind: str
    channel: str
    source: str
    status: str
    read: int
    new: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[str]
    retries: int
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    seconds: float | None
    # Capabilities a usage import named that the catalog did not know: created, not refused.
    created_capabilities: list[str] = []


class RunDetail(RunOut):
    """A run with the rejected rows it kept and its options."""

    options: dict[str, Any]
    rejects: list[RejectOut]


def run_out(run: Run) -> RunOut:
    seconds = (
        (run.finished_at - run.started_at).total_seconds()
        if run.finished_at and run.started_at
        else None
    )
    return RunOut(
        id=run.id,
        kind=run.kind,
        channel=run.channel,
        source=run.source,
        status=run.status,
        read=run.read,
        new=run.new,
        updated=run.updated,
        unchanged=run.unchanged,
        rejected=run.rejected,
        errors=list(run.errors or []),
        retries=run.retries,
        queued_at=run.queued_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        seconds=seconds,
        created_capabilities=list((run.options or {}).get(CREATED_CAPABILITIES, [])),
    )


def start_run(
    *, session: Session, kind: str, channel: str, source: str, options: dict[str, Any] | None = None
) -> Run:
    """Open a run in the `running` state; the caller commits so others can see it."""
    run = Run(
        kind=kind,
        channel=channel,
        source=source,
        status="running",
        errors=[],
        options={**(options or {}), "pid": os.getpid(), "host": os.uname().nodename},
        started_at=utcnow(),
    )
    session.add(run)
    session.flush()
    return run


def note_created_capabilities(run: Run, names: list[str]) -> None:
    """Remember on the run which capabilities its rows created (listed by `RunOut`)."""
    if names:
        have = list((run.options or {}).get(CREATED_CAPABILITIES, []))
        run.options = {**(run.options or {}), CREATED_CAPABILITIES: sorted({*have, *names})}


def add_errors(run: Run, messages: list[str]) -> None:
    """Keep the first errors of a run."""
    room = KEPT_ERRORS - len(run.errors or [])
    if room > 0 and messages:
        run.errors = [*(run.errors or []), *(printable(m, 1000) for m in messages[:room])]


def keep_rejects(
    *, session: Session, run: Run, rejects: list[tuple[int | None, str | None, str, str]]
) -> None:
    """Store the first rejected rows of a run with their reasons."""
    kept = min(run.rejected, KEPT_REJECTS)
    for line, field, reason, raw in rejects[: max(KEPT_REJECTS - kept, 0)]:
        session.add(
            RunReject(
                run_id=run.id,
                line=line,
                field=field,
                reason=printable(reason, 500),
                raw=printable(raw, 4000),
            )
        )


def closing_status(*, taken: int, rejected: int, failed: bool = False) -> RunStatus:
    """How a run ends: failed (or every row refused), partly succeeded (some refused), succeeded."""
    if failed or (rejected and not taken):
        return "failed"
    if rejected:
        return "partly_succeeded"
    return "succeeded"


def finish_run(run: Run, *, failed: bool = False, error: str | None = None) -> None:
    """Close a run: failed, partly succeeded (some rows refused) or succeeded."""
    if error:
        add_errors(run, [error])
    taken = run.new + run.updated + run.unchanged
    run.status = closing_status(taken=taken, rejected=run.rejected, failed=failed)
    run.finished_at = utcnow()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def close_abandoned_runs(*, session: Session) -> int:
    """Mark runs whose importing or syncing process on this host died (e.g. killed) as failed
    (a connector's next sync resumes such a run's work from its cursor)."""
    host = os.uname().nodename
    closed = 0
    abandoned = select(Run).where(Run.status == "running", Run.channel.in_(("file", "connector")))
    for run in session.scalars(abandoned):
        options = run.options or {}
        if (
            options.get("host") == host
            and isinstance(options.get("pid"), int)
            and not _alive(options["pid"])
        ):
            what = "syncing" if run.channel == "connector" else "importing"
            finish_run(run, failed=True, error=f"the {what} process ended before the run finished")
            closed += 1
    return closed


def list_runs(
    *, session: Session, limit: int = 50, status: str | None = None, kind: str | None = None
) -> list[RunOut]:
    """Newest runs first."""
    query = select(Run).order_by(Run.id.desc()).limit(limit)
    if status:
        query = query.where(Run.status == status)
    if kind:
        query = query.where(Run.kind == kind)
    return [run_out(r) for r in session.scalars(query)]


def get_run_or_raise(*, session: Session, run_id: int) -> Run:
    """The run with this id, or NotFoundError."""
    run = session.get(Run, run_id)
    if run is None:
        raise NotFoundError(f"no run {run_id}; `pavedroad runs` lists them")
    return run


def get_run_detail(*, session: Session, run_id: int) -> RunDetail:
    """A run with its kept rejects."""
    run = get_run_or_raise(session=session, run_id=run_id)
    rejects = session.scalars(
        select(RunReject).where(RunReject.run_id == run_id).order_by(RunReject.id)
    )
    return RunDetail(
        **run_out(run).model_dump(),
        options={k: v for k, v in (run.options or {}).items() if k not in ("pid", "host")},
        rejects=[
            RejectOut(line=r.line, field=r.field, reason=r.reason, raw=r.raw) for r in rejects
        ],
    )


def event_totals(*, session: Session) -> dict[str, int]:
    """Rows stored per event kind, for the overview."""
    from sqlalchemy import func

    from pavedroad.ingest.kinds import KINDS

    return {
        name: session.scalar(select(func.count()).select_from(kind.model)) or 0
        for name, kind in KINDS.items()
    }
