"""Research API: usage analytics per capability."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from pavedroad.metrics.windows import WINDOW_FORMS, parse_window
from pavedroad.research import usage as service
from pavedroad.web.deps import DbSession, ReadGrant

router = APIRouter(prefix="/api/v1/research", tags=["research"])


class WindowOut(BaseModel):
    """The window's bounds, ISO 8601, end exclusive."""

    start: str
    end: str


class CapabilityUsageOut(BaseModel):
    """One capability's usage (docs/research-usage.md says what each field counts)."""

    capability: str
    description: str
    launched_at: str | None
    teams: int
    developers: int
    events: int
    first_use: str | None
    last_use: str | None
    abandoned: list[str]
    first_week_uses: int | None
    never_used: list[str]


class UsageReport(BaseModel):
    """`pavedroad usage report --json`."""

    window: WindowOut
    capabilities: list[CapabilityUsageOut]


@router.get("/usage", response_model=UsageReport)
def usage_report(
    session: DbSession,
    _grant: ReadGrant,
    window: Annotated[
        str | None,
        Query(
            max_length=40,
            description=f"{WINDOW_FORMS}. Default: last-{service.DEFAULT_WINDOW_DAYS}d.",
        ),
    ] = None,
) -> UsageReport:
    """Per capability: teams and developers using it, first and last use, abandoned teams
    (no use in the window's last 30 days), first-week uses and eligible teams never using it."""
    chosen = parse_window(window) if window and window.strip() else service.default_window()
    return UsageReport.model_validate(service.report(session=session, window=chosen))
