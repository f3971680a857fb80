"""Interview notes and the practice's synthesis template, read from hand-written Markdown.

The template (practice, "Interview Synthesis - [Date]"):

    Interview Synthesis - 2026-06-03
    Top 3 pain points mentioned:
    1. "quote" -- context
    Surprises (things I didn't expect):
    1. ...
    Assumptions validated:
    [+] assumption — confirmed by evidence
    [-] assumption — contradicted by evidence
    Actions:
    1. ...

Notes per question sit under headings of the script's sections (Opening, Exploration,
Validation, Closing) and questions. Real notes are hand-written: `#` headings or none, bold
headings, `-`/`*`/numbered bullets, `--` or `–` instead of `—`, placeholders left in, extra
prose. Lines the reader cannot place are reported (`FILE:LINE: reason`) and the rest is kept.
Pure: text in, values and problems out; `synthesis_markdown` writes the same template back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from pavedroad.errors import InputProblem

ScriptSection = Literal["opening", "exploration", "validation", "closing"]
SECTIONS: tuple[ScriptSection, ...] = ("opening", "exploration", "validation", "closing")
SECTION_MINUTES = {"opening": 5, "exploration": 15, "validation": 5, "closing": 5}

# The practice's script ("Run 30-minute interviews with this script").
PRACTICE_SCRIPT: tuple[tuple[ScriptSection, tuple[str, ...]], ...] = (
    (
        "opening",
        (
            "Tell me about the last time you deployed something to production.",
            "Walk me through your typical day when you're building a new feature.",
        ),
    ),
    (
        "exploration",
        (
            "What's the most frustrating part of your development workflow?",
            "If you had a magic wand, what would you change about our internal tools?",
            "Tell me about a time you worked around our platform instead of using it.",
            "What do you spend time on that you think should be automated?",
        ),
    ),
    (
        "validation",
        (
            "We're thinking about building [feature X]. Would that help you?",
            "How would you prioritize these three improvements: [A], [B], [C]?",
        ),
    ),
    (
        "closing",
        (
            "Anything else we should know about your experience?",
            "Can I follow up with you next month?",
        ),
    ),
)

MAX_NOTES_CHARS = 2 * 2**20
MAX_ITEM_CHARS = 5000
MAX_ITEMS = 200
MAX_PROBLEMS = 100

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
_BOLD = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*:?\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_EMPTY_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s*$")
_RULE = re.compile(r"^\s*[═=─\-_*~]{3,}\s*$")
_PLACEHOLDER = re.compile(r"^\[[^\]]*\]$")
_ASSUMPTION = re.compile(r"^\[\s*([+\-−xX✓✗])\s*\]\s*(.*)$")
_SEPARATOR = re.compile(r"\s+(?:—|–|--|-)\s+")
_EVIDENCE = re.compile(r"\b(confirmed|contradicted|validated|refuted|disproved)\s+by\b\s*", re.I)
_QUOTED = re.compile(r"""^\s*(?:"(.+?)["”]|“(.+?)[”"]|'(.+?)')(?=\s|$|[,.;:—–-])\s*(.*)$""")
_META = re.compile(
    r"^\s*(?:[-*]\s+)?\**(developer|team|interviewer|date|talk ratio)\**\s*:\**\s*(.*?)\s*$",
    re.I,
)
_WHOLE_QUOTE = re.compile(r'^["“][^"“”]+["”]$')
_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y")

Kind = Literal["notes", "pain_points", "surprises", "assumptions", "actions", "quotes", "section"]


@dataclass
class Answer:
    """The notes taken under one question (or a section, when `question` is empty)."""

    section: str
    question: str
    notes: str = ""


@dataclass
class PainPoint:
    """One of the top pain points: the developer's words and the context they were said in."""

    quote: str
    context: str = ""


@dataclass
class Assumption:
    """An assumption confirmed (`validated`) or contradicted, and the evidence."""

    assumption: str
    validated: bool
    evidence: str = ""


