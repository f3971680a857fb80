"""Champions program: one or two champions per team, coverage, and candidates from data.

A champion is a catalog developer; their team is the developer's team. Candidates are
suggested from two signals, each reason a sentence with its evidence:
- the first user of a capability in their team (usage events, through `metrics.usage`);
- a developer who answered tickets of other teams (`answered_by`, through `research.tickets`).
Existing champions are never candidates; a capability launched before the first usage event
on record gives no first users (the records cannot tell who was first).
Strength = first uses + tickets answered for other teams (one point each); ties: more other
teams helped, then the email.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pavedroad.catalog import capabilities as catalog_capabilities
from pavedroad.catalog import service as catalog
from pavedroad.catalog.schemas import DeveloperOut
from pavedroad.comms.models import Champion
from pavedroad.comms.schemas.champions import (
    Candidate,
    CandidatesOut,
    ChampionIn,
    ChampionOut,
    ChampionsList,
    ChampionUpdate,
    RecognitionIn,
)
from pavedroad.errors import ConflictError, InvalidInputError, NotFoundError
from pavedroad.metrics import usage as metrics_usage
from pavedroad.metrics.windows import today_utc
from pavedroad.research import tickets as research_tickets

MAX_PER_TEAM = 2
NAMED_TEAMS = 3


# --- reading ----------------------------------------------------------------------------------


def _out(champion: Champion, slugs: dict[int, str], names: dict[str, str]) -> ChampionOut:
    return ChampionOut(
        id=champion.id,
        developer=champion.developer,
        name=names.get(champion.developer),
        team=slugs.get(champion.team_id, ""),
        since=champion.since,
        early_access=list(champion.early_access or []),
        design_reviews=list(champion.design_reviews or []),
        recognition=list(champion.recognition or []),
    )


def _developers_by_email(session: Session) -> dict[str, DeveloperOut]:
    return {d.email: d for d in catalog.list_developers(session=session) if d.email}


def _outs(session: Session, champions: Sequence[Champion]) -> list[ChampionOut]:
    slugs = catalog.team_slugs_by_id(session=session, ids=[c.team_id for c in champions])
    names = {
        email: dev.name
        for email, dev in _developers_by_email(session).items()
        if email in {c.developer for c in champions}
    }
    found = [_out(c, slugs, names) for c in champions]
    return sorted(found, key=lambda c: (c.team, c.since, c.developer))


def list_champions(session: Session) -> ChampionsList:
    """Every champion by team, and the eligible teams without one."""
    champions = list(session.scalars(select(Champion)))
    outs = _outs(session, champions)
    covered = {c.team for c in outs}
    eligible = catalog.eligible_team_slugs(session=session)
    return ChampionsList(
        champions=outs, teams_without_champion=[t for t in eligible if t not in covered]
    )


def names_of(session: Session) -> dict[str, str]:
    """Every catalog developer's name by email (the signed-in page names its candidates)."""
    return {email: dev.name for email, dev in _developers_by_email(session).items()}


def get_champion_or_raise(session: Session, *, champion_id: int) -> Champion:
    """The champion with this id, or NotFoundError."""
    champion = session.get(Champion, champion_id)
    if champion is None:
        raise NotFoundError(f"no champion with id {champion_id}; `pavedroad champions list`")
    return champion


def get_champion_by_email_or_raise(session: Session, *, email: str) -> Champion:
    """The champion who is this developer, or NotFoundError naming the email."""
    champion = session.scalar(select(Champion).where(Champion.developer == email.strip().lower()))
    if champion is None:
        raise NotFoundError(
            f"{email.strip()!r} is not a champion; `pavedroad champions list` lists them"
        )
    return champion


def champion_out(session: Session, champion: Champion) -> ChampionOut:
    """One champion as the API and `--json` give it."""
    return _outs(session, [champion])[0]


# --- writing ----------------------------------------------------------------------------------


def _developer_or_raise(session: Session, email: str) -> DeveloperOut:
    wanted = email.strip().lower()
    for dev in catalog.list_developers(session=session, search=wanted):
        if dev.email == wanted:
            return dev
    raise NotFoundError(
        f"no developer with email {email.strip()!r} in the catalog; "
        "`pavedroad catalog list developers` lists them"
    )


def _capabilities_or_raise(session: Session, names: Sequence[str], field: str) -> list[str]:
    """Catalog capability names as stored, or a refusal naming the unknown one and the known."""
    known = sorted(catalog_capabilities.capability_names(session=session))
    by_lower = {name.lower(): name for name in known}
    chosen: list[str] = []
    for name in names:
        stored = by_lower.get(name.lower())
        if stored is None:
            allowed = ", ".join(known) if known else "none yet: `pavedroad capabilities add`"
            raise InvalidInputError.because(
                f"unknown capability; known: {allowed}", field=field, value=name
            )
        if stored not in chosen:
            chosen.append(stored)
    return chosen


