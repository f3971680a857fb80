"""RICE on the practice's scales: Reach x Impact x Confidence / Effort, pure functions.

A score is relative: callers always show it with its rank among the rest of the backlog.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pavedroad.errors import InputProblem, InvalidInputError

# 3 massive, 2 high, 1 medium, 0.5 low, 0.25 minimal
IMPACT_SCALE: dict[float, str] = {
    3.0: "massive",
    2.0: "high",
    1.0: "medium",
    0.5: "low",
    0.25: "minimal",
}
# 100% high, 80% medium, 50% low
CONFIDENCE_SCALE: dict[float, str] = {1.0: "high", 0.8: "medium", 0.5: "low"}


# Bounds that keep every score finite (a tiny effort would make RICE infinite).
MIN_EFFORT = 0.01
MAX_EFFORT = 100_000.0
MAX_REACH = 10_000_000.0


@dataclass(frozen=True)
class RiceInputs:
    """Validated RICE inputs: reach in developers per quarter, effort in person-months."""

    reach: float
    impact: float
    confidence: float
    effort: float


def parse_impact(raw: object) -> float:
    """An impact on the scale 3 / 2 / 1 / 0.5 / 0.25 (number or its word), else a ValueError."""
    text = str(raw).strip().lower()
    for value, word in IMPACT_SCALE.items():
        if text == word:
            return value
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if number in IMPACT_SCALE:
        return number
    allowed = ", ".join(f"{_number(v)} ({w})" for v, w in IMPACT_SCALE.items())
    raise ValueError(f"impact {raw!r} is not on the scale; allowed: {allowed}")


def parse_confidence(raw: object) -> float:
    """A confidence of 100%, 80% or 50%, written `80%`, `80` or `0.8`, else a ValueError."""
    text = str(raw).strip().lower().removesuffix("%").strip()
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if number > 1:
        number /= 100
    for value in CONFIDENCE_SCALE:
        if abs(number - value) < 1e-9:
            return value
    raise ValueError(f"confidence {raw!r} is not on the scale; allowed: 100%, 80%, 50%")


def parse_effort(raw: object) -> float:
    """Effort in person-months, a number above zero, else a ValueError."""
    try:
        number = float(str(raw).strip())
    except ValueError:
        number = float("nan")
    if not MIN_EFFORT <= number <= MAX_EFFORT:
        raise ValueError(
            f"effort {raw!r} must be a number of person-months above 0 "
            f"(from {MIN_EFFORT:g} to {MAX_EFFORT:,.0f})"
        )
    return number


def parse_reach(raw: object) -> float:
    """Reach in developers per quarter, a number of at least zero, else a ValueError."""
    try:
        number = float(str(raw).strip())
    except ValueError:
        number = float("nan")
    if not 0 <= number <= MAX_REACH:
        raise ValueError(
            f"reach {raw!r} must be a number of developers per quarter (0 or more), "
            f"at most {MAX_REACH:,.0f}"
        )
    return number


def rice_score(inputs: RiceInputs) -> float:
    """R x I x C / E, unrounded."""
    return inputs.reach * inputs.impact * inputs.confidence / inputs.effort


def rice_ranks(scores: Sequence[float]) -> list[int]:
    """Competition ranks (1 = highest score; ties share a rank) in the order given."""
    ordered = sorted(scores, reverse=True)
    first: dict[float, int] = {}
    for position, score in enumerate(ordered, start=1):
        first.setdefault(score, position)
    return [first[score] for score in scores]


def validate(
    reach: object,
    impact: object,
    confidence: object,
    effort: object,
    *,
    source: str = "input",
    line: int | None = None,
) -> RiceInputs:
    """All four inputs checked at once; every problem names its field and the allowed values."""
    problems: list[InputProblem] = []
    values: dict[str, float] = {}
    for field, raw, parse in (
        ("reach", reach, parse_reach),
        ("impact", impact, parse_impact),
        ("confidence", confidence, parse_confidence),
        ("effort", effort, parse_effort),
    ):
        try:
            values[field] = parse(raw)
        except ValueError as error:
            problems.append(
                InputProblem(
                    source=source, line=line, field=field, reason=str(error), value=str(raw)
                )
            )
    if problems:
        raise InvalidInputError(problems)
    return RiceInputs(**values)


def _number(value: float) -> str:
    return f"{value:g}"


# RICE is relative: below this many ranked initiatives a rank says nothing.
MIN_RANKED = 3
# The top and bottom quarters of the ranked backlog read as "do first" and "defer".
QUARTER_SHARE = 0.25


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rice_percentile(rank: int, of: int) -> float:
    """The share of the other ranked initiatives this one scores above (100: the top)."""
    if of <= 1:
        return 100.0
    return round(100 * (of - rank) / (of - 1), 1)


def rice_context(rice: float, rank: int | None, of: int, top: float) -> str:
    """The score read against the rest of the backlog, in the practice's terms."""
    score = _number(rice)
    if rank is None:
        return f"{score} is not ranked: only initiatives that are not done or killed are."
    if of < MIN_RANKED:
        return (
            f"{score} ranks {_ordinal(rank)} of {of}: RICE is relative, so score at least "
            f"{MIN_RANKED} initiatives before reading a rank."
        )
    head = f"{score} ranks {_ordinal(rank)} of {of}"
    if rank == 1:
        return f"{head}: the highest-impact work in the backlog; do it first."
    tail = f"; the top scores {_number(top)}"
    if rank <= max(1, round(of * QUARTER_SHARE)):
        return f"{head}{tail}: among the highest-impact work."
    return f"{head}{tail}: defer until the higher-impact work is done."
