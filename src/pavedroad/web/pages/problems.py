"""Problem pages: developer problems in their own words, who they hurt, what addresses them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pavedroad.backlog import problems as problem_service
from pavedroad.backlog import service
from pavedroad.backlog.schemas import ProblemIn, ProblemUpdate
from pavedroad.catalog.service import list_personas
from pavedroad.research import insights
from pavedroad.web.deps import Browser, DbSession, RowId
from pavedroad.web.pages.backlog_forms import split_names
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

if TYPE_CHECKING:
    from pavedroad.backlog.models import Problem

router = APIRouter(include_in_schema=False)


def _fields(title: str, description: str, teams: str, personas: list[str]) -> dict[str, Any]:
    return {
        "title": title,
        "description": description,
        "teams": split_names(teams),
        "personas": personas,
    }


def _list_page(
    request: Request,
    session: Session,
    *,
    q: str = "",
    form: dict[str, Any] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    refs = service.initiative_refs(session=session)
    return render(
        request,
        "backlog/problems.html",
        {
            "problems": problem_service.list_problems(
                session=session, search=q.strip() or None, ranks=refs
            ),
            "q": q,
            "form": form or {"personas": []},
            "errors": errors or [],
            "persona_names": [p.name for p in list_personas(session=session)],
        },
        status_code=status,
    )


@router.get("/problems", response_class=HTMLResponse)
def problems(request: Request, session: DbSession, _browser: Browser, q: str = "") -> HTMLResponse:
    """Every problem with the teams and personas it hurts and what addresses it."""
    return _list_page(request, session, q=q)


@router.post("/problems", response_model=None)
def add_problem(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    teams: Annotated[str, Form()] = "",
    personas: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Add a problem; on an error the form comes back with what was typed."""
    form = {"title": title, "description": description, "teams": teams, "personas": personas or []}

    def change() -> Response:
        data = ProblemIn.model_validate(_fields(title, description, teams, personas or []))
        created = problem_service.create_problem(session=session, data=data)
        return RedirectResponse(f"/problems/{created.id}", status_code=303)

    def refused(errors: list[str]) -> Response:
        return _list_page(request, session, form=form, errors=errors, status=422)

    return submit(session, change, refused)


def _detail_page(
    request: Request,
    session: Session,
    problem: Problem,
    *,
    form: dict[str, Any] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    refs = service.initiative_refs(session=session)
    out = problem_service.problem_out(problem, refs)
    return render(
        request,
        "backlog/problem.html",
        {
            "problem": out,
            "form": form
            or {
                "title": out.title,
                "description": out.description,
                "teams": ", ".join(out.teams),
                "personas": out.personas,
            },
            "errors": errors or [],
            "persona_names": [p.name for p in list_personas(session=session)],
            "evidence": insights.evidence_for_problem(session=session, problem_id=problem.id),
        },
        status_code=status,
    )


@router.get("/problems/{problem_id}", response_class=HTMLResponse)
def problem(
    request: Request, problem_id: RowId, session: DbSession, _browser: Browser
) -> HTMLResponse:
    """One problem with the initiatives that address it, each with its RICE rank."""
    found = problem_service.get_problem_or_raise(session=session, ref=problem_id)
    return _detail_page(request, session, found)


@router.post("/problems/{problem_id}", response_model=None)
def edit_problem(
    request: Request,
    problem_id: RowId,
    session: DbSession,
    posted: WriteForm,
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    teams: Annotated[str, Form()] = "",
    personas: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Save the edit form."""
    found = problem_service.get_problem_or_raise(session=session, ref=problem_id)
    form = {"title": title, "description": description, "teams": teams, "personas": personas or []}

    def change() -> Response:
        data = ProblemUpdate.model_validate(_fields(title, description, teams, personas or []))
        problem_service.update_problem(session=session, problem=found, data=data)
        return RedirectResponse(f"/problems/{problem_id}", status_code=303)

    def refused(errors: list[str]) -> Response:
        again = problem_service.get_problem_or_raise(session=session, ref=problem_id)
        return _detail_page(request, session, again, form=form, errors=errors, status=422)

    return submit(session, change, refused)


@router.post("/problems/{problem_id}/delete", response_model=None)
def delete_problem(
    problem_id: RowId,
    session: DbSession,
    posted: WriteForm,
) -> Response:
    """Delete a problem; initiatives that addressed it stay."""
    found = problem_service.get_problem_or_raise(session=session, ref=problem_id)
    problem_service.delete_problem(session=session, problem=found)
    return RedirectResponse("/problems", status_code=303)
