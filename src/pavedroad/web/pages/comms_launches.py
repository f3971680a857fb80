"""Comms pages: launch plans with their timeline and checklist, and the marketing calendar."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.requests import Request

from pavedroad.catalog import capabilities as catalog_capabilities
from pavedroad.comms import calendar
from pavedroad.comms import launches as service
from pavedroad.comms.launch_plan import POST_LAUNCH_DAYS, PRE_LAUNCH_DAYS
from pavedroad.comms.schemas.calendar import EVENT_KINDS, MarketingEventIn, MarketingEventOut
from pavedroad.comms.schemas.launches import (
    CRITERION_KINDS,
    DEFAULT_ADOPTED_TEAMS,
    DEFAULT_SATISFACTION,
    DEFAULT_TICKETS_PER_WEEK,
    LaunchCriterionIn,
    LaunchIn,
    LaunchItemUpdate,
    LaunchOut,
)
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.metrics.windows import today_utc
from pavedroad.web.deps import Browser, DbSession, RowId
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=25_000)]
PHASES = (
    ("pre_launch", "Pre-launch (30 days before)"),
    ("launch", "Launch week"),
    ("post_launch", "Post-launch (60 days after)"),
)
KIND_WORDS = {
    "demo_day": "Demo day",
    "office_hours": "Office hours",
    "blog_post": "Blog post",
    "announcement": "Announcement",
}
STATUS_WORDS = {
    "met": "met",
    "on_track": "on track",
    "at_risk": "at risk",
    "missed": "missed",
    "no_data": "no data",
}


def _number(text: str, field: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInputError(
            [InputProblem(field=field, reason="expected a number", value=text)]
        ) from None


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(
            [InputProblem(field=field, reason="expected a date such as 2026-11-02", value=text)]
        ) from None


# --- /launches --------------------------------------------------------------------------------


def _list_page(
    request: Request,
    session: Session,
    *,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    today = today_utc()
    plans = [service.summary_of(p) for p in service.list_launches(session, today=today)]
    context: dict[str, Any] = {
        "plans": plans,
        "today": today,
        "form": form
        or {
            "adopted": str(DEFAULT_ADOPTED_TEAMS),
            "satisfaction": f"{DEFAULT_SATISFACTION:g}",
            "tickets": f"{DEFAULT_TICKETS_PER_WEEK:g}",
        },
        "errors": errors or [],
        "capabilities": [c.name for c in catalog_capabilities.list_capabilities(session=session)],
        "status_words": STATUS_WORDS,
    }
    return render(request, "comms/launches.html", context, status_code=status)


@router.get("/launches", response_class=HTMLResponse)
def launches_page(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """Every launch plan with its progress, overdue items and criteria, and a create form."""
    return _list_page(request, session)


@router.post("/launches", response_model=None)
def create_launch(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    feature: Text = "",
    launch_date: Text = "",
    capability: Text = "",
    owner: Text = "",
    adopted: Text = "",
    satisfaction: Text = "",
    tickets: Text = "",
) -> Response:
    """Create a plan from the practice's template; on an error the form keeps what was typed."""
    typed = {
        "feature": feature,
        "launch_date": launch_date,
        "capability": capability,
        "owner": owner,
        "adopted": adopted,
        "satisfaction": satisfaction,
        "tickets": tickets,
    }

    def change() -> Response:
        data = LaunchIn.model_validate(
            {
                "feature": feature,
                "launch_date": _day(launch_date, "launch_date"),
                "capability": capability or None,
                "owner": owner or None,
                "adopted_teams": _number(adopted, "adopted"),
                "satisfaction": _number(satisfaction, "satisfaction"),
                "tickets_per_week": _number(tickets, "tickets"),
            }
        )
        plan = service.create_launch(session=session, data=data)
        return RedirectResponse(f"/launches/{plan.id}", status_code=303)

    def refused(errors: list[str]) -> Response:
        return _list_page(request, session, form=typed, errors=errors, status=422)

    return submit(session, change, refused)


# --- /launches/{id} ---------------------------------------------------------------------------