@dataclass
class InterviewNotes:
    """What a notes file says; fields it does not give stay empty."""

    held_on: date | None = None
    developer: str | None = None
    team: str | None = None
    interviewer: str | None = None
    answers: list[Answer] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    pain_points: list[PainPoint] = field(default_factory=list)
    surprises: list[str] = field(default_factory=list)
    assumptions: list[Assumption] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    notes: str = ""
    problems: list[InputProblem] = field(default_factory=list)


def normal_text(text: str) -> str:
    """Text compared as a person reads it: no quotes, case, punctuation or extra spaces."""
    text = text.replace("’", "'").replace("‘", "'")
    text = re.sub(r"[\"“”]", "", text)
    text = re.sub(r"[^\w\s'\[\]]", " ", text.casefold())
    return " ".join(text.split())


def parse_day(text: str) -> date | None:
    """A day written as 2026-06-03, 3 June 2026 or June 3, 2026; None when unreadable."""
    raw = text.strip().strip("[]").strip()
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, form).date()
        except ValueError:
            continue
    return None


def _heading_kind(title: str) -> tuple[Kind, str] | None:
    """What a heading opens: a synthesis part or a script section (its name)."""
    words = normal_text(title)
    if words.startswith("interview synthesis") or words in ("synthesis", "interview notes"):
        return "notes", ""
    if "pain point" in words:
        return "pain_points", ""
    if words.startswith("surprise"):
        return "surprises", ""
    if words.startswith("assumption"):
        return "assumptions", ""
    if words.startswith(("action", "next step", "follow up actions")):
        return "actions", ""
    if words in ("quotes", "key quotes", "quotes worth keeping"):
        return "quotes", ""
    first = words.split(" ", 1)[0] if words else ""
    if first in SECTIONS:
        return "section", first
    if words in ("notes", "other notes", "general notes"):
        return "notes", ""
    return None


def strip_bullet(line: str) -> str:
    """The line without its `-`, `*` or `1.` bullet and surrounding spaces."""
    return _BULLET.sub("", line, count=1).strip()


def is_bullet(line: str) -> bool:
    """Whether the line starts with a `-`, `*` or numbered bullet."""
    return _BULLET.match(line) is not None


def is_rule(line: str) -> bool:
    """Whether the line only underlines or separates (`════`, `---`)."""
    return _RULE.match(line) is not None


def _synthesis_date(title: str) -> str | None:
    """The date part of `Interview Synthesis - [Date]`, if the heading has one."""
    match = re.match(r"^\s*interview synthesis\s*(?:[-—–:]+\s*)?(.*)$", title, re.I)
    return match[1].strip() if match and match[1].strip() else None


def pain_point_of(text: str) -> PainPoint:
    """`"quote" context`, `quote — context` or just the quote."""
    if match := _QUOTED.match(text):
        quote = next(g for g in match.groups()[:3] if g is not None)
        rest = re.sub(r"^[\s,.;:—–-]+", "", match[4])
        rest = re.sub(r"^context\s*:\s*", "", rest, flags=re.I)
        return PainPoint(quote=quote.strip(), context=rest.strip())
    parts = _SEPARATOR.split(text, maxsplit=1)
    if len(parts) == 2:
        return PainPoint(quote=parts[0].strip().strip('"“”'), context=parts[1].strip())
    return PainPoint(quote=text.strip().strip('"“”'))


def assumption_of(text: str) -> Assumption | None:
    """`[+] assumption — confirmed by evidence` or `[-] ... — contradicted by ...`."""
    match = _ASSUMPTION.match(text)
    if match is None:
        return None
    validated = match[1] in "+xX✓"
    body = match[2].strip()
    parts = _SEPARATOR.split(body, maxsplit=1)
    if len(parts) == 2:
        claim, evidence = parts
    elif found := _EVIDENCE.search(body):
        claim = body[: found.start()].rstrip().rstrip(",;:")
        evidence = body[found.start() :]
    else:
        claim, evidence = body, ""
    evidence = _EVIDENCE.sub("", evidence, count=1) if _EVIDENCE.match(evidence) else evidence
    return Assumption(assumption=claim.strip(), validated=validated, evidence=evidence.strip())


