"""The impact map as a file: the YAML import format, and the YAML and Mermaid exports.

The file nests the map's levels: `goals: [{title, kpi, target, due, priority, actors: [{name,
impacts: [{description, deliverables: [initiative titles]}]}]}]`. Every problem names the file,
the line, the path of the field (`goals[0].actors[1].name`) and the reason, and an import with
any problem writes nothing. Aliases are expanded against a budget and nesting is capped, so a
hostile file stops with a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad.backlog.impact_map import (
    GoalIn,
    ImpactMapOut,
    list_goals,
    resync_goal,
)
from pavedroad.backlog.models import Actor, Goal, Impact, Initiative
from pavedroad.errors import InputProblem, InvalidInputError

MAX_MAP_BYTES = 5 * 1024 * 1024
# Values the file may stand for once YAML aliases are expanded, and how deep it may nest.
MAX_MAP_VALUES = 100_000
MAX_MAP_DEPTH = 20


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


@dataclass
class MapImportReport:
    """What an import changed, by level; `unchanged` counts goals left exactly as they were."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {
            level: {"created": 0, "updated": 0, "removed": 0, "unchanged": 0}
            for level in ("goals", "actors", "impacts", "deliverables")
        }
    )

    def add(self, level: str, outcome: str, n: int = 1) -> None:
        self.counts[level][outcome] += n

    @property
    def changed(self) -> bool:
        """Whether the import changed anything at all."""
        return any(c[o] for c in self.counts.values() for o in ("created", "updated", "removed"))


Path_ = tuple[str | int, ...]


