"""Comms pages: the public dashboard (no sign-in; 404 unless PAVEDROAD_PUBLIC_DASHBOARD)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pavedroad import __version__
from pavedroad.comms import public
from pavedroad.comms.schemas.public import PublicDashboard
from pavedroad.metrics.service import get_definition_or_raise
from pavedroad.web.api.comms_public import require_public
from pavedroad.web.charts import trend_chart
from pavedroad.web.deps import DbSession
from pavedroad.web.pages.render import TEMPLATES

router = APIRouter(include_in_schema=False)


@router.get("/public", response_class=HTMLResponse)
def public_page(request: Request, session: DbSession) -> HTMLResponse:
    """KPI tiles with their weekly charts and the latest changes, on a page of its own: it
    never shows the signed-in navigation nor links that need sign-in."""
    require_public(request)
    board = public.public_dashboard(session)
    charts = {
        kpi.id: trend_chart(
            get_definition_or_raise(kpi.id), [(w.start, w.week, w.value) for w in kpi.weekly]
        )
        for kpi in board.kpis
        if any(w.value is not None for w in kpi.weekly)
    }
    # Not `render`: it would add the signed-in user and navigation to the context.
    return TEMPLATES.TemplateResponse(
        request,
        "comms/public.html",
        {"board": board, "charts": charts, "version": __version__},
    )


@router.get("/public.json", response_model=PublicDashboard)
def public_json(request: Request, session: DbSession) -> PublicDashboard:
    """The same dashboard as JSON (as `GET /api/v1/public`)."""
    require_public(request)
    return public.public_dashboard(session)
