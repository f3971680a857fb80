"""Research API: developer shadowing sessions, their notes import and Markdown export."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError

from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.research import shadowing
from pavedroad.research.notes import MAX_NOTES_BYTES
from pavedroad.research.shadowing_schemas import (
    NotesText,
    ShadowingDetail,
    ShadowingImportOut,
    ShadowingIn,
    ShadowingList,
)
from pavedroad.web.deps import DbSession, ReadGrant, RowId, WriteGrant

router = APIRouter(prefix="/api/v1/research", tags=["research"])

Quarter = Annotated[
    str | None,
    Query(
        description="Only this quarter, e.g. 2026-Q3; progress is of it (default: this quarter).",
        pattern=r"^\d{4}-[Qq][1-4]$",
        max_length=7,
    ),
]

NOTES_BODY = {
    "requestBody": {
        "required": True,
        "description": "Shadowing notes in the practice's template: Markdown, or JSON {text}.",
        "content": {
            "text/markdown": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"text": {"type": "string"}},
                    "required": ["text"],
                }
            },
        },
    }
}


@router.get("/shadowing", response_model=ShadowingList)
def list_sessions(session: DbSession, _grant: ReadGrant, quarter: Quarter = None) -> ShadowingList:
    """Shadowing sessions by day with derived figures, and progress toward 3 teams a quarter."""
    return shadowing.list_sessions(session, quarter=quarter)


@router.post("/shadowing", status_code=201, response_model=ShadowingDetail)
def add_session(data: ShadowingIn, session: DbSession, _grant: WriteGrant) -> ShadowingDetail:
    """Add a session; `time_log` uses the template's lines (`00:05 - Opened the guide`).

    An unreadable log line or an unknown team refuses it (422); the same day, developer and
    workflow as a stored session conflicts (409).
    """
    row = shadowing.add_session(session, data=data, source="api")
    return shadowing.get_session(session, session_id=row.id)


@router.post("/shadowing/import", response_model=ShadowingImportOut, openapi_extra=NOTES_BODY)
async def import_notes(
    request: Request, session: DbSession, _grant: WriteGrant
) -> ShadowingImportOut:
    """Import notes (idempotent); unreadable lines are listed in `problems`, the rest is written.

    A body that cannot be read at all (too big, binary, no session header) writes nothing (422).
    """
    raw = await request.body()
    if len(raw) > MAX_NOTES_BYTES:
        raise InvalidInputError(
            [InputProblem(source="request body", reason="body is larger than 2 MB")], unusable=True
        )
    content: bytes | str = raw
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json":
        try:
            content = NotesText.model_validate(json.loads(raw)).text
        except (ValueError, RecursionError, ValidationError):
            raise InvalidInputError(
                [InputProblem(source="body", field="text", reason='expected {"text": "..."}')],
                unusable=True,
            ) from None
    return shadowing.import_notes(session, files=[("request body", content)])


@router.get("/shadowing/{session_id}", response_model=ShadowingDetail)
def get_session(session_id: RowId, session: DbSession, _grant: ReadGrant) -> ShadowingDetail:
    """One session: time log, stated beside derived figures, friction with themes, wishes."""
    return shadowing.get_session(session, session_id=session_id)


@router.get(
    "/shadowing/{session_id}/export",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {"schema": {"type": "string"}}}}},
)
def export_session(session_id: RowId, session: DbSession, _grant: ReadGrant) -> Response:
    """The session as Markdown in the practice's template; importing it changes nothing."""
    text = shadowing.export_session(session, session_id=session_id)
    return Response(text, media_type="text/markdown; charset=utf-8")
