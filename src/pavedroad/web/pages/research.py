"""Research pages: the overview (coverage, cadences, team x method heat map) and insights."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pavedroad.backlog import problems as problem_service
from pavedroad.catalog.service import eligible_team_slugs, list_personas
from pavedroad.errors import InvalidInputError, NotFoundError
from pavedroad.research import coverage as coverage_maths
from pavedroad.research import insights as service
from pavedroad.research.schemas import FRAMINGS, INSIGHT_SOURCES, InsightIn
from pavedroad.web.deps import Browser, DbSession, RowId
from pavedroad.web.pages.backlog_forms import FORM_ERRORS, form_errors
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)
PROMOTE_ERRORS = (*FORM_ERRORS, NotFoundError)
# The research pages of each method, linked from the overview.
METHOD_PAGES = (
    ("Shadowing", "/research/shadowing", "two hours beside a developer"),
    ("Interviews", "/research/interviews", "30 minutes, the practice's script"),
    ("Surveys", "/surveys", "NPS, satisfaction and comments, anonymous"),
    ("Tickets", "/research/tickets", "support tickets by category"),
    ("Usage", "/research/usage", "who uses each capability"),
    ("Insights", "/research/insights", "atomic findings linked to problems"),
)


def _quarter(text: str) -> tuple[str, list[str]]:
    """The quarter asked for, or today's with the reason when it cannot be read."""
    if not text.strip():
        return service.default_quarter(), []
    try:
        return coverage_maths.quarter_label(text), []
    except InvalidInputError as exc:
        return service.default_quarter(), form_errors(exc)


@router.get("/research", response_class=HTMLResponse)
def research(
    request: Request, session: DbSession, _browser: Browser, quarter: str = ""
) -> HTMLResponse:
    """Research coverage for a quarter: warnings, cadences, the team x method heat map."""
    label, errors = _quarter(quarter[:20])
    view = service.overview(session=session, quarter=label)
    cells = [r[m] or 0 for r in view["heat_map"] for m in ("shadowing", "interview", "survey")]
    top = max([*cells, 1])
    return render(
        request,
        "research/overview.html",
        {**view, "errors": errors, "pages": METHOD_PAGES, "top": top},
    )


