"""Comms API: the champions program (champions per team, coverage and candidates)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from pavedroad.comms import champions as service
from pavedroad.comms.schemas.champions import (
    CandidatesOut,
    ChampionIn,
    ChampionOut,
    ChampionsList,
    ChampionUpdate,
)
from pavedroad.web.deps import DbSession, ReadGrant, RowId, WriteGrant

router = APIRouter(prefix="/api/v1/champions", tags=["comms"])


@router.get("", response_model=ChampionsList)
def list_champions(session: DbSession, _grant: ReadGrant) -> ChampionsList:
    """Champions by team, and the eligible teams with none (`teams_without_champion`)."""
    return service.list_champions(session)


@router.post("", status_code=201, response_model=ChampionOut)
def add_champion(data: ChampionIn, session: DbSession, _grant: WriteGrant) -> ChampionOut:
    """Make a catalog developer a champion of their team: 404 for an unknown developer, 409
    when they already are one or their team has two, 422 for an unknown capability."""
    champion = service.add_champion(session, data=data)
    return service.champion_out(session, champion)


@router.get("/candidates", response_model=CandidatesOut)
def list_candidates(
    session: DbSession,
    _grant: ReadGrant,
    capability: Annotated[
        str | None,
        Query(max_length=200, description="Only first users of this catalog capability."),
    ] = None,
) -> CandidatesOut:
    """Developers the data suggests, strongest evidence first: first users of a capability in
    their team, and who answered tickets of other teams. Champions are left out."""
    return service.candidates(session, capability=capability or None)


@router.patch("/{champion_id}", response_model=ChampionOut)
def edit_champion(
    champion_id: RowId, data: ChampionUpdate, session: DbSession, _grant: WriteGrant
) -> ChampionOut:
    """Change the start day, early access, design reviews or recognition (lists replace)."""
    champion = service.get_champion_or_raise(session, champion_id=champion_id)
    service.update_champion(session, champion=champion, data=data)
    return service.champion_out(session, champion)


@router.delete("/{champion_id}", status_code=204)
def remove_champion(champion_id: RowId, session: DbSession, _grant: WriteGrant) -> Response:
    """The developer is no longer a champion."""
    champion = service.get_champion_or_raise(session, champion_id=champion_id)
    service.remove_champion(session, champion=champion)
    return Response(status_code=204)
