"""The marketing calendar as an iCalendar document (RFC 5545), made with `icalendar` (pure).

Each event is a VEVENT with a stable UID, DTSTAMP (when it was stored), DTSTART and DTEND in
UTC, SUMMARY, DESCRIPTION and LOCATION; each launch is an all-day VEVENT on its launch day.
The library escapes text (commas, semicolons, backslashes, newlines) and folds long lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

PRODID = "-//pavedroad//marketing calendar//EN"
KIND_WORDS = {
    "demo_day": "Demo day",
    "office_hours": "Office hours",
    "blog_post": "Blog post",
    "announcement": "Announcement",
}


@dataclass(frozen=True)
class CalendarEvent:
    """One marketing event as the feed shows it; times are aware UTC datetimes."""

    uid: str
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    stamp: datetime
    location: str = ""
    description: str = ""
    audience: list[str] = field(default_factory=list)
    launch: str | None = None


@dataclass(frozen=True)
class LaunchDay:
    """A launch plan's launch day, an all-day event."""

    uid: str
    feature: str
    day: date
    stamp: datetime


def _description(event: CalendarEvent) -> str:
    lines = [KIND_WORDS.get(event.kind, event.kind)]
    if event.audience:
        lines.append("Audience: " + ", ".join(event.audience))
    if event.launch:
        lines.append(f"Launch: {event.launch}")
    if event.description:
        lines += ["", event.description]
    return "\n".join(lines)


def build_calendar(events: Sequence[CalendarEvent], launches: Sequence[LaunchDay]) -> bytes:
    """The iCalendar text of these events and launch days."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Platform marketing calendar")
    for item in events:
        vevent = Event()
        vevent.add("uid", item.uid)
        vevent.add("dtstamp", item.stamp)
        vevent.add("dtstart", item.starts_at)
        vevent.add("dtend", max(item.ends_at, item.starts_at))
        vevent.add("summary", item.title)
        vevent.add("description", _description(item))
        if item.location:
            vevent.add("location", item.location)
        vevent.add("categories", [KIND_WORDS.get(item.kind, item.kind)])
        calendar.add_component(vevent)
    for launch in launches:
        vevent = Event()
        vevent.add("uid", launch.uid)
        vevent.add("dtstamp", launch.stamp)
        vevent.add("dtstart", launch.day)
        vevent.add("dtend", launch.day + timedelta(days=1))
        vevent.add("summary", f"Launch: {launch.feature}")
        vevent.add("description", f"Launch day of {launch.feature} (the launch plan's date)")
        vevent.add("categories", ["Launch"])
        vevent.add("transp", "TRANSPARENT")
        calendar.add_component(vevent)
    document: bytes = calendar.to_ical()
    return document
