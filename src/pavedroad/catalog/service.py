"""Catalog services: keyword-only functions over a session; the caller owns the transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from pavedroad import versions
from pavedroad.catalog.models import Developer, Persona, PersonaJob, Service, System, Team
from pavedroad.catalog.schemas import (
    DeveloperIn,
    DeveloperOut,
    PersonaIn,
    PersonaOut,
    ServiceIn,
    ServiceOut,
    SystemIn,
    TeamDetail,
    TeamIn,
    TeamOut,
)
from pavedroad.errors import NotFoundError

Outcome = Literal["created", "updated", "unchanged"]
CATALOG_KINDS = ("teams", "systems", "developers", "services")
_CHUNK = 500

DEFAULT_PERSONAS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Feature engineers",
        "Product developers who build and ship customer-facing features.",
        ("Ship a change to production safely and quickly",),
    ),
    (
        "Support teams",
        "People who answer customers and escalate problems.",
        ("Diagnose an incident and find its cause",),
    ),
    (
        "Sales engineers",
        "Engineers who connect the product to customers' systems.",
        ("Build integrations that behave predictably",),
    ),
    (
        "Data teams",
        "Analysts and data engineers who move and model data.",
        ("Run pipelines whose numbers people can trust",),
    ),
)

Model = TypeVar("Model", Team, Developer, Service, System)


@dataclass
class CatalogBatch:
    """Validated catalog records to write together, in dependency order."""

    teams: list[TeamIn] = field(default_factory=list)
    systems: list[SystemIn] = field(default_factory=list)
    developers: list[DeveloperIn] = field(default_factory=list)
    services: list[ServiceIn] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.teams) + len(self.systems) + len(self.developers) + len(self.services)


@dataclass
class ImportReport:
    """How many records of each kind were created, updated or left unchanged."""

    counts: dict[str, Counter[str]] = field(
        default_factory=lambda: {kind: Counter() for kind in CATALOG_KINDS}
    )

    def add(self, kind: str, outcome: Outcome) -> None:
        self.counts[kind][outcome] += 1

    def total(self, outcome: Outcome) -> int:
        return sum(counter[outcome] for counter in self.counts.values())

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            kind: {o: counter[o] for o in ("created", "updated", "unchanged")}
            for kind, counter in self.counts.items()
            if sum(counter.values())
        }


def _assign(row: Any, values: dict[str, Any]) -> bool:
    """Set attributes that differ; report whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _upsert(
    session: Session, existing: Model | None, model: type[Model], values: dict[str, Any]
) -> tuple[Model, Outcome]:
    if existing is None:
        row = model(**values)
        session.add(row)
        return row, "created"
    return existing, "updated" if _assign(existing, values) else "unchanged"


def _load_by(
    session: Session, model: type[Model], column: str, keys: Iterable[str]
) -> dict[str, Model]:
    wanted = sorted(set(keys))
    found: dict[str, Model] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = session.scalars(select(model).where(getattr(model, column).in_(chunk)))
        found.update({getattr(row, column): row for row in rows})
    return found


def known_team_slugs(*, session: Session, slugs: Iterable[str]) -> set[str]:
    """The subset of `slugs` that name stored teams."""
    return set(_load_by(session, Team, "slug", slugs))


def find_teams(*, session: Session, slugs: Iterable[str]) -> dict[str, Team]:
    """The stored teams among `slugs`, by slug (unknown slugs are left out)."""
    return _load_by(session, Team, "slug", slugs)


def find_personas(*, session: Session, names: Iterable[str]) -> dict[str, Persona]:
    """The stored personas among `names`, by lower-cased name (names match without case)."""
    wanted = {name.lower() for name in names}
    query = select(Persona).where(func.lower(Persona.name).in_(wanted))
    return {persona.name.lower(): persona for persona in session.scalars(query)}


def team_slugs(*, session: Session) -> set[str]:
    """Every stored team's slug."""
    return set(session.scalars(select(Team.slug)))