def _path_text(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class _TooBig(Exception):
    pass


def _load_yaml(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
    """One YAML document as plain values, with the line of every value by its path.

    Aliases are expanded against a budget and nesting is capped, so a hostile file stops
    with a message instead of exhausting memory.
    """
    loader = yaml.SafeLoader(text)
    lines: dict[Path_, int] = {}
    budget = [MAX_MAP_VALUES]

    def build(node: yaml.Node, path: Path_, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooBig(
                f"file holds more than {MAX_MAP_VALUES} values once its aliases are expanded"
            )
        if depth > MAX_MAP_DEPTH:
            raise _TooBig(f"file nests deeper than {MAX_MAP_DEPTH} levels")
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            loader.flatten_mapping(node)
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise yaml.MarkedYAMLError(
                        problem="a key must be plain text", problem_mark=key_node.start_mark
                    )
                key = str(key_node.value)
                if key in result:
                    raise yaml.MarkedYAMLError(
                        problem=f"the key {key!r} appears twice in one mapping",
                        problem_mark=key_node.start_mark,
                    )
                result[key] = build(value_node, (*path, key), depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        return loader.construct_object(node, deep=True)

    try:
        node = loader.get_single_node()
        if node is None:
            return None, {(): 1}
        return build(node, (), 0), lines
    except _TooBig as exc:
        raise _unusable(source, str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        raise _unusable(source, f"broken YAML: {reason}", mark.line + 1 if mark else None) from None
    except RecursionError:
        raise _unusable(source, "broken YAML: nesting is too deep") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date such as 2027-02-30
        raise _unusable(source, f"broken YAML: {exc}") from None
    finally:
        loader.dispose()


def _unusable(source: str, reason: str, line: int | None = None) -> InvalidInputError:
    """A file that cannot be read as a map at all: nothing is written, exit 2."""
    return InvalidInputError([InputProblem(source=source, line=line, reason=reason)], unusable=True)


_GOAL_FIELDS = {"title": "title", "kpi": "kpi_id", "target": "target", "due": "due"}
_GOAL_KEYS = ("title", "kpi", "target", "due", "priority", "actors")


class _Reader:
    """Walks the loaded document and collects every problem with its line, path and field."""

    def __init__(self, source: str, lines: dict[Path_, int], initiatives: Mapping[str, str]):
        self.source = source
        self.lines = lines
        self.initiatives = initiatives
        self.problems: list[InputProblem] = []

    def problem(
        self, path: Path_, reason: str, *, value: object = None, entity: str | None = None
    ) -> None:
        line = None
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                line = self.lines[path[:end]]
                break
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

    def mapping(self, value: object, path: Path_, keys: Sequence[str], what: str) -> bool:
        if not isinstance(value, dict):
            self.problem(path, f"expected {what} as a mapping with {', '.join(keys)}")
            return False
        for key in value:
            if key not in keys:
                self.problem((*path, key), f"unknown field; allowed: {', '.join(keys)}", value=key)
        return True

    def items(self, value: object, path: Path_, what: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, f"expected a list of {what}")
            return []
        return value

    def text(self, value: object, path: Path_, limit: int, entity: str | None) -> str | None:
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

    def goal(self, raw: object, path: Path_, index: int) -> GoalSpec | None:
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

    def actors(self, raw: object, path: Path_, entity: str | None) -> list[ActorSpec]:
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

    def impacts(self, raw: object, path: Path_, entity: str | None) -> list[ImpactSpec]:
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
                known = self.initiatives.get(text.casefold())
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
        raise _unusable(source, f"file is larger than {MAX_MAP_BYTES // 2**20} MB")
    document, lines = _load_yaml(text, source)
    titles = {t.casefold(): t for t in session.scalars(select(Initiative.title))}
    reader = _Reader(source, lines, titles)
    specs = reader.read(document)
    if reader.problems:
        raise InvalidInputError(sorted(reader.problems, key=lambda p: p.line or 0))
    return specs


def read_map_file(*, session: Session, path: Path) -> list[GoalSpec]:
    """Read a map file; a file that cannot be read at all is unusable input (exit 2)."""
    source = str(path)
    try:
        if path.stat().st_size > MAX_MAP_BYTES:
            raise _unusable(source, f"file is larger than {MAX_MAP_BYTES // 2**20} MB")
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise _unusable(source, f"cannot read file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise _unusable(source, "file is not valid UTF-8") from None
    return read_map(session=session, text=text, source=source)


def apply_map(
    *, session: Session, specs: Sequence[GoalSpec], prune: bool = False
) -> MapImportReport:
    """Make each goal of `specs` exactly as written (actors, impacts, deliverables); goals the
    file does not name are kept, or removed with `prune`. Re-applying changes nothing."""
    report = MapImportReport()
    goals = {g.title.casefold(): g for g in list_goals(session=session)}
    before = _links(goals.values())
    for spec in specs:
        goal = goals.get(spec.goal.title.casefold())
        values = spec.goal.model_dump()
        if goal is None:
            goal = Goal(**values)
            session.add(goal)
            report.add("goals", "created")
        elif _assign(goal, values):
            report.add("goals", "updated")
        else:
            report.add("goals", "unchanged")
        _apply_actors(goal, spec.actors, session, report)
        session.flush()
    if prune:
        named = {s.goal.title.casefold() for s in specs}
        for key, goal in goals.items():
            if key not in named:
                report.add("goals", "removed")
                _count_removed(report, goal.actors)
                session.delete(goal)
    session.flush()
    session.expire_all()
    goal_rows = {g.id: g for g in list_goals(session=session)}
    after = _links(goal_rows.values())
    for initiative_id in {i for i, _ in before | after}:
        initiative = session.get(Initiative, initiative_id)
        if initiative is None:
            continue
        old = {g for i, g in before if i == initiative_id}
        new = {g for i, g in after if i == initiative_id}
        gained = [goal_rows[g] for g in new - old]
        if gained:
            # As when linking by hand: a new deliverable serves the goal it was linked under.
            initiative.goal_id = min(gained, key=lambda g: (g.priority, g.title.casefold())).id
        else:
            resync_goal(initiative, dropped=old - new)
    session.flush()
    return report


def _links(goals: Iterable[Goal]) -> set[tuple[int, int]]:
    return {
        (initiative.id, goal.id)
        for goal in goals
        for actor in goal.actors
        for impact in actor.impacts
        for initiative in impact.deliverables
    }


def _assign(row: Any, values: Mapping[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _count_removed(report: MapImportReport, actors: Sequence[Actor]) -> None:
    """Count what goes with removed actors: their impacts and deliverable links."""
    for actor in actors:
        report.add("actors", "removed")
        report.add("impacts", "removed", len(actor.impacts))
        report.add("deliverables", "removed", sum(len(i.deliverables) for i in actor.impacts))


def _apply_actors(
    goal: Goal, specs: Sequence[ActorSpec], session: Session, report: MapImportReport
) -> None:
    existing = {a.name.casefold(): a for a in goal.actors}
    wanted = {s.name.casefold() for s in specs}
    for actor in list(goal.actors):
        if actor.name.casefold() not in wanted:
            _count_removed(report, [actor])
            goal.actors.remove(actor)
    for spec in specs:
        found = existing.get(spec.name.casefold())
        if found is None:
            actor = Actor(name=spec.name)
            goal.actors.append(actor)
            report.add("actors", "created")
        else:
            actor = found
            report.add("actors", "updated" if _assign(actor, {"name": spec.name}) else "unchanged")
        _apply_impacts(actor, spec.impacts, session, report)


def _apply_impacts(
    actor: Actor, specs: Sequence[ImpactSpec], session: Session, report: MapImportReport
) -> None:
    existing = {i.description.casefold(): i for i in actor.impacts}
    wanted = {s.description.casefold() for s in specs}
    for impact in list(actor.impacts):
        if impact.description.casefold() not in wanted:
            report.add("impacts", "removed")
            report.add("deliverables", "removed", len(impact.deliverables))
            actor.impacts.remove(impact)
    for spec in specs:
        found = existing.get(spec.description.casefold())
        if found is None:
            impact = Impact(description=spec.description)
            actor.impacts.append(impact)
            report.add("impacts", "created")
        else:
            impact = found
            changed = _assign(impact, {"description": spec.description})
            report.add("impacts", "updated" if changed else "unchanged")
        titles = [t.casefold() for t in spec.deliverables]
        current = {i.title.casefold(): i for i in impact.deliverables}
        for initiative in list(impact.deliverables):
            if initiative.title.casefold() not in titles:
                impact.deliverables.remove(initiative)
                report.add("deliverables", "removed")
        for title in spec.deliverables:
            if title.casefold() in current:
                report.add("deliverables", "unchanged")
                continue
            linked = session.scalar(select(Initiative).where(Initiative.title == title))
            assert linked is not None  # read_map checked every title
            impact.deliverables.append(linked)
            report.add("deliverables", "created")


# --- exports -----------------------------------------------------------------------------


def map_document(impact_map: ImpactMapOut) -> dict[str, Any]:
    """The map in the import file's shape (so an export can be edited and imported again)."""
    return {
        "goals": [
            {
                "title": g.title,
                "kpi": g.kpi_id,
                "target": g.target,
                "due": g.due,
                "priority": g.priority,
                "actors": [
                    {
                        "name": a.name,
                        "impacts": [
                            {
                                "description": i.description,
                                "deliverables": [d.title for d in i.deliverables],
                            }
                            for i in a.impacts
                        ],
                    }
                    for a in g.actors
                ],
            }
            for g in impact_map.goals
        ]
    }


def to_yaml(impact_map: ImpactMapOut) -> str:
    """The map as an import file."""
    return yaml.safe_dump(map_document(impact_map), sort_keys=False, allow_unicode=True, width=100)


# Characters that may stand in a Mermaid label as themselves; the rest become `#NNN;` codes.
_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 .,:/+%_'?!()\-]")


def mermaid_label(text: str) -> str:
    """Text as a quoted Mermaid label: whitespace collapsed, everything else as entity codes.

    Mermaid reads `#NNN;` as a character code, so quotes, brackets, pipes, `<`, `#`, `;`
    and non-ASCII letters can never end the label or inject a node, a link or HTML.
    """
    flat = " ".join(text.split())
    return '"' + "".join(c if _MERMAID_SAFE.fullmatch(c) else f"#{ord(c)};" for c in flat) + '"'


def to_mermaid(impact_map: ImpactMapOut) -> str:
    """The map as a Mermaid `graph LR`: goal --> actor --> impact --> deliverable."""
    lines = ["graph LR"]
    deliverable_ids: dict[str, str] = {}
    links: list[str] = []
    classes: dict[str, list[str]] = {"goal": [], "actor": [], "impact": [], "deliverable": []}

    def deliverable(title: str) -> str:
        if title not in deliverable_ids:
            node = f"D{len(deliverable_ids) + 1}"
            deliverable_ids[title] = node
            lines.append(f"  {node}[{mermaid_label(title)}]")
            classes["deliverable"].append(node)
        return deliverable_ids[title]

    for g_index, goal in enumerate(impact_map.goals, start=1):
        g = f"G{g_index}"
        label = f"{goal.title} ({goal.kpi_id} {goal.target_text} by {goal.due.isoformat()})"
        lines.append(f"  {g}[{mermaid_label(label)}]")
        classes["goal"].append(g)
        for a_index, actor in enumerate(goal.actors, start=1):
            a = f"{g}A{a_index}"
            lines.append(f"  {a}[{mermaid_label(actor.name)}]")
            classes["actor"].append(a)
            links.append(f"  {g} --> {a}")
            for i_index, impact in enumerate(actor.impacts, start=1):
                i = f"{a}I{i_index}"
                lines.append(f"  {i}[{mermaid_label(impact.description)}]")
                classes["impact"].append(i)
                links.append(f"  {a} --> {i}")
                for item in impact.deliverables:
                    links.append(f"  {i} --> {deliverable(item.title)}")
    flagged = [deliverable(d.title) for d in impact_map.flagged]
    lines += links
    lines += [
        "  classDef goal fill:#e1f5fe,stroke:#03a9f4,stroke-width:2px;",
        "  classDef actor fill:#f3e5f5,stroke:#9c27b0,stroke-width:2px;",
        "  classDef impact fill:#e8f5e9,stroke:#4caf50,stroke-width:2px;",
        "  classDef deliverable fill:#fff3e0,stroke:#ff9800,stroke-width:2px;",
        "  classDef flagged fill:#fdecea,stroke:#b42318,stroke-width:2px,stroke-dasharray:4;",
    ]
    for name, nodes in classes.items():
        if nodes:
            lines.append(f"  class {','.join(nodes)} {name};")
    if flagged:
        lines.append(f"  class {','.join(flagged)} flagged;")
    return "\n".join(lines) + "\n"
