"""The shadowing notes parser and the time-log derivations: pure, hand-written notes, hostile text."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pavedroad.errors import InvalidInputError
from pavedroad.research import timelog
from pavedroad.research.notes import (
    MAX_LOG_LINES,
    MAX_NOTES_BYTES,
    MAX_NOTES_LINES,
    parse_count,
    parse_day,
    parse_minutes,
    parse_who,
    read_notes,
    read_time_log,
    session_markdown,
)
from pavedroad.research.timelog import LogLine

TEMPLATE = """Developer Shadowing Notes - 2026-06-03 - Ada Lovelace/payments
═══════════════════════════════════════════════════════════
Workflow observed: deploy a one-line change
Time log:
00:00 - Started task: change the retry limit
00:05 - Opened Confluence. Searched for the deploy guide.
00:08 - Couldn't find what they needed. Asked colleague on Slack.
00:15 - Got answer. Switched to Jenkins.
00:22 - Hit error: image not found. Googled it.
00:30 - Found workaround in old Slack thread.
...
Friction points (where they struggled):
1. Deploy guide is not where anyone looks
2. CI error messages say nothing
Tools used: Confluence, Slack, Jenkins
Context switches: 4
Time waiting for things: 12 min
Times they said "I wish..." or "This should be easier": 2 - "I wish the guide was in the portal", "This should be easier"
"""


def one(text: str, source: str = "notes.md"):
    read = read_notes(text, source=source)
    assert len(read.sessions) == 1, read
    return read.sessions[0], read.problems


def test_the_practice_template_reads_with_every_section():
    notes, problems = one(TEMPLATE)
    assert problems == []
    assert notes.observed_on == date(2026, 6, 3)
    assert (notes.developer, notes.team) == ("Ada Lovelace", "payments")
    assert notes.workflow == "deploy a one-line change"
    assert [line.offset_s for line in notes.log] == [0, 300, 480, 900, 1320, 1800]
    assert notes.friction_points == [
        "Deploy guide is not where anyone looks",
        "CI error messages say nothing",
    ]
    assert notes.tools == ["Confluence", "Slack", "Jenkins"]
    assert notes.stated_context_switches == 4
    assert notes.stated_waiting_min == 12
    assert notes.wishes == ["I wish the guide was in the portal", "This should be easier"]


@pytest.mark.parametrize(
    ("line", "offset", "text"),
    [
        ("00:05 - Opened the wiki", 300, "Opened the wiki"),
        ("0:05 – Opened the wiki", 300, "Opened the wiki"),
        ("00:05:30 - Opened the wiki", 330, "Opened the wiki"),
        ("[00:05] Opened the wiki", 300, "Opened the wiki"),
        ("[00:05] - Opened the wiki", 300, "Opened the wiki"),
        ("1:45 — Opened the wiki", 6300, "Opened the wiki"),
        ("00:05: Opened the wiki", 300, "Opened the wiki"),
        ("* 00:05 - Opened the wiki", 300, "Opened the wiki"),
        ("- 00:05 - Opened the wiki", 300, "Opened the wiki"),
        ("3. 00:05 - Opened the wiki", 300, "Opened the wiki"),
        ("10:30 - Opened the wiki", 37800, "Opened the wiki"),
    ],
)
def test_every_time_stamp_form_reads(line, offset, text):
    log, problems = read_time_log(line)
    assert problems == []
    assert log == [LogLine(offset_s=offset, text=text)]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("00:75 - minutes out of range", "minutes and seconds run 00 to 59"),
        ("00:05:99 - seconds out of range", "minutes and seconds run 00 to 59"),
        ("00:05 -", "says nothing about what happened"),
        ("0005 - no colon", "not a time stamp"),
        ("12.30 - dots", "not a time stamp"),
    ],
)
def test_an_unreadable_time_stamp_is_reported_with_its_line(line, reason):
    log, problems = read_time_log(f"00:00 - start\n{line}\n00:10 - end")
    assert [entry.offset_s for entry in log] == [0, 600]
    assert len(problems) == 1
    assert problems[0].line == 2 and reason in problems[0].reason


def test_a_stamp_earlier_than_the_line_before_is_reported_and_the_rest_kept():
    log, problems = read_time_log("00:20 - b\n00:10 - a\n00:30 - c")
    assert [entry.text for entry in log] == ["b", "c"]
    assert problems[0].line == 2 and "earlier" in problems[0].reason


def test_headings_bullets_missing_sections_and_prose_are_accepted():
    text = """# Shadowing week 1

Some prose before the first session is ignored.

## Developer Shadowing Notes – 3 June 2026 – a developer of web-app

