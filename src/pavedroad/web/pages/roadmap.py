"""Roadmap pages: the four lanes with the plan and the what-if, and the capacity budget."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pavedroad.backlog.schemas import CATEGORIES
from pavedroad.errors import InvalidInputError, NotFoundError
from pavedroad.metrics.windows import today_utc
from pavedroad.roadmap import exports, service
from pavedroad.roadmap.capacity import parse_split
from pavedroad.roadmap.cards import RoadmapBacklog
from pavedroad.roadmap.periods import next_quarter
from pavedroad.roadmap.schemas import (
    LANE_LABELS,
    CapacityIn,
    Horizon,
    LaneIn,
    WhatIfIn,
    WhatIfOut,
    check_quarter,
)
from pavedroad.web import charts
from pavedroad.web.deps import Browser, DbSession
from pavedroad.web.pages.backlog_forms import FORM_ERRORS, form_errors
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)

# The most person-months a quarter's plan may hold (as `CapacityIn` allows).
CAPACITY_LIMIT = 100_000


def _as_of(text: str | None) -> date:
    try:
        return date.fromisoformat(text) if text else today_utc()
    except ValueError:
        return today_utc()


def _blank_to_none(values: dict[str, str]) -> dict[str, Any]:
    return {k: (v.strip() or None) for k, v in values.items()}


def roadmap_page(
    request: Request,
    session: Session,
    *,
    as_of: date,
    by: Horizon,
    forms: dict[str, dict[str, str]] | None = None,
    errors: dict[str, list[str]] | None = None,
    answer: WhatIfOut | None = None,
    status: int = 200,
    backlog: RoadmapBacklog | None = None,
) -> HTMLResponse:
    """The roadmap page with the plan's proposal, and a what-if answer when one was asked."""
    backlog = backlog or service.read_backlog(session=session, as_of=as_of)
    view = service.show_roadmap(session=session, as_of=as_of, horizon=by, backlog=backlog)
    plan = service.plan_roadmap(session=session, as_of=as_of, backlog=backlog)
    active = sorted(
        [c for lane in view.lanes for c in lane.cards] + view.unplaced,
        key=lambda c: c.title.casefold(),
    )
    return render(
        request,
        "roadmap/roadmap.html",
        {
            "view": view,
            "plan": plan,
            "changes": [p for p in plan.placements if not p.locked and p.lane != p.current_lane],
            "active": active,
            "lanes": LANE_LABELS,
            "forms": forms or {},
            "errors": errors or {},
            "answer": answer,
            "by": by,
            "as_of": as_of,
            "as_of_given": "as_of" in request.query_params,
        },
        status_code=status,
    )


@router.get("/roadmap", response_class=HTMLResponse)
def roadmap(
    request: Request,
    session: DbSession,
    _browser: Browser,
    by: Horizon = "quarter",
    as_of: str | None = None,
) -> HTMLResponse:
    """Now, Next, Later and Exploring with capacity use, plan disagreements and the what-if."""
    return roadmap_page(request, session, as_of=_as_of(as_of), by=by)


@router.get("/roadmap/whatif", response_class=HTMLResponse)
def what_if(
    request: Request,
    session: DbSession,
    _browser: Browser,
    add: str = "",
    lane: str = "now",
    effort: str = "",
    reach: str = "",
    impact: str = "",
    confidence: str = "",
    category: str = "",
    by: Horizon = "quarter",
    as_of: str | None = None,
) -> HTMLResponse:
    """The roadmap with the answer to a what-if (nothing is written)."""
    values = {
        "add": add,
        "lane": lane,
        "effort": effort,
        "reach": reach,
        "impact": impact,
        "confidence": confidence,
        "category": category,
    }
    day = _as_of(as_of)
    if not any(value.strip() for key, value in values.items() if key != "lane"):
        # Nothing asked yet (a bookmark, the bare address): the roadmap with an empty what-if.
        return roadmap_page(request, session, as_of=day, by=by, forms={"whatif": values})
    backlog = service.read_backlog(session=session, as_of=day)
    try:
        question = WhatIfIn.model_validate(_blank_to_none(values))
        answer = service.what_if_answer(
            session=session, question=question, as_of=day, backlog=backlog
        )
    except FORM_ERRORS as exc:
        errors = {"whatif": form_errors(exc)}
        return roadmap_page(
            request,
            session,
            as_of=day,
            by=by,
            forms={"whatif": values},
            errors=errors,
            status=422,
            backlog=backlog,
        )
    return roadmap_page(
        request,
        session,
        as_of=day,
        by=by,
        forms={"whatif": values},
        answer=answer,
        backlog=backlog,
    )


@router.post("/roadmap/lane", response_model=None)
def set_lane(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    title: Annotated[str, Form()] = "",
    lane: Annotated[str, Form()] = "",
    quarter: Annotated[str, Form()] = "",
    as_of: Annotated[str, Form()] = "",
) -> Response:
    """Put an initiative in a lane by hand."""
    values = {"title": title, "lane": lane, "quarter": quarter}
    day = _as_of(as_of or None)

    def change() -> Response:
        data = LaneIn.model_validate(_blank_to_none(values))
        service.set_lane(session=session, data=data, as_of=day)
        return RedirectResponse(_back(as_of), status_code=303)

    def refused(errors: list[str]) -> Response:
        return roadmap_page(
            request,
            session,
            as_of=day,
            by="quarter",
            forms={"lane": values},
            errors={"lane": errors},
            status=422,
        )

    return submit(session, change, refused, errors=(*FORM_ERRORS, NotFoundError))


