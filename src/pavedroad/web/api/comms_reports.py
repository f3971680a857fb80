"""Comms API: the weekly and monthly reports, as Markdown or as JSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from pavedroad.coach.service import report_digest
from pavedroad.comms import reports as service
from pavedroad.comms.schemas.reports import ReportOut
from pavedroad.web.deps import DbSession, ReadGrant

router = APIRouter(prefix="/api/v1/reports", tags=["comms"])

FormatQuery = Annotated[
    Literal["markdown", "json"] | None,
    Query(
        alias="format",
        description="`markdown` or `json`; without it, JSON when `Accept: application/json`, "
        "else Markdown.",
    ),
]
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: Markdown (charts linked as `<kpi id>.png`, written by "
        "`pavedroad report`) or its content as JSON.",
        "content": {"text/markdown": {"schema": {"type": "string"}}},
    }
}


def _answer(request: Request, report: service.Report, wanted: str | None) -> Response:
    accept = request.headers.get("accept", "")
    if wanted == "json" or (wanted is None and "application/json" in accept):
        return JSONResponse(report.content.model_dump(mode="json"))
    return PlainTextResponse(
        report.markdown,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{report.file_name}"'},
    )


@router.get("/weekly", response_model=ReportOut, responses=RESPONSES)
def weekly(
    request: Request,
    session: DbSession,
    _grant: ReadGrant,
    week: Annotated[
        str | None,
        Query(max_length=20, description="ISO week such as 2026-W47; default the last complete."),
    ] = None,
    format_: FormatQuery = None,
) -> Response:
    """A week's report: leading indicators and their trend, the changelog, initiatives at risk
    against their criteria, launches in flight with overdue items."""
    report = service.weekly_report(session=session, week=week, source="week", digest=report_digest)
    return _answer(request, report, format_)


@router.get("/monthly", response_model=ReportOut, responses=RESPONSES)
def monthly(
    request: Request,
    session: DbSession,
    _grant: ReadGrant,
    month: Annotated[
        str | None,
        Query(max_length=20, description="Month such as 2026-11; default the last complete."),
    ] = None,
    format_: FormatQuery = None,
) -> Response:
    """A month's report: the weekly sections for the month, the lagging indicators and the
    capacity budget of the month's quarter, planned against actual."""
    report = service.monthly_report(session=session, month=month, source="month")
    return _answer(request, report, format_)
