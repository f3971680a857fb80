"""Comms API: the public dashboard as JSON (no token; 404 unless PAVEDROAD_PUBLIC_DASHBOARD)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from pavedroad.comms import public
from pavedroad.comms.schemas.public import PublicDashboard
from pavedroad.web.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["comms"])
OFF = "the public dashboard is off (PAVEDROAD_PUBLIC_DASHBOARD=true turns it on)"


def require_public(request: Request) -> None:
    """404 unless the public dashboard is switched on in the settings."""
    if not request.app.state.settings.public_dashboard:
        raise HTTPException(status_code=404, detail=OFF)


@router.get("/public", response_model=PublicDashboard, responses={404: {"description": OFF}})
def get_public(request: Request, session: DbSession) -> PublicDashboard:
    """The public dashboard without sign-in: organisation-level time to production, CI time,
    reliability, adoption and NPS (last 30 days and 26 weeks), and the latest changelog
    titles. No names, emails or team cuts; survey values under five answers are hidden."""
    require_public(request)
    return public.public_dashboard(session)