We sat in the team room; they were on call.

### Time log
- 00:00 - Started
- 00:10 - Waiting for CI
  which took a while
- 00:40 - CI green

**Friction points:**
* CI is slow
* Nobody knows where the docs are

**Tools used:** GitHub Actions; Slack
"""
    notes, problems = one(text)
    assert problems == []
    assert (notes.developer, notes.team) == (None, "web-app")
    assert notes.observed_on == date(2026, 6, 3)
    assert [entry.text for entry in notes.log] == [
        "Started",
        "Waiting for CI which took a while",
        "CI green",
    ]
    assert notes.friction_points == ["CI is slow", "Nobody knows where the docs are"]
    assert notes.tools == ["GitHub Actions", "Slack"]
    assert notes.stated_context_switches is None and notes.stated_waiting_min is None
    assert "We sat in the team room; they were on call." in notes.notes


def test_one_file_holds_several_sessions_each_from_its_header():
    text = (
        TEMPLATE
        + "\n"
        + TEMPLATE.replace("2026-06-03", "2026-06-04").replace(
            "Ada Lovelace/payments", "Alan Turing (ledger)"
        )
    )
    read = read_notes(text, source="week.md")
    assert [(s.observed_on.day, s.developer, s.team, s.line) for s in read.sessions] == [
        (3, "Ada Lovelace", "payments", 1),
        (4, "Alan Turing", "ledger", 20),
    ]


def test_an_unreadable_line_is_reported_and_the_rest_of_its_session_imported():
    text = TEMPLATE.replace("Context switches: 4", "Context switches: lots").replace(
        "Time waiting for things: 12 min", "Time waiting for things: forever"
    )
    notes, problems = one(text, source="n.md")
    assert [(p.source, p.line) for p in problems] == [("n.md", 16), ("n.md", 17)]
    assert "context switches" in problems[0].reason
    assert str(problems[0]).startswith("n.md:16: ")
    assert notes.stated_context_switches is None and len(notes.log) == 6


def test_a_header_without_a_date_skips_only_its_session():
    text = "Developer Shadowing Notes - [Date] - [Developer Name/Team]\n00:00 - x\n\n" + TEMPLATE
    read = read_notes(text, source="n.md")
    assert len(read.sessions) == 1
    assert read.problems[0].line == 1 and "needs a date" in read.problems[0].reason


@pytest.mark.parametrize(
    "data",
    [b"\x00\x01binary", b"\xff\xfe not utf-8", b"# no header here\n00:00 - x\n"],
)
def test_unusable_files_are_refused_whole(data):
    with pytest.raises(InvalidInputError) as caught:
        read_notes(data, source="bad.md")
    assert caught.value.unusable


def test_a_file_over_the_size_limit_is_refused_with_the_limit_named():
    data = (TEMPLATE * (MAX_NOTES_BYTES // len(TEMPLATE) + 2)).encode()
    with pytest.raises(InvalidInputError) as caught:
        read_notes(data, source="huge.md")
    assert caught.value.unusable and "larger than 2 MB" in str(caught.value)


def test_too_many_lines_are_refused_and_a_long_log_is_capped():
    with pytest.raises(InvalidInputError, match="lines"):
        read_notes(TEMPLATE + "\n" * MAX_NOTES_LINES, source="n.md")
    log = "\n".join(f"{n // 60:02d}:{n % 60:02d}:00 - step {n}" for n in range(MAX_LOG_LINES + 50))
    notes, problems = one("Developer Shadowing Notes - 2026-06-03 - Ada\n" + log)
    assert len(notes.log) == MAX_LOG_LINES
    assert len(problems) == 1 and "at most" in problems[0].reason


def test_a_huge_file_within_the_limit_reads_quickly():
    big = "\n".join(TEMPLATE.replace("03", f"{d:02d}") for d in range(1, 29)) * 15
    read = read_notes(big.encode(), source="big.md")
    assert len(read.sessions) == 28 * 15


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("Ada Lovelace/payments", ("Ada Lovelace", "payments")),
        ("Ada Lovelace (payments)", ("Ada Lovelace", "payments")),
        ("Ada Lovelace, payments", ("Ada Lovelace", "payments")),
        ("a developer of payments", (None, "payments")),
        ("A developer from the payments team", (None, "payments")),
        ("ada@example.com", ("ada@example.com", None)),
        ("[Developer Name/Team]", (None, None)),
        ("", (None, None)),
    ],
)
def test_who_was_shadowed(text, who):
    assert parse_who(text) == who


def test_days_counts_and_minutes_as_notes_write_them():
    assert parse_day("2026/06/03") == parse_day("3 June 2026") == parse_day("June 3, 2026")
    assert parse_day("yesterday") is None
    assert parse_count("~7 (Slack, Jira)") == 7 and parse_count("lots") is None
    assert parse_minutes("1h 10m") == 70
    assert parse_minutes("1.5 hours") == 90
    assert parse_minutes("0:25") == 25
    assert parse_minutes("about 25 minutes (CI)") == 25
    assert parse_minutes("forever") is None


# --- derivations -------------------------------------------------------------------------------

LOG = [
    LogLine(0, "Started task"),
    LogLine(300, "Opened Confluence. Searched for the guide."),
    LogLine(480, "Asked colleague on Slack."),
    LogLine(900, "Got answer. Switched to Jenkins."),
    LogLine(1000, "Waiting for CI in Jenkins"),
    LogLine(1600, 'Still red. "I wish CI said why" and "nice weather"'),
    LogLine(1800, "Back to Slack"),
]


def test_duration_is_the_last_stamp_minus_the_first():
    assert timelog.duration_min(LOG) == 30
    assert timelog.duration_min([]) is None
    assert timelog.log_entries(LOG) == 7


def test_context_switches_count_changes_of_tool_and_the_stated_count_wins():
    # Confluence -> Slack -> Jenkins (x2, no change) -> Slack
    assert timelog.context_switches_derived(LOG) == 3
    assert timelog.context_switches(None, LOG) == 3
    assert timelog.context_switches(9, LOG) == 9
    custom = [LogLine(0, "opened frobnicator"), LogLine(60, "back to Slack")]
    assert timelog.context_switches_derived(custom, ["Frobnicator"]) == 1


def test_waiting_sums_the_lines_that_say_so_until_the_next_stamp():
    assert timelog.waiting_min_derived(LOG) == 10
    assert timelog.waiting_min(25, LOG) == 25
    assert timelog.waiting_min_derived([LogLine(0, "waiting forever")]) == 0


def test_wishes_come_from_the_section_and_from_quotes_in_the_log_once_each():
    assert timelog.wishes(["I wish CI said why", "Docs please"], LOG) == [
        "I wish CI said why",
        "Docs please",
    ]
    assert timelog.wishes([], [LogLine(0, "She said this should be easier to find")]) == [
        "this should be easier to find"
    ]


def test_tools_are_the_stated_list_or_the_names_in_the_log():
    assert timelog.session_tools(["Vim"], LOG) == ["Vim"]
    assert timelog.session_tools([], LOG) == ["Confluence", "Slack", "Jenkins"]


def test_an_export_reads_back_to_the_same_session():
    notes, _ = one(TEMPLATE)
    text = session_markdown(
        observed_on=notes.observed_on,
        developer=notes.developer,
        team=notes.team,
        workflow=notes.workflow,
        log=notes.log,
        friction_points=notes.friction_points,
        tools=notes.tools,
        stated_context_switches=notes.stated_context_switches,
        stated_waiting_min=notes.stated_waiting_min,
        wishes=notes.wishes,
        notes="",
    )
    again, problems = one(text)
    assert problems == []
    assert again == notes


# --- hostile text ------------------------------------------------------------------------------

LINES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "Developer Shadowing Notes - 2026-06-03 - Ada/payments",
            "Developer Shadowing Notes - not a date",
            "Time log:",
            "Friction points:",
            "Context switches: x",
            "Time waiting for things: ???",
            'Times they said "I wish..." or "This should be easier": "x"',
            "Tools used:",
            "00:99 - x",
            "[00:05]",
            "99:59:59 - late",
            "1. 00:05 - numbered",
            "<script>alert(1)</script>",
            "═══════",
        ]
    ),
    st.builds(
        lambda h, m, t: f"{h}:{m:02d} - {t}",
        st.integers(0, 30),
        st.integers(0, 70),
        st.text(max_size=20),
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, max_size=40))
def test_random_and_hostile_text_never_crashes_and_every_problem_has_a_line(lines):
    text = "\n".join(lines)
    try:
        read = read_notes(text, source="random.md")
    except InvalidInputError as exc:
        assert exc.unusable
        return
    for problem in read.problems:
        assert problem.line is not None and 1 <= problem.line <= len(text.splitlines())
        assert problem.source == "random.md"
    for notes in read.sessions:
        offsets = [entry.offset_s for entry in notes.log]
        assert offsets == sorted(offsets)
        assert all(entry.text for entry in notes.log)
        assert timelog.duration_min(notes.log) is None or timelog.duration_min(notes.log) >= 0
        assert timelog.waiting_min_derived(notes.log) >= 0