def _insights_page(
    request: Request,
    session: Session,
    *,
    filters: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    promote: dict[str, Any] | None = None,
    errors: list[str] | None = None,
    promote_errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    filters = filters or {}
    problems = problem_service.list_problems(session=session)
    filter_errors: list[str] = []
    try:
        found = service.list_insights(
            session=session,
            team=filters.get("team") or None,
            source_kind=filters.get("source") or None,  # type: ignore[arg-type]
            problem=int(filters["problem"]) if filters.get("problem", "").isdigit() else None,
            quarter=filters.get("quarter") or None,
        )
    except (InvalidInputError, NotFoundError) as exc:
        found, filter_errors = [], form_errors(exc)
    return render(
        request,
        "research/insights.html",
        {
            "insights": found,
            "filters": filters,
            "filter_errors": filter_errors,
            "form": form or {"observed_on": date.today().isoformat()},
            "promote": promote or {"kind": "ticket-category"},
            "errors": errors or [],
            "promote_errors": promote_errors or [],
            "problems": problems,
            "teams": eligible_team_slugs(session=session),
            "persona_names": [p.name for p in list_personas(session=session)],
            "sources": INSIGHT_SOURCES,
            "framings": FRAMINGS,
        },
        status_code=status,
    )


@router.get("/research/insights", response_class=HTMLResponse)
def insights(
    request: Request,
    session: DbSession,
    _browser: Browser,
    team: str = "",
    source: str = "",
    problem: str = "",
    quarter: str = "",
) -> HTMLResponse:
    """Insights with their source and problems; the add form and one-step promotions."""
    filters = {
        "team": team[:100].strip().lower(),
        "source": source if source in INSIGHT_SOURCES else "",
        "problem": problem[:10].strip(),
        "quarter": quarter[:20].strip(),
    }
    return _insights_page(request, session, filters=filters)


FIELDS = (
    "text",
    "quote",
    "figure",
    "source_kind",
    "source_ref",
    "team",
    "persona",
    "person",
    "framing",
    "observed_on",
)


@router.post("/research/insights", response_model=None)
def add_insight(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    problems: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Add an insight; on an error the form comes back with what was typed."""
    form: dict[str, Any] = {name: posted.text(name) for name in FIELDS}
    form["problems"] = problems or []

    def change() -> Response:
        values = {k: v.strip() or None for k, v in form.items() if isinstance(v, str)}
        values["source_ref"] = values.get("source_ref") or ""
        data = InsightIn.model_validate(
            {**{k: v for k, v in values.items() if v is not None}, "problems": form["problems"]}
        )
        service.add_insight(session=session, data=data)
        return RedirectResponse("/research/insights", status_code=303)

    def refused(errors: list[str]) -> Response:
        return _insights_page(request, session, form=form, errors=errors, status=422)

    return submit(session, change, refused)


@router.post("/research/insights/promote", response_model=None)
def promote(request: Request, session: DbSession, posted: WriteForm) -> Response:
    """Promote a ticket category, survey theme, usage finding, shadowing or interview finding."""
    names = (
        *("kind", "category", "survey", "wave", "theme", "capability", "window"),
        *("ref", "number", "framing", "problem"),
    )
    form = {name: posted.text(name).strip() for name in names}

    def change() -> Response:
        kind = form["kind"]
        framing: Any = form["framing"] if form["framing"] in FRAMINGS else None
        common: dict[str, Any] = {
            "framing": framing,
            "problems": [form["problem"]] if form["problem"] else [],
        }
        window = form["window"] or None
        number = int(form["number"]) if form["number"].isdigit() else 0
        ref = int(form["ref"]) if form["ref"].isdigit() and len(form["ref"]) < 10 else 0
        if kind == "ticket-category":
            service.promote_ticket_category(
                session=session, category=form["category"], window=window, **common
            )
        elif kind == "survey-theme":
            service.promote_survey_theme(
                session=session,
                survey=form["survey"],
                theme=form["theme"],
                wave=form["wave"] or None,
                **common,
            )
        elif kind == "usage":
            service.promote_usage(
                session=session, capability=form["capability"], window=window, **common
            )
        elif kind in ("friction", "wish"):
            service.promote_shadowing(
                session=session, session_id=ref, kind=kind, number=number, **common
            )
        elif kind == "interview":
            service.promote_interview(session=session, interview_id=ref, number=number, **common)
        else:
            raise NotFoundError(f"nothing to promote as {kind!r}")
        return RedirectResponse("/research/insights", status_code=303)

    def refused(errors: list[str]) -> Response:
        return _insights_page(request, session, promote=form, promote_errors=errors, status=422)

    return submit(session, change, refused, errors=PROMOTE_ERRORS)


@router.post("/research/insights/{insight_id}/delete", response_model=None)
def delete_insight(insight_id: RowId, session: DbSession, posted: WriteForm) -> Response:
    """Delete an insight; the problems it supported stay."""
    found = service.get_insight_or_raise(session=session, insight_id=insight_id)
    service.delete_insight(session=session, insight=found)
    return RedirectResponse("/research/insights", status_code=303)


@router.post("/research/insights/{insight_id}/link", response_model=None)
def link_problem(insight_id: RowId, session: DbSession, posted: WriteForm) -> Response:
    """Make an insight support the problem chosen (or stop, with `unlink`)."""
    found = service.get_insight_or_raise(session=session, insight_id=insight_id)
    problem = posted.text("problem").strip()[:300]
    if problem:
        if posted.text("unlink"):
            service.unlink_problem(session=session, insight=found, problem=problem)
        else:
            service.link_problem(session=session, insight=found, problem=problem)
    back = posted.text("next")
    safe = back.startswith("/") and not back.startswith("//") and "\\" not in back
    return RedirectResponse(back if safe else "/research/insights", status_code=303)
