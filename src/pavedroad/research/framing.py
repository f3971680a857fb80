"""Pain or solution request: a small heuristic that suggests how an insight is framed.

"My queries are slow" states a pain; "I need a bigger database" asks for a solution. The user
sets the framing; this only suggests it, from phrases that ask for a thing to be built or given.
Pure: no database.
"""

from __future__ import annotations

import re

from pavedroad.research.schemas import Framing

# Phrases that ask for a solution rather than describe a pain (matched as whole words).
SOLUTION_PHRASES: tuple[str, ...] = (
    "i need",
    "we need",
    "i want",
    "we want",
    "we should build",
    "you should build",
    "should build",
    "we should have",
    "please add",
    "add a",
    "add an",
    "give us",
    "give me",
    "build us",
    "can you build",
    "can we get",
    "can we have",
    "i'd like a",
    "we'd like a",
    "it would be nice to have",
)
_SOLUTION = re.compile(
    r"(?<![\w])(?:" + "|".join(re.escape(p) for p in SOLUTION_PHRASES) + r")(?![\w])",
    re.IGNORECASE,
)


def suggest_framing(text: str, quote: str | None = None) -> Framing:
    """`solution` when the text or quote asks for something to be built or given, else `pain`."""
    for part in (text, quote or ""):
        normalised = part.replace("\u2019", "'")
        if _SOLUTION.search(normalised):
            return "solution"
    return "pain"