class _Reader:
    """The state of one pass over the lines: where we are and what was found."""

    def __init__(self, questions: dict[str, tuple[str, str]], source: str) -> None:
        self.questions = questions
        self.source = source
        self.out = InterviewNotes()
        self.kind: Kind | None = None
        self.section = ""
        self.answer: Answer | None = None
        self.prose: list[str] = []

    def problem(self, number: int, reason: str, value: str | None = None) -> None:
        if len(self.out.problems) < MAX_PROBLEMS:
            shown = None if value is None else value[:80]
            self.out.problems.append(
                InputProblem(reason=reason, source=self.source, line=number, value=shown)
            )

    def open_question(self, section: str, question: str) -> None:
        self.kind = "section"
        self.section = section
        self.answer = Answer(section=section, question=question)
        self.out.answers.append(self.answer)

    def heading(self, number: int, title: str) -> bool:
        """Handle a heading line; False when it is not one the template knows."""
        if (day := _synthesis_date(title)) is not None:
            parsed = parse_day(day)
            if parsed is not None:
                self.out.held_on = parsed
            elif not _PLACEHOLDER.match(day):
                self.problem(number, "expected the interview's date such as 2026-06-03", day)
        known = _heading_kind(title)
        if known is not None:
            self.kind, name = known
            self.answer = None
            if self.kind == "section":
                self.section = name
            return True
        if (question := self.questions.get(normal_text(title))) is not None:
            self.open_question(*question)
            return True
        if self.kind == "section" and self.section:
            # A question of the interviewer's own, under a script section.
            self.open_question(self.section, title.strip().strip('"“”'))
            return True
        return False

    def line(self, number: int, raw: str) -> None:
        if len(raw) > MAX_ITEM_CHARS:
            self.problem(number, f"the line is longer than {MAX_ITEM_CHARS} characters; cut")
            raw = raw[:MAX_ITEM_CHARS]
        if not raw.strip() or _RULE.match(raw) or _EMPTY_BULLET.match(raw):
            return
        if match := _HEADING.match(raw):
            if not self.heading(number, match[2]):
                # A heading of the writer's own: its lines are kept as notes.
                self.kind, self.answer = "notes", None
                if match[2].strip() and len(self.prose) < MAX_ITEMS:
                    self.prose.append(match[2].strip())
            return
        bold = _BOLD.match(raw)
        title = bold[2] if bold else raw.strip()
        if title.rstrip().endswith(":") or bold or _synthesis_date(title) is not None:
            bare = title.rstrip().rstrip(":")
            if _heading_kind(bare) is not None or _synthesis_date(bare) is not None:
                self.heading(number, bare)
                return
        if self.kind in (None, "notes") and (meta := _META.match(raw)):
            self.meta(number, meta[1].lower(), meta[2])
            return
        text = strip_bullet(raw)
        if self.kind != "section" and (question := self.questions.get(normal_text(text))):
            self.open_question(*question)
            return
        if self.kind == "section" and (question := self.questions.get(normal_text(text))):
            self.open_question(*question)
            return
        if _PLACEHOLDER.match(text) or not text:
            return
        self.item(number, text)

    def meta(self, number: int, key: str, value: str) -> None:
        value = value.strip()
        if not value:
            return
        if key == "date":
            parsed = parse_day(value)
            if parsed is None:
                self.problem(number, "expected the interview's date such as 2026-06-03", value)
            else:
                self.out.held_on = parsed
        elif key == "developer":
            self.out.developer = value
        elif key == "team":
            self.out.team = value.lower()
        elif key == "interviewer":
            self.out.interviewer = value

    def item(self, number: int, text: str) -> None:
        out = self.out
        if self.kind == "pain_points":
            if len(out.pain_points) < MAX_ITEMS:
                out.pain_points.append(pain_point_of(text))
        elif self.kind == "surprises":
            if len(out.surprises) < MAX_ITEMS:
                out.surprises.append(text)
        elif self.kind == "actions":
            if len(out.actions) < MAX_ITEMS:
                out.actions.append(text)
        elif self.kind == "quotes":
            if len(out.quotes) < MAX_ITEMS:
                out.quotes.append(text.strip('"“”'))
        elif self.kind == "assumptions":
            found = assumption_of(text)
            if found is None:
                self.problem(
                    number,
                    "an assumption starts with [+] (confirmed) or [-] (contradicted)",
                    text,
                )
            elif found.assumption and len(out.assumptions) < MAX_ITEMS:
                out.assumptions.append(found)
        elif self.kind == "section":
            if self.answer is None:
                self.open_question(self.section, "")
            assert self.answer is not None
            if len(self.answer.notes) < 10 * MAX_ITEM_CHARS:
                self.answer.notes = f"{self.answer.notes}\n{text}".strip()
            if _WHOLE_QUOTE.match(text) and len(out.quotes) < MAX_ITEMS:
                out.quotes.append(text.strip('"“” '))
        elif len(self.prose) < MAX_ITEMS:
            self.prose.append(text)


