"""KPI API: the dashboard contract, one KPI with its weekly series and breakdown, its events,
diagnoses, and the organisation's targets."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from pavedroad.coach import service as coach
from pavedroad.metrics import service
from pavedroad.metrics.baseline import (
    Baseline,
    BaselineIn,
    clear_baseline,
    get_baseline,
    set_baseline,
)
from pavedroad.metrics.windows import WINDOW_FORMS, Window, parse_window
from pavedroad.web.deps import DbSession, ReadGrant, WriteGrant

router = APIRouter(prefix="/api/v1", tags=["kpis"])

WindowQuery = Annotated[str | None, Query(description=f"{WINDOW_FORMS}; default last-30d")]


class TargetIn(BaseModel):
    """A target in the KPI's unit (fractions as 0.8 for 80%)."""

    value: float = Field(allow_inf_nan=False)


def _window(text: str | None) -> Window | None:
    return parse_window(text) if text else None


@router.get("/kpis")
def list_kpis(
    session: DbSession,
    _grant: ReadGrant,
    window: WindowQuery = None,
    team: str | None = None,
    service_name: Annotated[str | None, Query(alias="service")] = None,
) -> dict[str, Any]:
    """Every KPI for a window: the same JSON as `pavedroad kpis --json`."""
    board = service.dashboard(
        session=session, window=_window(window), team=team, service=service_name
    )
    return board.contract()


@router.get("/kpis/diagnoses")
def list_diagnoses(
    session: DbSession, _grant: ReadGrant, window: WindowQuery = None
) -> dict[str, Any]:
    """The coach's diagnoses: the same JSON as `pavedroad kpis --diagnose --json`."""
    found = coach.diagnose(session=session, window=_window(window))
    return {"diagnoses": [item.as_contract() for item in found]}


@router.get("/kpis/targets")
def list_targets(session: DbSession, _grant: ReadGrant) -> list[dict[str, Any]]:
    """Every KPI's target: the organisation's own where set, else the default."""
    return [{"id": k, "target": v} for k, v in service.targets(session=session).items()]


class BaselineOut(BaseModel):
    """The baseline: the day progress is measured from (null when none is set) and its label."""

    day: date | None
    label: str = ""


def _baseline_out(found: Baseline | None) -> BaselineOut:
    return BaselineOut(day=found.day, label=found.label) if found else BaselineOut(day=None)


@router.get("/kpis/baseline", response_model=BaselineOut)
def get_kpi_baseline(session: DbSession, _grant: ReadGrant) -> BaselineOut:
    """The baseline the home page's north-star KPIs compare with: `pavedroad kpis baseline`."""
    return _baseline_out(get_baseline(session=session))


@router.put("/kpis/baseline", response_model=BaselineOut)
def put_kpi_baseline(body: BaselineIn, session: DbSession, grant: WriteGrant) -> BaselineOut:
    """Set (or move) the baseline: a day from 1900 to 9000 and a label of at most 200
    characters ("PM arrived")."""
    return _baseline_out(set_baseline(session=session, data=body, set_by=grant.email))


@router.delete("/kpis/baseline", response_model=BaselineOut)
def delete_kpi_baseline(session: DbSession, _grant: WriteGrant) -> BaselineOut:
    """Remove the baseline; the north-star KPIs then compare with the previous 30 days."""
    clear_baseline(session=session)
    return BaselineOut(day=None)


@router.get("/kpis/{kpi_id}")
def get_kpi(
    kpi_id: str,
    session: DbSession,
    _grant: ReadGrant,
    window: WindowQuery = None,
    by: Literal["team", "service"] | None = None,
    weeks: Annotated[int, Query(ge=1, le=156)] = 26,
) -> dict[str, Any]:
    """One KPI: headline, definition, weekly values, and per team or service when asked."""
    detail = service.kpi_detail(
        session=session, kpi_id=kpi_id, window=_window(window), by=by, weeks=weeks
    )
    return detail.contract()


@router.get("/kpis/{kpi_id}/events")
def get_kpi_events(
    kpi_id: str,
    session: DbSession,
    _grant: ReadGrant,
    response: Response,
    window: WindowQuery = None,
    team: str | None = None,
    service_name: Annotated[str | None, Query(alias="service")] = None,
    limit: Annotated[
        int, Query(ge=1, le=service.EVIDENCE_MAX_PAGE, description="events per page")
    ] = 200,
    offset: Annotated[
        int, Query(ge=0, le=10_000_000, description="events to skip (newest first)")
    ] = 0,
) -> list[dict[str, Any]]:
    """The events behind the number: deployments, incidents, runs, tickets or answers counted,
    newest first, `limit` of them after `offset`. The `X-Total-Count` header says how many
    there are in all and `Link` gives the next and previous pages."""
    chosen = _window(window) or service.default_window()
    page = service.evidence_page(
        session=session,
        kpi_id=kpi_id,
        window=chosen,
        team=team,
        service=service_name,
        limit=limit,
        offset=offset,
    )
    response.headers["X-Total-Count"] = str(page.total)
    links = []
    for rel, at in (("next", page.next_offset), ("prev", page.previous_offset)):
        if at is not None:
            query = {"window": window, "team": team, "service": service_name}
            kept = {k: v for k, v in query.items() if v}
            params = urlencode({**kept, "limit": limit, "offset": at})
            links.append(f'</api/v1/kpis/{kpi_id}/events?{params}>; rel="{rel}"')
    if links:
        response.headers["Link"] = ", ".join(links)
    return page.rows


@router.put("/kpis/{kpi_id}/target")
def put_target(
    kpi_id: str, body: TargetIn, session: DbSession, grant: WriteGrant
) -> dict[str, Any]:
    """Set the organisation's target for a KPI."""
    service.set_target(session=session, kpi_id=kpi_id, value=body.value, set_by=grant.email)
    return {"id": kpi_id, "target": body.value}


@router.delete("/kpis/{kpi_id}/target")
def delete_target(kpi_id: str, session: DbSession, _grant: WriteGrant) -> dict[str, Any]:
    """Go back to the KPI's default target."""
    service.reset_target(session=session, kpi_id=kpi_id)
    return {"id": kpi_id, "target": service.get_definition_or_raise(kpi_id).target}
