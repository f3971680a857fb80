"""What the coach reads, gathered once per diagnosis through the other domains' services."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from pavedroad.backlog import problems as problem_service
from pavedroad.backlog import service as backlog_service
from pavedroad.backlog.schemas import ACTIVE_STATUSES, InitiativeCriteria, RankedInitiative
from pavedroad.ingest import service as ingest_service
from pavedroad.research import insights as research_insights
from pavedroad.research import interviews, shadowing
from pavedroad.research.schemas import Contact, ProblemEvidence

# Research and tickets are read over this many days before the day diagnosed.
LOOKBACK_DAYS = 90


@dataclass
class Facts:
    """The platform team's data as the coach reads it, as of `today`."""

    today: date
    initiatives: list[RankedInitiative]
    # initiative id -> the evidence of each of its problems
    evidence: dict[int, list[ProblemEvidence]]
    criteria: list[InitiativeCriteria]
    # interviews and shadowing sessions in the lookback
    contacts: list[Contact]
    # tickets opened per team in the lookback
    tickets_by_team: Counter[str] = field(default_factory=Counter)

    @property
    def active(self) -> list[RankedInitiative]:
        """Initiatives neither done nor killed."""
        return [i for i in self.initiatives if i.status in ACTIVE_STATUSES]

    @property
    def scored(self) -> list[RankedInitiative]:
        """Active initiatives with a RICE score, highest first."""
        return sorted((i for i in self.active if i.rice > 0), key=lambda i: -i.rice)

    def committed(self, lanes: tuple[str, ...] = ("now",)) -> list[RankedInitiative]:
        """Active initiatives in these lanes, or in progress."""
        return [i for i in self.active if i.lane in lanes or i.status == "in_progress"]

    def people(self, initiative_id: int) -> set[str]:
        """The distinct developers behind an initiative's problems' evidence."""
        return {p for e in self.evidence.get(initiative_id, []) for p in e.people}

    def methods(self, initiative_id: int) -> set[str]:
        return {m for e in self.evidence.get(initiative_id, []) for m in e.methods}


def _day(moment: date) -> datetime:
    return datetime.combine(moment, time.min, tzinfo=UTC)


def gather(*, session: Session, today: date) -> Facts:
    """Every fact the coach's rules read, as of `today`."""
    initiatives = backlog_service.list_initiatives(session=session, today=today)
    by_problem: dict[int, list[int]] = {}
    for problem in problem_service.list_problems(session=session):
        for ref in problem.initiatives:
            by_problem.setdefault(ref.id, []).append(problem.id)
    evidence = {
        initiative_id: research_insights.evidence_for_problems(
            session=session, problem_ids=problem_ids
        )
        for initiative_id, problem_ids in by_problem.items()
    }
    start = today - timedelta(days=LOOKBACK_DAYS)
    end = today + timedelta(days=1)
    contacts = interviews.contacts(session=session, start=start, end=end)
    contacts += shadowing.contacts(session, start=start, end=end)
    tickets = ingest_service.tickets_between(session=session, start=_day(start), end=_day(end))
    return Facts(
        today=today,
        initiatives=initiatives,
        evidence=evidence,
        criteria=backlog_service.judged_criteria(session=session, today=today),
        contacts=contacts,
        tickets_by_team=Counter(t.team for t in tickets if t.team),
    )
