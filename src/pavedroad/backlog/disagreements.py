"""The team's own priority order against the RICE order: where they disagree most, pure.

Both orders are taken over the same initiatives (active ones that have a team priority), as
competition ranks (ties share a rank), so a gap of 3 means three places apart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pavedroad.backlog.rice import rice_ranks
from pavedroad.backlog.schemas import Disagreement, DisagreementReport


@dataclass(frozen=True)
class Prioritised:
    """An initiative's title, the team's priority (1 = first, None = not set) and its RICE."""

    title: str
    priority: int | None
    rice: float
    id: int | None = None


def _average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks 1..n with ties sharing their average rank (for Spearman's correlation)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(first: Sequence[float], second: Sequence[float]) -> float | None:
    """Spearman's rank correlation; None when fewer than two values or an order is all ties."""
    if len(first) < 2:
        return None
    a, b = _average_ranks(first), _average_ranks(second)
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    covariance = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b, strict=True))
    spread = math.sqrt(sum((x - mean_a) ** 2 for x in a) * sum((y - mean_b) ** 2 for y in b))
    if spread == 0:
        return None
    return covariance / spread


def compare_orders(items: Sequence[Prioritised], *, limit: int = 5) -> DisagreementReport:
    """The largest disagreements both ways, at most `limit` each, biggest gap first."""
    compared = [item for item in items if item.priority is not None]
    without = sorted(item.title for item in items if item.priority is None)
    team_ranks = rice_ranks([-float(item.priority or 0) for item in compared])
    by_rice = rice_ranks([item.rice for item in compared])
    rows = [
        Disagreement(
            id=item.id,
            title=item.title,
            priority=item.priority or 0,
            team_rank=team,
            rice_rank=by_score,
            rice=round(item.rice, 2),
            gap=by_score - team,
        )
        for item, team, by_score in zip(compared, team_ranks, by_rice, strict=True)
    ]
    team_favours = sorted((r for r in rows if r.gap > 0), key=lambda r: (-r.gap, r.title))
    rice_favours = sorted((r for r in rows if r.gap < 0), key=lambda r: (r.gap, r.title))
    agreement = spearman([float(r.team_rank) for r in rows], [float(r.rice_rank) for r in rows])
    return DisagreementReport(
        compared=len(rows),
        agreement=None if agreement is None else round(agreement, 3),
        team_favours=team_favours[:limit],
        rice_favours=rice_favours[:limit],
        without_priority=without,
    )