def _timeline(plan: LaunchOut, today: date) -> dict[str, Any]:
    """Positions (percent of the span) of the phases, the items and today."""
    start = plan.launch_date - timedelta(days=PRE_LAUNCH_DAYS)
    end = plan.launch_date + timedelta(days=POST_LAUNCH_DAYS)
    days = [i.due for i in plan.items]
    start, end = min([start, *days]), max([end, *days])
    span = max((end - start).days, 1)

    def at(day: date) -> float:
        return round(100 * (day - start).days / span, 2)

    week = plan.launch_date - timedelta(days=plan.launch_date.weekday())
    return {
        "start": start,
        "end": end,
        "phases": [
            {
                "name": "pre-launch",
                "left": at(plan.launch_date - timedelta(days=30)),
                "width": at(plan.launch_date) - at(plan.launch_date - timedelta(days=30)),
            },
            {
                "name": "launch week",
                "left": at(week),
                "width": at(week + timedelta(days=7)) - at(week),
            },
            {
                "name": "post-launch",
                "left": at(plan.launch_date),
                "width": at(plan.launch_date + timedelta(days=60)) - at(plan.launch_date),
            },
        ],
        "launch": at(plan.launch_date),
        "today": at(today) if start <= today <= end else None,
        "items": [
            {
                "left": at(i.due),
                "title": i.title,
                "due": i.due,
                "state": "done" if i.done else ("overdue" if i.overdue else "open"),
            }
            for i in plan.items
        ],
    }


