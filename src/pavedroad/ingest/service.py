"""What other domains read of the ingested events: their version counters and ticket counts.

Keyword-only functions over a session; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pavedroad.ingest.models import EventVersion, OrgFact, SurveyResponse, Ticket


def event_versions(*, session: Session) -> dict[str, tuple[int, int]]:
    """Each written event table's (version, updates) counters: a change to either means the
    table changed, a change to `updates` that stored rows changed (not only new ones)."""
    rows = session.execute(
        select(EventVersion.table_name, EventVersion.version, EventVersion.updates)
    )
    return {name: (version, updates) for name, version, updates in rows}


def has_events(*, session: Session) -> bool:
    """Whether any event has been ingested."""
    return session.scalar(select(EventVersion.table_name).limit(1)) is not None


def count_tickets_resolved(*, session: Session, start: datetime, end: datetime) -> int:
    """How many tickets were resolved from `start` to before `end`."""
    query = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.resolved_at >= start, Ticket.resolved_at < end)
    )
    return session.scalar(query) or 0


@dataclass(frozen=True)
class SurveyAnswerSet:
    """One stored survey response as other domains read it (anonymous: no run, no channel)."""

    id: str
    survey: str
    wave: str
    submitted_at: date
    team: str | None
    nps: int | None
    satisfaction: int | None
    comments: str


def _answer_set(row: SurveyResponse) -> SurveyAnswerSet:
    return SurveyAnswerSet(
        id=row.id,
        survey=row.survey,
        wave=row.wave,
        submitted_at=row.submitted_at,
        team=row.team,
        nps=row.nps,
        satisfaction=row.satisfaction,
        comments=row.comments or "",
    )


def survey_responses(
    *, session: Session, survey: str, waves: Sequence[str] | None = None
) -> list[SurveyAnswerSet]:
    """The stored responses of a survey (of `waves` only, when given), in id order."""
    query = select(SurveyResponse).where(SurveyResponse.survey == survey)
    if waves is not None:
        query = query.where(SurveyResponse.wave.in_(list(waves)))
    return [_answer_set(r) for r in session.scalars(query.order_by(SurveyResponse.id))]


def survey_responses_between(*, session: Session, start: date, end: date) -> list[SurveyAnswerSet]:
    """Every survey's responses submitted from `start` to before `end`, in id order."""
    query = select(SurveyResponse).where(
        SurveyResponse.submitted_at >= start, SurveyResponse.submitted_at < end
    )
    return [_answer_set(r) for r in session.scalars(query.order_by(SurveyResponse.id))]


def survey_waves_answered(*, session: Session, survey: str) -> dict[str, int]:
    """Wave name -> how many stored responses it has, for one survey."""
    rows = session.execute(
        select(SurveyResponse.wave, func.count())
        .where(SurveyResponse.survey == survey)
        .group_by(SurveyResponse.wave)
    )
    return {str(wave): int(count) for wave, count in rows}


def survey_answer_days(
    *, session: Session, start: date, end: date
) -> list[tuple[date, str | None]]:
    """(day, team) of every survey response submitted from `start` to before `end`."""
    rows = session.execute(
        select(SurveyResponse.submitted_at, SurveyResponse.team)
        .where(SurveyResponse.submitted_at >= start, SurveyResponse.submitted_at < end)
        .order_by(SurveyResponse.submitted_at)
    )
    return [(day, team) for day, team in rows]


@dataclass(frozen=True)
class TicketRow:
    """One support ticket as other domains read it (plain values, no ORM object)."""

    id: str
    team: str | None
    opened_at: datetime
    resolved_at: datetime | None
    category: str | None
    kind: str
    self_service: bool
    text: str


def tickets_between(*, session: Session, start: datetime, end: datetime) -> list[TicketRow]:
    """Tickets opened from `start` to before `end`, oldest first."""
    query = (
        select(Ticket)
        .where(Ticket.opened_at >= start, Ticket.opened_at < end)
        .order_by(Ticket.opened_at, Ticket.id)
    )
    return [_row(t) for t in session.scalars(query)]


def tickets_without_category(*, session: Session) -> list[TicketRow]:
    """Every ticket whose source gave it no category (null or blank), oldest first."""
    query = (
        select(Ticket)
        .where(or_(Ticket.category.is_(None), func.trim(Ticket.category) == ""))
        .order_by(Ticket.opened_at, Ticket.id)
    )
    return [_row(t) for t in session.scalars(query)]


def answers_by_team(*, session: Session) -> dict[str, dict[str, int]]:
    """Tickets answered per answerer (lower-cased email) and per team of the ticket; tickets
    without a team or an answerer are left out."""
    answerer = func.lower(func.trim(Ticket.answered_by))
    query = (
        select(answerer, Ticket.team, func.count())
        .where(Ticket.answered_by.is_not(None), Ticket.team.is_not(None))
        .group_by(answerer, Ticket.team)
    )
    found: dict[str, dict[str, int]] = {}
    for email, team, count in session.execute(query):
        if email and team:
            teams = found.setdefault(str(email), {})
            teams[str(team)] = teams.get(str(team), 0) + int(count)
    return found


def _row(ticket: Ticket) -> TicketRow:
    category = (ticket.category or "").strip() or None
    return TicketRow(
        id=ticket.id,
        team=ticket.team,
        opened_at=ticket.opened_at,
        resolved_at=ticket.resolved_at,
        category=category,
        kind=ticket.kind,
        self_service=ticket.self_service,
        text=ticket.text or "",
    )


@dataclass(frozen=True)
class OrgFacts:
    """The organisation's numbers as dated in `org_facts` (None where not given)."""

    date: date
    customers: int | None
    developers: int | None
    hourly_rate: float | None = None


def org_facts_before(*, session: Session, end: date) -> OrgFacts | None:
    """The org facts dated latest before `end` (as the KPI engine picks them for a window)."""
    fact = session.scalars(
        select(OrgFact).where(OrgFact.date < end).order_by(OrgFact.date.desc()).limit(1)
    ).first()
    if fact is None:
        return None
    return OrgFacts(
        date=fact.date,
        customers=fact.customers,
        developers=fact.developers,
        hourly_rate=fact.hourly_rate,
    )
