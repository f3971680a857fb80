"""Comms API: pitch one-pagers and the translation table."""

from __future__ import annotations

from fastapi import APIRouter, Response

from pavedroad.comms import pitches as service
from pavedroad.comms import translation as table
from pavedroad.comms.schemas.pitches import (
    PitchChoiceIn,
    PitchOut,
    TranslationRowIn,
    TranslationRowOut,
    TranslationRowUpdate,
)
from pavedroad.web.deps import DbSession, ReadGrant, RowId, WriteGrant

router = APIRouter(prefix="/api/v1", tags=["comms"])


@router.get("/initiatives/{initiative_id}/pitch", response_model=PitchOut)
def get_pitch(initiative_id: RowId, session: DbSession, _grant: ReadGrant) -> PitchOut:
    """The initiative's pitch one-pager: constraint (with its evidence), bet, outcome and the
    translation row it reads through (`pavedroad pitch TITLE --format json`)."""
    return service.build_pitch(session=session, initiative_id=initiative_id)


@router.put("/initiatives/{initiative_id}/pitch", response_model=PitchOut)
def put_pitch(
    initiative_id: RowId, data: PitchChoiceIn, session: DbSession, _grant: WriteGrant
) -> PitchOut:
    """Choose the pitch's translation row by hand (`translation_id: null` lets the KPI of its
    success criterion pick) and keep a note shown before the constraint's evidence."""
    service.save_choice(session=session, initiative_id=initiative_id, data=data)
    return service.build_pitch(session=session, initiative_id=initiative_id)


@router.get("/translation", response_model=list[TranslationRowOut])
def list_rows(session: DbSession, _grant: ReadGrant) -> list[TranslationRowOut]:
    """The translation table in order: platform pain -> consequence -> business outcome."""
    return table.list_rows(session=session)


@router.post("/translation", status_code=201, response_model=TranslationRowOut)
def add_row(data: TranslationRowIn, session: DbSession, _grant: WriteGrant) -> TranslationRowOut:
    """Add a row at `position` (default: last), optionally bound to a KPI id."""
    return table.row_out(table.add_row(session=session, data=data))


@router.patch("/translation/{row_id}", response_model=TranslationRowOut)
def update_row(
    row_id: RowId, data: TranslationRowUpdate, session: DbSession, _grant: WriteGrant
) -> TranslationRowOut:
    """Change a row's texts, KPI (`null` unbinds) or position (the rows close up around it)."""
    row = table.get_row_or_raise(session=session, row_id=row_id)
    return table.row_out(table.update_row(session=session, row=row, data=data))


@router.delete("/translation/{row_id}", status_code=204)
def delete_row(row_id: RowId, session: DbSession, _grant: WriteGrant) -> Response:
    """Delete a row; pitches that chose it fall back to the row their KPI picks."""
    table.remove_row(session=session, row=table.get_row_or_raise(session=session, row_id=row_id))
    return Response(status_code=204)
