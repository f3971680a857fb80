"""Ingest pages: the runs, each run's refused rows, and retrying a run."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from pavedroad.catalog.service import catalog_totals
from pavedroad.ingest import runs
from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.retry import retry_run
from pavedroad.web.deps import Browser, DbSession, RowId
from pavedroad.web.pages.forms import WriteForm
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/runs", response_class=HTMLResponse)
def run_list(
    request: Request, session: DbSession, _browser: Browser, status: str = ""
) -> HTMLResponse:
    """Every import and webhook batch, newest first."""
    runs.close_abandoned_runs(session=session)
    found = runs.list_runs(session=session, limit=200, status=status or None)
    return render(
        request,
        "ingest/runs.html",
        {
            "runs": found,
            "status": status,
            "statuses": runs.STATUSES,
            "kinds": list(KINDS),
            "totals": catalog_totals(session=session),
            "events": runs.event_totals(session=session),
        },
    )


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_detail(
    request: Request, run_id: RowId, session: DbSession, _browser: Browser
) -> HTMLResponse:
    """One run: counts, timings, first errors and the refused rows."""
    return render(
        request, "ingest/run.html", {"run": runs.get_run_detail(session=session, run_id=run_id)}
    )


@router.post("/runs/{run_id}/retry")
def retry(
    request: Request,
    run_id: RowId,
    session: DbSession,
    posted: WriteForm,
) -> RedirectResponse:
    """Retry a run and show the new one."""
    session.commit()  # release this request's write lock: the retry runs its own transactions
    result = retry_run(request.app.state.engine, run_id)
    return RedirectResponse(f"/runs/{result.id}", status_code=303)