def _back(as_of: str) -> str:
    return f"/roadmap?as_of={as_of}" if as_of else "/roadmap"


@router.post("/roadmap/unlock", response_model=None)
def unlock(
    session: DbSession,
    posted: WriteForm,
    title: Annotated[str, Form()] = "",
    as_of: Annotated[str, Form()] = "",
) -> Response:
    """Let the planner choose the initiative's lane again."""
    service.unlock_lane(session=session, title=title)
    return RedirectResponse(_back(as_of), status_code=303)


@router.post("/roadmap/plan", response_model=None)
def apply_plan(
    session: DbSession,
    posted: WriteForm,
    as_of: Annotated[str, Form()] = "",
) -> Response:
    """Apply the plan to every lane not set by hand."""
    service.plan_roadmap(session=session, as_of=_as_of(as_of or None), apply=True)
    return RedirectResponse(_back(as_of), status_code=303)


@router.get("/roadmap/export.md", response_class=PlainTextResponse)
def export_markdown(
    session: DbSession, _browser: Browser, by: Horizon = "quarter", as_of: str | None = None
) -> PlainTextResponse:
    """The roadmap as Markdown."""
    view = service.show_roadmap(session=session, as_of=_as_of(as_of), horizon=by)
    return PlainTextResponse(exports.to_markdown(view), media_type="text/markdown")


@router.get("/roadmap/export.mmd", response_class=PlainTextResponse)
def export_mermaid(
    session: DbSession, _browser: Browser, by: Horizon = "quarter", as_of: str | None = None
) -> PlainTextResponse:
    """The roadmap as a Mermaid flowchart."""
    view = service.show_roadmap(session=session, as_of=_as_of(as_of), horizon=by)
    return PlainTextResponse(exports.to_mermaid(view))


# --- the capacity budget ---------------------------------------------------------------------


def capacity_page(
    request: Request,
    session: Session,
    *,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    field_errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """Plan against delivered per quarter, as bars, with the form to set a quarter's plan."""
    report = service.capacity_report(session=session)
    suggested = next_quarter(report[-1].quarter) if report else ""
    return render(
        request,
        "roadmap/capacity.html",
        {
            "report": report,
            "categories": CATEGORIES,
            "chart": charts.capacity_chart(
                [(q.quarter, q.person_months, q.delivered) for q in report]
            )
            if report
            else None,
            "form": form or {"quarter": suggested, "person_months": "", "split": "70/20/10"},
            "errors": errors or [],
            "field_errors": field_errors or {},
        },
        status_code=status,
    )


def capacity_field_errors(quarter: str, person_months: str, split: str) -> dict[str, str]:
    """Each field of the capacity form the service would refuse, in plain words, all at once
    (the service stops at the first)."""
    problems: dict[str, str] = {}
    try:
        check_quarter(quarter)
    except ValueError:
        problems["quarter"] = "Quarter must be a year and Q1 to Q4, like 2026-Q3"
    try:
        amount = float(person_months.strip())
    except ValueError:
        problems["person_months"] = "Person-months must be a number, like 24 or 12.5"
    else:
        if not math.isfinite(amount) or amount <= 0:
            problems["person_months"] = "Person-months must be more than 0"
        elif amount > CAPACITY_LIMIT:
            problems["person_months"] = f"Person-months must be at most {CAPACITY_LIMIT:,}"
    try:
        parse_split(split, source="form")
    except InvalidInputError as exc:
        reason = exc.problems[0].reason
        problems["split"] = (
            "The split is three percentages, roadmap/platform/unplanned, that add up to 100 "
            f"(like 70/20/10): {reason}"
        )
    return problems


@router.get("/capacity", response_class=HTMLResponse)
def capacity(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """The capacity budget per quarter."""
    return capacity_page(request, session)


@router.post("/capacity", response_model=None)
def set_capacity(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    quarter: Annotated[str, Form()] = "",
    person_months: Annotated[str, Form()] = "",
    split: Annotated[str, Form()] = "70/20/10",
) -> Response:
    """Set a quarter's capacity; on refused input the form comes back with what was typed and
    each bad field marked beside it."""
    form = {"quarter": quarter, "person_months": person_months, "split": split}
    problems = capacity_field_errors(quarter, person_months, split)
    if problems:
        return capacity_page(request, session, form=form, field_errors=problems, status=422)

    def change() -> Response:
        data = CapacityIn.model_validate({"person_months": person_months, "split": split})
        service.set_capacity(session=session, quarter=quarter, data=data)
        return RedirectResponse("/capacity", status_code=303)

    def refused(errors: list[str]) -> Response:
        return capacity_page(request, session, form=form, errors=errors, status=422)

    return submit(session, change, refused)
