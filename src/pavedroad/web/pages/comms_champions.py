"""Comms pages: the champions program (champions per team, coverage, candidates)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pavedroad.catalog import capabilities as catalog_capabilities
from pavedroad.comms import champions as service
from pavedroad.comms.schemas.champions import ChampionIn, RecognitionIn
from pavedroad.errors import NotFoundError
from pavedroad.web.deps import Browser, DbSession, RowId
from pavedroad.web.pages.backlog_forms import FORM_ERRORS
from pavedroad.web.pages.forms import PostedForm, WriteForm, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)
PAGE = "/champions"


def _page(
    request: Request,
    session: Session,
    *,
    errors: list[str] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    program = service.list_champions(session)
    by_team: dict[str, list[Any]] = {}
    for champion in program.champions:
        by_team.setdefault(champion.team, []).append(champion)
    context: dict[str, Any] = {
        "program": program,
        "by_team": by_team,
        "max_per_team": service.MAX_PER_TEAM,
        "candidates": service.candidates(session).candidates,
        "names": service.names_of(session),
        "capabilities": sorted(catalog_capabilities.capability_names(session=session)),
        "errors": errors or [],
        "typed": typed or {},
    }
    return render(request, "comms/champions.html", context, status_code=status)


def _done() -> Response:
    return RedirectResponse(PAGE, status_code=303)


@router.get(PAGE, response_class=HTMLResponse)
def champions_page(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """Champions by team, the teams with none, candidates with their evidence and an "add as
    champion" button, and a recognition form per champion."""
    return _page(request, session)


def _typed(posted: PostedForm, *names: str) -> dict[str, str]:
    return {name: posted.text(name) for name in names}


@router.post(PAGE, response_model=None)
def add_champion(request: Request, session: DbSession, posted: WriteForm) -> Response:
    """Add a champion from the form or a candidate's button."""
    typed = _typed(posted, "developer", "since", "early_access")

    def change() -> Response:
        data = ChampionIn.model_validate(
            {
                "developer": typed["developer"],
                "since": typed["since"].strip() or None,
                "early_access": [c for c in typed["early_access"].split(",") if c.strip()],
            }
        )
        service.add_champion(session, data=data)
        return _done()

    def refused(errors: list[str]) -> Response:
        return _page(request, session, errors=errors, typed=typed, status=422)

    # An email the catalog does not know is a typing mistake: the form says so beside it.
    return submit(session, change, refused, errors=(*FORM_ERRORS, NotFoundError))


@router.post(PAGE + "/{champion_id}/recognise", response_model=None)
def recognise(
    request: Request, session: DbSession, posted: WriteForm, champion_id: RowId
) -> Response:
    """Record recognition given to a champion."""
    typed = _typed(posted, "text", "on")

    def change() -> Response:
        champion = service.get_champion_or_raise(session, champion_id=champion_id)
        data = RecognitionIn.model_validate(
            {"text": typed["text"], "on": typed["on"].strip() or None}
        )
        service.recognise(session, champion=champion, data=data)
        return _done()

    def refused(errors: list[str]) -> Response:
        return _page(
            request,
            session,
            errors=errors,
            typed={**typed, "recognise_id": str(champion_id)},
            status=422,
        )

    return submit(session, change, refused)


@router.post(PAGE + "/{champion_id}/remove", response_model=None)
def remove(request: Request, session: DbSession, posted: WriteForm, champion_id: RowId) -> Response:
    """The developer is no longer a champion."""
    champion = service.get_champion_or_raise(session, champion_id=champion_id)
    service.remove_champion(session, champion=champion)
    return _done()
