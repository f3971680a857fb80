"""Comms pages: pitch one-pagers (printable, with the KPI chart) and the translation table."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pavedroad.comms import pitches as service
from pavedroad.comms import translation as table
from pavedroad.comms.schemas.pitches import (
    PitchChoiceIn,
    TranslationRowIn,
    TranslationRowUpdate,
)
from pavedroad.metrics import service as metrics
from pavedroad.metrics.definitions import KPI_IDS, get_definition
from pavedroad.web.charts import weekly_chart
from pavedroad.web.deps import Browser, DbSession, RowId
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)
Text300 = Annotated[str, Form(max_length=300)]
Text500 = Annotated[str, Form(max_length=500)]


@router.get("/pitches", response_class=HTMLResponse)
def pitches_page(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """Every initiative with a link to its pitch, Now and Next first."""
    return render(
        request, "comms/pitches.html", {"initiatives": service.pitch_list(session=session)}
    )


def _pitch_page(
    request: Request,
    session: Session,
    initiative_id: int,
    *,
    typed: dict[str, str] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    pitch = service.build_pitch(session=session, initiative_id=initiative_id)
    chart = None
    if pitch.outcome.kpi:
        detail = metrics.kpi_detail(session=session, kpi_id=pitch.outcome.kpi, weeks=26)
        if any(value is not None for _, value, _ in detail.overall.points):
            chart = weekly_chart(
                get_definition(pitch.outcome.kpi), detail.overall, detail.headline.target
            )
    context: dict[str, Any] = {
        "pitch": pitch,
        "chart": chart,
        "kpi_name": get_definition(pitch.outcome.kpi).name if pitch.outcome.kpi else None,
        "rows": table.list_rows(session=session),
        "typed": typed
        or {
            "translation_id": str(pitch.translation_id or "") if pitch.translation_chosen else "",
            "constraint_note": pitch.constraint.note,
        },
        "errors": errors or [],
    }
    return render(request, "comms/pitch.html", context, status_code=status)


@router.get("/initiatives/{initiative_id}/pitch", response_class=HTMLResponse)
def pitch_page(
    request: Request, initiative_id: RowId, session: DbSession, _browser: Browser
) -> HTMLResponse:
    """The printable one-pager: three bullets, the outcome KPI's chart, and (for writers) the
    form that chooses the translation row and keeps a note on the constraint."""
    return _pitch_page(request, session, initiative_id)


@router.post("/initiatives/{initiative_id}/pitch", response_model=None)
def save_pitch(
    request: Request,
    initiative_id: RowId,
    session: DbSession,
    posted: WriteForm,
    translation_id: Annotated[str, Form(max_length=12)] = "",
    constraint_note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Keep the chosen row and the note; a refused form keeps what was typed."""
    typed = {"translation_id": translation_id, "constraint_note": constraint_note}

    def change() -> Response:
        chosen = translation_id.strip()
        data = PitchChoiceIn(
            translation_id=int(chosen) if chosen.isdigit() else None if not chosen else -1,
            constraint_note=constraint_note,
        )
        service.save_choice(session=session, initiative_id=initiative_id, data=data)
        return RedirectResponse(f"/initiatives/{initiative_id}/pitch", status_code=303)

    def refused(errors: list[str]) -> Response:
        return _pitch_page(request, session, initiative_id, typed=typed, errors=errors, status=422)

    return submit(session, change, refused)


# ---- the translation table -------------------------------------------------------------------


def _translation_page(
    request: Request,
    session: Session,
    *,
    typed: dict[str, str] | None = None,
    editing: int | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "rows": table.list_rows(session=session),
        "kpi_ids": KPI_IDS,
        "typed": typed or {},
        "editing": editing,
        "errors": errors or [],
    }
    return render(request, "comms/translation.html", context, status_code=status)


@router.get("/translation", response_class=HTMLResponse)
def translation_page(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """The translation table with forms to add, edit, move and remove rows."""
    return _translation_page(request, session)


def _typed(pain: str, consequence: str, outcome: str, kpi: str) -> dict[str, str]:
    return {"pain": pain, "consequence": consequence, "business_outcome": outcome, "kpi": kpi}


@router.post("/translation", response_model=None)
def add_row(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    pain: Text300 = "",
    consequence: Text500 = "",
    business_outcome: Text500 = "",
    kpi: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    """Add a row at the end; a refused form keeps what was typed."""

    def change() -> Response:
        data = TranslationRowIn(
            pain=pain, consequence=consequence, business_outcome=business_outcome, kpi=kpi or None
        )
        table.add_row(session=session, data=data)
        return RedirectResponse("/translation", status_code=303)

    def refused(errors: list[str]) -> Response:
        typed = _typed(pain, consequence, business_outcome, kpi)
        return _translation_page(request, session, typed=typed, errors=errors, status=422)

    return submit(session, change, refused)


@router.post("/translation/{row_id}", response_model=None)
def edit_row(
    request: Request,
    row_id: RowId,
    session: DbSession,
    posted: WriteForm,
    pain: Text300 = "",
    consequence: Text500 = "",
    business_outcome: Text500 = "",
    kpi: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    """Change a row; a refused form keeps what was typed beside the row."""
    row = table.get_row_or_raise(session=session, row_id=row_id)

    def change() -> Response:
        data = TranslationRowUpdate(
            pain=pain, consequence=consequence, business_outcome=business_outcome, kpi=kpi or None
        )
        table.update_row(session=session, row=row, data=data)
        return RedirectResponse(f"/translation#row-{row_id}", status_code=303)

    def refused(errors: list[str]) -> Response:
        typed = _typed(pain, consequence, business_outcome, kpi)
        return _translation_page(
            request, session, typed=typed, editing=row_id, errors=errors, status=422
        )

    return submit(session, change, refused)


@router.post("/translation/{row_id}/move", response_model=None)
def move_row(
    row_id: RowId,
    session: DbSession,
    posted: WriteForm,
    direction: Annotated[str, Form(max_length=4)] = "up",
) -> Response:
    """Move a row one place up or down."""
    row = table.get_row_or_raise(session=session, row_id=row_id)
    step = -1 if direction == "up" else 1
    table.move_row(session=session, row=row, position=max(1, row.position + step))
    return RedirectResponse("/translation", status_code=303)


@router.post("/translation/{row_id}/delete", response_model=None)
def delete_row(row_id: RowId, session: DbSession, posted: WriteForm) -> Response:
    """Remove a row."""
    table.remove_row(session=session, row=table.get_row_or_raise(session=session, row_id=row_id))
    return RedirectResponse("/translation", status_code=303)