def parse_notes(
    text: str,
    *,
    source: str = "notes",
    script: tuple[tuple[str, tuple[str, ...]], ...] = PRACTICE_SCRIPT,
) -> InterviewNotes:
    """Read interview notes and their synthesis; each unreadable line becomes a problem."""
    questions = {
        normal_text(q): (section, q) for section, listed in script for q in listed if q.strip()
    }
    reader = _Reader(questions, source)
    if len(text) > MAX_NOTES_CHARS:
        reader.problem(
            1, f"the notes are longer than {MAX_NOTES_CHARS:,} characters; the rest is cut"
        )
        text = text[:MAX_NOTES_CHARS]
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        reader.line(number, raw)
    out = reader.out
    out.answers = [a for a in out.answers if a.notes or a.question]
    out.notes = "\n".join(reader.prose)
    out.quotes = list(dict.fromkeys(q for q in out.quotes if q))
    return out


def _item(text: str) -> str:
    return " ".join(text.split())


def synthesis_markdown(
    *,
    held_on: date,
    developer: str | None,
    team: str | None,
    interviewer: str | None,
    talk_ratio: float | None,
    answers: list[Answer],
    quotes: list[str],
    pain_points: list[PainPoint],
    surprises: list[str],
    assumptions: list[Assumption],
    actions: list[str],
    notes: str,
) -> str:
    """The interview in the practice's template, which `parse_notes` reads back."""
    lines = [f"# Interview Synthesis - {held_on.isoformat()}", ""]
    for key, value in (("Developer", developer), ("Team", team), ("Interviewer", interviewer)):
        if value:
            lines.append(f"{key}: {_item(value)}")
    if talk_ratio is not None:
        lines.append(f"Talk ratio: {talk_ratio:.0%} of the speaking time was the interviewer's")
    lines += ["", "## Top 3 pain points mentioned:"]
    lines += [
        f'{i}. "{_item(p.quote)}"' + (f" — {_item(p.context)}" if p.context else "")
        for i, p in enumerate(pain_points, start=1)
    ]
    lines += ["", "## Surprises (things I didn't expect):"]
    lines += [f"{i}. {_item(s)}" for i, s in enumerate(surprises, start=1)]
    lines += ["", "## Assumptions validated:"]
    for a in assumptions:
        verb = "confirmed by" if a.validated else "contradicted by"
        mark = "+" if a.validated else "-"
        lines.append(
            f"[{mark}] {_item(a.assumption)}"
            + (f" — {verb} {_item(a.evidence)}" if a.evidence else "")
        )
    lines += ["", "## Actions:"]
    lines += [f"{i}. {_item(a)}" for i, a in enumerate(actions, start=1)]
    if quotes:
        lines += ["", "## Key quotes"]
        lines += [f'- "{_item(q)}"' for q in quotes]
    by_section: dict[str, list[Answer]] = {}
    for answer in answers:
        by_section.setdefault(answer.section, []).append(answer)
    for section in [*SECTIONS, *[s for s in by_section if s not in SECTIONS]]:
        if section not in by_section:
            continue
        lines += ["", f"## {section.title()}"]
        for answer in by_section[section]:
            if answer.question:
                lines += ["", f"### {_item(answer.question)}"]
            lines += [f"- {_item(n)}" for n in answer.notes.splitlines() if n.strip()]
    if notes.strip():
        lines += ["", "## Notes"]
        lines += [f"- {_item(n)}" for n in notes.splitlines() if n.strip()]
    return "\n".join(lines) + "\n"
