"""The overview page: where the platform stands, and what to do next when data is missing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pavedroad.catalog.service import catalog_totals
from pavedroad.web.deps import Browser, DbSession
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """Catalog totals today; later capabilities add their headline numbers here."""
    return render(request, "overview.html", {"totals": catalog_totals(session=session)})
