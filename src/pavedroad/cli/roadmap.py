"""`pavedroad roadmap`: Now, Next, Later and Exploring, the planner and the what-if."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

import typer

from pavedroad.backlog.schemas import Category, Lane, PlannedLane
from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    parse_day,
    print_json,
    print_table,
    store,
)
from pavedroad.roadmap import exports, service
from pavedroad.roadmap.schemas import Horizon, LaneIn, WhatIfIn

roadmap_app = typer.Typer(
    help="The roadmap: Now (committed), Next (planned), Later (direction), Exploring.",
    no_args_is_help=True,
)

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Plan as on this day (YYYY-MM-DD): Now is its quarter, Next the one after. "
        "Default: today.",
        show_default=False,
    ),
]


class ExportFormat(StrEnum):
    markdown = "markdown"
    mermaid = "mermaid"


def as_of_day(text: str | None) -> date | None:
    """The --as-of day a plan is made on (None: today)."""
    return None if text is None else parse_day(text, option="--as-of", example="2026-11-23")


def rice_text(rice: float | None, rank: int | None, of: int | None = None) -> str:
    """A RICE score with its rank, e.g. `33.60 (#2 of 9)`."""
    if rice is None:
        return ""
    place = f" (#{rank}{f' of {of}' if of else ''})" if rank is not None else ""
    return f"{rice:.2f}{place}"


@roadmap_app.command("show")
def roadmap_show(
    by: Annotated[Horizon, typer.Option("--by", help="Head lanes by quarter or half.")] = "quarter",
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show the four lanes with each initiative's RICE and rank, goal, effort and category,
    the capacity Now and Next use, and where the plan disagrees with lanes set by hand."""
    with store(db) as session:
        view = service.show_roadmap(session=session, as_of=as_of_day(as_of), horizon=by)
    if as_json:
        print_json(view)
        return
    for lane in view.lanes:
        print_table(
            f"{lane.label}: {lane.period} ({lane.meaning})",
            ["initiative", "RICE (rank)", "goal", "effort", "category", "quarter"],
            [
                [
                    c.title + (" [set by hand]" if c.locked else ""),
                    rice_text(c.rice, c.rank, c.ranked_of),
                    c.goal or "no goal",
                    f"{c.effort:g}",
                    c.category,
                    c.quarter,
                ]
                for c in lane.cards
            ],
            empty=f"{lane.label} ({lane.period}): nothing here.",
        )
        if lane.use:
            used = ", ".join(f"{u.category} {u.used:g}/{u.available:g}" for u in lane.use)
            console.print(f"  capacity used (person-months): {used}", highlight=False)
    if view.unplaced:
        console.print(
            f"{len(view.unplaced)} active initiatives have no lane yet: pavedroad roadmap plan "
            "--apply places them.",
            highlight=False,
        )
    for d in view.disagreements:
        console.print(
            f"[yellow]disagrees:[/yellow] {d.title} is set to {d.lane}; the plan says "
            f"{d.proposed} ({d.reason})",
            highlight=False,
        )
    if view.plan_differs:
        console.print(
            f"{view.plan_differs} lanes differ from the plan: pavedroad roadmap plan shows how.",
            highlight=False,
        )
    for warning in view.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)


