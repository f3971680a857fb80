"""Comms pages: ROI per quarter, each term with its formula and editable assumptions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pavedroad.comms import roi as roi_maths
from pavedroad.comms import roi_assumptions as service
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.metrics.windows import quarter_of, today_utc
from pavedroad.web.charts import hours_by_term_chart
from pavedroad.web.deps import Browser, DbSession
from pavedroad.web.pages.backlog_forms import form_errors
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)
QUARTERS_SHOWN = 8


def _recent_quarters() -> list[str]:
    day = today_utc()
    labels: list[str] = []
    year, quarter = day.year, (day.month - 1) // 3 + 1
    for _ in range(QUARTERS_SHOWN):
        labels.append(f"{year}-Q{quarter}")
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
    return labels


def _page(
    request: Request,
    session: Session,
    *,
    quarter: str = "",
    baseline: str = "",
    typed: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    errors = dict(errors or {})
    try:
        report = service.quarter_roi(
            session=session,
            quarter=quarter or None,
            baseline=baseline or None,
            currency=request.app.state.settings.currency,
        )
    except InvalidInputError as exc:
        errors["quarter"] = form_errors(exc)
        status = 422
        report = service.quarter_roi(session=session, currency=request.app.state.settings.currency)
    measured = [(t.id, t.hours) for t in report.terms if t.hours is not None]
    used = {key for t in report.terms for key in t.assumptions} | {
        "hourly_rate",
        "platform_engineers",
        "working_hours",
        "adopting_developers",
    }
    context: dict[str, Any] = {
        "report": report,
        "asked": quarter,
        "asked_baseline": baseline,
        "quarters": _recent_quarters(),
        "current_quarter": quarter_of(today_utc()),
        "chart": hours_by_term_chart(measured) if measured else None,
        "assumptions": [a for a in report.assumptions if a.key in used],
        "typed": typed or {},
        "errors": errors,
        "terms_of": {t.id: t for t in roi_maths.TERMS},
    }
    return render(request, "comms/roi.html", context, status_code=status)


@router.get("/roi", response_class=HTMLResponse)
def roi_page(
    request: Request,
    session: DbSession,
    _browser: Browser,
    quarter: Annotated[str, Query(max_length=10)] = "",
    baseline: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    """A quarter's hours given back per term with formulas, assumptions, value and ROI."""
    return _page(request, session, quarter=quarter, baseline=baseline)


@router.post("/roi/assumptions/{key}", response_model=None)
def set_assumption(
    request: Request,
    key: str,
    session: DbSession,
    posted: WriteForm,
    value: Annotated[str, Form(max_length=40)] = "",
    quarter: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Edit one assumption; a refused value stays in its field with the reason beside it."""

    def change() -> Response:
        try:
            number = float(value.strip().replace(",", ""))
        except ValueError:
            raise InvalidInputError(
                [InputProblem(field=key[:60], reason="type a number, e.g. 3 or 0.25", value=value)]
            ) from None
        service.set_assumption(session=session, key=key, value=number)
        suffix = f"?quarter={quarter}" if quarter else ""
        return RedirectResponse(f"/roi{suffix}#assumption-{key}", status_code=303)

    def refused(messages: list[str]) -> Response:
        return _page(
            request,
            session,
            quarter=quarter,
            typed={key: value},
            errors={key: messages},
            status=422,
        )

    return submit(session, change, refused)


@router.post("/roi/assumptions/{key}/reset", response_model=None)
def reset_assumption(
    request: Request,
    key: str,
    session: DbSession,
    posted: WriteForm,
    quarter: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Forget an edit, so data or the default gives the value again."""

    def change() -> Response:
        service.reset_assumption(session=session, key=key)
        suffix = f"?quarter={quarter}" if quarter else ""
        return RedirectResponse(f"/roi{suffix}#assumption-{key}", status_code=303)

    def refused(messages: list[str]) -> Response:
        return _page(request, session, quarter=quarter, errors={key: messages}, status=422)

    return submit(session, change, refused)
