"""Platform capabilities: what the platform offers, when it launched and which team runs it.

Keyword-only functions over a session; the caller owns the transaction. Usage imports name
capabilities freely: `ensure_capabilities` creates the unknown ones (source `usage`) instead
of refusing their rows, and says which it created so the import can list them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from pavedroad import versions
from pavedroad.catalog.models import Capability
from pavedroad.catalog.schemas import CapabilityIn, CapabilityOut, CapabilityUpdate
from pavedroad.catalog.service import get_team_by_slug_or_raise
from pavedroad.errors import ConflictError, NotFoundError

_CHUNK = 500
# The longest name the table holds; usage rows are refused above it before they get here.
NAME_LIMIT = 200


def capability_out(capability: Capability) -> CapabilityOut:
    """The listed form of a stored capability."""
    return CapabilityOut(
        name=capability.name,
        description=capability.description,
        launched_at=capability.launched_at,
        owner=capability.owner.slug if capability.owner else None,
        source=capability.source,
    )


def list_capabilities(*, session: Session) -> list[CapabilityOut]:
    """Every capability by name."""
    query = (
        select(Capability)
        .options(selectinload(Capability.owner))
        .order_by(func.lower(Capability.name), Capability.name)
    )
    return [capability_out(c) for c in session.scalars(query)]


def find_capability(*, session: Session, name: str) -> Capability | None:
    """The capability of exactly this name, or None."""
    return session.scalar(select(Capability).where(Capability.name == name.strip()))


def get_capability_or_raise(*, session: Session, name: str) -> Capability:
    """The capability of this name, or NotFoundError saying how to list them."""
    capability = find_capability(session=session, name=name)
    if capability is None:
        raise NotFoundError(
            f"no capability named {name!r}; `pavedroad catalog capabilities` lists them"
        )
    return capability


def _owner_id(session: Session, slug: str | None) -> int | None:
    return None if slug is None else get_team_by_slug_or_raise(session=session, slug=slug).id


def add_capability(*, session: Session, data: CapabilityIn) -> Capability:
    """Add a capability; a name already stored is a conflict (update it instead)."""
    if find_capability(session=session, name=data.name) is not None:
        raise ConflictError(
            f"capability {data.name!r} exists; change it with "
            f"`pavedroad catalog capability update {data.name!r}`"
        )
    capability = Capability(
        name=data.name,
        description=data.description,
        launched_at=data.launched_at,
        owner_team_id=_owner_id(session, data.owner),
        source="manual",
    )
    session.add(capability)
    session.flush()
    versions.bump(session, "catalog")
    return capability


def update_capability(*, session: Session, capability: Capability, data: CapabilityUpdate) -> bool:
    """Change the fields given (an empty owner or launch date clears it); report a change."""
    given = data.model_fields_set
    changed = False
    if "description" in given and data.description is not None:
        changed |= capability.description != data.description
        capability.description = data.description
    if "launched_at" in given and capability.launched_at != data.launched_at:
        capability.launched_at = data.launched_at
        changed = True
    if "owner" in given:
        owner_id = _owner_id(session, data.owner)
        changed |= capability.owner_team_id != owner_id
        capability.owner_team_id = owner_id
    if changed:
        session.flush()
        session.expire(capability, ["owner"])
        versions.bump(session, "catalog")
    return changed


def capability_names(*, session: Session) -> set[str]:
    """Every stored capability's name."""
    return set(session.scalars(select(Capability.name)))


def capability_names_by_id(*, session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The name of each stored capability among `ids`, by id (unknown ids are left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Capability.id, Capability.name).where(Capability.id.in_(wanted)))
    return {row.id: row.name for row in rows}


def ensure_capabilities(*, session: Session, names: Iterable[str]) -> list[str]:
    """Create the capabilities among `names` that are not stored (source `usage`).

    Returns the created names, sorted. Blank names and names longer than the table holds
    are skipped (the importers refuse such rows before).
    """
    wanted = sorted({n for n in names if n and n.strip() and len(n) <= NAME_LIMIT})
    if not wanted:
        return []
    known: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        known.update(session.scalars(select(Capability.name).where(Capability.name.in_(chunk))))
    missing = [name for name in wanted if name not in known]
    if not missing:
        return []
    # A concurrent import may create the same name first: that one is not ours to list.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    created: list[str] = []
    for start in range(0, len(missing), _CHUNK):
        rows = [
            {"name": name, "description": "", "source": "usage"}
            for name in missing[start : start + _CHUNK]
        ]
        statement = (
            insert(Capability)
            .values(rows)
            .on_conflict_do_nothing(index_elements=[Capability.name])
            .returning(Capability.name)
        )
        created += session.scalars(statement)
    created.sort()
    if created:
        versions.bump(session, "catalog")
    return created