def _team_count(session: Session, team_id: int, *, without: int | None = None) -> int:
    query = select(func.count()).select_from(Champion).where(Champion.team_id == team_id)
    if without is not None:
        query = query.where(Champion.id != without)
    return session.scalar(query) or 0


def add_champion(session: Session, *, data: ChampionIn, today: date | None = None) -> Champion:
    """Make a catalog developer a champion of their team (a team holds at most two)."""
    dev = _developer_or_raise(session, data.developer)
    email = dev.email or data.developer.lower()
    if session.scalar(select(Champion.id).where(Champion.developer == email)) is not None:
        raise ConflictError(f"{email} is already a champion; `pavedroad champions edit` them")
    team = catalog.get_team_by_slug_or_raise(session=session, slug=dev.team)
    if _team_count(session, team.id) >= MAX_PER_TEAM:
        raise ConflictError(
            f"team {dev.team} already has {MAX_PER_TEAM} champions (one or two per team); "
            "remove one first: `pavedroad champions remove EMAIL`"
        )
    champion = Champion(
        developer=email,
        team_id=team.id,
        since=data.since or today or today_utc(),
        early_access=_capabilities_or_raise(session, data.early_access, "early_access"),
        design_reviews=list(data.design_reviews),
        recognition=[],
    )
    session.add(champion)
    session.flush()
    return champion


def update_champion(session: Session, *, champion: Champion, data: ChampionUpdate) -> Champion:
    """Change what was given; lists are replaced as a whole."""
    if data.since is not None:
        champion.since = data.since
    if data.early_access is not None:
        champion.early_access = _capabilities_or_raise(session, data.early_access, "early_access")
    if data.design_reviews is not None:
        champion.design_reviews = list(data.design_reviews)
    if data.recognition is not None:
        champion.recognition = list(data.recognition)
    session.flush()
    return champion


def recognise(
    session: Session, *, champion: Champion, data: RecognitionIn, today: date | None = None
) -> Champion:
    """Add a dated recognition (`2026-09-14: text`) to a champion."""
    on = data.on or today or today_utc()
    champion.recognition = [*(champion.recognition or []), f"{on.isoformat()}: {data.text}"]
    session.flush()
    return champion


def remove_champion(session: Session, *, champion: Champion) -> None:
    """The developer is no longer a champion."""
    session.delete(champion)
    session.flush()


# --- candidates -------------------------------------------------------------------------------


def candidates(session: Session, *, capability: str | None = None) -> CandidatesOut:
    """Developers the data suggests, strongest evidence first (see the module docstring).

    `capability` narrows the first-user signal to that catalog capability."""
    if capability is not None:
        capability = _capabilities_or_raise(session, [capability], "capability")[0]
    developers = _developers_by_email(session)
    teams_of = {email: dev.team for email, dev in developers.items()}
    champions = set(session.scalars(select(Champion.developer)))
    untold = _launched_before_records(session)
    firsts: dict[str, list[str]] = {}
    for use in metrics_usage.first_users(session=session, capability=capability):
        if teams_of.get(use.developer) != use.team or use.capability in untold:
            continue  # seen under another team than the catalog's, or before the records began
        firsts.setdefault(use.developer, []).append(
            f"first in {use.team} to use {use.capability} ({use.at.date().isoformat()})"
        )
    helped = research_tickets.answers_to_other_teams(session, teams_of=teams_of)
    scored: list[tuple[int, int, str, Candidate]] = []
    for email in {*firsts, *helped}:
        if email in champions:
            continue
        reasons = list(firsts.get(email, []))
        others = helped.get(email, {})
        answered = sum(others.values())
        if answered:
            tickets = "ticket" if answered == 1 else "tickets"
            teams = "other team" if len(others) == 1 else "other teams"
            reasons.append(
                f"answered {answered} {tickets} of {len(others)} {teams} ({_names(others)})"
            )
        strength = len(firsts.get(email, [])) + answered
        candidate = Candidate(developer=email, team=teams_of[email], reasons=reasons)
        scored.append((-strength, -len(others), email, candidate))
    return CandidatesOut(candidates=[c for *_, c in sorted(scored, key=lambda s: s[:3])])


def _names(teams: dict[str, int]) -> str:
    """The teams helped most first, three at most: `search, mobile, ledger and 4 more`."""
    ranked = sorted(teams, key=lambda team: (-teams[team], team))
    shown = ", ".join(ranked[:NAMED_TEAMS])
    return shown if len(ranked) <= NAMED_TEAMS else f"{shown} and {len(ranked) - NAMED_TEAMS} more"


def _launched_before_records(session: Session) -> set[str]:
    """Capabilities launched before the first usage event on record: who used them first in
    a team happened before the records, so the first use seen is no evidence."""
    spans = metrics_usage.usage_spans(session=session, end=datetime.max.replace(tzinfo=UTC))
    recorded_from = min((first for first, _ in spans.values()), default=None)
    if recorded_from is None:
        return set()
    return {
        c.name
        for c in catalog_capabilities.list_capabilities(session=session)
        if c.launched_at is not None and c.launched_at < recorded_from
    }
