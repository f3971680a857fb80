"""Comms pages: the weekly and monthly report, rendered with its charts, and its downloads."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from pavedroad.coach.service import report_digest
from pavedroad.comms import reports as service
from pavedroad.errors import InvalidInputError
from pavedroad.metrics.windows import today_utc
from pavedroad.web.deps import Browser, DbSession
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)
PAGE = "/reports"
RECENT = 6
Kind = Literal["weekly", "monthly"]
KindQuery = Annotated[Kind, Query(description="weekly or monthly")]
PeriodQuery = Annotated[str, Query(max_length=40)]


def _recent(kind: Kind) -> list[str]:
    """The last complete weeks or months, newest first, for quick links."""
    today = today_utc()
    if kind == "weekly":
        return [
            service.week_period(None, today=today - timedelta(days=7 * back)).label
            for back in range(RECENT)
        ]
    labels, day = [], today
    for _ in range(RECENT):
        period = service.month_period(None, today=day)
        labels.append(period.label)
        day = period.start
    return labels


def _report(session: DbSession, kind: Kind, period: str) -> service.Report:
    text = period.strip() or None
    if kind == "monthly":
        return service.monthly_report(session=session, month=text, source="period")
    return service.weekly_report(session=session, week=text, source="period", digest=report_digest)


def _svg_uri(spec: dict[str, object]) -> str:
    """A chart as an `<img>` source: vl-convert's SVG of the KPI page's own spec."""
    import vl_convert

    svg: str = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    session: DbSession,
    _browser: Browser,
    kind: KindQuery = "weekly",
    period: PeriodQuery = "",
) -> HTMLResponse:
    """Pick a week or a month; see its report with its charts; download it."""
    error, report = None, None
    try:
        report = _report(session, kind, period)
    except InvalidInputError as exc:
        error = "; ".join(p.reason for p in exc.problems) or str(exc)
    return render(
        request,
        "comms/report.html",
        {
            "report": report.content if report else None,
            "charts": {n: _svg_uri(s) for n, s in report.charts.items()} if report else {},
            "kind": kind,
            "asked": period,
            "error": error,
            "recent": _recent(kind),
        },
        status_code=422 if error else 200,
    )


@router.get("/reports/download")
def download(
    session: DbSession,
    _browser: Browser,
    kind: KindQuery = "weekly",
    period: PeriodQuery = "",
    format_: Annotated[Literal["md", "zip"], Query(alias="format")] = "md",
) -> Response:
    """The report's Markdown, or a zip of the Markdown with its PNG charts beside it."""
    report = _report(session, kind, period)
    if format_ == "md":
        return Response(
            report.markdown,
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{report.file_name}"'},
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(report.file_name, report.markdown)
        for name, png in service.chart_pngs(report).items():
            archive.writestr(name, png)
    stem = report.file_name.removesuffix(".md")
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{stem}.zip"'},
    )
