"""The ranked backlog as the roadmap reads it: a card per initiative, and its planner candidate.

RICE, rank and flags come from the backlog (`list_initiatives`), goal priorities from the
impact map; both are read once per request.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date

from sqlalchemy.orm import Session

from pavedroad.backlog.impact_map import list_goals
from pavedroad.backlog.schemas import RankedInitiative
from pavedroad.backlog.service import list_initiatives, title_key
from pavedroad.roadmap.planner import ACTIVE_STATUSES, Candidate
from pavedroad.roadmap.schemas import RoadmapCard

# What a card carries as the backlog ranked it; its lock and goal priority are the roadmap's.
_RANKED = RoadmapCard.model_fields.keys() - {"locked", "goal_priority", "kill_proposed"}
# What a planner candidate takes from its card; confidence and goals come from the backlog.
_FROM_CARD = {f.name for f in fields(Candidate)} - {"confidence", "goals"}


def goal_priorities(session: Session) -> dict[str, int]:
    """Each goal of the impact map's priority, by title."""
    return {goal.title: goal.priority for goal in list_goals(session=session)}


def card(entry: RankedInitiative, priorities: dict[str, int]) -> RoadmapCard:
    """A ranked initiative as the roadmap shows it: the most important goal it serves."""
    served = [priorities[g] for g in entry.goals if g in priorities]
    return RoadmapCard(
        **entry.model_dump(include=_RANKED),
        locked=entry.lane_locked,
        goal_priority=min(served) if served else None,
        kill_proposed="kill_proposed" in entry.flags,
    )


def candidate(card: RoadmapCard, entry: RankedInitiative) -> Candidate:
    """A card as the planner weighs it."""
    return Candidate(
        **card.model_dump(include=_FROM_CARD),
        confidence=entry.confidence,
        goals=tuple(entry.goals),
    )


class RoadmapBacklog:
    """The ranked backlog once per request, as cards and as planner candidates; its criteria are
    judged against the live KPIs so a card shows, and the plan heeds, a kill proposal."""

    def __init__(self, session: Session, today: date | None = None) -> None:
        # Judging criteria reads KPI values: build one RoadmapBacklog per request and pass it on.
        self.entries = list_initiatives(session=session, evaluate_criteria=True, today=today)
        self.priorities = goal_priorities(session)
        self.cards = [card(e, self.priorities) for e in self.entries]
        self.candidates = [candidate(c, e) for c, e in zip(self.cards, self.entries, strict=True)]

    def active_cards(self) -> list[RoadmapCard]:
        """Cards of initiatives still to deliver (idea, planned, in progress)."""
        return [c for c in self.cards if c.status in ACTIVE_STATUSES]

    def find(self, title: str) -> int | None:
        """The position of the initiative with this title, by the rule every interface follows
        (`backlog.service.title_key`: the exact title first, then without case and extra
        spaces), or None."""
        exact = next((n for n, e in enumerate(self.entries) if e.title == title), None)
        if exact is not None:
            return exact
        key = title_key(title)
        return next((n for n, e in enumerate(self.entries) if title_key(e.title) == key), None)
