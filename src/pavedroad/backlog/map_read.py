"""The impact map file read: YAML (or JSON, which is YAML too) to checked goal specs.

The file nests the map's levels: `goals: [{title, kpi, target, due, priority, actors: [{name,
impacts: [{description, deliverables: [initiative titles]}]}]}]`. Every problem names the file,
the line, the path of the field (`goals[0].actors[1].name`) and the reason; a file that cannot
be read as YAML at all (see `pavedroad.yamlfile` for its guards) is unusable input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad.backlog.impact_map import GoalIn
from pavedroad.backlog.models import Initiative
from pavedroad.backlog.service import title_key
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.yamlfile import YamlDocument, YamlPath, load_document

MAX_MAP_BYTES = 5 * 1024 * 1024


@dataclass
class ImpactSpec:
    description: str
    deliverables: list[str]


@dataclass
class ActorSpec:
    name: str
    impacts: list[ImpactSpec]


@dataclass
class GoalSpec:
    goal: GoalIn
    actors: list[ActorSpec]


def _path_text(path: YamlPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


_GOAL_FIELDS = {"title": "title", "kpi": "kpi_id", "target": "target", "due": "due"}
_GOAL_KEYS = ("title", "kpi", "target", "due", "priority", "actors")


class _Reader:
    """Walks the loaded document and collects every problem with its line, path and field."""

    def __init__(self, source: str, document: YamlDocument, initiatives: Mapping[str, str]):
        self.source = source
        self.document = document
        self.initiatives = initiatives
        self.problems: list[InputProblem] = []

    def problem(
        self, path: YamlPath, reason: str, *, value: object = None, entity: str | None = None
    ) -> None:
        line = self.document.line_of(path)
        shown = None if value is None or isinstance(value, dict | list) else str(value)
        self.problems.append(
            InputProblem(
                source=self.source,
                line=line,
                field=_path_text(path) or None,
                entity=entity,
                reason=reason,
                value=shown,
            )
        )

    def mapping(self, value: object, path: YamlPath, keys: Sequence[str], what: str) -> bool:
        if not isinstance(value, dict):
            self.problem(path, f"expected {what} as a mapping with {', '.join(keys)}")
            return False
        for key in value:
            if key not in keys:
                self.problem((*path, key), f"unknown field; allowed: {', '.join(keys)}", value=key)
        return True

    def items(self, value: object, path: YamlPath, what: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, f"expected a list of {what}")
            return []
        return value

    def text(self, value: object, path: YamlPath, limit: int, entity: str | None) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.problem(path, "is required but missing", entity=entity)
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(path, "must be text", value=value, entity=entity)
            return None
        text = str(value).strip()
        if "\x00" in text:
            self.problem(path, "must not contain NUL characters", entity=entity)
            return None
        if len(text) > limit:
            self.problem(path, f"must be at most {limit} characters", value=text, entity=entity)
            return None
        return text

    def read(self, document: object) -> list[GoalSpec]:
        if not isinstance(document, dict) or "goals" not in document:
            self.problem((), "expected a mapping with `goals:` holding a list of goals")
            return []
        for key in document:
            if key != "goals":
                self.problem((key,), "unknown field; allowed: goals", value=key)
        specs: list[GoalSpec] = []
        seen: set[str] = set()
        for index, raw in enumerate(self.items(document["goals"], ("goals",), "goals")):
            title = raw.get("title") if isinstance(raw, dict) else None
            if isinstance(title, str) and title.strip():
                key = title.strip().casefold()
                if key in seen:
                    self.problem(
                        ("goals", index, "title"),
                        "another goal above has the same title",
                        value=title,
                    )
                seen.add(key)
            spec = self.goal(raw, ("goals", index), index)
            if spec is not None:
                specs.append(spec)
        return specs

    def goal(self, raw: object, path: YamlPath, index: int) -> GoalSpec | None:
        if not self.mapping(raw, path, _GOAL_KEYS, "a goal"):
            return None
        assert isinstance(raw, dict)
        title = raw.get("title")
        entity = f"goal {title!r}" if isinstance(title, str) and len(title) <= 60 else None
        values = {name: raw.get(key) for key, name in _GOAL_FIELDS.items()}
        values["priority"] = raw.get("priority", index + 1)
        if isinstance(values["title"], int | float) and not isinstance(values["title"], bool):
            values["title"] = str(values["title"])
        goal: GoalIn | None = None
        if any(isinstance(v, bool) for k, v in values.items() if k in ("target", "priority")):
            for key in ("target", "priority"):
                if isinstance(values[key], bool):
                    self.problem((*path, key), "must be a number", value=values[key], entity=entity)
        else:
            try:
                goal = GoalIn.model_validate(values)
            except ValidationError as exc:
                keys = {name: key for key, name in _GOAL_FIELDS.items()} | {"priority": "priority"}
                for item in exc.errors():
                    name = str(item["loc"][0]) if item["loc"] else ""
                    key = keys.get(name, name)
                    reason = str(item["msg"]).removeprefix("Value error, ")
                    if item["type"] == "missing" or (
                        item["type"] in ("string_too_short", "float_type", "date_type")
                        and raw.get(key) is None
                    ):
                        reason = "is required but missing"
                    elif item["type"] == "string_type":
                        reason = "must be text"
                    self.problem((*path, key), reason, value=raw.get(key), entity=entity)
        actors = self.actors(raw.get("actors"), (*path, "actors"), entity)
        return GoalSpec(goal=goal, actors=actors) if goal is not None else None

    def actors(self, raw: object, path: YamlPath, entity: str | None) -> list[ActorSpec]:
        specs: list[ActorSpec] = []
        seen: set[str] = set()
        for index, item in enumerate(self.items(raw, path, "actors")):
            here = (*path, index)
            if not self.mapping(item, here, ("name", "impacts"), "an actor"):
                continue
            name = self.text(item.get("name"), (*here, "name"), 200, entity)
            impacts = self.impacts(item.get("impacts"), (*here, "impacts"), entity)
            if name is None:
                continue
            if name.casefold() in seen:
                self.problem(
                    (*here, "name"), "another actor of this goal has this name", value=name
                )
            seen.add(name.casefold())
            specs.append(ActorSpec(name=name, impacts=impacts))
        return specs

    def impacts(self, raw: object, path: YamlPath, entity: str | None) -> list[ImpactSpec]:
        specs: list[ImpactSpec] = []
        seen: set[str] = set()
        for index, item in enumerate(self.items(raw, path, "impacts")):
            here = (*path, index)
            if not self.mapping(item, here, ("description", "deliverables"), "an impact"):
                continue
            description = self.text(item.get("description"), (*here, "description"), 500, entity)
            deliverables: list[str] = []
            where = (*here, "deliverables")
            for n, title in enumerate(self.items(item.get("deliverables"), where, "titles")):
                text = self.text(title, (*where, n), 300, entity)
                if text is None:
                    continue
                known = self.initiatives.get(text) or self.initiatives.get(title_key(text))
                if known is None:
                    self.problem(
                        (*where, n),
                        "no initiative has this title; `pavedroad initiatives list` lists them",
                        value=text,
                        entity=entity,
                    )
                elif known not in deliverables:
                    deliverables.append(known)
            if description is None:
                continue
            if description.casefold() in seen:
                self.problem(
                    (*here, "description"),
                    "another impact of this actor has this description",
                    value=description,
                )
            seen.add(description.casefold())
            specs.append(ImpactSpec(description=description, deliverables=deliverables))
        return specs


def read_map(*, session: Session, text: str, source: str) -> list[GoalSpec]:
    """Parse and check a map document (YAML, or JSON which is YAML too); raise every problem."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_MAP_BYTES:
        raise InvalidInputError.because(
            f"file is larger than {MAX_MAP_BYTES // 2**20} MB", source=source, unusable=True
        )
    document = load_document(text, source=source)
    # Each title by itself and by `title_key`, the rule every interface resolves titles by.
    stored = list(session.scalars(select(Initiative.title)))
    titles = {title_key(t): t for t in stored} | {t: t for t in stored}
    reader = _Reader(source, document, titles)
    specs = reader.read(document.value)
    if reader.problems:
        raise InvalidInputError(sorted(reader.problems, key=lambda p: p.line or 0))
    return specs


def read_map_file(*, session: Session, path: Path) -> list[GoalSpec]:
    """Read a map file; a file that cannot be read at all is unusable input (exit 2)."""
    source = str(path)
    try:
        if path.stat().st_size > MAX_MAP_BYTES:
            raise InvalidInputError.because(
                f"file is larger than {MAX_MAP_BYTES // 2**20} MB", source=source, unusable=True
            )
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInputError.because(
            f"cannot read file: {exc.strerror}", source=source, unusable=True
        ) from None
    except UnicodeDecodeError:
        raise InvalidInputError.because(
            "file is not valid UTF-8", source=source, unusable=True
        ) from None
    return read_map(session=session, text=text, source=source)
