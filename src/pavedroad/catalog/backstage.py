"""Import Backstage catalog-info.yaml: Group -> team, User -> developer, Component -> service.

Entities are read as Backstage defines them: a User needs neither a profile nor an email and
may be in no Group, references carry namespaces, and a reference to an entity that is in none
of the files nor the store is reported while the rest of the file is imported (as the Backstage
catalog does), or refuses the file with `strict`. Systems are kept as a grouping of services.
Annotations under `pavedroad.dev/` carry what Backstage has no field for (eligibility,
headcount, tier, dates, role). Other kinds (API, Resource, Domain, Location, Template) are
counted as ignored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from pavedroad.catalog.entity_refs import (
    DEFAULT_NAMESPACE,
    EntityRef,
    name_problem,
    namespace_problem,
    parse_entity_ref,
)
from pavedroad.catalog.importers import (
    CatalogImportResult,
    Located,
    LocatedBatch,
    import_batches,
    validation_problems,
)
from pavedroad.catalog.schemas import DeveloperIn, ServiceIn, SystemIn, TeamIn, parse_tier
from pavedroad.catalog.service import developer_teams, known_system_names, known_team_slugs
from pavedroad.errors import InputProblem, InvalidInputError, printable
from pavedroad.parsing import parse_bool, parse_count, parse_optional_timestamp
from pavedroad.yamlfile import load_documents

ANNOTATION = "pavedroad.dev/"
# Groups that group teams rather than deliver: imported as teams that are not eligible.
NON_TEAM_GROUP_TYPES = frozenset(
    {
        "organization",
        "org",
        "department",
        "sub-department",
        "division",
        "business-unit",
        "product-area",
        "root",
    }
)
# Where a Component names its code repository, in the order read.
REPOSITORY_ANNOTATIONS = ("github.com/project-slug", "gitlab.com/project-slug")
SKIPPED_COMPONENT_TYPES = frozenset({"library"})
IMPORTED_KINDS = ("Group", "User", "Component", "System")
MAX_FILE_BYTES = 50 * 1024 * 1024
NOWHERE = "which is in none of the files nor the store"

Documents = list[tuple[int, Any]]


def _refused(reason: str, field: str | None = None, value: object = None) -> InvalidInputError:
    """An entity's field refused: the caller adds the file, line and entity."""
    text = None if value is None else printable(str(value))
    # A hostile value can be huge; the start of it names it well enough.
    shown = text if text is None or len(text) <= 200 else text[:197] + "..."
    return InvalidInputError.because(reason, field=field, value=shown)


