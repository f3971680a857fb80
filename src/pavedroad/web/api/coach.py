"""Coach API: the team's mode and the diagnoses its data shows (as `pavedroad coach --json`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from pavedroad.coach import mode as mode_service
from pavedroad.coach import service
from pavedroad.coach.mode import ModeOut
from pavedroad.metrics.windows import parse_window
from pavedroad.web.api.kpis import WindowQuery
from pavedroad.web.deps import DbSession, ReadGrant

router = APIRouter(prefix="/api/v1", tags=["coach"])


@router.get("/coach")
def list_diagnoses(
    session: DbSession, _grant: ReadGrant, window: WindowQuery = None
) -> dict[str, Any]:
    """Every diagnosis for the window, most severe first: `pavedroad coach --json`."""
    found = service.diagnose(session=session, window=parse_window(window) if window else None)
    return {"diagnoses": [item.as_contract() for item in found]}


@router.get("/coach/mode", response_model=ModeOut)
def team_mode(session: DbSession, _grant: ReadGrant, quarter: str | None = None) -> ModeOut:
    """The team's mode in a quarter with its signals: `pavedroad coach mode --json`."""
    return mode_service.team_mode(session=session, quarter=quarter)
