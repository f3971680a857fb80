"""How robust the RICE order is: for each pair of neighbours, how far confidence (on its
100/80/50% scale) or effort (in person-months) of either would have to move to swap them. Pure.

A pair swaps when the lower one scores strictly higher than the upper one. Efforts are given
as breakeven points (the pair ties there; any move beyond swaps it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from pavedroad.backlog.rice import CONFIDENCE_SCALE, RiceInputs, rice_score
from pavedroad.backlog.schemas import PairSensitivity

# A pair is fragile when one confidence step or an effort estimate off by this share swaps it.
FRAGILE_EFFORT_SHARE = 0.25


@dataclass(frozen=True)
class Scored:
    """An initiative's title and its RICE inputs (reach resolved)."""

    title: str
    inputs: RiceInputs


def upper_effort_above(upper: RiceInputs, lower: RiceInputs) -> float | None:
    """The effort of the upper one past which it scores below the lower one (None: never)."""
    lower_score = rice_score(lower)
    if lower_score <= 0:
        return None
    return upper.reach * upper.impact * upper.confidence / lower_score


def lower_effort_below(upper: RiceInputs, lower: RiceInputs) -> float | None:
    """The effort of the lower one under which it scores above the upper one (None: never)."""
    upper_score = rice_score(upper)
    value = lower.reach * lower.impact * lower.confidence
    if value <= 0 or upper_score <= 0:
        return None
    return value / upper_score


def upper_confidence_to(upper: RiceInputs, lower: RiceInputs) -> float | None:
    """The nearest lower confidence step that drops the upper one below the lower one."""
    target = rice_score(lower)
    steps = sorted((c for c in CONFIDENCE_SCALE if c < upper.confidence), reverse=True)
    return next((c for c in steps if rice_score(replace(upper, confidence=c)) < target), None)


def lower_confidence_to(upper: RiceInputs, lower: RiceInputs) -> float | None:
    """The nearest higher confidence step that lifts the lower one above the upper one."""
    target = rice_score(upper)
    steps = sorted(c for c in CONFIDENCE_SCALE if c > lower.confidence)
    return next((c for c in steps if rice_score(replace(lower, confidence=c)) > target), None)


def pair_sensitivity(upper: Scored, lower: Scored) -> PairSensitivity:
    """How far either of two neighbours (upper scoring at least as much) must move to swap."""
    upper_score, lower_score = rice_score(upper.inputs), rice_score(lower.inputs)
    tied = upper_score == lower_score
    above = upper_effort_above(upper.inputs, lower.inputs)
    below = lower_effort_below(upper.inputs, lower.inputs)
    up_conf = upper_confidence_to(upper.inputs, lower.inputs)
    low_conf = lower_confidence_to(upper.inputs, lower.inputs)
    # The share of its score the upper one would have to lose: the lower one's effort shrinking
    # by this share swaps them, and so does any move that costs the upper one more than it.
    margin = None if upper_score <= 0 else 1 - lower_score / upper_score
    fragile = (
        tied
        or up_conf is not None
        or low_conf is not None
        or (margin is not None and margin < FRAGILE_EFFORT_SHARE)
    )
    return PairSensitivity(
        upper=upper.title,
        upper_rice=round(upper_score, 2),
        lower=lower.title,
        lower_rice=round(lower_score, 2),
        tied=tied,
        upper_effort=upper.inputs.effort,
        upper_effort_above=None if above is None else round(above, 2),
        lower_effort=lower.inputs.effort,
        lower_effort_below=None if below is None else round(below, 2),
        upper_confidence=upper.inputs.confidence,
        upper_confidence_to=up_conf,
        lower_confidence=lower.inputs.confidence,
        lower_confidence_to=low_conf,
        effort_margin=None if margin is None else round(margin, 4),
        fragile=fragile,
    )


def order_sensitivity(ordered: Sequence[Scored]) -> list[PairSensitivity]:
    """Every adjacent pair of a backlog already sorted by RICE, highest first."""
    return [pair_sensitivity(a, b) for a, b in pairwise(ordered)]
