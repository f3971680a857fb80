"""Import Backstage catalog-info.yaml: Group -> team, User -> developer, Component -> service.

Systems are kept as a grouping of services. Annotations under `pavedroad.dev/` carry what
Backstage has no field for (eligibility, headcount, tier, dates, role). Other kinds (API,
Resource, Domain, Location, Template) are counted as ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy.orm import Session

from pavedroad.catalog.importers import (
    CatalogImportResult,
    Located,
    LocatedBatch,
    import_batches,
    validation_problems,
)
from pavedroad.catalog.schemas import DeveloperIn, ServiceIn, SystemIn, TeamIn, parse_tier
from pavedroad.catalog.service import known_team_slugs
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.parsing import ValueProblem, parse_bool, parse_count, parse_optional_timestamp

ANNOTATION = "pavedroad.dev/"
NON_TEAM_GROUP_TYPES = frozenset(
    {"organization", "org", "department", "division", "business-unit", "product-area", "root"}
)
SKIPPED_COMPONENT_TYPES = frozenset({"library"})
MAX_FILE_BYTES = 50 * 1024 * 1024
# Values one document may stand for once YAML aliases are expanded: stops "billion laughs".
MAX_DOCUMENT_VALUES = 100_000


@dataclass(frozen=True)
class EntityRef:
    """A Backstage entity reference `[kind:][namespace/]name`, lower-cased."""

    kind: str
    namespace: str
    name: str


def parse_entity_ref(ref: object, *, default_kind: str) -> EntityRef:
    """Parse `group:default/payments`, `default/payments` or `payments`."""
    if not isinstance(ref, str) or not ref.strip():
        raise ValueProblem("expected an entity reference such as group:default/payments")
    text = ref.strip().lower()
    kind, _, rest = text.rpartition(":") if ":" in text else (default_kind, "", text)
    namespace, _, name = rest.rpartition("/") if "/" in rest else ("default", "", rest)
    if not name:
        raise ValueProblem("expected an entity reference such as group:default/payments")
    return EntityRef(kind=kind or default_kind, namespace=namespace or "default", name=name)


Documents = list[tuple[int, Any]]


def _printable(text: str) -> str:
    """Text safe to print: YAML escapes such as "\\udc80" make strings no terminal can encode."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class _EntityProblem(Exception):
    def __init__(self, reason: str, field: str | None = None, value: object = None) -> None:
        super().__init__(reason)
        self.reason, self.field = reason, field
        self.value = None if value is None else _printable(str(value))


