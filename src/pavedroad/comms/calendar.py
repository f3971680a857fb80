"""The internal marketing calendar: demo days, office hours, blog posts and announcements.

Times are stored in UTC. An event's audience names team slugs or personas of the catalog
(personas without case); an event may belong to a launch plan, and outlives it unlinked.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad.catalog import service as catalog
from pavedroad.comms import launches
from pavedroad.comms.ical import CalendarEvent, LaunchDay, build_calendar
from pavedroad.comms.models import LaunchPlan, MarketingEvent
from pavedroad.comms.schemas.calendar import (
    CalendarOut,
    MarketingEventIn,
    MarketingEventOut,
    MarketingEventUpdate,
)
from pavedroad.errors import InputProblem, InvalidInputError, NotFoundError


def _audience(session: Session, names: list[str]) -> list[str]:
    """The audience with personas spelled as stored; unknown names refused, all at once."""
    teams = catalog.known_team_slugs(session=session, slugs=names)
    personas = catalog.find_personas(session=session, names=[n for n in names if n not in teams])
    out: list[str] = []
    problems: list[InputProblem] = []
    for name in names:
        if name in teams:
            out.append(name)
        elif name.lower() in personas:
            out.append(personas[name.lower()].name)
        else:
            problems.append(
                InputProblem(
                    field="audience",
                    reason="not a team slug or persona of the catalog "
                    "(`pavedroad catalog teams` and `pavedroad catalog personas` list them)",
                    value=name,
                )
            )
    if problems:
        raise InvalidInputError(problems)
    return out


def _launch_id(session: Session, launch_id: int | None) -> int | None:
    if launch_id is not None and session.get(LaunchPlan, launch_id) is None:
        raise InvalidInputError.because(
            "no launch plan with this id; `pavedroad launch list` lists them",
            field="launch",
            value=str(launch_id),
        )
    return launch_id


def add_event(*, session: Session, data: MarketingEventIn) -> MarketingEvent:
    """Store an event after checking its audience and launch."""
    event = MarketingEvent(
        kind=data.kind,
        title=data.title,
        starts_at=data.starts_at,
        duration_min=data.duration_min,
        audience=_audience(session, data.audience),
        attendance=data.attendance,
        location=data.location,
        notes=data.notes,
        launch_id=_launch_id(session, data.launch_id),
    )
    session.add(event)
    session.flush()
    return event


def get_event_or_raise(*, session: Session, event_id: int) -> MarketingEvent:
    """The event with this id, or NotFoundError saying how to list them."""
    event = session.get(MarketingEvent, event_id) if 0 < event_id < 2**31 else None
    if event is None:
        raise NotFoundError(f"no calendar event {event_id}; `pavedroad calendar list` lists them")
    return event


def update_event(
    *, session: Session, event: MarketingEvent, data: MarketingEventUpdate
) -> MarketingEvent:
    """Replace the fields given."""
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    for name in ("kind", "title", "starts_at", "duration_min", "location", "notes"):
        if name in changes:
            setattr(event, name, getattr(data, name))
    if data.audience is not None:
        event.audience = _audience(session, data.audience)
    if data.attendance is not None:
        event.attendance = data.attendance
    if data.clear_attendance:
        event.attendance = None
    if data.launch_id is not None:
        event.launch_id = _launch_id(session, data.launch_id)
    if data.clear_launch:
        event.launch_id = None
    session.flush()
    return event


def delete_event(*, session: Session, event: MarketingEvent) -> None:
    """Drop an event."""
    session.delete(event)
    session.flush()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def event_out(event: MarketingEvent, *, features: dict[int, str]) -> MarketingEventOut:
    """An event as the interfaces show it."""
    starts = _utc(event.starts_at)
    return MarketingEventOut(
        id=event.id,
        kind=event.kind,
        title=event.title,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=event.duration_min),
        duration_min=event.duration_min,
        audience=list(event.audience or []),
        attendance=event.attendance,
        location=event.location,
        notes=event.notes,
        launch_id=event.launch_id,
        launch_feature=features.get(event.launch_id) if event.launch_id else None,
    )


def _features(session: Session) -> dict[int, str]:
    return {plan_id: feature for plan_id, feature, _, _ in launches.launch_dates(session)}


def list_events(
    *,
    session: Session,
    start: date | None = None,
    end: date | None = None,
    launch_id: int | None = None,
) -> CalendarOut:
    """Events by start time, those starting from `start` up to `end` (both days included)."""
    query = select(MarketingEvent).order_by(MarketingEvent.starts_at, MarketingEvent.id)
    if start is not None:
        query = query.where(MarketingEvent.starts_at >= datetime.combine(start, time(), UTC))
    if end is not None:
        following = datetime.combine(end, time(), UTC) + timedelta(days=1)
        query = query.where(MarketingEvent.starts_at < following)
    if launch_id is not None:
        query = query.where(MarketingEvent.launch_id == launch_id)
    features = _features(session)
    events = [event_out(e, features=features) for e in session.scalars(query)]
    return CalendarOut(start=start, end=end, events=events)


def one_event(*, session: Session, event: MarketingEvent) -> MarketingEventOut:
    """One stored event as shown."""
    return event_out(event, features=_features(session))


def ical_document(*, session: Session) -> bytes:
    """`/calendar.ics`: every event and every launch day, as iCalendar (RFC 5545)."""
    stored = list(session.scalars(select(MarketingEvent).order_by(MarketingEvent.id)))
    features = _features(session)
    events = [
        CalendarEvent(
            uid=f"event-{e.id}@pavedroad",
            kind=e.kind,
            title=e.title,
            starts_at=_utc(e.starts_at),
            ends_at=_utc(e.starts_at) + timedelta(minutes=e.duration_min),
            stamp=_utc(e.created_at),
            location=e.location,
            description=e.notes,
            audience=list(e.audience or []),
            launch=features.get(e.launch_id) if e.launch_id else None,
        )
        for e in stored
    ]
    days = [
        LaunchDay(uid=f"launch-{plan_id}@pavedroad", feature=feature, day=day, stamp=_utc(made))
        for plan_id, feature, day, made in launches.launch_dates(session)
    ]
    return build_calendar(events, days)
