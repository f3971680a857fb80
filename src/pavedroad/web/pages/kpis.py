"""KPI pages: the dashboard of tiles with sparklines and diagnoses, and one KPI with its
weekly chart, its breakdown by team or service, its target, and the events behind it."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pavedroad.backlog import impact_map
from pavedroad.backlog.service import list_initiatives
from pavedroad.catalog.service import list_services, list_teams
from pavedroad.coach import service as coach
from pavedroad.comms.launches import launch_days
from pavedroad.errors import PavedroadError
from pavedroad.metrics import service
from pavedroad.metrics.baseline import get_baseline
from pavedroad.metrics.definitions import KpiDefinition
from pavedroad.metrics.windows import (
    COMPARE_MODES,
    WINDOW_FORMS,
    Window,
    compare_basis,
    compare_window,
    parse_window,
    window_presets,
)
from pavedroad.web import charts
from pavedroad.web.deps import Browser, DbSession
from pavedroad.web.pages.forms import WriteForm
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)

EVENTS_PER_PAGE = service.EVIDENCE_PAGE_SIZE


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
    compare = request.query_params.get("compare", "previous")
    currency = _currency(request)
    chosen, error = _window_or_error(window)
    baseline = get_baseline(session=session)
    base_day = baseline.day if baseline else None
    shown_window = chosen or service.default_window()
    compare = compare if compare in COMPARE_MODES else "previous"
    board = service.dashboard(
        session=session,
        window=chosen,
        team=team or None,
        service=service_name or None,
        compare=compare_window(shown_window, compare, baseline=base_day),
    )
    basis = compare_basis(board.window, compare, baseline=base_day)
    found = coach.diagnose(session=session, board=board) if not error else []
    whole_organisation = not team and not service_name
    tiles = [
        {
            "result": result,
            "shown": "hidden"
            if result.status == "hidden"
            else result.definition.show(result.value, currency=currency),
            "target": _target_text(result.definition, result.target, currency),
            "trend": _trend_text(result, basis, currency),
            "spark": _wave_bars(session, result.definition, board, currency)
            if whole_organisation and result.definition.id in service.SURVEY_KPIS
            else charts.sparkline_svg([v for _, v, _ in board.weekly[result.definition.id].points])
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
            "form": {
                "window": window,
                "team": team,
                "service": service_name,
                "compare": compare,
            },
            "presets": window_presets(base_day),
            "compares": _compare_choices(base_day),
            "basis": basis,
            "error": error,
            "forms_help": WINDOW_FORMS,
            "hidden_reason": service.HIDDEN_REASON,
            "teams": [t.slug for t in list_teams(session=session)],
            "services": [s.name for s in list_services(session=session)],
        },
        status_code=422 if error else 200,
    )


def _wave_bars(
    session: DbSession, definition: KpiDefinition, board: service.Dashboard, currency: str
) -> str:
    """A survey KPI's tile: its waves over the sparkline's weeks as bars with n (a wave is
    months apart: weekly dashes would be mostly gaps)."""
    points = board.weekly.get(definition.id, service.Series("all", [])).points
    start = points[0][0].start if points else board.window.start
    waves = service.survey_waves(
        session=session,
        kpi_id=definition.id,
        window=Window(start, board.window.end, "tile span"),
    )
    return charts.wave_bars_svg(
        [(w.wave, definition.display(w.value), w.answers) for w in waves],
        shown=lambda v: definition.show(definition.stored(v), currency=currency),
    )


def _spec(chart: dict[str, Any]) -> str:
    """A chart spec for a <script type="application/json"> block: `<` escaped, so a title
    holding `</script>` stays data."""
    return json.dumps(chart).replace("<", "\\u003c").replace(">", "\\u003e")


def _currency(request: Request) -> str:
    return str(getattr(request.app.state.settings, "currency", "") or "")


def _target_text(definition: KpiDefinition, target: float | None, currency: str) -> str:
    value = definition.target if target is None else target
    if value is None:
        return "no target set"
    prefix = {"up": "≥ ", "down": "≤ ", "near": "≈ "}[definition.direction]
    return prefix + definition.show(value, currency=currency)


def _trend_text(result: service.KpiResult, basis: str, currency: str = "") -> str:
    """The change with its unit and basis: `down 4.9 h vs the previous 30 days`."""
    return result.definition.delta_text(result.trend, basis, currency=currency)


def _compare_choices(baseline: Any) -> list[tuple[str, str]]:
    choices = [
        ("previous", "previous period"),
        ("year", "a year earlier"),
    ]
    if baseline is not None:
        choices.append(("baseline", "the baseline's 30 days"))
    return choices


def _markers(
    session: DbSession, definition: KpiDefinition, goal_titles: set[str]
) -> list[charts.Marker]:
    """Initiatives shipped (those serving a map goal on this KPI; all shipped ones when none
    does) and launches, as dated chart markers."""
    done = [i for i in list_initiatives(session=session, evaluate_criteria=False) if i.done_at]
    linked = [i for i in done if goal_titles & set(i.goals)]
    markers = [
        charts.Marker(i.done_at.date(), f"shipped: {i.title}", "shipped")
        for i in (linked or done)
        if i.done_at is not None
    ]
    markers += [
        charts.Marker(day, f"launch: {feature}", "launch") for day, feature in launch_days(session)
    ]
    return markers


def _detail_context(
    request: Request,
    session: DbSession,
    kpi_id: str,
    *,
    window: str,
    by: str,
    compare: str = "previous",
    target_value: str = "",
    target_error: str | None = None,
) -> dict[str, Any]:
    chosen, error = _window_or_error(window)
    currency = _currency(request)
    cut: Literal["team", "service"] | None = (
        "service" if by == "service" else ("team" if by == "team" else None)
    )
    baseline = get_baseline(session=session)
    base_day = baseline.day if baseline else None
    compare = compare if compare in COMPARE_MODES else "previous"
    shown_window = chosen or service.default_window()
    detail = service.kpi_detail(
        session=session,
        kpi_id=kpi_id,
        window=chosen,
        by=cut,
        compare=compare_window(shown_window, compare, baseline=base_day),
    )
    definition = detail.headline.definition
    basis = compare_basis(detail.headline.window, compare, baseline=base_day)
    events = service.evidence_page(
        session=session, kpi_id=kpi_id, window=detail.headline.window, limit=EVENTS_PER_PAGE
    )
    goals = [g for g in impact_map.list_goals(session=session) if g.kpi_id == kpi_id]
    goal_lines = [
        charts.TargetLine(
            g.target,
            f"map goal “{g.title}”: {_target_text(definition, g.target, currency)}",
            "goal",
        )
        for g in goals
    ]
    target_text = _target_text(definition, detail.headline.target, currency)
    chart = charts.weekly_chart(
        definition,
        detail.overall,
        detail.headline.target,
        markers=_markers(session, definition, {g.title for g in goals}),
        goals=goal_lines,
        currency=currency,
        target_label=f"KPI target {target_text}",
    )
    survey = kpi_id in service.SURVEY_KPIS
    waves = (
        service.survey_waves(session=session, kpi_id=kpi_id, window=_wave_span(detail))
        if survey
        else []
    )
    wave_chart = (
        charts.wave_chart(
            definition,
            [(w.wave, w.last_day.isoformat(), w.value, w.answers) for w in waves],
            detail.headline.target,
        )
        if waves
        else None
    )
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
        else definition.show(detail.headline.value, currency=currency),
        "target_text": target_text,
        "trend": _trend_text(detail.headline, basis, currency),
        "basis": basis,
        "goals": [
            {
                "title": g.title,
                "target": _target_text(definition, g.target, currency),
                "due": g.due,
            }
            for g in goals
        ],
        "groups": [
            {"result": g, "shown": definition.show(g.value, currency=currency)}
            for g in detail.groups
        ],
        "weekly_rows": [
            (w, definition.show(v, currency=currency), n) for w, v, n in detail.overall.points
        ],
        "chart_json": _spec(chart),
        "wave_json": _spec(wave_chart) if wave_chart else None,
        "waves": waves,
        "heatmap_json": _spec(heatmap) if heatmap else None,
        "ev": _events_view(events, kpi_id, window),
        "detail_hidden": detail.headline.status == "hidden",
        "survey": survey,
        "hidden_reason": service.HIDDEN_REASON,
        "unit_hint": _unit_hint(definition, currency),
        "presets": window_presets(base_day),
        "compares": _compare_choices(base_day),
        "form": {"window": window, "by": by, "target": target_value, "compare": compare},
        "error": error,
        "target_error": target_error,
    }


def _events_view(page: service.EvidencePage, kpi_id: str, window: str) -> dict[str, Any]:
    """One page of a KPI's events for `kpis/_events.html`: the rows, which of the total they
    are, and the links to the pages before and after."""
    pages = max(1, -(-page.total // page.limit))

    def href(offset: int) -> str:
        query = urlencode(
            {k: v for k, v in (("window", window), ("page", offset // page.limit + 1)) if v}
        )
        return f"/kpis/{kpi_id}/events?{query}"

    return {
        "rows": page.rows,
        "columns": list(page.rows[0]) if page.rows else [],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
        "first": page.offset + 1,
        "last": page.offset + len(page.rows),
        "page": page.offset // page.limit + 1,
        "pages": pages,
        "first_href": href(0),
        "next_href": href(page.next_offset) if page.next_offset is not None else None,
        "previous_href": href(page.previous_offset) if page.previous_offset is not None else None,
    }


@router.get("/kpis/{kpi_id}/events", response_class=HTMLResponse)
def kpi_events_page(
    request: Request,
    kpi_id: str,
    session: DbSession,
    _browser: Browser,
    window: str = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """The events behind a KPI's number, a page of them at a time, newest first."""
    definition = service.get_definition_or_raise(kpi_id)
    chosen, error = _window_or_error(window)
    shown_window = chosen or service.default_window()
    events = service.evidence_page(
        session=session,
        kpi_id=kpi_id,
        window=shown_window,
        limit=EVENTS_PER_PAGE,
        offset=(page - 1) * EVENTS_PER_PAGE,
    )
    hidden = False
    if kpi_id in service.SURVEY_KPIS and not events.rows:
        headline = service.dashboard(session=session, window=shown_window, kpi_ids=[kpi_id])
        hidden = headline.results[0].status == "hidden"
    return render(
        request,
        "kpis/events.html",
        {
            "definition": definition,
            "window": shown_window,
            "ev": _events_view(events, kpi_id, window),
            "detail_hidden": hidden,
            "hidden_reason": service.HIDDEN_REASON,
            "survey": kpi_id in service.SURVEY_KPIS,
            "error": error,
        },
        status_code=422 if error else 200,
    )


