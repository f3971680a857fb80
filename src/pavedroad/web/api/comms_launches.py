"""Comms API: launch plans, the marketing calendar and its iCalendar feed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from pavedroad.comms import calendar
from pavedroad.comms import launches as service
from pavedroad.comms.schemas.calendar import (
    CalendarOut,
    MarketingEventIn,
    MarketingEventOut,
    MarketingEventUpdate,
)
from pavedroad.comms.schemas.launches import (
    LaunchCriterionIn,
    LaunchCriterionOut,
    LaunchIn,
    LaunchItemOut,
    LaunchItemUpdate,
    LaunchList,
    LaunchOut,
)
from pavedroad.errors import InvalidInputError
from pavedroad.metrics.windows import today_utc
from pavedroad.web.deps import DbSession, ReadGrant, RowId, WriteGrant, require_scope

router = APIRouter(tags=["comms"])
ICALENDAR = "text/calendar; charset=utf-8"
AsOf = Annotated[
    date | None,
    Query(
        alias="as_of",
        description="Judge overdue items and criteria as on this day (default: today, UTC).",
    ),
]


@router.get("/api/v1/launches", response_model=LaunchList)
def list_launches(session: DbSession, _grant: ReadGrant, as_of: AsOf = None) -> LaunchList:
    """Every launch plan by launch date with its progress and criteria statuses."""
    return service.launch_list(session, today=as_of)


@router.post("/api/v1/launches", status_code=201, response_model=LaunchOut)
def create_launch(data: LaunchIn, session: DbSession, _grant: WriteGrant) -> LaunchOut:
    """Create the practice's 90-day plan (dated items, default criteria); 409 on a feature
    that has a plan."""
    plan = service.create_launch(session=session, data=data)
    return service.launch_out(session=session, plan=plan)


@router.get("/api/v1/launches/{launch_id}", response_model=LaunchOut)
def get_launch(
    launch_id: RowId, session: DbSession, _grant: ReadGrant, as_of: AsOf = None
) -> LaunchOut:
    """A plan: items in due order (with `overdue`) and criteria judged on live data."""
    plan = service.get_launch_or_raise(session=session, ref=launch_id)
    return service.launch_out(session=session, plan=plan, today=as_of)


@router.delete("/api/v1/launches/{launch_id}", status_code=204)
def delete_launch(launch_id: RowId, session: DbSession, _grant: WriteGrant) -> Response:
    """Delete a plan with its items and criteria; its calendar events stay, unlinked."""
    plan = service.get_launch_or_raise(session=session, ref=launch_id)
    service.delete_launch(session=session, plan=plan)
    return Response(status_code=204)


@router.patch("/api/v1/launches/{launch_id}/items/{item_id}", response_model=LaunchItemOut)
def update_item(
    launch_id: RowId,
    item_id: RowId,
    data: LaunchItemUpdate,
    session: DbSession,
    _grant: WriteGrant,
) -> LaunchItemOut:
    """Tick (`done: true`) or untick an item, move it (`due`) or reassign it (`owner`, an
    email; an empty string clears it)."""
    plan = service.get_launch_or_raise(session=session, ref=launch_id)
    today = today_utc()
    item = service.update_item(session=session, plan=plan, item_id=item_id, data=data, today=today)
    return service.item_out(item, today=today)


@router.post(
    "/api/v1/launches/{launch_id}/criteria", status_code=201, response_model=LaunchCriterionOut
)
def add_criterion(
    launch_id: RowId, data: LaunchCriterionIn, session: DbSession, _grant: WriteGrant
) -> LaunchCriterionOut:
    """Add a success criterion (one of each kind per plan; 409 on a second)."""
    plan = service.get_launch_or_raise(session=session, ref=launch_id)
    criterion = service.add_criterion(session=session, plan=plan, data=data)
    shown = service.launch_out(session=session, plan=plan)
    return next(c for c in shown.criteria if c.id == criterion.id)


@router.delete("/api/v1/launches/{launch_id}/criteria/{criterion_id}", status_code=204)
def remove_criterion(
    launch_id: RowId, criterion_id: RowId, session: DbSession, _grant: WriteGrant
) -> Response:
    """Remove a success criterion."""
    plan = service.get_launch_or_raise(session=session, ref=launch_id)
    service.remove_criterion(session=session, plan=plan, criterion_id=criterion_id)
    return Response(status_code=204)


@router.get("/api/v1/calendar", response_model=CalendarOut)
def list_events(
    session: DbSession,
    _grant: ReadGrant,
    start: Annotated[date | None, Query(alias="from", description="From this day")] = None,
    end: Annotated[date | None, Query(alias="to", description="Up to this day (included)")] = None,
) -> CalendarOut:
    """Marketing events by start time (UTC), optionally from and to a day."""
    if start and end and end < start:
        raise InvalidInputError.because(
            f"`to` {end} is before `from` {start}", field="to", value=end.isoformat()
        )
    return calendar.list_events(session=session, start=start, end=end)


@router.post("/api/v1/calendar", status_code=201, response_model=MarketingEventOut)
def add_event(data: MarketingEventIn, session: DbSession, _grant: WriteGrant) -> MarketingEventOut:
    """Add an event; the audience must name catalog team slugs or personas."""
    event = calendar.add_event(session=session, data=data)
    return calendar.one_event(session=session, event=event)


@router.patch("/api/v1/calendar/{event_id}", response_model=MarketingEventOut)
def update_event(
    event_id: RowId, data: MarketingEventUpdate, session: DbSession, _grant: WriteGrant
) -> MarketingEventOut:
    """Change the fields given (`clear_attendance`, `clear_launch` empty those)."""
    event = calendar.get_event_or_raise(session=session, event_id=event_id)
    changed = calendar.update_event(session=session, event=event, data=data)
    return calendar.one_event(session=session, event=changed)


@router.delete("/api/v1/calendar/{event_id}", status_code=204)
def delete_event(event_id: RowId, session: DbSession, _grant: WriteGrant) -> Response:
    """Delete an event."""
    event = calendar.get_event_or_raise(session=session, event_id=event_id)
    calendar.delete_event(session=session, event=event)
    return Response(status_code=204)


@router.get(
    "/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "An iCalendar feed"}},
)
def calendar_feed(request: Request, session: DbSession) -> Response:
    """Every marketing event and launch day as iCalendar (RFC 5545) to subscribe to. Needs a
    read token (Bearer) or a signed-in browser, unless the public dashboard is on
    (`PAVEDROAD_PUBLIC_DASHBOARD=true`)."""
    if not request.app.state.settings.public_dashboard:
        require_scope("read")(request, session)
    return Response(
        calendar.ical_document(session=session),
        media_type=ICALENDAR,
        headers={"Content-Disposition": 'inline; filename="pavedroad-calendar.ics"'},
    )
