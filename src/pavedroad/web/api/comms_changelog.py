"""Comms API: changelog entries, assembled weeks, the Slack payload and the Atom feed."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from pavedroad.comms import changelog as service
from pavedroad.comms import feeds
from pavedroad.comms.schemas.changelog import (
    ChangelogEntryIn,
    ChangelogEntryOut,
    ChangelogEntryUpdate,
    ChangelogWeek,
)
from pavedroad.web.deps import DbSession, ReadGrant, RowId, WriteGrant, require_scope

router = APIRouter(tags=["comms"])
ATOM = "application/atom+xml"

Week = Annotated[
    str,
    Path(max_length=10, description="An ISO week such as 2026-W40 (W01 to W52 or W53)."),
]


@router.get("/api/v1/changelog", response_model=list[ChangelogEntryOut])
def list_entries(
    session: DbSession,
    _grant: ReadGrant,
    since: Annotated[date | None, Query(description="Only entries from this day on.")] = None,
    capability: Annotated[
        str | None, Query(max_length=200, description="Only this capability's entries.")
    ] = None,
    audience: Annotated[
        str | None,
        Query(max_length=200, description="Only entries for this team slug or persona name."),
    ] = None,
) -> list[ChangelogEntryOut]:
    """Changelog entries, newest first."""
    return service.list_entries(
        session=session, since=since, capability=capability, audience=audience
    )


@router.post("/api/v1/changelog", status_code=201, response_model=ChangelogEntryOut)
def create_entry(
    data: ChangelogEntryIn, session: DbSession, _grant: WriteGrant
) -> ChangelogEntryOut:
    """Add an entry; its audience, capability and initiative must name stored things."""
    return service.entry_out(session, service.add_entry(session=session, data=data))


@router.get("/api/v1/changelog/weeks/{week}", response_model=ChangelogWeek)
def get_week(week: Week, session: DbSession, _grant: ReadGrant) -> ChangelogWeek:
    """The changelog of one ISO week, its entries by date (the `changelog week` contract)."""
    return service.week(session, week)


@router.get("/api/v1/changelog/weeks/{week}/slack", response_model=dict[str, Any])
def get_week_slack(
    week: Week, request: Request, session: DbSession, _grant: ReadGrant
) -> dict[str, Any]:
    """The Block Kit message `pavedroad changelog post` sends for the week, linked here."""
    assembled = service.week(session, week)
    link = str(request.url_for("changelog_week_page", week=assembled.week))
    return feeds.slack_message(assembled, link=link)


@router.get("/api/v1/changelog/{entry_id}", response_model=ChangelogEntryOut)
def get_entry(entry_id: RowId, session: DbSession, _grant: ReadGrant) -> ChangelogEntryOut:
    """One entry."""
    return service.entry_out(
        session, service.get_entry_or_raise(session=session, entry_id=entry_id)
    )


@router.patch("/api/v1/changelog/{entry_id}", response_model=ChangelogEntryOut)
def update_entry(
    entry_id: RowId, data: ChangelogEntryUpdate, session: DbSession, _grant: WriteGrant
) -> ChangelogEntryOut:
    """Change the fields given; null clears before, after, capability and initiative."""
    entry = service.get_entry_or_raise(session=session, entry_id=entry_id)
    service.update_entry(session=session, entry=entry, data=data)
    return service.entry_out(session, entry)


@router.delete("/api/v1/changelog/{entry_id}", status_code=204)
def delete_entry(entry_id: RowId, session: DbSession, _grant: WriteGrant) -> Response:
    """Remove an entry from the changelog and its feed."""
    service.delete_entry(
        session=session, entry=service.get_entry_or_raise(session=session, entry_id=entry_id)
    )
    return Response(status_code=204)


@router.get(
    "/changelog.atom",
    response_class=Response,
    responses={200: {"content": {ATOM: {}}, "description": "An Atom 1.0 feed"}},
)
def atom_feed(request: Request, session: DbSession) -> Response:
    """The latest 50 entries as an Atom 1.0 feed. Needs a read token (Bearer) or a signed-in
    browser, unless the public dashboard is on (`PAVEDROAD_PUBLIC_DASHBOARD=true`)."""
    if not request.app.state.settings.public_dashboard:
        require_scope("read")(request, session)
    body = feeds.atom_feed(
        service.feed_entries(session=session),
        self_url=str(request.url_for("atom_feed")),
        page_url=str(request.url_for("changelog_page")),
    )
    return Response(body, media_type=ATOM)