def team_slugs_by_id(*, session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The slug of each stored team among `ids`, by id (unknown ids are left out)."""
    wanted = sorted(set(ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = session.execute(select(Team.id, Team.slug).where(Team.id.in_(chunk)))
        found.update({row.id: row.slug for row in rows})
    return found


def persona_names_by_id(*, session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The name of each stored persona among `ids`, by id (unknown ids are left out)."""
    wanted = sorted(set(ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = session.execute(select(Persona.id, Persona.name).where(Persona.id.in_(chunk)))
        found.update({row.id: row.name for row in rows})
    return found


def developer_emails_by_name(*, session: Session, names: Iterable[str]) -> dict[str, str]:
    """The email of each developer named (names matched without case; a name two developers
    share, or one without an email, is left out), by lower-cased name."""
    wanted = sorted({name.strip().lower() for name in names if name.strip()})
    found: dict[str, set[str]] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = session.execute(
            select(Developer.name, Developer.email).where(func.lower(Developer.name).in_(chunk))
        )
        for row in rows:
            if row.email:
                found.setdefault(row.name.lower(), set()).add(row.email.lower())
    return {name: next(iter(emails)) for name, emails in found.items() if len(emails) == 1}


def eligible_team_slugs(*, session: Session) -> list[str]:
    """The slugs of the teams expected to use the platform, sorted."""
    return sorted(session.scalars(select(Team.slug).where(Team.eligible.is_(True))))


def service_owners(*, session: Session) -> dict[str, str]:
    """Every stored service's owning team slug, by service name."""
    rows = session.execute(select(Service.name, Team.slug).join(Service.owner))
    return {row.name: row.slug for row in rows}


def services_by_repository(*, session: Session) -> dict[str, str]:
    """Code repository (`owner/name`, lower-cased) -> service name, for the services whose
    repository the catalog knows (Backstage's `github.com/project-slug` annotation)."""
    rows = session.execute(
        select(Service.repository, Service.name).where(Service.repository.is_not(None))
    )
    return {str(repo).lower(): name for repo, name in rows if repo}


def known_system_names(*, session: Session, names: Iterable[str]) -> set[str]:
    """The subset of `names` that name stored systems."""
    return set(_load_by(session, System, "name", names))


def _match_developers(session: Session, records: list[DeveloperIn]) -> list[Developer | None]:
    """The stored developer each record updates, found by identity, else by email.

    A Backstage User takes over a developer stored under its email (by CSV, the API or an
    import before identities), and an email-keyed record updates the one developer stored with
    that email under another identity; no stored row is claimed twice.
    """
    by_identity = _load_by(session, Developer, "identity", [d.key for d in records])
    emails = sorted({d.email for d in records if d.email})
    by_email: dict[str, list[Developer]] = {}
    for start in range(0, len(emails), _CHUNK):
        chunk = emails[start : start + _CHUNK]
        for stored in session.scalars(select(Developer).where(Developer.email.in_(chunk))):
            by_email.setdefault(stored.email or "", []).append(stored)
    claimed = {id(by_identity[d.key]) for d in records if d.key in by_identity}
    found: list[Developer | None] = []
    for record in records:
        row: Developer | None = by_identity.get(record.key)
        if row is None and record.email:
            candidates = [
                r
                for r in by_email.get(record.email, [])
                if id(r) not in claimed and r.identity not in by_identity
            ]
            if record.key != record.email:
                candidates = [r for r in candidates if r.identity == record.email]
            if len(candidates) == 1:
                row = candidates[0]
                claimed.add(id(row))
        found.append(row)
    return found


def developer_teams(*, session: Session, identities: Iterable[str]) -> dict[str, str]:
    """The team slug of each stored developer among `identities`."""
    rows = _load_by(session, Developer, "identity", identities)
    return {identity: row.team.slug for identity, row in rows.items()}


def apply_batch(*, session: Session, batch: CatalogBatch, source: str) -> ImportReport:
    """Upsert a validated batch on natural keys; references must already resolve."""
    report = ImportReport()
    teams = _load_by(
        session,
        Team,
        "slug",
        [t.slug for t in batch.teams]
        + [d.team for d in batch.developers]
        + [s.owner for s in batch.services]
        + [s.owner for s in batch.systems if s.owner],
    )
    for team_in in batch.teams:
        team, outcome = _upsert(
            session, teams.get(team_in.slug), Team, {**team_in.model_dump(), "source": source}
        )
        teams[team.slug] = team
        report.add("teams", outcome)
    session.flush()

    def team_id(slug: str) -> int:
        if slug not in teams:
            raise NotFoundError(f"team {slug!r} does not exist")
        return teams[slug].id

    systems = _load_by(
        session,
        System,
        "name",
        [s.name for s in batch.systems] + [s.system for s in batch.services if s.system],
    )
    for system_in in batch.systems:
        values: dict[str, Any] = {
            "name": system_in.name,
            "description": system_in.description,
            "owner_team_id": team_id(system_in.owner) if system_in.owner else None,
            "source": source,
        }
        system, outcome = _upsert(session, systems.get(system_in.name), System, values)
        systems[system.name] = system
        report.add("systems", outcome)
    session.flush()

    developers = _match_developers(session, batch.developers)
    for dev_in, existing in zip(batch.developers, developers, strict=True):
        values = {
            "identity": existing.identity
            if existing and dev_in.key == dev_in.email
            else dev_in.key,
            "email": dev_in.email,
            "name": dev_in.name,
            "team_id": team_id(dev_in.team),
            "started_at": dev_in.started_at,
            "role": dev_in.role,
            "source": source,
        }
        _, outcome = _upsert(session, existing, Developer, values)
        report.add("developers", outcome)

    services = _load_by(session, Service, "name", [s.name for s in batch.services])
    for svc_in in batch.services:
        if svc_in.system and svc_in.system not in systems:
            raise NotFoundError(f"system {svc_in.system!r} does not exist")
        values = {
            "name": svc_in.name,
            "owner_team_id": team_id(svc_in.owner),
            "system_id": systems[svc_in.system].id if svc_in.system else None,
            "created_at": svc_in.created_at,
            "onboarded_to_platform_at": svc_in.onboarded_to_platform_at,
            "tier": svc_in.tier,
            "source": source,
        }
        # A source that does not speak of repositories (a CSV without the column) keeps the
        # one Backstage gave; one that does (an annotation removed) sets or clears it.
        if "repository" in svc_in.model_fields_set:
            values["repository"] = svc_in.repository
        _, outcome = _upsert(session, services.get(svc_in.name), Service, values)
        report.add("services", outcome)
    session.flush()
    if report.total("created") or report.total("updated"):
        versions.bump(session, "catalog")
    return report


def _developer_out(dev: Developer) -> DeveloperOut:
    return DeveloperOut(
        identity=dev.identity,
        email=dev.email,
        name=dev.name,
        team=dev.team.slug,
        started_at=dev.started_at,
        role=dev.role,
        source=dev.source,
    )


def _service_out(svc: Service) -> ServiceOut:
    return ServiceOut(
        name=svc.name,
        owner=svc.owner.slug,
        system=svc.system.name if svc.system else None,
        created_at=svc.created_at,
        onboarded_to_platform_at=svc.onboarded_to_platform_at,
        tier=svc.tier,
        source=svc.source,
        repository=svc.repository,
    )


def list_teams(*, session: Session, search: str | None = None) -> list[TeamOut]:
    """Every team with how many developers and services it has, by name."""
    dev_counts = (
        select(Developer.team_id, func.count().label("n")).group_by(Developer.team_id).subquery()
    )
    svc_counts = (
        select(Service.owner_team_id, func.count().label("n"))
        .group_by(Service.owner_team_id)
        .subquery()
    )
    query = (
        select(Team, func.coalesce(dev_counts.c.n, 0), func.coalesce(svc_counts.c.n, 0))
        .outerjoin(dev_counts, dev_counts.c.team_id == Team.id)
        .outerjoin(svc_counts, svc_counts.c.owner_team_id == Team.id)
        .order_by(func.lower(Team.name), Team.slug)
    )
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(func.lower(Team.name).like(pattern) | Team.slug.like(pattern))
    return [
        TeamOut(
            slug=team.slug,
            name=team.name,
            eligible=team.eligible,
            headcount=team.headcount,
            developers=devs,
            services=svcs,
            source=team.source,
        )
        for team, devs, svcs in session.execute(query)
    ]


def get_team_by_slug_or_raise(*, session: Session, slug: str) -> Team:
    """The team with this slug, or NotFoundError naming it."""
    team = session.scalar(select(Team).where(Team.slug == slug.lower()))
    if team is None:
        raise NotFoundError(
            f"no team with slug {slug!r}; `pavedroad catalog list teams` lists them"
        )
    return team


def get_team_detail(*, session: Session, slug: str) -> TeamDetail:
    """A team with its people and the services it owns."""
    team = get_team_by_slug_or_raise(session=session, slug=slug)
    people = list_developers(session=session, team=team.slug)
    owned = list_services(session=session, team=team.slug)
    return TeamDetail(
        slug=team.slug,
        name=team.name,
        eligible=team.eligible,
        headcount=team.headcount,
        developers=len(people),
        services=len(owned),
        source=team.source,
        people=people,
        owned_services=owned,
    )


def list_developers(
    *,
    session: Session,
    team: str | None = None,
    search: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[DeveloperOut]:
    """Developers by name, optionally of one team or matching a search."""
    query = select(Developer).join(Developer.team).options(selectinload(Developer.team))
    if team:
        query = query.where(Team.slug == team.lower())
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            func.lower(Developer.name).like(pattern)
            | Developer.email.like(pattern)
            | Developer.identity.like(pattern)
        )
    query = query.order_by(Developer.name, Developer.identity).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_developer_out(dev) for dev in session.scalars(query)]


def count_developers(
    *, session: Session, team: str | None = None, search: str | None = None
) -> int:
    """How many developers `list_developers` would return without a limit."""
    query = select(func.count()).select_from(Developer).join(Developer.team)
    if team:
        query = query.where(Team.slug == team.lower())
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            func.lower(Developer.name).like(pattern)
            | Developer.email.like(pattern)
            | Developer.identity.like(pattern)
        )
    return session.scalar(query) or 0


def list_services(*, session: Session, team: str | None = None) -> list[ServiceOut]:
    """Services by name, optionally only those one team owns."""
    query = (
        select(Service)
        .join(Service.owner)
        .options(selectinload(Service.owner), selectinload(Service.system))
        .order_by(Service.name)
    )
    if team:
        query = query.where(Team.slug == team.lower())
    return [_service_out(svc) for svc in session.scalars(query)]


def get_service_by_name_or_raise(*, session: Session, name: str) -> Service:
    """The service with this name, or NotFoundError naming it."""
    service = session.scalar(select(Service).where(Service.name == name.lower()))
    if service is None:
        raise NotFoundError(
            f"no service named {name!r}; `pavedroad catalog list services` lists them"
        )
    return service


def catalog_totals(*, session: Session) -> dict[str, int]:
    """Counts for the overview page."""
    return {
        "teams": session.scalar(select(func.count()).select_from(Team)) or 0,
        "eligible_teams": session.scalar(
            select(func.count()).select_from(Team).where(Team.eligible.is_(True))
        )
        or 0,
        "developers": session.scalar(select(func.count()).select_from(Developer)) or 0,
        "services": session.scalar(select(func.count()).select_from(Service)) or 0,
        "onboarded_services": session.scalar(
            select(func.count())
            .select_from(Service)
            .where(Service.onboarded_to_platform_at.is_not(None))
        )
        or 0,
    }


def _persona_out(persona: Persona) -> PersonaOut:
    return PersonaOut(
        name=persona.name,
        description=persona.description,
        builtin=persona.builtin,
        jobs=[job.statement for job in persona.jobs],
    )


def list_personas(*, session: Session) -> list[PersonaOut]:
    """Personas with their jobs-to-be-done, built-in ones first."""
    query = (
        select(Persona)
        .options(selectinload(Persona.jobs))
        .order_by(Persona.builtin.desc(), Persona.name)
    )
    return [_persona_out(p) for p in session.scalars(query)]


def save_persona(*, session: Session, data: PersonaIn, builtin: bool = False) -> Outcome:
    """Create a persona or update it by name; jobs are added, never silently dropped."""
    persona = session.scalar(
        select(Persona).options(selectinload(Persona.jobs)).where(Persona.name == data.name)
    )
    outcome: Outcome = "unchanged"
    if persona is None:
        persona = Persona(name=data.name, description=data.description, builtin=builtin)
        session.add(persona)
        outcome = "created"
    elif data.description and persona.description != data.description:
        persona.description = data.description
        outcome = "updated"
    have = {job.statement for job in persona.jobs}
    for statement in data.jobs:
        if statement not in have:
            persona.jobs.append(PersonaJob(statement=statement))
            have.add(statement)
            outcome = "updated" if outcome == "unchanged" else outcome
    session.flush()
    if outcome != "unchanged":
        versions.bump(session, "catalog")
    return outcome


def seed_default_personas(*, session: Session) -> None:
    """Make sure the four personas of the practice exist."""
    for name, description, jobs in DEFAULT_PERSONAS:
        save_persona(
            session=session,
            data=PersonaIn(name=name, description=description, jobs=list(jobs)),
            builtin=True,
        )
