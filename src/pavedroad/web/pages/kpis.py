"""KPI pages: the dashboard of tiles with sparklines and diagnoses, and one KPI with its
weekly chart, its breakdown by team or service, its target, and the events behind it."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pavedroad.catalog.service import list_services, list_teams
from pavedroad.errors import PavedroadError
from pavedroad.metrics import diagnoses, service
from pavedroad.metrics.definitions import format_value
from pavedroad.metrics.windows import WINDOW_FORMS, Window, parse_window
from pavedroad.web import charts
from pavedroad.web.deps import Browser, DbSession
from pavedroad.web.pages.forms import WriteForm
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/vendor/vega-embed.js")
def vega_embed() -> Response:
    """The chart library, built from the vl-convert package (never fetched from a CDN)."""
    return Response(
        charts.vega_embed_bundle(),
        media_type="application/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def _window_or_error(text: str) -> tuple[Window | None, str | None]:
    if not text.strip():
        return None, None
    try:
        return parse_window(text), None
    except PavedroadError as error:
        return None, str(error)


@router.get("/kpis", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    session: DbSession,
    _browser: Browser,
    window: str = "",
    team: str = "",
) -> HTMLResponse:
    """Every KPI as a tile: value, target, status, trend and its 26-week sparkline."""
    service_name = request.query_params.get("service", "")
    chosen, error = _window_or_error(window)
    board = service.dashboard(
        session=session, window=chosen, team=team or None, service=service_name or None
    )
    found = diagnoses.diagnose(session=session, board=board) if not error else []
    tiles = [
        {
            "result": result,
            "shown": "hidden"
            if result.status == "hidden"
            else format_value(result.value, result.definition.unit),
            "target": result.definition.target_text(result.target),
            "trend": _trend_text(result),
            "spark": charts.sparkline_svg(
                [v for _, v, _ in board.weekly[result.definition.id].points]
            )
            if result.definition.id in board.weekly
            else "",
        }
        for result in board.results
    ]
    return render(
        request,
        "kpis/dashboard.html",
        {
            "board": board,
            "tiles": tiles,
            "diagnoses": found,
            "has_events": service.has_events(session=session),
            "form": {"window": window, "team": team, "service": service_name},
            "error": error,
            "forms_help": WINDOW_FORMS,
            "hidden_reason": service.HIDDEN_REASON,
            "teams": [t.slug for t in list_teams(session=session)],
            "services": [s.name for s in list_services(session=session)],
        },
        status_code=422 if error else 200,
    )


def _trend_text(result: service.KpiResult) -> str:
    change = result.trend
    if change is None:
        return ""
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "■")
    if result.definition.unit == "fraction":
        return f"{arrow} {abs(change) * 100:.1f} pts"
    return f"{arrow} {abs(change):.1f}"


def _detail_context(
    session: DbSession,
    kpi_id: str,
    *,
    window: str,
    by: str,
    target_value: str = "",
    target_error: str | None = None,
) -> dict[str, Any]:
    chosen, error = _window_or_error(window)
    cut: Literal["team", "service"] | None = (
        "service" if by == "service" else ("team" if by == "team" else None)
    )
    detail = service.kpi_detail(session=session, kpi_id=kpi_id, window=chosen, by=cut)
    definition = detail.headline.definition
    events = service.evidence(
        session=session, kpi_id=kpi_id, window=detail.headline.window, limit=50
    )
    chart = charts.weekly_chart(definition, detail.overall, detail.headline.target)
    heatmap = (
        charts.group_heatmap(definition, detail.group_series, cut)
        if cut and detail.group_series
        else None
    )
    return {
        "detail": detail,
        "definition": definition,
        "shown": "hidden"
        if detail.headline.status == "hidden"
        else format_value(detail.headline.value, definition.unit),
        "target_text": definition.target_text(detail.headline.target),
        "groups": [
            {"result": g, "shown": format_value(g.value, definition.unit)} for g in detail.groups
        ],
        "chart_json": json.dumps(chart),
        "heatmap_json": json.dumps(heatmap) if heatmap else None,
        "events": events,
        "event_columns": list(events[0]) if events else [],
        "survey": kpi_id in service.SURVEY_KPIS,
        "hidden_reason": service.HIDDEN_REASON,
        "form": {"window": window, "by": by, "target": target_value},
        "error": error,
        "target_error": target_error,
    }


@router.get("/kpis/{kpi_id}", response_class=HTMLResponse)
def kpi_page(
    request: Request,
    kpi_id: str,
    session: DbSession,
    _browser: Browser,
    window: str = "",
    by: str = "team",
) -> HTMLResponse:
    """One KPI: chart, definition, breakdown, target and drill-down."""
    context = _detail_context(session, kpi_id, window=window, by=by)
    return render(request, "kpis/kpi.html", context, status_code=422 if context["error"] else 200)


@router.post("/kpis/{kpi_id}/target", response_model=None)
def set_target(
    request: Request,
    kpi_id: str,
    session: DbSession,
    posted: WriteForm,
    value: Annotated[str, Form()] = "",
) -> Response:
    """Set the organisation's target; a bad value re-renders the page with what was typed."""
    try:
        number = float(value.strip().removesuffix("%"))
        definition = service.get_definition_or_raise(kpi_id)
        if value.strip().endswith("%") and definition.unit == "fraction":
            number /= 100
        service.set_target(
            session=session, kpi_id=kpi_id, value=number, set_by=posted.browser.grant.email
        )
    except (ValueError, PavedroadError) as error:
        message = f"{value!r} is not a number" if isinstance(error, ValueError) else str(error)
        context = _detail_context(
            session, kpi_id, window="", by="team", target_value=value, target_error=message
        )
        return render(request, "kpis/kpi.html", context, status_code=422)
    return RedirectResponse(f"/kpis/{kpi_id}", status_code=303)