def _plan_page(
    request: Request,
    session: Session,
    launch_id: int,
    *,
    item_errors: dict[int, list[str]] | None = None,
    item_typed: dict[int, dict[str, str]] | None = None,
    criterion_errors: list[str] | None = None,
    criterion_typed: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    today = today_utc()
    stored = service.get_launch_or_raise(session=session, ref=launch_id)
    plan = service.launch_out(session=session, plan=stored, today=today)
    summary = service.summary_of(plan)
    events = calendar.list_events(session=session, launch_id=plan.id).events
    context: dict[str, Any] = {
        "plan": plan,
        "summary": summary,
        "today": today,
        "timeline": _timeline(plan, today),
        "phases": [
            (key, label, [i for i in plan.items if i.phase == key]) for key, label in PHASES
        ],
        "item_errors": item_errors or {},
        "item_typed": item_typed or {},
        "criterion_errors": criterion_errors or [],
        "criterion_typed": criterion_typed or {},
        "criterion_kinds": CRITERION_KINDS,
        "labels": service.LABEL,
        "status_words": STATUS_WORDS,
        "events": events,
        "kind_words": KIND_WORDS,
    }
    return render(request, "comms/launch.html", context, status_code=status)


@router.get("/launches/{launch_id}", response_class=HTMLResponse)
def launch_page(
    request: Request, session: DbSession, _browser: Browser, launch_id: RowId
) -> HTMLResponse:
    """One plan: a timeline of its phases and items, the checklist, criteria and events."""
    return _plan_page(request, session, launch_id)


@router.post("/launches/{launch_id}/items/{item_id}", response_model=None)
def update_item(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    launch_id: RowId,
    item_id: RowId,
    action: Annotated[str, Form(max_length=20)] = "save",
    due: Text = "",
    owner: Text = "",
) -> Response:
    """Tick, untick, move or reassign one item; errors show beside it with what was typed."""

    def change() -> Response:
        plan = service.get_launch_or_raise(session=session, ref=launch_id)
        if action == "tick":
            data = LaunchItemUpdate(done=True)
        elif action == "untick":
            data = LaunchItemUpdate(done=False)
        else:
            data = LaunchItemUpdate.model_validate(
                {"due": _day(due, "due") if due.strip() else None, "owner": owner}
            )
        service.update_item(
            session=session, plan=plan, item_id=item_id, data=data, today=today_utc()
        )
        return RedirectResponse(f"/launches/{launch_id}#item-{item_id}", status_code=303)

    def refused(errors: list[str]) -> Response:
        return _plan_page(
            request,
            session,
            launch_id,
            item_errors={item_id: errors},
            item_typed={item_id: {"due": due, "owner": owner}},
            status=422,
        )

    return submit(session, change, refused)


@router.post("/launches/{launch_id}/criteria", response_model=None)
def add_criterion(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    launch_id: RowId,
    kind: Annotated[str, Form(max_length=40)] = "",
    threshold: Text = "",
) -> Response:
    """Add a success criterion."""

    def change() -> Response:
        plan = service.get_launch_or_raise(session=session, ref=launch_id)
        value = _number(threshold, "threshold")
        data = LaunchCriterionIn.model_validate(
            {"kind": service.criterion_kind(kind), "threshold": value}
        )
        service.add_criterion(session=session, plan=plan, data=data)
        return RedirectResponse(f"/launches/{launch_id}#criteria", status_code=303)

    def refused(errors: list[str]) -> Response:
        return _plan_page(
            request,
            session,
            launch_id,
            criterion_errors=errors,
            criterion_typed={"kind": kind, "threshold": threshold},
            status=422,
        )

    return submit(session, change, refused)


@router.post("/launches/{launch_id}/criteria/{criterion_id}/remove", response_model=None)
def remove_criterion(
    session: DbSession, posted: WriteForm, launch_id: RowId, criterion_id: RowId
) -> Response:
    """Remove a success criterion."""
    plan = service.get_launch_or_raise(session=session, ref=launch_id)
    service.remove_criterion(session=session, plan=plan, criterion_id=criterion_id)
    return RedirectResponse(f"/launches/{launch_id}#criteria", status_code=303)


# --- /calendar --------------------------------------------------------------------------------


def _months(events: list[MarketingEventOut]) -> list[tuple[str, list[MarketingEventOut]]]:
    grouped: dict[str, list[MarketingEventOut]] = defaultdict(list)
    for event in events:
        grouped[f"{event.starts_at:%B %Y}"].append(event)
    return list(grouped.items())


def _calendar_page(
    request: Request,
    session: Session,
    *,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    now = datetime.now().astimezone()
    events = calendar.list_events(session=session).events
    upcoming = [e for e in events if e.ends_at >= now]
    past = [e for e in events if e.ends_at < now][::-1]
    dates = service.launch_dates(session)
    context: dict[str, Any] = {
        "upcoming": _months(upcoming),
        "past": _months(past),
        "count": len(events),
        "launches": [{"id": i, "feature": f, "day": d} for i, f, d, _ in dates],
        "today": today_utc(),
        "form": form or {"kind": "demo_day", "duration": "60"},
        "errors": errors or [],
        "kinds": EVENT_KINDS,
        "kind_words": KIND_WORDS,
    }
    return render(request, "comms/calendar.html", context, status_code=status)


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """Upcoming and past events by month beside the launches' key dates, and an add form."""
    return _calendar_page(request, session)


@router.post("/calendar", response_model=None)
def add_event(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    kind: Annotated[str, Form(max_length=40)] = "",
    title: Text = "",
    starts_at: Annotated[str, Form(max_length=40)] = "",
    duration: Annotated[str, Form(max_length=20)] = "",
    audience: Text = "",
    attendance: Annotated[str, Form(max_length=20)] = "",
    location: Text = "",
    notes: Text = "",
    launch: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Add an event; times are UTC; on an error the form keeps what was typed."""
    typed = {
        "kind": kind,
        "title": title,
        "starts_at": starts_at,
        "duration": duration,
        "audience": audience,
        "attendance": attendance,
        "location": location,
        "notes": notes,
        "launch": launch,
    }

    def change() -> Response:
        data = MarketingEventIn.model_validate(
            {
                "kind": kind,
                "title": title,
                "starts_at": starts_at,
                "duration_min": duration or 60,
                # Persona names hold spaces: the audience is split on commas only.
                "audience": [a for a in audience.split(",") if a.strip()],
                "attendance": attendance or None,
                "location": location,
                "notes": notes,
                "launch_id": launch or None,
            }
        )
        calendar.add_event(session=session, data=data)
        return RedirectResponse("/calendar", status_code=303)

    def refused(errors: list[str]) -> Response:
        return _calendar_page(request, session, form=typed, errors=errors, status=422)

    return submit(session, change, refused)


@router.post("/calendar/{event_id}/remove", response_model=None)
def remove_event(session: DbSession, posted: WriteForm, event_id: RowId) -> Response:
    """Delete an event."""
    event = calendar.get_event_or_raise(session=session, event_id=event_id)
    calendar.delete_event(session=session, event=event)
    return RedirectResponse("/calendar", status_code=303)