def _mapping(value: object, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _refused("must be a mapping", field=where)
    return value


def _annotation(meta: dict[str, Any], key: str) -> str | None:
    annotations = _mapping(meta.get("annotations"), "metadata.annotations")
    value = annotations.get(ANNOTATION + key)
    return None if value is None else str(value)


def _read(field: str, reader: Any, text: str | None) -> Any:
    if text is None:
        return None
    try:
        return reader(text)
    except InvalidInputError as exc:
        raise _refused(exc.problems[0].reason, field=field, value=text) from None
    except ValueError as exc:
        raise _refused(str(exc), field=field, value=text) from None
    except OverflowError:
        raise _refused(
            "is outside the range of dates that can be stored", field=field, value=text
        ) from None


def _read_path(path: Path) -> tuple[str, list[InputProblem]]:
    """The text of a file, or the problem that stops reading it; a missing file is unusable."""
    source = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            reason = f"file is larger than {MAX_FILE_BYTES // 2**20} MB"
            return "", [InputProblem(source=source, reason=reason)]
        data = path.read_bytes()
    except OSError as exc:
        # Like a missing CSV: the command line is wrong, so nothing at all is imported.
        raise InvalidInputError.because(
            f"cannot read file: {exc.strerror}", source=source, unusable=True
        ) from None
    return _decode(source, data)


def _decode(source: str, data: bytes) -> tuple[str, list[InputProblem]]:
    if len(data) > MAX_FILE_BYTES:
        return "", [
            InputProblem(source=source, reason=f"file is larger than {MAX_FILE_BYTES // 2**20} MB")
        ]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        return "", [InputProblem(source=source, reason="file is not valid UTF-8")]


def _documents(source: str, text: str) -> tuple[Documents, list[InputProblem]]:
    """Every YAML document of a text with its first line, or the problem that stops reading."""
    try:
        documents = load_documents(text, source=source)
    except InvalidInputError as exc:
        return [], exc.problems
    return [(document.line, document.value) for document in documents], []


@dataclass
class _Entity:
    """One Group, User, Component or System as read, before its references are resolved."""

    kind: str
    ref: EntityRef
    batch: LocatedBatch
    line: int
    label: str
    meta: dict[str, Any]
    spec: dict[str, Any]
    owner: EntityRef | None = None
    system: EntityRef | None = None
    member_of: list[EntityRef] = field(default_factory=list)

    def problem(self, reason: str, field: str | None = None, value: object = None) -> InputProblem:
        return InputProblem(
            source=self.batch.source,
            line=self.line,
            entity=self.label,
            field=field,
            reason=reason,
            value=None if value is None else printable(str(value)),
        )

    def located(self, record: Any) -> Located[Any]:
        names = _FIELD_NAMES_BY_KIND.get(self.kind, _FIELD_NAMES)
        return Located(record, self.batch.source, self.line, self.label, field_names=names)


_FIELD_NAMES = {
    "slug": "metadata.name",
    "name": "metadata.name",
    "identity": "metadata.name",
    "email": "spec.profile.email",
    "team": "spec.memberOf",
    "owner": "spec.owner",
    "system": "spec.system",
    "headcount": "metadata.annotations.pavedroad.dev/headcount",
    "tier": "metadata.annotations.pavedroad.dev/tier",
    "repository": "metadata.annotations.github.com/project-slug",
    "role": "metadata.annotations.pavedroad.dev/role",
    "description": "metadata.description",
}
# A team's and a developer's name come from the profile, not from metadata.name.
_FIELD_NAMES_BY_KIND = {
    "Group": {**_FIELD_NAMES, "name": "spec.profile.displayName"},
    "User": {**_FIELD_NAMES, "name": "spec.profile.displayName"},
}


def _label(kind: str, name: object, namespace: object) -> str:
    """How messages name an entity; only text goes in, since a hostile name could be huge."""
    if not isinstance(name, str) or not name:
        return printable(kind or "entity")
    shown = name if len(name) <= 60 else name[:57] + "..."
    if isinstance(namespace, str) and namespace.strip().lower() not in ("", DEFAULT_NAMESPACE):
        shown = f"{namespace.strip()[:60]}/{shown}"
    return printable(f"{kind or '?'} {shown!r}")


def _reference(value: object, where: str, *, kinds: tuple[str, ...], namespace: str) -> EntityRef:
    try:
        ref = parse_entity_ref(value, default_kind=kinds[0], default_namespace=namespace)
    except InvalidInputError as exc:
        raise _refused(exc.problems[0].reason, field=where, value=value) from None
    if ref.kind not in kinds and where != "spec.memberOf":
        allowed = " or a ".join(k.title() for k in kinds)
        raise _refused(f"must name a {allowed}, not a {ref.kind}", field=where, value=value)
    return ref


def _read_entity(
    kind: str, meta: dict[str, Any], spec: dict[str, Any]
) -> tuple[EntityRef, dict[str, Any]]:
    """Check the entity's own name and namespace and parse the references of its spec."""
    name, namespace = meta.get("name"), meta.get("namespace")
    if name is not None and not isinstance(name, str):
        raise _refused("must be text", field="metadata.name")
    if not isinstance(name, str) or not name.strip():
        raise _refused("is required but missing", field="metadata.name")
    if problem := name_problem(name.strip()):
        raise _refused(problem, field="metadata.name", value=name)
    if namespace is not None and not isinstance(namespace, str):
        raise _refused("must be text", field="metadata.namespace")
    namespace = (namespace or "").strip() or DEFAULT_NAMESPACE
    if problem := namespace_problem(namespace):
        raise _refused(problem, field="metadata.namespace", value=namespace)
    ref = EntityRef(kind.lower(), namespace.lower(), name.strip().lower())
    refs: dict[str, Any] = {}
    # As Backstage reads them, relative references are in the referring entity's namespace.
    ns = ref.namespace
    if kind == "User":
        _mapping(spec.get("profile"), "spec.profile")
        member_of = spec.get("memberOf")
        if member_of is not None and not isinstance(member_of, list):
            raise _refused(
                "must be a list of Group references", field="spec.memberOf", value=member_of
            )
        refs["member_of"] = [
            _reference(r, "spec.memberOf", kinds=("group",), namespace=ns) for r in member_of or []
        ]
    elif kind in ("Component", "System"):
        owner = spec.get("owner")
        if owner is None or owner == "":
            if kind == "Component":
                raise _refused("is required but missing", field="spec.owner")
        else:
            refs["owner"] = _reference(owner, "spec.owner", kinds=("group", "user"), namespace=ns)
        if kind == "Component" and spec.get("system"):
            refs["system"] = _reference(
                spec["system"], "spec.system", kinds=("system",), namespace=ns
            )
    elif kind == "Group":
        _mapping(spec.get("profile"), "spec.profile")
    return ref, refs


def read_backstage_file(source: str, documents: Documents) -> tuple[LocatedBatch, list[_Entity]]:
    """Check the entities of one file; what they refer to is resolved across files later."""
    batch = LocatedBatch(source=source)
    entities: list[_Entity] = []
    for line, doc in documents:
        if doc is None:
            continue
        if not isinstance(doc, dict):
            batch.problems.append(
                InputProblem(source=source, line=line, reason="document is not a mapping")
            )
            continue
        raw_kind = doc.get("kind")
        kind = raw_kind.strip() if isinstance(raw_kind, str) else ""
        raw_meta = doc.get("metadata")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        label = _label(kind, meta.get("name"), meta.get("namespace"))
        try:
            if raw_kind is not None and not isinstance(raw_kind, str):
                raise _refused("must be text", field="kind")
            if not kind:
                raise _refused("is required but missing", field="kind")
            spec = _mapping(doc.get("spec"), "spec")
            if kind not in IMPORTED_KINDS or (
                kind == "Component" and str(spec.get("type", "")).lower() in SKIPPED_COMPONENT_TYPES
            ):
                batch.ignored += 1
                continue
            ref, refs = _read_entity(kind, meta, spec)
            entities.append(_Entity(kind, ref, batch, line, label, meta, spec, **refs))
        except InvalidInputError as exc:
            batch.problems += [p.at(source=source, line=line, entity=label) for p in exc.problems]
    return batch, entities


def _group(entity: _Entity, headcounts: Counter[EntityRef]) -> TeamIn:
    meta, spec = entity.meta, entity.spec
    profile = _mapping(spec.get("profile"), "spec.profile")
    eligible = _read(
        "metadata.annotations.pavedroad.dev/eligible", parse_bool, _annotation(meta, "eligible")
    )
    if eligible is None:
        eligible = str(spec.get("type", "team")).lower() not in NON_TEAM_GROUP_TYPES
    headcount = _read(
        "metadata.annotations.pavedroad.dev/headcount", parse_count, _annotation(meta, "headcount")
    )
    if headcount is None:
        headcount = headcounts[entity.ref]
    return TeamIn(
        slug=entity.ref.name,
        name=str(profile.get("displayName") or meta.get("title") or entity.ref.name),
        eligible=eligible,
        headcount=headcount,
    )


def _user(entity: _Entity, team: str) -> DeveloperIn:
    meta = entity.meta
    profile = _mapping(entity.spec.get("profile"), "spec.profile")
    email = profile.get("email")
    started = _read(
        "metadata.annotations.pavedroad.dev/started-at",
        parse_optional_timestamp,
        _annotation(meta, "started-at"),
    )
    return DeveloperIn(
        identity=str(entity.ref),
        email=email if email not in (None, "") else None,
        name=str(profile.get("displayName") or meta["name"]),
        team=team,
        started_at=started,
        role=_annotation(meta, "role") or "engineer",
    )


def _repository(meta: dict[str, Any]) -> str | None:
    """The Component's code repository from its `github.com/project-slug` (else
    `gitlab.com/project-slug`) annotation, as `owner/name`; lower-cased by `ServiceIn`."""
    annotations = _mapping(meta.get("annotations"), "metadata.annotations")
    for key in REPOSITORY_ANNOTATIONS:
        value = annotations.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise _refused("must be text (owner/name)", field=f"metadata.annotations.{key}")
        return value
    return None


def _component(entity: _Entity, owner: str, system: str | None) -> ServiceIn:
    meta = entity.meta
    tier_text = _annotation(meta, "tier")
    if tier_text is None:
        raw_tags = meta.get("tags")
        tags: list[Any] = raw_tags if isinstance(raw_tags, list) else []
        tier_text = next((str(t) for t in tags if str(t).lower().startswith("tier")), None)
    tier = _read("metadata.annotations.pavedroad.dev/tier", parse_tier, tier_text)
    return ServiceIn(
        repository=_repository(meta),
        name=entity.ref.name,
        owner=owner,
        system=system,
        tier=tier,
        created_at=_read(
            "metadata.annotations.pavedroad.dev/created-at",
            parse_optional_timestamp,
            _annotation(meta, "created-at"),
        ),
        onboarded_to_platform_at=_read(
            "metadata.annotations.pavedroad.dev/onboarded-at",
            parse_optional_timestamp,
            _annotation(meta, "onboarded-at"),
        ),
    )


def _system(entity: _Entity, owner: str | None) -> SystemIn:
    return SystemIn(
        name=entity.ref.name,
        description=str(entity.meta.get("description") or ""),
        owner=owner,
    )


def _guarded(entity: _Entity, build: Callable[..., Any], *args: Any) -> Any | None:
    """The record `build(entity, *args)` makes, or None with its problems added to its file."""
    try:
        return build(entity, *args)
    except InvalidInputError as exc:
        entity.batch.problems += [
            p.at(source=entity.batch.source, line=entity.line, entity=entity.label)
            for p in exc.problems
        ]
    except ValidationError as exc:
        entity.batch.problems += validation_problems(
            exc,
            source=entity.batch.source,
            line=entity.line,
            entity=entity.label,
            field_names=_FIELD_NAMES_BY_KIND.get(entity.kind, _FIELD_NAMES),
        )
    return None


class _Resolver:
    """Resolves references against the entities of every file, then the store."""

    def __init__(
        self, session: Session, entities: list[_Entity], *, strict: bool, unread: list[str]
    ) -> None:
        self.strict = strict
        # Files that could not be read may define what a reference names, so nothing is
        # imported as if it were dangling while one of them is in the set.
        self.unread = unread
        self.index = {e.ref: e for e in entities}
        refs = [r for e in entities for r in [e.owner, e.system, *e.member_of] if r]
        outside = [r for r in refs if r not in self.index]
        self.stored_teams = known_team_slugs(
            session=session, slugs={r.name for r in outside if r.kind == "group"}
        )
        self.stored_systems = known_system_names(
            session=session, names={r.name for r in outside if r.kind == "system"}
        )
        self.stored_users = developer_teams(
            session=session, identities={str(r) for r in outside if r.kind == "user"}
        )
        # A User's team: the first of its groups that is in the files or stored.
        self.user_teams: dict[EntityRef, str] = {}
        for entity in entities:
            groups = (g for g in entity.member_of if g.kind == "group" and self.exists(g))
            team = next((g.name for g in groups), None)
            if entity.kind == "User" and team is not None:
                self.user_teams.setdefault(entity.ref, team)

    def exists(self, ref: EntityRef) -> bool:
        """Whether a Group or System reference names an entity in the files or the store."""
        if ref in self.index:
            return True
        if ref.kind == "group":
            return ref.name in self.stored_teams
        if ref.kind == "system":
            return ref.name in self.stored_systems
        return str(ref) in self.stored_users

    def dangling(self, entity: _Entity, where: str, ref: EntityRef, outcome: str) -> bool:
        """Report a reference to nothing: a problem if strict (say whether), else a notice."""
        if self.unread:
            reason = f"names {ref}, which is in no file that could be read (not {self.unread[0]})"
        elif self.strict:
            reason = f"names {ref}, {NOWHERE} (--strict refuses dangling references)"
        else:
            reason = f"names {ref}, {NOWHERE}: {outcome}"
            entity.batch.notices.append(entity.problem(reason, where, str(ref)))
            return False
        entity.batch.problems.append(entity.problem(reason, where, str(ref)))
        return True

    def note(self, entity: _Entity, where: str, reason: str, value: object = None) -> None:
        entity.batch.notices.append(entity.problem(reason, where, value))

    def owner_team(self, entity: _Entity, outcome: str) -> str | None:
        """The team slug that owns the entity: a Group's, or the team of an owning User."""
        ref = entity.owner
        if ref is None:
            return None
        if ref.kind == "group":
            if self.exists(ref):
                return ref.name
            self.dangling(entity, "spec.owner", ref, outcome)
            return None
        team = self.user_teams.get(ref) or self.stored_users.get(str(ref))
        if team is not None:
            self.note(
                entity,
                "spec.owner",
                f"is the User {ref.short()!r}; owned by that user's team {team!r}",
                str(ref),
            )
        elif ref in self.index:
            self.note(entity, "spec.owner", f"is a User in no known Group: {outcome}", str(ref))
        else:
            self.dangling(entity, "spec.owner", ref, outcome)
        return team

    def teams(self, entities: list[_Entity]) -> None:
        headcounts = Counter(
            next(g for g in e.member_of if g.kind == "group")
            for e in entities
            if e.kind == "User" and any(g.kind == "group" for g in e.member_of)
        )
        for entity in entities:
            if entity.kind == "Group" and (team := _guarded(entity, _group, headcounts)):
                entity.batch.teams.append(entity.located(team))

    def developers(self, entities: list[_Entity]) -> None:
        for entity in (e for e in entities if e.kind == "User"):
            refused = False
            for group in entity.member_of:
                if group.kind != "group":
                    reason = f"names a {group.kind}, not a Group: left out of the user's groups"
                    self.note(entity, "spec.memberOf", reason, str(group))
                elif not self.exists(group):
                    outcome = "left out of the user's groups"
                    refused = self.dangling(entity, "spec.memberOf", group, outcome) or refused
            team = self.user_teams.get(entity.ref)
            if team is None:
                if not refused:
                    what = (
                        "names no Group in the files or the store"
                        if entity.member_of
                        else ("is empty")
                    )
                    self.note(
                        entity,
                        "spec.memberOf",
                        f"{what}: the User is not imported as a developer, "
                        "since pavedroad keeps each developer in a team",
                    )
                continue
            if developer := _guarded(entity, _user, team):
                entity.batch.developers.append(entity.located(developer))

    def systems(self, entities: list[_Entity]) -> None:
        for entity in (e for e in entities if e.kind == "System"):
            owner = self.owner_team(entity, "imported without an owner")
            if system := _guarded(entity, _system, owner):
                entity.batch.systems.append(entity.located(system))

    def services(self, entities: list[_Entity]) -> None:
        for entity in (e for e in entities if e.kind == "Component"):
            owner = self.owner_team(entity, "this Component is not imported")
            system = None
            if entity.system is not None:
                if self.exists(entity.system):
                    system = entity.system.name
                else:
                    self.dangling(entity, "spec.system", entity.system, "imported without a system")
            if owner is None:
                continue
            if service := _guarded(entity, _component, owner, system):
                entity.batch.services.append(entity.located(service))


def _import(
    *, session: Session, files: list[tuple[str, str, list[InputProblem]]], strict: bool
) -> CatalogImportResult:
    read = [
        (source, *(_documents(source, text) if not problems else ([], problems)))
        for source, text, problems in files
    ]
    return _import_documents(session=session, sources=read, strict=strict)


def _import_documents(
    *, session: Session, sources: list[tuple[str, Documents, list[InputProblem]]], strict: bool
) -> CatalogImportResult:
    batches: list[LocatedBatch] = []
    entities: list[_Entity] = []
    unread: list[str] = []
    for source, documents, broken in sources:
        batch, found = read_backstage_file(source, documents)
        batch.problems += broken
        batches.append(batch)
        entities += found
        if broken:
            unread.append(source)
    resolver = _Resolver(session, entities, strict=strict, unread=unread)
    resolver.teams(entities)
    resolver.developers(entities)
    resolver.systems(entities)
    resolver.services(entities)
    result = import_batches(session=session, batches=batches, source="backstage")
    result.unreadable = unread
    return result


def import_backstage(
    *, session: Session, paths: list[Path], strict: bool = False
) -> CatalogImportResult:
    """Import catalog-info.yaml files; a file with any problem writes nothing."""
    files = [(str(path), *_read_path(path)) for path in paths]
    return _import(session=session, files=files, strict=strict)


def import_backstage_uploads(
    *, session: Session, uploads: list[tuple[str, bytes]], strict: bool = False
) -> CatalogImportResult:
    """Import uploaded catalog files, named by `uploads`' first items, as the CLI does."""
    files = [(source, *_decode(source, data)) for source, data in uploads]
    return _import(session=session, files=files, strict=strict)


def import_backstage_entities(
    *, session: Session, source: str, entities: list[Any], strict: bool = False
) -> CatalogImportResult:
    """Import entities as a Backstage backend's catalog API answers them (`source` names where
    they came from). Each entity is judged as a file of its own (named by its position), so a
    refused entity leaves out only itself and the entities that need it, not the catalog."""
    sources: list[tuple[str, Documents, list[InputProblem]]] = [
        (f"{source} entity {number}", [(number, value)], [])
        for number, value in enumerate(entities, start=1)
    ]
    return _import_documents(session=session, sources=sources, strict=strict)
