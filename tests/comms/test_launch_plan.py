"""The practice's 90-day template as dated items, and the iCalendar document (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from pavedroad.comms.ical import CalendarEvent, LaunchDay, build_calendar
from pavedroad.comms.launch_plan import plan_items

DAYS = st.dates(min_value=date(1970, 3, 1), max_value=date(8999, 10, 1))


def test_the_plan_holds_the_practices_thirteen_items_in_its_words_and_order():
    items = plan_items(date(2026, 11, 2))
    assert [(i.phase, i.title) for i in items] == [
        ("pre_launch", "Identify 3 champion teams for beta"),
        ("pre_launch", "Beta launch with champions"),
        ("pre_launch", "Collect feedback, iterate"),
        ("pre_launch", "Create success story from beta team"),
        ("launch", "Blog post with problem/solution narrative"),
        ("launch", "Demo day presentation"),
        ("launch", "Slack announcement with key metrics"),
        ("launch", "Documentation published"),
        ("launch", "Migration guide ready"),
        ("post_launch", "Office hours for early adopters"),
        ("post_launch", "Publish adoption metrics"),
        ("post_launch", "Champions help next wave of teams"),
        ("post_launch", "Retrospective: what worked, what didn't"),
    ]
    assert [i.due.isoformat() for i in items if i.phase == "pre_launch"] == [
        "2026-10-09",
        "2026-10-16",
        "2026-10-23",
        "2026-10-30",
    ]
    assert [i.due.isoformat() for i in items if i.phase == "post_launch"] == [
        "2026-11-16",
        "2026-11-30",
        "2026-12-14",
        "2026-12-28",
    ]


@given(DAYS)
def test_each_phase_falls_due_in_its_span_of_the_launch(launch):
    week = launch - timedelta(days=launch.weekday())
    for item in plan_items(launch):
        if item.phase == "pre_launch":
            assert launch - timedelta(days=30) <= item.due < launch
        elif item.phase == "launch":
            assert week <= item.due < week + timedelta(days=7) and item.due >= launch
        else:
            assert launch < item.due <= launch + timedelta(days=60)
    pre = [i.due for i in plan_items(launch) if i.phase == "pre_launch"]
    assert pre == sorted(pre) and len(set(pre)) == 4


def _event(**changes) -> CalendarEvent:
    fields = {
        "uid": "event-7@pavedroad",
        "kind": "demo_day",
        "title": "Demo day",
        "starts_at": datetime(2026, 11, 18, 16, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 11, 18, 16, 45, tzinfo=UTC),
        "stamp": datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
    }
    return CalendarEvent(**{**fields, **changes})


def test_the_ics_has_each_event_with_utc_times_and_each_launch_as_an_all_day_event():
    text = build_calendar(
        [_event(), _event(uid="event-8@pavedroad", kind="blog_post", title="Post")],
        [
            LaunchDay(
                "launch-1@pavedroad",
                "Faster CI",
                date(2026, 11, 2),
                datetime(2026, 9, 1, tzinfo=UTC),
            )
        ],
    )
    parsed = Calendar.from_ical(text)
    events = {str(e["UID"]): e for e in parsed.walk("VEVENT")}
    assert set(events) == {"event-7@pavedroad", "event-8@pavedroad", "launch-1@pavedroad"}
    demo = events["event-7@pavedroad"]
    assert demo.decoded("DTSTART") == datetime(2026, 11, 18, 16, 0, tzinfo=UTC)
    assert demo.decoded("DTEND") == datetime(2026, 11, 18, 16, 45, tzinfo=UTC)
    assert demo.decoded("DTSTAMP") == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    assert b"DTSTART:20261118T160000Z" in text
    launch = events["launch-1@pavedroad"]
    assert launch.decoded("DTSTART") == date(2026, 11, 2)
    assert launch.decoded("DTEND") == date(2026, 11, 3)
    assert str(launch["SUMMARY"]) == "Launch: Faster CI"
    assert parsed["VERSION"] == "2.0" and "PRODID" in parsed


TEXTS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00")
    | st.sampled_from([",", ";", "\\", "\n", ":", "<", ">"]),
    min_size=1,
    max_size=400,
)


@given(title=TEXTS, notes=TEXTS, location=TEXTS)
def test_any_text_comes_back_from_a_real_parser_as_it_was_stored(title, notes, location):
    text = build_calendar([_event(title=title, description=notes, location=location)], [])
    (event,) = Calendar.from_ical(text).walk("VEVENT")
    assert str(event["SUMMARY"]) == title
    assert str(event["LOCATION"]) == location
    assert str(event["DESCRIPTION"]).endswith(notes)
    assert all(len(line) <= 75 for line in text.split(b"\r\n"))


def test_commas_semicolons_newlines_and_html_are_escaped_not_interpreted():
    hostile = 'Demo, day; <script>alert("x")</script>\nsecond line \\ end'
    text = build_calendar(
        [_event(title=hostile, description=hostile, location="Room 1, floor 2")], []
    )
    assert b"SUMMARY:Demo\\, day\\; <script>" in text
    assert b"\\n" in text and b"LOCATION:Room 1\\, floor 2" in text
    (event,) = Calendar.from_ical(text).walk("VEVENT")
    assert str(event["SUMMARY"]) == hostile
    assert len(Calendar.from_ical(text).walk("VEVENT")) == 1