def _wave_span(detail: service.KpiDetail) -> Window:
    """Survey waves are drawn over the whole chart span (a wave is months apart)."""
    points = detail.overall.points
    if not points:
        return detail.headline.window
    return Window(points[0][0].start, detail.headline.window.end, "chart span")


def _unit_hint(definition: KpiDefinition, currency: str) -> str:
    if definition.unit == "fraction":
        return "%: 80 or 80%"
    if definition.unit == "currency":
        return currency or "money"
    return definition.shown_unit


@router.get("/kpis/{kpi_id}", response_class=HTMLResponse)
def kpi_page(
    request: Request,
    kpi_id: str,
    session: DbSession,
    _browser: Browser,
    window: str = "",
    by: str = "team",
    compare: str = "previous",
) -> HTMLResponse:
    """One KPI: chart, definition, breakdown, target and drill-down."""
    context = _detail_context(request, session, kpi_id, window=window, by=by, compare=compare)
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
        if definition.unit == "fraction":
            # typed as a percentage (80 or 80%); a bare 0.8 still means 80%
            number = number / 100 if value.strip().endswith("%") or number > 1 else number
        else:
            number = definition.stored(number)  # typed in the unit the page shows
        service.set_target(
            session=session, kpi_id=kpi_id, value=number, set_by=posted.browser.grant.email
        )
    except (ValueError, PavedroadError) as error:
        message = f"{value!r} is not a number" if isinstance(error, ValueError) else str(error)
        context = _detail_context(
            request,
            session,
            kpi_id,
            window="",
            by="team",
            target_value=value,
            target_error=message,
        )
        return render(request, "kpis/kpi.html", context, status_code=422)
    return RedirectResponse(f"/kpis/{kpi_id}", status_code=303)