def _as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _mapping(value: object, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _EntityProblem("must be a mapping", field=where)
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
    except (ValueProblem, ValueError) as exc:
        raise _EntityProblem(str(exc), field=field, value=text) from None
    except OverflowError:
        raise _EntityProblem(
            "is outside the range of dates that can be stored", field=field, value=text
        ) from None


def _expanded_size(root: yaml.Node) -> int:
    """How many values a node stands for with aliases expanded, capped past the limit.

    Aliases share nodes, so this walks each node once; a node that contains itself counts
    as too many.
    """
    too_many = MAX_DOCUMENT_VALUES + 1
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        if children_done:
            sizes[id(node)] = min(too_many, 1 + sum(sizes[id(c)] for c in children))
            open_nodes.discard(id(node))
        elif id(node) in open_nodes:
            return too_many
        elif id(node) not in sizes:
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _documents(path: Path) -> tuple[Documents, list[InputProblem]]:
    """Every YAML document of a file with its first line, or the problem that stops reading."""
    source = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return [], [
                InputProblem(
                    source=source, reason=f"file is larger than {MAX_FILE_BYTES // 2**20} MB"
                )
            ]
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        # Like a missing CSV: the command line is wrong, so nothing at all is imported.
        raise InvalidInputError(
            [InputProblem(source=source, reason=f"cannot read file: {exc.strerror}")],
            unusable=True,
        ) from None
    except UnicodeDecodeError:
        return [], [InputProblem(source=source, reason="file is not valid UTF-8")]
    loader = yaml.SafeLoader(text)
    documents: list[tuple[int, Any]] = []
    line: int | None = None
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + 1
            if _expanded_size(node) > MAX_DOCUMENT_VALUES:
                reason = (
                    f"document holds more than {MAX_DOCUMENT_VALUES} values "
                    "once its aliases are expanded"
                )
                return [], [InputProblem(source=source, line=line, reason=reason)]
            documents.append((line, loader.construct_document(node)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        return [], [InputProblem(source=source, line=line, reason=f"broken YAML: {reason}")]
    except RecursionError:
        return [], [InputProblem(source=source, reason="broken YAML: nesting is too deep")]
    except Exception as exc:  # PyYAML raises plain errors for values such as 2024-02-30
        return [], [InputProblem(source=source, line=line, reason=f"broken YAML: {exc}")]
    finally:
        loader.dispose()
    return documents, []


def read_backstage_file(
    source: str, documents: Documents, *, member_counts: dict[str, int]
) -> tuple[LocatedBatch, list[tuple[Located[DeveloperIn], list[str]]]]:
    """Validate the entities of one file; users' memberOf lists are resolved later."""
    batch = LocatedBatch(source=source)
    users: list[tuple[Located[DeveloperIn], list[str]]] = []
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
        meta = _as_dict(doc.get("metadata"))
        name = meta.get("name")
        # Only text goes into the label: a hostile name could be huge or deeply nested.
        label = name if not isinstance(name, str) or len(name) <= 60 else name[:57] + "..."
        entity = _printable(
            f"{kind or '?'} {label!r}" if isinstance(name, str) and name else (kind or "entity")
        )
        try:
            if raw_kind is not None and not isinstance(raw_kind, str):
                raise _EntityProblem("must be text", field="kind")
            if not kind:
                raise _EntityProblem("is required but missing", field="kind")
            if name is not None and not isinstance(name, str):
                raise _EntityProblem("must be text", field="metadata.name")
            if not isinstance(name, str) or not name.strip():
                raise _EntityProblem("is required but missing", field="metadata.name")
            spec = _mapping(doc.get("spec"), "spec")
            names = _FIELD_NAMES_BY_KIND.get(kind, _FIELD_NAMES)
            if kind == "Group":
                team = _group(meta, spec, member_counts)
                batch.teams.append(Located(team, source, line, entity, field_names=names))
            elif kind == "User":
                users.append(_user(meta, spec, source, line, entity))
            elif kind == "Component":
                if str(spec.get("type", "")).lower() in SKIPPED_COMPONENT_TYPES:
                    batch.ignored += 1
                else:
                    service = _component(meta, spec)
                    batch.services.append(Located(service, source, line, entity, field_names=names))
            elif kind == "System":
                system = _system(meta, spec)
                batch.systems.append(Located(system, source, line, entity, field_names=names))
            else:
                batch.ignored += 1
        except _EntityProblem as exc:
            batch.problems.append(
                InputProblem(
                    source=source,
                    line=line,
                    entity=entity,
                    field=exc.field,
                    reason=exc.reason,
                    value=exc.value,
                )
            )
        except ValidationError as exc:
            batch.problems += validation_problems(
                exc,
                source=source,
                line=line,
                entity=entity,
                field_names=_FIELD_NAMES_BY_KIND.get(kind, _FIELD_NAMES),
            )
    return batch, users


_FIELD_NAMES = {
    "slug": "metadata.name",
    "name": "metadata.name",
    "email": "spec.profile.email",
    "team": "spec.memberOf",
    "owner": "spec.owner",
    "system": "spec.system",
    "headcount": "metadata.annotations.pavedroad.dev/headcount",
    "tier": "metadata.annotations.pavedroad.dev/tier",
    "role": "metadata.annotations.pavedroad.dev/role",
    "description": "metadata.description",
}
# A team's and a developer's name come from the profile, not from metadata.name.
_FIELD_NAMES_BY_KIND = {
    "Group": {**_FIELD_NAMES, "name": "spec.profile.displayName"},
    "User": {**_FIELD_NAMES, "name": "spec.profile.displayName"},
}


def _owner_slug(spec: dict[str, Any]) -> str:
    try:
        ref = parse_entity_ref(spec.get("owner"), default_kind="group")
    except ValueProblem as exc:
        raise _EntityProblem(str(exc), field="spec.owner", value=spec.get("owner")) from None
    if ref.kind != "group":
        raise _EntityProblem(
            "owner must be a Group (a team)", field="spec.owner", value=spec.get("owner")
        )
    return ref.name


def _group(meta: dict[str, Any], spec: dict[str, Any], member_counts: dict[str, int]) -> TeamIn:
    slug = str(meta["name"]).strip().lower()
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
        headcount = member_counts.get(slug, 0)
    return TeamIn(
        slug=slug,
        name=str(profile.get("displayName") or meta.get("title") or slug),
        eligible=eligible,
        headcount=headcount,
    )


def _user(
    meta: dict[str, Any], spec: dict[str, Any], source: str, line: int, entity: str
) -> tuple[Located[DeveloperIn], list[str]]:
    profile = _mapping(spec.get("profile"), "spec.profile")
    email = profile.get("email")
    if not email:
        raise _EntityProblem("is required but missing", field="spec.profile.email")
    member_of = spec.get("memberOf") or []
    if not isinstance(member_of, list) or not member_of:
        raise _EntityProblem(
            "must list at least one Group", field="spec.memberOf", value=member_of or None
        )
    groups = []
    for ref in member_of:
        try:
            parsed = parse_entity_ref(ref, default_kind="group")
        except ValueProblem as exc:
            raise _EntityProblem(str(exc), field="spec.memberOf", value=ref) from None
        if parsed.kind == "group":
            groups.append(parsed.name)
    if not groups:
        raise _EntityProblem("must list at least one Group", field="spec.memberOf", value=member_of)
    started = _read(
        "metadata.annotations.pavedroad.dev/started-at",
        parse_optional_timestamp,
        _annotation(meta, "started-at"),
    )
    record = DeveloperIn(
        email=email,
        name=str(profile.get("displayName") or meta["name"]),
        team=groups[0],
        started_at=started,
        role=_annotation(meta, "role") or "engineer",
    )
    located = Located(record, source, line, entity, field_names=_FIELD_NAMES_BY_KIND["User"])
    return located, groups


def _component(meta: dict[str, Any], spec: dict[str, Any]) -> ServiceIn:
    tier_text = _annotation(meta, "tier")
    if tier_text is None:
        tags = _as_list(meta.get("tags"))
        tier_text = next((str(t) for t in tags if str(t).lower().startswith("tier")), None)
    tier = _read("metadata.annotations.pavedroad.dev/tier", parse_tier, tier_text)
    system = None
    if spec.get("system"):
        try:
            system = parse_entity_ref(spec["system"], default_kind="system").name
        except ValueProblem as exc:
            raise _EntityProblem(str(exc), field="spec.system", value=spec["system"]) from None
    return ServiceIn(
        name=str(meta["name"]),
        owner=_owner_slug(spec),
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


def _system(meta: dict[str, Any], spec: dict[str, Any]) -> SystemIn:
    return SystemIn(
        name=str(meta["name"]),
        description=str(meta.get("description") or ""),
        owner=_owner_slug(spec) if spec.get("owner") else None,
    )


def _count_members(files: list[Documents]) -> dict[str, int]:
    """How many Users name each Group first, across files (headcount when not annotated)."""
    counts: dict[str, int] = {}
    for documents in files:
        for _, doc in documents:
            if not isinstance(doc, dict) or doc.get("kind") != "User":
                continue
            member_of = _as_list(_as_dict(doc.get("spec")).get("memberOf"))
            for ref in member_of[:1]:
                try:
                    name = parse_entity_ref(ref, default_kind="group").name
                except ValueProblem:
                    continue
                counts[name] = counts.get(name, 0) + 1
    return counts


def import_backstage(*, session: Session, paths: list[Path]) -> CatalogImportResult:
    """Import catalog-info.yaml files; a file with any problem writes nothing."""
    files = [_documents(path) for path in paths]
    member_counts = _count_members([documents for documents, _ in files])
    batches: list[LocatedBatch] = []
    all_users: list[tuple[LocatedBatch, Located[DeveloperIn], list[str]]] = []
    for path, (documents, problems) in zip(paths, files, strict=True):
        batch, users = read_backstage_file(str(path), documents, member_counts=member_counts)
        batch.problems += problems
        batches.append(batch)
        all_users += [(batch, user, groups) for user, groups in users]
    # A User's team is the first of its groups that is a known team (in the files or stored).
    defined = {t.record.slug for b in batches for t in b.teams}
    wanted = {g for _, _, groups in all_users for g in groups}
    known = defined | known_team_slugs(session=session, slugs=wanted)
    for batch, user, groups in all_users:
        team = next((g for g in groups if g in known), None)
        if team is None:
            batch.problems.append(
                user.problem("names no known Group", field="spec.memberOf", value=", ".join(groups))
            )
            continue
        record = user.record.model_copy(update={"team": team})
        batch.developers.append(replace(user, record=record))
    return import_batches(session=session, batches=batches, source="backstage")
