"""Who spoke how long in a WebVTT transcript, read as a stream: the interviewer's talk ratio.

Zoom writes cues as `Name: text`, Microsoft Teams as `<v Name>text</v>`; both carry NOTE and
STYLE blocks, cue identifiers and cue settings, and time stamps with or without hours. The
reader keeps one line at a time and a total per speaker, never the file, so a transcript of
any length reads in bounded memory. A broken cue is reported with its line and skipped.

The ratio is the interviewer's share of the attributed speaking time (the sum of cue
durations per speaker); cues without a speaker are counted apart, as `unattributed_seconds`.
The practice: "Listen more than you talk. If you are talking more than 20% of the time, you
are doing it wrong."
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from pavedroad.errors import InputProblem, InvalidInputError

TALK_RATIO_LIMIT = 0.20
TALKS_TOO_MUCH = "interviewer_talks_too_much"
WARNING_MESSAGES = {TALKS_TOO_MUCH: "listen more than you talk"}
# A line longer than this is read in pieces and reported; a cue needs nothing near it.
MAX_LINE_CHARS = 64 * 1024
# Bounds on what a hostile file can make the reader keep.
MAX_SPEAKERS = 1000
MAX_PROBLEMS = 100
MAX_SPEAKER_CHARS = 200
OTHER_SPEAKERS = "(other speakers)"

_TIME = r"(?:(\d+):)?([0-5]\d):([0-5]\d)[.,](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}(?:\s+.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>")
_NAME_PREFIX = re.compile(r"^\s*([^:<>\n]{1,200}?):\s")
_TAGS = re.compile(r"<[^>]*>")


@dataclass
class TalkSummary:
    """Speaking time per speaker, in seconds, and the cues that could not be read."""

    seconds_by_speaker: dict[str, float] = field(default_factory=dict)
    unattributed_seconds: float = 0.0
    cues: int = 0
    problems: list[InputProblem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def attributed_seconds(self) -> float:
        """Speaking time of cues that name their speaker."""
        return sum(self.seconds_by_speaker.values())

    @property
    def total_seconds(self) -> float:
        """Speaking time of every cue read."""
        return self.attributed_seconds + self.unattributed_seconds

    def speaker(self, name: str) -> str | None:
        """The speaker as the transcript spells it, matched without case or extra spaces."""
        wanted = _normal_name(name)
        return next((s for s in self.seconds_by_speaker if _normal_name(s) == wanted), None)

    def talk_ratio(self, interviewer: str, *, source: str = "transcript") -> float:
        """The interviewer's share of attributed speaking time, 0..1.

        Refused when the transcript never names the interviewer (a typo would read as 0).
        """
        found = self.speaker(interviewer)
        if found is None:
            names = sorted(self.seconds_by_speaker)[:20]
            raise InvalidInputError.because(
                "the transcript has no cue by this interviewer; its speakers are "
                + (", ".join(names) if names else "none (no cue names its speaker)"),
                source=source,
                field="interviewer",
                value=interviewer,
            )
        total = self.attributed_seconds
        return self.seconds_by_speaker[found] / total if total > 0 else 0.0

    def _add(self, speaker: str | None, seconds: float) -> None:
        self.cues += 1
        if speaker is None:
            self.unattributed_seconds += seconds
            return
        if speaker not in self.seconds_by_speaker and len(self.seconds_by_speaker) >= MAX_SPEAKERS:
            speaker = OTHER_SPEAKERS
        self.seconds_by_speaker[speaker] = self.seconds_by_speaker.get(speaker, 0.0) + seconds

    def _problem(self, reason: str, *, source: str, line: int, value: str | None = None) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            shown = None if value is None else value[:80]
            self.problems.append(InputProblem(reason=reason, source=source, line=line, value=shown))


def warnings_for(talk_ratio: float | None) -> list[str]:
    """The warning ids an interview carries for its talk ratio."""
    return [TALKS_TOO_MUCH] if talk_ratio is not None and talk_ratio > TALK_RATIO_LIMIT else []


def stream_lines(stream: TextIO) -> Iterator[str]:
    """The lines of a text stream without their ends, each read in bounded pieces.

    A line longer than MAX_LINE_CHARS comes out as several pieces; the reader reports it.
    """
    while True:
        piece = stream.readline(MAX_LINE_CHARS)
        if not piece:
            return
        yield piece.rstrip("\r\n") if piece.endswith(("\n", "\r")) else piece + "\x00"


def seconds_of(stamp: tuple[str | None, str, str, str]) -> float:
    """A WebVTT time stamp's groups (hours optional) as seconds."""
    hours, minutes, seconds, millis = stamp
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def speaker_of(text: str) -> str | None:
    """Who speaks in a cue's first text line: `<v Name>` (Teams) or `Name: ` (Zoom)."""
    if (match := _VOICE.search(text)) or (match := _NAME_PREFIX.match(_TAGS.sub("", text))):
        name = match[1].strip()
    else:
        return None
    name = " ".join(name.split())[:MAX_SPEAKER_CHARS]
    return name or None


