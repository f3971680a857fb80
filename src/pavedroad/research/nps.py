"""Net Promoter Score and satisfaction arithmetic over plain answers, with the anonymity rule.

Pure: no database. The KPI engine computes the same NPS in its query layer
(`metrics/expressions.py` `survey`: percent 9-10 minus percent 0-6 of the answers with a
score); these are the same thresholds for the survey results, which work on one wave's
answers in memory. The anonymity threshold is the metrics service's, never a second one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pavedroad.metrics.definitions import NPS_DETRACTOR_UP_TO, NPS_PROMOTER_FROM
from pavedroad.metrics.service import MIN_SURVEY_RESPONDENTS

PROMOTER_FROM = NPS_PROMOTER_FROM
DETRACTOR_UP_TO = NPS_DETRACTOR_UP_TO
NPS_SCALE = range(0, 11)
SATISFACTION_SCALE = range(1, 6)


@dataclass(frozen=True)
class NpsSplit:
    """How many answers were promoters (9-10), passives (7-8) and detractors (0-6)."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def scored(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        """Percent promoters minus percent detractors (-100..100); None without a score."""
        if not self.scored:
            return None
        return round((self.promoters - self.detractors) * 100 / self.scored, 1)


def nps_split(scores: Iterable[int | None]) -> NpsSplit:
    """The split of the 0-10 scores given (None, no answer, is left out)."""
    promoters = passives = detractors = 0
    for score in scores:
        if score is None:
            continue
        if score >= PROMOTER_FROM:
            promoters += 1
        elif score <= DETRACTOR_UP_TO:
            detractors += 1
        else:
            passives += 1
    return NpsSplit(promoters, passives, detractors)


def mean_of(values: Iterable[int | None]) -> float | None:
    """The mean of the values given, to two decimals; None when there are none."""
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 2) if present else None


def distribution(values: Iterable[int | None], scale: range) -> dict[str, int]:
    """How many answers gave each value of `scale` (every value listed, zeros included)."""
    counts = Counter(v for v in values if v is not None)
    return {str(value): counts.get(value, 0) for value in scale}


def shown(count: int) -> bool:
    """Whether a number computed from `count` answers may be shown (the anonymity rule)."""
    return count >= MIN_SURVEY_RESPONDENTS


def teams_shown(answers_by_team: Mapping[str | None, int]) -> set[str]:
    """The teams whose own figures may be shown beside the whole wave's.

    A team needs five answers. And the answers not shown by team (teams held back and
    answers naming no team) must be none or five or more together: otherwise the wave's
    figure minus the shown teams' would give them away, so the smallest shown teams are held
    back too (the same rule as the KPI engine's breakdowns).
    """
    teams = {t: n for t, n in answers_by_team.items() if t is not None}
    visible = sorted((n, t) for t, n in teams.items() if shown(n))
    held = sum(answers_by_team.values()) - sum(n for n, _ in visible)
    while visible and 0 < held < MIN_SURVEY_RESPONDENTS:
        n, _ = visible.pop(0)
        held += n
    return {t for _, t in visible}
