"""Ingest API: runs with their counts and refused rows, and retrying a run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from pavedroad.ingest import runs
from pavedroad.ingest.retry import retry_run
from pavedroad.ingest.runs import RunDetail, RunOut
from pavedroad.web.deps import DbSession, ReadGrant, RowId, WriteGrant

router = APIRouter(prefix="/api/v1", tags=["ingest"])


@router.get("/runs", response_model=list[RunOut])
def list_runs(
    session: DbSession,
    _grant: ReadGrant,
    status: str | None = None,
    kind: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[RunOut]:
    """Runs, newest first, optionally of one status or kind."""
    return runs.list_runs(session=session, limit=limit, status=status, kind=kind)


@router.get("/runs/{run_id}", response_model=RunDetail)
def get_run(run_id: RowId, session: DbSession, _grant: ReadGrant) -> RunDetail:
    """One run with its options, first errors and the refused rows it kept."""
    return runs.get_run_detail(session=session, run_id=run_id)


@router.post("/runs/{run_id}/retry", response_model=RunOut)
def retry(run_id: RowId, request: Request, session: DbSession, _grant: WriteGrant) -> RunOut:
    """Run again: re-read the file, or reprocess the stored webhook payloads. Answers the new run."""
    session.commit()  # release this request's write lock: the retry runs its own transactions
    return retry_run(request.app.state.engine, run_id)
