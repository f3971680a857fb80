"""The impact map exported: as an import file (YAML) and as a Mermaid graph."""

from __future__ import annotations

import re
from typing import Any

import yaml

from pavedroad.backlog.impact_map import ImpactMapOut


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