@roadmap_app.command("set")
def roadmap_set(
    title: Annotated[str, typer.Argument(help="Title of the initiative.")],
    lane: Annotated[Lane, typer.Option("--lane", help="The lane to put it in.")],
    quarter: Annotated[
        str | None,
        typer.Option(
            "--quarter",
            help="Its quarter (2026-Q4) or half (2026-H2); Now and Next default to theirs.",
        ),
    ] = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Put an initiative in a lane by hand; the planner keeps it there (and says when it
    disagrees) until `pavedroad roadmap unlock`."""
    data = LaneIn(title=title, lane=lane, quarter=quarter)
    with store(db) as session:
        initiative = service.set_lane(session=session, data=data, as_of=as_of_day(as_of))
        text = f"{initiative.title!r} is in {initiative.lane}" + (
            f" for {initiative.quarter}" if initiative.quarter else ""
        )
    console.print(text + " (set by hand).", highlight=False)


@roadmap_app.command("unlock")
def roadmap_unlock(
    title: Annotated[str, typer.Argument(help="Title of the initiative.")], db: DbOption = None
) -> None:
    """Let the planner choose the initiative's lane again."""
    with store(db) as session:
        initiative = service.unlock_lane(session=session, title=title)
        name = initiative.title
    console.print(
        f"{name!r} is unlocked; pavedroad roadmap plan --apply moves it.", highlight=False
    )


@roadmap_app.command("plan")
def roadmap_plan(
    apply: Annotated[
        bool, typer.Option("--apply", help="Write the proposed lanes (lanes set by hand stay).")
    ] = False,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Propose lanes: by goal priority then RICE, Now then Next within each quarter's
    person-months times the category's budget share; the rest Later, unvalidated ideas
    (50% confidence) Exploring. Prints the proposal; --apply writes it."""
    with store(db) as session:
        plan = service.plan_roadmap(session=session, as_of=as_of_day(as_of), apply=apply)
    if as_json:
        print_json(plan)
        return
    print_table(
        f"Plan for Now = {plan.now.quarter} ({plan.now.person_months:g} person-months), "
        f"Next = {plan.next.quarter} ({plan.next.person_months:g})",
        ["initiative", "RICE (rank)", "effort", "category", "lane", "was", "why"],
        [
            [
                p.title,
                rice_text(p.rice, p.rank),
                f"{p.effort:g}",
                p.category,
                p.lane + (" (by hand)" if p.locked else ""),
                p.current_lane or "",
                p.reason,
            ]
            for p in plan.placements
        ],
        empty="No active initiatives to plan. Add some: pavedroad initiatives add TITLE ...",
    )
    for d in plan.disagreements:
        console.print(
            f"[yellow]disagrees:[/yellow] {d.title} is set to {d.lane} by hand; the plan would "
            f"put it in {d.proposed} ({d.reason})",
            highlight=False,
        )
    for warning in plan.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if apply:
        console.print(f"Applied: {plan.changes} lanes changed.")
    elif plan.changes:
        console.print(f"{plan.changes} lanes would change; run with --apply to write them.")
    else:
        console.print("The roadmap already follows the plan.")


@roadmap_app.command("whatif")
def roadmap_whatif(
    add: Annotated[
        str,
        typer.Option("--add", help="An initiative of the backlog, or a new one (then --effort)."),
    ],
    lane: Annotated[PlannedLane, typer.Option("--lane", help="Force it into Now or Next.")] = "now",
    effort: Annotated[
        float | None, typer.Option("--effort", help="Person-months (needed for a new one).")
    ] = None,
    reach: Annotated[
        float | None, typer.Option("--reach", help="Developers per quarter (new: 0).")
    ] = None,
    impact: Annotated[
        str | None, typer.Option("--impact", help="3, 2, 1, 0.5 or 0.25 (new: 1).")
    ] = None,
    confidence: Annotated[
        str | None, typer.Option("--confidence", help="100%, 80% or 50% (new: 50%).")
    ] = None,
    category: Annotated[
        Category | None, typer.Option("--category", help="Budget category (new: roadmap).")
    ] = None,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """What if this work were forced into Now (or Next)? Prints which initiatives leave Now
    or Next, their RICE, the reach that waits and the goals whose deliverables slip.
    Nothing is written."""
    question = WhatIfIn(
        add=add,
        lane=lane,
        effort=effort,
        reach=reach,
        impact=impact,
        confidence=confidence,
        category=category,
    )
    with store(db) as session:
        answer = service.what_if_answer(session=session, question=question, as_of=as_of_day(as_of))
    if as_json:
        print_json(answer)
        return
    kind = "a new initiative" if answer.hypothetical else f"now in {answer.was_lane or 'no lane'}"
    console.print(
        f"What if [bold]{answer.added}[/bold] ({kind}, RICE {answer.rice:.2f}, "
        f"{answer.effort:g} person-months of {answer.category}) goes into "
        f"{answer.lane} ({answer.quarter})?",
        highlight=False,
    )
    print_table(
        "It pushes out",
        ["initiative", "RICE", "from", "to", "reach waiting", "goals"],
        [
            [
                d.title,
                f"{d.rice:.2f}",
                d.from_lane,
                d.to_lane
                + (f" ({d.to_quarter})" if d.to_quarter else "")
                + (" (set by hand: would have to move)" if d.by_hand else ""),
                f"{d.reach:g}",
                ", ".join(d.goals),
            ]
            for d in answer.displaced
        ],
        empty="It displaces nothing: there is room for it.",
    )
    if answer.displaced:
        console.print(
            f"{answer.reach_waiting:g} developers per quarter wait for what it displaces.",
            highlight=False,
        )
    for goal in answer.goals_at_risk:
        slipping = ", ".join(f"{s.title} -> {s.to_lane}" for s in goal.slipping)
        console.print(
            f"[red]goal at risk:[/red] {goal.title} ({goal.kpi} {goal.target_text} by "
            f"{goal.due.isoformat()}): {slipping}",
            highlight=False,
        )
    if answer.over_budget > 0:
        console.print(
            f"[yellow]warning:[/yellow] {answer.lane} would still be {answer.over_budget:g} "
            f"person-months over its {answer.category} budget: forced work and lanes set by "
            "hand do not move.",
            highlight=False,
        )


@roadmap_app.command("export")
def roadmap_export(
    format: Annotated[
        ExportFormat, typer.Option("--format", help="markdown or mermaid (a flowchart by lane).")
    ] = ExportFormat.markdown,
    by: Annotated[Horizon, typer.Option("--by", help="Head lanes by quarter or half.")] = "quarter",
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Print the roadmap as Markdown or Mermaid."""
    with store(db) as session:
        view = service.show_roadmap(session=session, as_of=as_of_day(as_of), horizon=by)
    text = (
        exports.to_markdown(view) if format is ExportFormat.markdown else exports.to_mermaid(view)
    )
    typer.echo(text, nl=False)
