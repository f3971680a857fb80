"""Research API: interview scripts and interviews."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from pavedroad.errors import InvalidInputError
from pavedroad.research import interviews as service
from pavedroad.research.interview_schemas import (
    MAX_NOTES_BODY,
    MAX_TRANSCRIPT_BODY,
    ImportedInterview,
    InterviewImportIn,
    InterviewList,
    InterviewOut,
    InterviewUpdate,
    ScriptIn,
    ScriptOut,
)
from pavedroad.research.talk_ratio import stream_lines
from pavedroad.web.deps import DbSession, ReadGrant, RowId, WriteGrant

router = APIRouter(prefix="/api/v1/research", tags=["research"])
# JSON escapes can double a text's size; anything beyond this cannot fit the fields' bounds.
MAX_IMPORT_BYTES = 2 * (MAX_NOTES_BODY + MAX_TRANSCRIPT_BODY)
Month = Annotated[
    str | None, Query(pattern=r"^\d{4}-\d{2}$", description="Only this month, e.g. 2026-09.")
]
Quarter = Annotated[
    str | None, Query(pattern=r"^\d{4}-[Qq][1-4]$", description="Only this quarter, e.g. 2026-Q3.")
]


@router.get("/interview-script", response_model=ScriptOut)
def get_script(session: DbSession, _grant: ReadGrant) -> ScriptOut:
    """The interview script by section (the practice's questions until it is replaced)."""
    return service.script_out(service.current_script(session=session))


@router.put("/interview-script", response_model=ScriptOut)
def put_script(data: ScriptIn, session: DbSession, _grant: WriteGrant) -> ScriptOut:
    """Replace the script's questions; a section left out has none."""
    return service.set_script(session=session, data=data)


@router.get("/interviews", response_model=InterviewList)
def list_interviews(
    session: DbSession, _grant: ReadGrant, month: Month = None, quarter: Quarter = None
) -> InterviewList:
    """Interviews newest first, with the month's progress toward 5 developers a month."""
    return service.list_interviews(session=session, month=month, quarter=quarter)


@router.post("/interviews", status_code=201, response_model=ImportedInterview)
def import_interview(
    data: InterviewImportIn, request: Request, session: DbSession, _grant: WriteGrant
) -> ImportedInterview:
    """Import notes in the synthesis template and/or a WebVTT transcript (as text).

    Idempotent on (date, developer or team, `source`). `problems` lists the lines not read;
    `warnings` holds `interviewer_talks_too_much` when the talk ratio is above 0.20.
    """
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_IMPORT_BYTES:
        raise InvalidInputError.because(f"the request is larger than {MAX_IMPORT_BYTES:,} bytes")
    return service.import_interview(
        session,
        notes=data.notes,
        transcript=stream_lines(io.StringIO(data.transcript))
        if data.transcript is not None
        else None,
        interviewer=data.interviewer,
        developer=data.developer,
        team=data.team,
        held_on=data.date,
        source=data.source,
        notes_source="notes",
        transcript_source="transcript",
    )


@router.get("/interviews/{interview_id}", response_model=InterviewOut)
def get_interview(interview_id: RowId, session: DbSession, _grant: ReadGrant) -> InterviewOut:
    """One interview with its synthesis, talk ratio and warnings."""
    found = service.get_interview_or_raise(session=session, interview_id=interview_id)
    return service.to_out(session, found)


@router.patch("/interviews/{interview_id}", response_model=InterviewOut)
def update_interview(
    interview_id: RowId, data: InterviewUpdate, session: DbSession, _grant: WriteGrant
) -> InterviewOut:
    """Change the fields given; lists given replace the stored ones."""
    found = service.get_interview_or_raise(session=session, interview_id=interview_id)
    return service.update_interview(session=session, interview=found, data=data)


@router.get(
    "/interviews/{interview_id}/export",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/markdown": {}}}},
)
def export_interview(
    interview_id: RowId, session: DbSession, _grant: ReadGrant
) -> PlainTextResponse:
    """The interview's synthesis as Markdown, in the practice's template."""
    found = service.get_interview_or_raise(session=session, interview_id=interview_id)
    text = service.synthesis_markdown(service.to_out(session, found))
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
