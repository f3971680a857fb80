"""The roadmap as Markdown (for a wiki or a slide) and as a Mermaid flowchart, from one view."""

from __future__ import annotations

from pavedroad.backlog.map_file import mermaid_label
from pavedroad.roadmap.schemas import RoadmapCard, RoadmapView


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks flattened."""
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")


def _rank(card: RoadmapCard) -> str:
    return f"{card.rank} of {card.ranked_of}" if card.rank is not None else "-"


def to_markdown(view: RoadmapView) -> str:
    """Each lane as a table: initiative, RICE with its rank, goal, effort, category, quarter."""
    out = [f"# Platform roadmap (as of {view.as_of.isoformat()})", ""]
    for lane in view.lanes:
        out.append(f"## {lane.label}: {lane.period} ({lane.meaning})")
        out.append("")
        if not lane.cards:
            out += ["Nothing here.", ""]
            continue
        out.append(
            "| Initiative | RICE | Rank | Goal | Effort (person-months) | Category | Quarter |"
        )
        out.append("| --- | ---: | ---: | --- | ---: | --- | --- |")
        for card in lane.cards:
            locked = " (set by hand)" if card.locked else ""
            goal = _cell(card.goal) if card.goal else "no goal"
            out.append(
                f"| {_cell(card.title)}{locked} | {card.rice:.2f} | {_rank(card)} | {goal} | "
                f"{card.effort:g} | {card.category} | {card.quarter or ''} |"
            )
        if lane.use:
            used = ", ".join(f"{u.category} {u.used:g} of {u.available:g}" for u in lane.use)
            out += ["", f"Capacity used (person-months): {used}."]
        out.append("")
    if view.disagreements:
        out += ["## Where the plan disagrees with lanes set by hand", ""]
        for d in view.disagreements:
            out.append(
                f"- {_cell(d.title)}: set to {d.lane}, the plan says {d.proposed} ({d.reason})"
            )
        out.append("")
    if view.done:
        out += ["## Recently done", ""]
        out += [f"- {_cell(c.title)} (RICE {c.rice:.2f})" for c in view.done]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def to_mermaid(view: RoadmapView) -> str:
    """A `flowchart TB` with one subgraph per lane, as the practice draws Now/Next/Later."""
    lines = ["flowchart TB"]
    for lane in view.lanes:
        name = lane.lane.upper()
        header = f"{lane.label.upper()}: {lane.period}"
        lines.append(f"  subgraph {name} [{mermaid_label(header)}]")
        lines.append("    direction TB")
        for n, card in enumerate(lane.cards, start=1):
            text = f"{card.title} (RICE {card.rice:.2f})"
            lines.append(f"    {lane.lane[0]}{lane.lane[-1]}{n}[{mermaid_label(text)}]")
        if not lane.cards:
            lines.append(f"    {lane.lane}_empty[{mermaid_label('nothing here')}]")
        lines.append("  end")
    lines += ["  NOW ~~~ NEXT", "  NEXT ~~~ LATER", "  LATER ~~~ EXPLORING"]
    return "\n".join(lines) + "\n"
