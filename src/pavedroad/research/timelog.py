"""What a shadowing time log says once read: duration, context switches, waiting, wishes, tools.

Pure: a log is a list of `LogLine` (seconds at its time stamp, what happened). Each derived
figure sits beside what the note states; the stated figure wins where the note gives one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

# Names a note-taker writes for the tools a developer moves between; matched as whole words,
# case-insensitively. The session's own tool list is searched first, so its spelling wins.
OBVIOUS_TOOLS: tuple[str, ...] = (
    "Slack",
    "Microsoft Teams",
    "Jira",
    "Confluence",
    "Notion",
    "wiki",
    "GitHub Actions",
    "GitHub",
    "GitLab",
    "Bitbucket",
    "Jenkins",
    "CircleCI",
    "Buildkite",
    "Argo CD",
    "ArgoCD",
    "Spinnaker",
    "kubectl",
    "Kubernetes",
    "Helm",
    "Terraform",
    "Docker",
    "Vault",
    "AWS console",
    "Grafana",
    "Datadog",
    "Kibana",
    "Splunk",
    "Sentry",
    "PagerDuty",
    "Backstage",
    "portal",
    "runbook",
    "Google",
    "Stack Overflow",
    "ChatGPT",
    "VS Code",
    "IntelliJ",
    "IDE",
    "terminal",
    "email",
)

_WAITING = re.compile(
    r"(?<!\w)(?:wait(?:s|ed|ing)?|queued|in the queue|still running|stuck (?:on|in)|"
    r"blocked (?:on|by)|pending)(?!\w)",
    re.IGNORECASE,
)
_WISH = re.compile(
    r"(?<!\w)(?:I wish|I'd love|should (?:just )?be (?:easier|simpler|faster)|"
    r"this should be easier|why can'?t (?:I|we)|if only)(?!\w)",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"\"([^\"]{2,})\"|“([^”]{2,})”|„([^“”]{2,})[“”]")


@dataclass(frozen=True)
class LogLine:
    """One time-log line: `offset_s` is its time stamp in seconds, `text` what happened."""

    offset_s: int
    text: str


def stamp_text(offset_s: int) -> str:
    """A time stamp as the template writes it: `00:05`, or `01:02:30` when it has seconds."""
    hours, rest = divmod(max(offset_s, 0), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


def duration_min(log: Sequence[LogLine]) -> float | None:
    """Minutes from the first time stamp to the last; None for an empty log."""
    if not log:
        return None
    return round((log[-1].offset_s - log[0].offset_s) / 60, 2)


def log_entries(log: Sequence[LogLine]) -> int:
    """How many time-log lines the session has."""
    return len(log)


def _tool_pattern(tool: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in tool.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def tool_candidates(tools: Iterable[str]) -> list[tuple[str, re.Pattern[str]]]:
    seen: set[str] = set()
    found: list[tuple[str, re.Pattern[str]]] = []
    for tool in [*tools, *OBVIOUS_TOOLS]:
        name = " ".join(tool.split())
        if name and name.lower() not in seen and len(name) <= 100:
            seen.add(name.lower())
            found.append((name, _tool_pattern(name)))
    return found


def tool_of(text: str, candidates: Sequence[tuple[str, re.Pattern[str]]]) -> str | None:
    """The tool a line ends in: the one it names last (`Got answer. Switched to Jenkins`)."""
    best: tuple[int, str] | None = None
    for name, pattern in candidates:
        for match in pattern.finditer(text):
            if best is None or match.start() > best[0]:
                best = (match.start(), name)
    return best[1] if best else None


def tools_named(log: Sequence[LogLine], tools: Sequence[str] = ()) -> list[str]:
    """The tools the log names, in the order they first appear (spelt as the tool list has)."""
    candidates = tool_candidates(tools)
    named: list[str] = []
    for line in log:
        for name, pattern in candidates:
            if name not in named and pattern.search(line.text):
                named.append(name)
    return named


def session_tools(stated: Sequence[str], log: Sequence[LogLine]) -> list[str]:
    """The session's tools: the note's list, or the tools its log names when it has none."""
    return list(stated) if stated else tools_named(log)


def context_switches_derived(log: Sequence[LogLine], tools: Sequence[str] = ()) -> int:
    """Changes of tool between consecutive log lines; a line naming no tool stays where it was."""
    candidates = tool_candidates(tools)
    switches = 0
    current: str | None = None
    for line in log:
        tool = tool_of(line.text, candidates)
        if tool is None:
            continue
        if current is not None and tool != current:
            switches += 1
        current = tool
    return switches


def context_switches(stated: int | None, log: Sequence[LogLine], tools: Sequence[str] = ()) -> int:
    """The note's stated count when it gives one, else the derived count."""
    return stated if stated is not None else context_switches_derived(log, tools)


def says_waiting(text: str) -> bool:
    """Whether a log line says the developer was waiting for something."""
    return _WAITING.search(text) is not None


def waiting_min_derived(log: Sequence[LogLine]) -> float:
    """Minutes spent on lines that say the developer waited, each until the next time stamp."""
    seconds = 0
    for line, following in pairwise(log):
        if says_waiting(line.text):
            seconds += max(following.offset_s - line.offset_s, 0)
    return round(seconds / 60, 2)


def waiting_min(stated: float | None, log: Sequence[LogLine]) -> float:
    """The note's stated waiting time when it gives one, else the derived minutes."""
    return stated if stated is not None else waiting_min_derived(log)


def quoted_wishes(text: str) -> list[str]:
    """The "I wish..." / "this should be easier" quotes in one line of text."""
    if not _WISH.search(text):
        return []
    quotes = [next(g for g in match.groups() if g) for match in _QUOTED.finditer(text)]
    wished = [q.strip() for q in quotes if _WISH.search(q)]
    if wished:
        return wished
    if quotes:
        return []
    start = _WISH.search(text)
    return [text[start.start() :].strip().rstrip(".")] if start else []


def wishes(stated: Sequence[str], log: Sequence[LogLine]) -> list[str]:
    """The wishes section's quotes, then the wishes quoted in the log, each once."""
    found: list[str] = []
    seen: set[str] = set()
    for wish in [*stated, *(q for line in log for q in quoted_wishes(line.text))]:
        clean = wish.strip().strip("\"“”'").strip()
        if clean and clean.lower() not in seen:
            seen.add(clean.lower())
            found.append(clean)
    return found


def friction_points(stated: Sequence[str]) -> list[str]:
    """The friction points the note lists, blanks and repeats dropped, in order."""
    seen: set[str] = set()
    points: list[str] = []
    for point in stated:
        clean = " ".join(point.split())
        if clean and clean.lower() not in seen:
            seen.add(clean.lower())
            points.append(clean)
    return points
