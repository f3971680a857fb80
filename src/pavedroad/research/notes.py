"""Read (and write) "Developer Shadowing Notes" in the practice's template, as people type them.

One file may hold several sessions, each starting with its header line
`Developer Shadowing Notes - 2026-06-03 - Ada Lovelace/payments` (a `#` heading or not, the
`═══` underline optional). Time stamps may be `00:05 -`, `0:05 –`, `00:05:30 -` or `[00:05]`;
bullets `*`, `-` or numbered; sections may be missing, headed with `#`, or mixed with prose.
A line that cannot be read becomes a located problem and the rest of its session is kept.
Pure: bytes in, sessions and problems out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.research.timelog import LogLine, stamp_text

MAX_NOTES_BYTES = 2 * 2**20
MAX_NOTES_LINES = 50_000
MAX_LINE_CHARS = 5_000
MAX_SESSIONS_PER_FILE = 500
MAX_LOG_LINES = 2_000
MAX_ITEMS = 500
MAX_PROBLEMS = 1_000

_HEADER = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:[*_]{1,2})?\s*developer\s+shadowing\s+notes\b\s*[-–—:|]?\s*(.*?)"
    r"\s*(?:[*_]{1,2})?\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"\s+[-–—|]\s+|\s*[|–—]\s*")
_RULE = re.compile(r"^\s*(?:[═=\-_*~─━]\s*){3,}$")
_BULLET = re.compile(r"^\s*(?:[*\-+•·]|\d{1,3}[.)])\s+")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+")
_STAMP = re.compile(
    r"^\[?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*\]?(?=\s|$|[-–—:])\s*(?:[-–—:]\s*)?(.*)$"
)
_STAMP_LIKE = re.compile(r"^\[?\s*(?:\d{1,4}\s*[:.h]\s*\d|\d{3,4}\s*[-–—\]])")
_PLACEHOLDER = re.compile(r"^\[[^\]]*\]$")
_QUOTE = re.compile(r"\"([^\"]+)\"|“([^”]+)”")

# Section labels as the template writes them, and the shorter forms people use instead.
_LABELS: tuple[tuple[str, str], ...] = (
    ("workflow", r"workflow(?:\s+observed)?"),
    ("log", r"time\s*log|timeline|log"),
    ("friction", r"friction(?:\s+points)?"),
    ("tools", r"tools(?:\s+used)?"),
    ("switches", r"context\s+switch(?:es)?"),
    ("waiting", r"time\s+(?:spent\s+)?waiting(?:\s+for\s+things)?|waiting(?:\s+time)?"),
    ("wishes", r"wishes|quotes|\"?i\s+wish"),
    ("notes", r"(?:other\s+|extra\s+)?notes|observations"),
)
_LABEL = re.compile(
    r"^(?P<label>" + "|".join(f"(?P<{name}>{p})" for name, p in _LABELS) + r")"
    r"\s*(?:\([^)]*\))?\s*(?::\s*(?P<value>.*))?$",
    re.IGNORECASE,
)
_WISHES_LABEL = re.compile(
    r"^times\s+they\s+said\b.*?(?:easier|simpler)[\"”']?\s*(?:\([^)]*\))?\s*:\s*(?P<value>.*)$"
    r"|^times\s+they\s+said\b[^:]*:\s*(?P<plain>.*)$",
    re.IGNORECASE,
)
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%a %Y-%m-%d",
    "%A %Y-%m-%d",
)
_ANONYMOUS = re.compile(
    r"^(?:an?\s+|anonymous\s+|one\s+)?(?:anonymous\s+)?(?:developer|engineer|dev)\s+"
    r"(?:of|from|in|on)\s+(?:the\s+)?(.+?)(?:\s+team)?$",
    re.IGNORECASE,
)
_IN_PARENS = re.compile(r"^(.+?)\s*\(([^()]+)\)$")
_DURATION_PART = re.compile(
    r"(\d+(?:\.\d+)?)\s*(h|hrs?|hours?|m|mins?|minutes?|s|secs?|seconds?)\b", re.IGNORECASE
)
_CLOCK_DURATION = re.compile(r"^~?\s*(\d{1,3}):(\d{2})\b")
_COUNT = re.compile(r"^(?:~|about|around|approx\.?|roughly|circa|c\.)?\s*(\d{1,6})\b", re.I)
_APPROX = re.compile(r"^(?:~|about|around|approx\.?|roughly|circa|c\.)\s*", re.IGNORECASE)


@dataclass
class SessionNotes:
    """One session as its note reads; `line` is its header line."""

    source: str
    line: int
    observed_on: date
    developer: str | None = None
    team: str | None = None
    workflow: str = ""
    log: list[LogLine] = field(default_factory=list)
    friction_points: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    stated_context_switches: int | None = None
    stated_waiting_min: float | None = None
    wishes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class NotesRead:
    """The sessions of one file and every line it could not read."""

    sessions: list[SessionNotes] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)


def decode_notes(data: bytes, *, source: str) -> str:
    """The file's text, or an unusable-input error: too big, binary, or not UTF-8."""
    if len(data) > MAX_NOTES_BYTES:
        raise InvalidInputError.because(
            f"the file is larger than {MAX_NOTES_BYTES // 2**20} MB; shadowing notes are "
            "a few pages each: split the file",
            source=source,
            unusable=True,
        )
    if b"\x00" in data:
        raise InvalidInputError.because(
            "the file is binary, not Markdown text", source=source, unusable=True
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError.because(
            f"the file is not UTF-8 text (byte {exc.start})", source=source, unusable=True
        ) from None


def read_notes(data: bytes | str, *, source: str) -> NotesRead:
    """Every session of a notes file; unreadable lines become problems (`FILE:LINE: reason`).

    Raises InvalidInputError(unusable=True) when the file cannot be read at all: too big,
    binary, too many lines, or no session header anywhere.
    """
    text = decode_notes(data, source=source) if isinstance(data, bytes) else data
    if len(text) > MAX_NOTES_BYTES:
        raise InvalidInputError.because(
            f"the text is longer than {MAX_NOTES_BYTES // 2**20} MB", source=source, unusable=True
        )
    lines = text.splitlines()
    if len(lines) > MAX_NOTES_LINES:
        raise InvalidInputError.because(
            f"the file has {len(lines):,} lines; at most {MAX_NOTES_LINES:,} are read",
            source=source,
            unusable=True,
        )
    reader = _Reader(source)
    for number, raw in enumerate(lines, start=1):
        reader.feed(number, raw)
    reader.close()
    if not reader.headers:
        raise InvalidInputError.because(
            "no session header found: each session starts with a line like "
            "'Developer Shadowing Notes - 2026-06-03 - Ada Lovelace/payments'",
            source=source,
            unusable=True,
        )
    return NotesRead(sessions=reader.sessions, problems=reader.problems)


def read_time_log(
    text: str, *, source: str = "time log"
) -> tuple[list[LogLine], list[InputProblem]]:
    """A time log typed on its own (the web form's textarea), in the template's syntax."""
    reader = _Reader(source)
    reader.current = SessionNotes(source=source, line=0, observed_on=date.min)
    reader.mode = "log"
    for number, raw in enumerate(text.splitlines()[:MAX_NOTES_LINES], start=1):
        reader.feed_line(number, raw)
    return reader.current.log, reader.problems


def parse_header(rest: str) -> tuple[date | None, str | None, str | None]:
    """The date and who of a header's tail (`2026-06-03 - Ada/payments`): day, developer, team."""
    parts = [p.strip() for p in _SEPARATOR.split(rest) if p and p.strip()]
    day: date | None = None
    others: list[str] = []
    for part in parts:
        if day is None and (found := parse_day(part)) is not None:
            day = found
        else:
            others.append(part)
    developer, team = parse_who(" - ".join(others))
    return day, developer, team


def parse_day(text: str) -> date | None:
    """A day as notes write it (2026-06-03, 2026/06/03, 3 June 2026, June 3, 2026), or None."""
    clean = text.strip().strip("[]*_").strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(clean, pattern).date()
        except ValueError:
            continue
    return None


def parse_who(text: str) -> tuple[str | None, str | None]:
    """Developer and team from `Name/Team`, `Name (Team)`, `Name, Team`, `a developer of TEAM`.

    A single name is returned as the developer; the caller decides whether it names a team.
    """
    clean = " ".join(text.strip().strip("*_").split())
    if not clean or _PLACEHOLDER.match(clean):
        return None, None
    if match := _ANONYMOUS.match(clean):
        return None, match[1].strip() or None
    for separator in ("/", ","):
        if separator in clean:
            name, _, team = clean.rpartition(separator)
            return name.strip() or None, team.strip() or None
    if match := _IN_PARENS.match(clean):
        return match[1].strip() or None, match[2].strip() or None
    return clean, None


def parse_minutes(text: str) -> float | None:
    """A duration as notes write it (`25 min`, `1h 10m`, `1.5 hours`, `0:25`, `25`), in minutes."""
    clean = _APPROX.sub("", text.strip())
    if match := _CLOCK_DURATION.match(clean):
        return int(match[1]) * 60 + int(match[2])
    parts = _DURATION_PART.findall(clean)
    if parts:
        minutes = 0.0
        for amount, unit in parts:
            value = float(amount)
            first = unit[0].lower()
            minutes += value * 60 if first == "h" else value / 60 if first == "s" else value
        return round(minutes, 2)
    if match := re.match(r"^(\d+(?:\.\d+)?)\s*(?:$|\(|,|;|-|–)", clean):
        return float(match[1])
    return None


def parse_count(text: str) -> int | None:
    """A count as notes write it (`7`, `~7`, `about 7 (Slack, Jira)`), or None."""
    match = _COUNT.match(text.strip())
    return int(match[1]) if match else None


def _strip_markup(text: str) -> str:
    """A line without its heading marks and bold wrappers."""
    clean = re.sub(r"^\s*#{1,6}\s*", "", text).strip()
    clean = re.sub(r"^(\*\*|__)(.*?)\1", r"\2", clean)
    return clean.replace("**", "").strip()


def _items(value: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,;]", value) if p.strip()]


def _is_placeholder(value: str) -> bool:
    return not value.strip() or bool(_PLACEHOLDER.match(value.strip()))


class _Reader:
    """A line-by-line reader of one file: the session being read and the section it is in."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sessions: list[SessionNotes] = []
        self.problems: list[InputProblem] = []
        self.current: SessionNotes | None = None
        self.skipping = False
        self.headers = 0
        self.mode = "prose"
        self.log_capped = False

    def problem(self, line: int, reason: str, value: str | None = None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(
                InputProblem(source=self.source, line=line, reason=reason, value=value)
            )
        elif len(self.problems) == MAX_PROBLEMS:
            self.problems.append(
                InputProblem(
                    source=self.source,
                    line=line,
                    reason=f"more than {MAX_PROBLEMS} lines could not be read; "
                    "the rest are not listed",
                )
            )

    def close(self) -> None:
        if self.current is not None:
            self.sessions.append(self.current)
            self.current = None

    def feed(self, number: int, raw: str) -> None:
        if len(raw) > MAX_LINE_CHARS:
            self.problem(number, f"the line is longer than {MAX_LINE_CHARS:,} characters")
            return
        header = _HEADER.match(raw)
        if header is not None:
            self.start(number, header[1])
            return
        if self.current is None or self.skipping:
            return
        self.feed_line(number, raw)

    def start(self, number: int, rest: str) -> None:
        self.close()
        self.headers += 1
        self.mode = "prose"
        self.log_capped = False
        if len(self.sessions) >= MAX_SESSIONS_PER_FILE:
            self.skipping = True
            if len(self.sessions) == MAX_SESSIONS_PER_FILE:
                self.problem(number, f"at most {MAX_SESSIONS_PER_FILE} sessions are read a file")
            return
        day, developer, team = parse_header(rest)
        if day is None:
            self.skipping = True
            self.problem(
                number,
                "the session header needs a date, e.g. "
                "'Developer Shadowing Notes - 2026-06-03 - Ada Lovelace/payments'; "
                "this session was not imported",
                value=rest[:200] or None,
            )
            return
        self.skipping = False
        self.current = SessionNotes(
            source=self.source, line=number, observed_on=day, developer=developer, team=team
        )

    def feed_line(self, number: int, raw: str) -> None:
        session = self.current
        assert session is not None
        if not raw.strip() or _RULE.match(raw):
            return
        numbered = bool(_NUMBERED.match(raw))
        bulleted = bool(_BULLET.match(raw))
        body = _BULLET.sub("", raw, count=1).strip() if bulleted else raw.strip()
        body = _strip_markup(body) if body.startswith(("#", "*", "_")) else body
        if self.stamp(number, body):
            return
        if not numbered and self.label(number, raw, body):
            return
        self.content(number, body, bulleted)

    def stamp(self, number: int, body: str) -> bool:
        session = self.current
        assert session is not None
        match = _STAMP.match(body)
        if match is None:
            if self.mode == "log" and _STAMP_LIKE.match(body):
                self.problem(
                    number,
                    "not a time stamp: write 00:05 -, 0:05 –, 00:05:30 - or [00:05]",
                    value=body[:60],
                )
                return True
            return False
        hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
        self.mode = "log"
        if minutes >= 60 or seconds >= 60:
            self.problem(number, "not a time: minutes and seconds run 00 to 59", value=body[:60])
            return True
        what = match[4].strip()
        if not what:
            self.problem(number, "the time stamp says nothing about what happened")
            return True
        offset = hours * 3600 + minutes * 60 + seconds
        if session.log and offset < session.log[-1].offset_s:
            self.problem(
                number,
                f"time stamp {stamp_text(offset)} is earlier than the line before it "
                f"({stamp_text(session.log[-1].offset_s)}); the log must run forwards",
            )
            return True
        if len(session.log) >= MAX_LOG_LINES:
            if not self.log_capped:
                self.log_capped = True
                self.problem(number, f"a session's log holds at most {MAX_LOG_LINES} lines")
            return True
        session.log.append(LogLine(offset_s=offset, text=what))
        return True

    def label(self, number: int, raw: str, body: str) -> bool:
        session = self.current
        assert session is not None
        wish_match = _WISHES_LABEL.match(body)
        if wish_match is not None:
            self.mode = "wishes"
            self.wish_values(wish_match["value"] or wish_match["plain"] or "")
            return True
        match = _LABEL.match(body)
        if match is None:
            return False
        value = match["value"]
        headed = (
            raw.lstrip().startswith(("#", "**", "__")) or body.lower() == match["label"].lower()
        )
        if value is None and not headed:
            return False
        name = next(n for n, _ in _LABELS if match[n] is not None)
        value = (value or "").strip()
        if name == "workflow":
            self.mode = "workflow"
            if not _is_placeholder(value):
                session.workflow = value[:500]
        elif name == "switches":
            self.mode = "prose"
            if not _is_placeholder(value):
                count = parse_count(value)
                if count is None:
                    self.problem(number, "context switches must be a count such as 7", value)
                else:
                    session.stated_context_switches = count
        elif name == "waiting":
            self.mode = "prose"
            if not _is_placeholder(value):
                minutes = parse_minutes(value)
                if minutes is None:
                    self.problem(
                        number, "time waiting must read like 25 min, 1h 10m or 0:25", value
                    )
                else:
                    session.stated_waiting_min = minutes
        elif name == "tools":
            self.mode = "tools"
            if not _is_placeholder(value):
                self.add(session.tools, _items(value))
        elif name == "wishes":
            self.mode = "wishes"
            self.wish_values(value)
        else:
            self.mode = name
            if name == "friction" and not _is_placeholder(value):
                self.add(session.friction_points, [value])
            elif name == "notes" and not _is_placeholder(value):
                session.notes.append(value)
        return True

    def wish_values(self, value: str) -> None:
        session = self.current
        assert session is not None
        if _is_placeholder(value):
            return
        quotes = [next(g for g in m.groups() if g).strip() for m in _QUOTE.finditer(value)]
        if quotes:
            self.add(session.wishes, quotes)
            return
        # `3 - faster CI please`: the count the template asks for, then the words.
        words = re.sub(r"^~?\s*\d+\s*(?:[-–—:,(]\s*)?", "", value.strip()).strip()
        if words:
            self.add(session.wishes, [words.strip("\"“”'").strip()])

    def add(self, target: list[str], values: Sequence[str]) -> None:
        for value in values:
            if len(target) < MAX_ITEMS and value and not _is_placeholder(value):
                target.append(value)

    def content(self, number: int, body: str, bulleted: bool) -> None:
        session = self.current
        assert session is not None
        if body in {"...", "…"}:
            return
        if self.mode == "friction":
            self.add(session.friction_points, [body])
        elif self.mode == "wishes":
            self.wish_values(body)
        elif self.mode == "tools":
            self.add(session.tools, _items(body))
        elif self.mode == "workflow" and not session.workflow:
            session.workflow = body[:500]
        elif self.mode == "log" and session.log and not bulleted:
            last = session.log[-1]
            session.log[-1] = LogLine(offset_s=last.offset_s, text=f"{last.text} {body}")
        else:
            if len(session.notes) < MAX_ITEMS:
                session.notes.append(body)


def session_markdown(
    *,
    observed_on: date,
    developer: str | None,
    team: str | None,
    workflow: str,
    log: Sequence[LogLine],
    friction_points: Sequence[str],
    tools: Sequence[str],
    stated_context_switches: int | None,
    stated_waiting_min: float | None,
    wishes: Sequence[str],
    notes: str,
) -> str:
    """One session in the practice's template; `read_notes` reads it back to the same session."""
    if developer and team:
        who = f"{developer}/{team}"
    elif developer:
        who = developer
    elif team:
        who = f"a developer of {team}"
    else:
        who = "a developer"
    lines = [
        f"Developer Shadowing Notes - {observed_on.isoformat()} - {who}",
        "═" * 59,
        f"Workflow observed: {' '.join(workflow.split())}",
        "Time log:",
    ]
    lines += [f"{stamp_text(entry.offset_s)} - {' '.join(entry.text.split())}" for entry in log]
    lines.append("Friction points (where they struggled):")
    lines += [f"{n}. {' '.join(p.split())}" for n, p in enumerate(friction_points, start=1)]
    lines.append(f"Tools used: {', '.join(t.replace(',', ' ') for t in tools)}")
    if stated_context_switches is not None:
        lines.append(f"Context switches: {stated_context_switches}")
    if stated_waiting_min is not None:
        lines.append(f"Time waiting for things: {stated_waiting_min:g} min")
    lines.append(f'Times they said "I wish..." or "This should be easier": {len(wishes)}')
    lines += [f'- "{" ".join(w.split())}"' for w in wishes]
    if notes.strip():
        lines.append("Notes:")
        lines += [line for line in notes.splitlines() if line.strip()]
    return "\n".join(lines) + "\n"
