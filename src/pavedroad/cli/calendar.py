"""CLI: The internal marketing calendar: demo days, office hours, posts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape

from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    parse_day,
    print_json,
    print_table,
    store,
)
from pavedroad.comms import calendar as service
from pavedroad.comms import launches
from pavedroad.comms.schemas.calendar import (
    EVENT_KINDS,
    MarketingEventIn,
    MarketingEventOut,
    MarketingEventUpdate,
)
from pavedroad.errors import InvalidInputError

calendar_app = typer.Typer(
    help="The internal marketing calendar: demo days, office hours, posts.", no_args_is_help=True
)

KindOption = Annotated[str, typer.Option("--kind", help=f"One of {', '.join(EVENT_KINDS)}.")]
StartOption = Annotated[
    str,
    typer.Option(
        "--start",
        help="When it starts: YYYY-MM-DDTHH:MM (UTC unless an offset such as +02:00 is given).",
    ),
]
AudienceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--audience",
        help="A team slug or persona it speaks to (repeat for more; none: everyone).",
    ),
]
LaunchOption = Annotated[
    str | None,
    typer.Option("--launch", help="The launch plan it belongs to (id or feature)."),
]
EventArgument = Annotated[int, typer.Argument(help="The event's id.", min=1)]


def _moment(text: str, option: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError.because(
            "expected a time such as 2026-11-18T16:00 (UTC) or 2026-11-18T17:00+01:00",
            source=option,
            value=text,
        ) from None


def _kind(text: str) -> str:
    wanted = text.strip().lower().replace("-", "_").replace(" ", "_")
    if wanted not in EVENT_KINDS:
        raise InvalidInputError.because(
            f"unknown kind; use {', '.join(EVENT_KINDS)}", source="--kind", value=text
        )
    return wanted


def _print_event(event: MarketingEventOut, verb: str) -> None:
    console.print(
        f"{verb} event {event.id}: {event.kind} {escape(event.title)!s} on "
        f"{event.starts_at:%Y-%m-%d %H:%M} UTC ({event.duration_min} min)."
    )


@calendar_app.command("add")
def add(
    kind: KindOption,
    title: Annotated[str, typer.Option("--title", help="What the event is.")],
    start: StartOption,
    duration: Annotated[
        int, typer.Option("--duration", help="Minutes (0 for a post or announcement).", min=0)
    ] = 60,
    audience: AudienceOption = None,
    attendance: Annotated[
        int | None, typer.Option("--attendance", help="How many came (for past events).", min=0)
    ] = None,
    location: Annotated[str, typer.Option("--location", help="A room or a URL.")] = "",
    notes: Annotated[str, typer.Option("--notes", help="Free text shown with the event.")] = "",
    launch: LaunchOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Add a demo day, office hours, blog post or announcement (audience checked against the
    catalog's team slugs and personas)."""
    with store(db) as session:
        launch_id = launches.get_launch_or_raise(session=session, ref=launch).id if launch else None
        data = MarketingEventIn(
            kind=_kind(kind),
            title=title,
            starts_at=_moment(start, "--start"),
            duration_min=duration,
            audience=audience or [],
            attendance=attendance,
            location=location,
            notes=notes,
            launch_id=launch_id,
        )
        event = service.add_event(session=session, data=data)
        shown = service.one_event(session=session, event=event)
    if as_json:
        print_json(shown)
        return
    _print_event(shown, "Added")


@calendar_app.command("list")
def list_events(
    start: Annotated[
        str | None, typer.Option("--from", help="From this day (YYYY-MM-DD, included).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Up to this day (YYYY-MM-DD, included).")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Events by start time, with their audience, attendance and launch (--json: `{"start",
    "end", "events": [...]}`)."""
    first = parse_day(start, option="--from", example="2026-11-01") if start else None
    last = parse_day(end, option="--to", example="2026-11-30") if end else None
    if first and last and last < first:
        raise InvalidInputError.because(
            f"--to {last} is before --from {first}", source="--to", value=end
        )
    with store(db) as session:
        found = service.list_events(session=session, start=first, end=last)
    if as_json:
        print_json(found)
        return
    print_table(
        f"{len(found.events)} events",
        ["#", "when (UTC)", "kind", "title", "audience", "attendance", "launch"],
        [
            [
                e.id,
                f"{e.starts_at:%Y-%m-%d %H:%M}",
                e.kind,
                escape(e.title),
                escape(", ".join(e.audience)) or "everyone",
                "" if e.attendance is None else e.attendance,
                escape(e.launch_feature or ""),
            ]
            for e in found.events
        ],
        empty="No events in this range. Add one: pavedroad calendar add --kind demo_day "
        "--title TITLE --start 2026-11-18T16:00",
    )


@calendar_app.command("edit")
def edit(
    event: EventArgument,
    kind: Annotated[str | None, typer.Option("--kind", help="A new kind.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="A new title.")] = None,
    start: Annotated[str | None, typer.Option("--start", help="A new start time.")] = None,
    duration: Annotated[int | None, typer.Option("--duration", help="Minutes.", min=0)] = None,
    audience: AudienceOption = None,
    attendance: Annotated[
        int | None, typer.Option("--attendance", help="How many came.", min=0)
    ] = None,
    location: Annotated[str | None, typer.Option("--location", help="A room or URL.")] = None,
    notes: Annotated[str | None, typer.Option("--notes", help="New notes.")] = None,
    launch: LaunchOption = None,
    no_launch: Annotated[bool, typer.Option("--no-launch", help="Unlink its launch.")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Change the fields given; the others stay."""
    with store(db) as session:
        stored = service.get_event_or_raise(session=session, event_id=event)
        fields: dict[str, Any] = {
            "kind": _kind(kind) if kind is not None else None,
            "title": title,
            "starts_at": _moment(start, "--start") if start is not None else None,
            "duration_min": duration,
            "audience": audience,
            "attendance": attendance,
            "location": location,
            "notes": notes,
            "launch_id": launches.get_launch_or_raise(session=session, ref=launch).id
            if launch
            else None,
            "clear_launch": no_launch,
        }
        data = MarketingEventUpdate.model_validate(
            {k: v for k, v in fields.items() if v is not None}
        )
        changed = service.update_event(session=session, event=stored, data=data)
        shown = service.one_event(session=session, event=changed)
    if as_json:
        print_json(shown)
        return
    _print_event(shown, "Changed")


@calendar_app.command("remove")
def remove(event: EventArgument, db: DbOption = None) -> None:
    """Delete an event from the marketing calendar (its launch keeps its plan)."""
    with store(db) as session:
        stored = service.get_event_or_raise(session=session, event_id=event)
        service.delete_event(session=session, event=stored)
    console.print(f"Removed event {event}.")