def _normal_name(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass
class _Cue:
    """The cue being read: where its timing line is, how long it lasts, who speaks."""

    line: int
    seconds: float
    speaker: str | None = None
    has_text: bool = False


def summarise(lines: Iterable[str], *, source: str = "transcript") -> TalkSummary:
    """Speaking time per speaker from a WebVTT transcript given line by line.

    A file that does not start with `WEBVTT` is unusable; a cue with a broken timing line, an
    end before its start or no text is reported at its line and left out.
    """
    summary = TalkSummary()
    state = "start"
    cue: _Cue | None = None
    for number, raw in enumerate(lines, start=1):
        if raw.endswith("\x00"):
            summary._problem("the line is too long to be part of a cue", source=source, line=number)
            raw = raw[:-1]
        line = raw.lstrip("\ufeff") if number == 1 else raw
        blank = not line.strip()
        if state == "start":
            if blank:
                continue
            if not re.match(r"^WEBVTT(?:[ \t].*)?$", line.strip()):
                raise InvalidInputError.because(
                    "a WebVTT transcript starts with the line WEBVTT",
                    source=source,
                    line=number,
                    value=line[:80],
                    unusable=True,
                )
            state = "header"
        elif state in ("header", "skip"):
            if blank:
                state = "between"
        elif state == "between":
            if blank:
                continue
            words = line.split(maxsplit=1)
            if words[0] in ("NOTE", "STYLE", "REGION") and "-->" not in line:
                state = "skip"
            elif "-->" in line:
                cue, state = _timing(summary, line, number, source), "text"
            else:
                state = "identifier"
        elif state == "identifier":
            if blank:
                summary._problem(
                    "a cue identifier without a timing line", source=source, line=number - 1
                )
                state = "between"
            elif "-->" in line:
                cue, state = _timing(summary, line, number, source), "text"
            else:
                summary._problem(
                    "expected a timing line such as 00:01:02.000 --> 00:01:05.500",
                    source=source,
                    line=number,
                    value=line,
                )
                state = "skip"
        elif state == "text":
            if blank:
                _close(summary, cue, source)
                cue, state = None, "between"
            elif cue is not None and not cue.has_text:
                cue.has_text = True
                cue.speaker = speaker_of(line)
    if state == "start":
        raise InvalidInputError.because(
            "the transcript is empty; a WebVTT file starts with the line WEBVTT",
            source=source,
            unusable=True,
        )
    if state == "text":
        _close(summary, cue, source)
    return summary


def _timing(summary: TalkSummary, line: str, number: int, source: str) -> _Cue | None:
    """The cue a timing line starts, or None after reporting a broken one."""
    match = _TIMING.match(line)
    if match is None:
        summary._problem(
            "expected a timing line such as 00:01:02.000 --> 00:01:05.500",
            source=source,
            line=number,
            value=line,
        )
        return None
    g = match.groups()
    start = seconds_of((g[0], g[1], g[2], g[3]))
    end = seconds_of((g[4], g[5], g[6], g[7]))
    if end <= start:
        summary._problem("the cue ends before it starts", source=source, line=number, value=line)
        return None
    return _Cue(line=number, seconds=end - start)


def _close(summary: TalkSummary, cue: _Cue | None, source: str) -> None:
    """Count a finished cue; a timing line with no text after it is reported."""
    if cue is None:
        return
    if not cue.has_text:
        summary._problem("the cue has no text", source=source, line=cue.line)
        return
    summary._add(cue.speaker, cue.seconds)
