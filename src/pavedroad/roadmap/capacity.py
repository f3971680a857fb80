"""The capacity budget, pure: a quarter's plan (70 / 20 / 10 by default) against what was delivered.

Delivered effort per category: initiatives done in the quarter weigh their effort in
person-months in their own category; each ticket resolved in the quarter weighs
`TICKET_EFFORT_PERSON_MONTHS` of unplanned work. When unplanned work takes a larger share
than its budget, the quarter carries a warning: it is eating the roadmap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.metrics.definitions import TICKET_EFFORT_PERSON_MONTHS
from pavedroad.roadmap.planner import CATEGORIES

DEFAULT_SPLIT: dict[str, float] = {"roadmap": 0.7, "platform": 0.2, "unplanned": 0.1}
# One resolved ticket is about an hour of a platform engineer's time: 1/160 of a person-month.
_SPLIT_FORM = "ROADMAP/PLATFORM/UNPLANNED percentages that add up to 100, e.g. 70/20/10"


def parse_split(text: str, *, source: str = "--split") -> dict[str, float]:
    """`70/20/10` (percent) or `0.7/0.2/0.1` as shares by category; they must add up to 100%."""
    parts = [p.strip().removesuffix("%").strip() for p in re.split(r"[/,]", text.strip())]
    problem = None
    numbers: list[float] = []
    if len(parts) != len(CATEGORIES):
        problem = f"expected {_SPLIT_FORM}"
    else:
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            problem = f"expected {_SPLIT_FORM}"
    if problem is None:
        if any(not 0 <= n <= 100 for n in numbers):
            problem = "each share must be between 0 and 100"
        else:
            if all(n <= 1 for n in numbers) and abs(sum(numbers) - 1) < 1e-6:
                numbers = [n * 100 for n in numbers]
            if abs(sum(numbers) - 100) > 1e-6:
                problem = f"the shares add up to {sum(numbers):g}, not 100"
    if problem is not None:
        raise InvalidInputError(
            [InputProblem(source=source, field="split", reason=problem, value=text)]
        )
    return {category: n / 100 for category, n in zip(CATEGORIES, numbers, strict=True)}


def split_text(shares: Mapping[str, float]) -> str:
    """Shares as people write them: `70/20/10`."""
    return "/".join(f"{shares.get(c, 0.0) * 100:g}" for c in CATEGORIES)


def delivered_effort(
    done: Iterable[tuple[str, float]],
    tickets_resolved: int,
    *,
    ticket_effort: float = TICKET_EFFORT_PERSON_MONTHS,
) -> dict[str, float]:
    """Person-months delivered by category from (category, effort) of done initiatives and tickets."""
    effort = dict.fromkeys(CATEGORIES, 0.0)
    for category, person_months in done:
        effort[category if category in effort else "unplanned"] += person_months
    effort["unplanned"] += tickets_resolved * ticket_effort
    return effort


def shares_of(effort: Mapping[str, float]) -> dict[str, float | None]:
    """Each category's share of the delivered total; None for all when nothing was delivered."""
    total = sum(effort.get(c, 0.0) for c in CATEGORIES)
    if total <= 0:
        return dict.fromkeys(CATEGORIES, None)
    return {c: effort.get(c, 0.0) / total for c in CATEGORIES}


@dataclass(frozen=True)
class QuarterCapacity:
    """One quarter: its plan (None when not set), what was delivered, and any warning."""

    quarter: str
    person_months: float | None
    planned_shares: dict[str, float]
    delivered: dict[str, float]
    actual_shares: dict[str, float | None]
    tickets_resolved: int
    warnings: list[str] = field(default_factory=list)

    @property
    def delivered_total(self) -> float:
        """Person-months delivered in all categories."""
        return sum(self.delivered.values())

    def planned_effort(self, category: str) -> float | None:
        """Person-months the plan gives a category (None without a plan)."""
        if self.person_months is None:
            return None
        return self.person_months * self.planned_shares.get(category, 0.0)


def assess(
    quarter: str,
    *,
    person_months: float | None,
    planned_shares: Mapping[str, float] | None,
    delivered: Mapping[str, float],
    tickets_resolved: int,
    actual_shares: Mapping[str, float | None] | None = None,
) -> QuarterCapacity:
    """Compare a quarter's plan with what it delivered; warn when unplanned work ate the budget.

    `actual_shares` comes from the metrics engine when it computes them; else from `delivered`.
    """
    plan = dict(planned_shares or DEFAULT_SPLIT)
    actual = dict(actual_shares) if actual_shares is not None else shares_of(delivered)
    warnings = []
    unplanned = actual.get("unplanned")
    if unplanned is not None and unplanned > plan["unplanned"] + 1e-9:
        warnings.append(
            f"unplanned work took {unplanned:.0%} of the delivered effort in {quarter}, over its "
            f"budget of {plan['unplanned']:.0%}: it is eating the roadmap"
        )
    if person_months is None:
        warnings.append(
            f"no capacity plan for {quarter}; set one: pavedroad capacity set {quarter} "
            "--person-months N"
        )
    return QuarterCapacity(
        quarter=quarter,
        person_months=person_months,
        planned_shares=plan,
        delivered={c: float(delivered.get(c, 0.0)) for c in CATEGORIES},
        actual_shares={c: actual.get(c) for c in CATEGORIES},
        tickets_resolved=tickets_resolved,
        warnings=warnings,
    )
