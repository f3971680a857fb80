"""Catalog API: teams, developers, services and personas."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Path, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from pavedroad.catalog import capabilities, service
from pavedroad.catalog.importers import Located, LocatedBatch, import_batches
from pavedroad.catalog.schemas import (
    CapabilityIn,
    CapabilityOut,
    CapabilityUpdate,
    DeveloperIn,
    DeveloperOut,
    PersonaIn,
    PersonaOut,
    ServiceIn,
    ServiceOut,
    TeamDetail,
    TeamIn,
    TeamOut,
)
from pavedroad.errors import InvalidInputError
from pavedroad.web.deps import MAX_ROW_ID, DbSession, ReadGrant, WriteGrant

ModelT = TypeVar("ModelT", bound=BaseModel)

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/teams", response_model=list[TeamOut])
def list_teams(session: DbSession, _grant: ReadGrant, q: str | None = None) -> list[TeamOut]:
    """Every team with its number of developers and services."""
    return service.list_teams(session=session, search=q)


@router.get("/teams/{slug}", response_model=TeamDetail)
def get_team(slug: str, session: DbSession, _grant: ReadGrant) -> TeamDetail:
    """One team with its people and services."""
    return service.get_team_detail(session=session, slug=slug)


@router.get("/developers", response_model=list[DeveloperOut])
def list_developers(
    session: DbSession,
    _grant: ReadGrant,
    team: str | None = None,
    q: str | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> list[DeveloperOut]:
    """Developers, optionally of one team or matching `q`, paged with limit/offset."""
    return service.list_developers(session=session, team=team, search=q, limit=limit, offset=offset)


@router.get("/services", response_model=list[ServiceOut])
def list_services(
    session: DbSession, _grant: ReadGrant, team: str | None = None
) -> list[ServiceOut]:
    """Services, optionally only those a team owns."""
    return service.list_services(session=session, team=team)


@router.get("/personas", response_model=list[PersonaOut])
def list_personas(session: DbSession, _grant: ReadGrant) -> list[PersonaOut]:
    """Personas with their jobs-to-be-done."""
    return service.list_personas(session=session)


def _keyed(record: ModelT, key: str, value: str) -> ModelT:
    """The body with the key from the path, validated like the body (422 naming the path)."""
    try:
        return type(record).model_validate({**record.model_dump(), key: value})
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("path", key)} for error in exc.errors(include_url=False)]
        ) from None


def _upsert_one(session: DbSession, batch: LocatedBatch) -> dict[str, dict[str, int]]:
    result = import_batches(session=session, batches=[batch], source="api")
    if result.rejected:
        raise InvalidInputError(next(iter(result.rejected.values())))
    return result.report.as_dict()


@router.put("/teams/{slug}", status_code=200)
def put_team(
    slug: str, team: TeamIn, session: DbSession, _grant: WriteGrant
) -> dict[str, dict[str, int]]:
    """Create or update a team by slug."""
    batch = LocatedBatch(source="request body")
    batch.teams.append(Located(_keyed(team, "slug", slug), "request body", None))
    return _upsert_one(session, batch)


@router.put("/developers/{email}", status_code=200)
def put_developer(
    email: str, developer: DeveloperIn, session: DbSession, _grant: WriteGrant
) -> dict[str, dict[str, int]]:
    """Create or update a developer by email; their team must exist."""
    record = _keyed(developer, "email", email)
    batch = LocatedBatch(source="request body")
    batch.developers.append(Located(record, "request body", None))
    return _upsert_one(session, batch)


@router.put("/services/{name}", status_code=200)
def put_service(
    name: str, svc: ServiceIn, session: DbSession, _grant: WriteGrant
) -> dict[str, dict[str, int]]:
    """Create or update a service by name; its owner team must exist."""
    record = _keyed(svc, "name", name)
    batch = LocatedBatch(source="request body")
    batch.services.append(Located(record, "request body", None))
    return _upsert_one(session, batch)


@router.post("/personas", status_code=201, response_model=PersonaOut)
def post_persona(persona: PersonaIn, session: DbSession, _grant: WriteGrant) -> PersonaOut:
    """Add a persona, or add jobs to an existing one of the same name."""
    service.save_persona(session=session, data=persona)
    return next(p for p in service.list_personas(session=session) if p.name == persona.name)


# ---- capabilities ----------------------------------------------------------------------------

CapabilityName = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("/capabilities", response_model=list[CapabilityOut])
def list_capabilities(session: DbSession, _grant: ReadGrant) -> list[CapabilityOut]:
    """Every platform capability with its launch, owner and source (`usage` when a usage
    import named it first)."""
    return capabilities.list_capabilities(session=session)


@router.post("/capabilities", status_code=201, response_model=CapabilityOut)
def post_capability(data: CapabilityIn, session: DbSession, _grant: WriteGrant) -> CapabilityOut:
    """Add a capability; its owner (a team slug) must exist, and a stored name is a 409."""
    return capabilities.capability_out(capabilities.add_capability(session=session, data=data))


@router.get("/capabilities/{name}", response_model=CapabilityOut)
def get_capability(name: CapabilityName, session: DbSession, _grant: ReadGrant) -> CapabilityOut:
    """One capability by its exact name."""
    found = capabilities.get_capability_or_raise(session=session, name=name)
    return capabilities.capability_out(found)


@router.patch("/capabilities/{name}", response_model=CapabilityOut)
def patch_capability(
    name: CapabilityName, data: CapabilityUpdate, session: DbSession, _grant: WriteGrant
) -> CapabilityOut:
    """Change the fields given; `owner` or `launched_at` null (or "") clears it."""
    found = capabilities.get_capability_or_raise(session=session, name=name)
    capabilities.update_capability(session=session, capability=found, data=data)
    return capabilities.capability_out(found)
