"""The platform product canvas page: the seven blocks as a grid, and its validation log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pavedroad.backlog import canvas as canvas_service
from pavedroad.backlog.problems import list_problems
from pavedroad.backlog.schemas import CanvasOut, CanvasUpdate, ValidationIn
from pavedroad.metrics.definitions import DEFINITIONS
from pavedroad.web.deps import Browser, DbSession
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)


def _canvas_form(canvas: CanvasOut) -> dict[str, Any]:
    return {
        "users": canvas.users,
        "alternatives": canvas.alternatives,
        "unfair_advantage": canvas.unfair_advantage,
        "channels": canvas.channels,
        "cost_structure": canvas.cost_structure,
        "key_metrics": [k.id for k in canvas.key_metrics],
        "problems": [p.title for p in canvas.problems],
    }


def _page(
    request: Request,
    session: Session,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    canvas = canvas_service.get_canvas(session=session)
    return render(
        request,
        "backlog/canvas.html",
        {
            "canvas": canvas,
            "form": form or _canvas_form(canvas),
            "errors": errors or {},
            "typed": typed or {},
            "kpis": DEFINITIONS,
            "problem_titles": [p.title for p in list_problems(session=session)],
        },
        status_code=status,
    )


@router.get("/canvas", response_class=HTMLResponse)
def canvas(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """The canvas blocks, key metrics linked to their KPIs, problems to theirs, and the log."""
    return _page(request, session)


@router.post("/canvas", response_model=None)
def edit_canvas(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    users: Annotated[str, Form()] = "",
    alternatives: Annotated[str, Form()] = "",
    unfair_advantage: Annotated[str, Form()] = "",
    channels: Annotated[str, Form()] = "",
    cost_structure: Annotated[str, Form()] = "",
    key_metrics: Annotated[list[str] | None, Form()] = None,
    problems: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Save the canvas blocks."""
    form: dict[str, Any] = {
        "users": users,
        "alternatives": alternatives,
        "unfair_advantage": unfair_advantage,
        "channels": channels,
        "cost_structure": cost_structure,
        "key_metrics": key_metrics or [],
        "problems": problems or [],
    }

    def change() -> Response:
        canvas_service.update_canvas(session=session, data=CanvasUpdate.model_validate(form))
        return RedirectResponse("/canvas", status_code=303)

    def refused(errors: list[str]) -> Response:
        return _page(request, session, form=form, errors={"canvas": errors}, status=422)

    return submit(session, change, refused)


@router.post("/canvas/validations", response_model=None)
def add_validation(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    shared_with: Annotated[str, Form()] = "",
    said: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
) -> Response:
    """Log who the canvas was shared with and what they said."""
    typed = {"shared_with": shared_with, "said": said, "on": on}

    def change() -> Response:
        data = ValidationIn.model_validate({**typed, "on": on or None})
        canvas_service.add_validation(session=session, data=data)
        return RedirectResponse("/canvas#validation", status_code=303)

    def refused(errors: list[str]) -> Response:
        return _page(request, session, errors={"validation": errors}, typed=typed, status=422)

    return submit(session, change, refused)
