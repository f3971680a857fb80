"""The overview page: where the platform stands, and what to do next when data is missing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pavedroad.catalog.service import catalog_totals
from pavedroad.ingest.runs import event_totals, list_runs
from pavedroad.web.deps import Browser, DbSession
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """Catalog and telemetry totals and the latest runs; later capabilities add headline numbers."""
    return render(
        request,
        "overview.html",
        {
            "totals": catalog_totals(session=session),
            "events": event_totals(session=session),
            "runs": list_runs(session=session, limit=5),
        },
    )
