"""What the coach reads, gathered once per diagnosis through the other domains' services."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from pavedroad.backlog import problems as problem_service
from pavedroad.backlog import service as backlog_service
from pavedroad.backlog.schemas import ACTIVE_STATUSES, InitiativeCriteria, RankedInitiative
from pavedroad.comms import calendar, champions, changelog, launches
from pavedroad.ingest import service as ingest_service
from pavedroad.metrics.windows import window_between
from pavedroad.research import insights as research_insights
from pavedroad.research import interviews, shadowing
from pavedroad.research.schemas import Contact, ProblemEvidence
from pavedroad.research.usage import CapabilityUsage, capability_usage

# Research and tickets are read over this many days before the day diagnosed.
LOOKBACK_DAYS = 90


@dataclass
class Reach:
    """Who the platform's communication reached, per capability and overall."""

    changelog_everyone: set[str]  # capabilities with an entry for everyone
    changelog_teams: dict[str, set[str]]  # capability -> audience teams
    initiatives_in_changelog: set[str]
    launch_plans: set[str]  # capability names and feature names with a plan
    demo_everyone: bool
    demo_teams: set[str]
    demoed: set[str]  # features demoed (by launch plan)
    champion_teams: set[str]


def _reach(session: Session, today: date) -> Reach:
    entries = changelog.list_entries(session=session, until=today, limit=100_000)
    everyone = {e.capability for e in entries if e.capability and not e.audience}
    teams: dict[str, set[str]] = {}
    for entry in entries:
        if entry.capability and entry.audience:
            teams.setdefault(entry.capability, set()).update(entry.audience)
    plans = launches.list_launches(session, today=today)
    events = calendar.list_events(session=session, end=today).events
    demos = [e for e in events if e.kind == "demo_day"]
    return Reach(
        changelog_everyone=everyone,
        changelog_teams=teams,
        initiatives_in_changelog={e.initiative for e in entries if e.initiative},
        launch_plans={p.feature for p in plans} | {p.capability for p in plans if p.capability},
        demo_everyone=any(not e.audience for e in demos),
        demo_teams={a for e in demos for a in e.audience},
        demoed={e.launch_feature for e in demos if e.launch_feature},
        champion_teams={
            c.team for c in champions.list_champions(session).champions if c.since <= today
        },
    )


def _capabilities(session: Session, today: date) -> list[CapabilityUsage]:
    window = window_between(today - timedelta(days=LOOKBACK_DAYS), today + timedelta(days=1))
    return capability_usage(session=session, window=window)


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
    tickets_by_team: Counter[str]
    # every capability's usage in the lookback, and who the platform's communication reached
    capabilities: list[CapabilityUsage]
    reach: Reach

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
    # Criteria are judged once, below; the list's kill flags are not read here.
    initiatives = backlog_service.list_initiatives(session=session, evaluate_criteria=False)
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
        capabilities=_capabilities(session, today),
        reach=_reach(session, today),
    )
