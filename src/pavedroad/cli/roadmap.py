"""`pavedroad map`, `pavedroad roadmap` and `pavedroad capacity`: direction, lanes and budget."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pavedroad.backlog import impact_map, map_file
from pavedroad.backlog.impact_map import ActorIn, GoalIn, ImpactIn
from pavedroad.cli.common import DbOption, JsonOption, console, print_json, print_table, store
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.metrics.definitions import format_value, get_definition
from pavedroad.metrics.windows import today_utc
from pavedroad.roadmap import exports, service
from pavedroad.roadmap.planner import CATEGORIES
from pavedroad.roadmap.schemas import CapacityIn, LaneIn, WhatIfIn

map_app = typer.Typer(
    help="The impact map: goals (KPI, target, date) -> actors -> impacts -> deliverables.",
    no_args_is_help=True,
)
roadmap_app = typer.Typer(
    help="The roadmap: Now (committed), Next (planned), Later (direction), Exploring.",
    no_args_is_help=True,
)
capacity_app = typer.Typer(
    help="The capacity budget per quarter (default 70% roadmap / 20% platform / 10% unplanned).",
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
GoalOption = Annotated[str, typer.Option("--goal", help="Title of the goal.")]
ActorOption = Annotated[str, typer.Option("--actor", help="Name of the actor under the goal.")]
ImpactOption = Annotated[
    str, typer.Option("--impact", help="Description of the impact under the actor.")
]


class LaneChoice(StrEnum):
    now = "now"
    next = "next"
    later = "later"
    exploring = "exploring"


class ForcedLaneChoice(StrEnum):
    now = "now"
    next = "next"


class Horizon(StrEnum):
    quarter = "quarter"
    half = "half"


class ExportFormat(StrEnum):
    markdown = "markdown"
    mermaid = "mermaid"


class CategoryChoice(StrEnum):
    roadmap = "roadmap"
    platform = "platform"
    unplanned = "unplanned"


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(
            [
                InputProblem(
                    source="--as-of", reason="expected a date such as 2026-11-23", value=text
                )
            ]
        ) from None


def _due(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(
            [InputProblem(source="--due", reason="expected a date such as 2027-03-31", value=text)]
        ) from None


def _rice(rice: float | None, rank: int | None, of: int | None = None) -> str:
    if rice is None:
        return ""
    place = f" (#{rank}{f' of {of}' if of else ''})" if rank is not None else ""
    return f"{rice:.2f}{place}"


def _split(shares: dict[str, float | None]) -> str:
    if any(shares[c] is None for c in CATEGORIES):
        return "nothing delivered"
    return "/".join(f"{(shares[c] or 0) * 100:.0f}" for c in CATEGORIES)


def _pm(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


# --- map -------------------------------------------------------------------------------------


@map_app.command("show")
def map_show(as_of: AsOfOption = None, as_json: JsonOption = False, db: DbOption = None) -> None:
    """Show the map: each goal with its KPI (now and target), actors, impacts and deliverables
    with their RICE and rank, and the active initiatives that serve no goal (flagged)."""
    day = _as_of(as_of) or today_utc()
    with store(db) as session:
        found = impact_map.get_map(session=session, as_of=day)
    if as_json:
        print_json(found)
        return
    if not found.goals:
        console.print(
            "[dim]The impact map has no goals yet. Add one: pavedroad map add-goal TITLE --kpi "
            "lead_time_p50 --target 30 --due 2027-03-31, or import a file: pavedroad map "
            "import map.yaml[/dim]"
        )
    for goal in found.goals:
        now = f", now {goal.current_text}" if goal.current_text else ""
        console.print(
            f"[bold]{goal.priority}. {goal.title}[/bold]  {goal.kpi_id} {goal.target_text} "
            f"by {goal.due.isoformat()}{now}",
            highlight=False,
        )
        rows = [
            [
                actor.name,
                impact.description,
                "; ".join(f"{d.title} ({_rice(d.rice, d.rank)})" for d in impact.deliverables),
            ]
            for actor in goal.actors
            for impact in actor.impacts
        ] + [[a.name, "", ""] for a in goal.actors if not a.impacts]
        print_table(
            "",
            ["actor", "impact", "deliverables (RICE, rank)"],
            rows,
            empty="  No actors yet: pavedroad map add-actor NAME --goal TITLE",
        )
    if found.flagged:
        print_table(
            f"{len(found.flagged)} initiatives serve no goal (flagged)",
            ["initiative", "status", "RICE (rank)"],
            [[d.title, d.status, _rice(d.rice, d.rank)] for d in found.flagged],
            empty="",
        )


@map_app.command("import")
def map_import(
    file: Annotated[Path, typer.Argument(help="The map as YAML (or JSON); see the README.")],
    prune: Annotated[
        bool, typer.Option("--prune", help="Also remove goals the file does not name.")
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import the map from a file. Each goal named becomes exactly as written; goals it does not
    name are kept unless --prune. A file with any problem writes nothing; importing the same
    file again changes nothing."""
    with store(db) as session:
        specs = map_file.read_map_file(session=session, path=file)
        report = map_file.apply_map(session=session, specs=specs, prune=prune)
    if as_json:
        print_json({"counts": report.counts, "changed": report.changed})
        return
    print_table(
        f"Imported {file}" + ("" if report.changed else " (nothing changed)"),
        ["level", "created", "updated", "removed", "unchanged"],
        [[level, *counts.values()] for level, counts in report.counts.items()],
        empty="",
    )


@map_app.command("export")
def map_export(
    mermaid: Annotated[
        bool, typer.Option("--mermaid", help="A Mermaid `graph LR` (the default).")
    ] = False,
    as_yaml: Annotated[
        bool, typer.Option("--yaml", help="The import file format, to edit and import again.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Print the map as Mermaid (paste it where Mermaid renders) or as an import file."""
    if mermaid and as_yaml:
        raise typer.BadParameter("choose one of --mermaid and --yaml")
    with store(db) as session:
        found = impact_map.get_map(session=session)
    text = map_file.to_yaml(found) if as_yaml else map_file.to_mermaid(found)
    typer.echo(text, nl=False)


@map_app.command("add-goal")
def map_add_goal(
    title: Annotated[
        str, typer.Argument(help="What the goal is, e.g. 'Time to production halved'.")
    ],
    kpi: Annotated[str, typer.Option("--kpi", help="KPI id, e.g. lead_time_p50 (pavedroad kpis).")],
    target: Annotated[float, typer.Option("--target", help="Target value in the KPI's unit.")],
    due: Annotated[str, typer.Option("--due", help="Due date, YYYY-MM-DD.")],
    priority: Annotated[int, typer.Option("--priority", help="1 = most important.")] = 1,
    db: DbOption = None,
) -> None:
    """Add a measurable goal: a KPI, a target in its unit, and a date."""
    data = GoalIn(title=title, kpi_id=kpi, target=target, due=_due(due), priority=priority)
    with store(db) as session:
        goal = impact_map.add_goal(session=session, data=data)
        unit = get_definition(goal.kpi_id).unit
    console.print(
        f"Added goal {goal.title!r}: {goal.kpi_id} {format_value(goal.target, unit)} "
        f"by {goal.due.isoformat()}, priority {goal.priority}.",
        highlight=False,
    )


@map_app.command("set-goal")
def map_set_goal(
    title: Annotated[str, typer.Argument(help="Title of the goal to change.")],
    new_title: Annotated[str | None, typer.Option("--title", help="A new title.")] = None,
    kpi: Annotated[str | None, typer.Option("--kpi", help="A new KPI id.")] = None,
    target: Annotated[float | None, typer.Option("--target", help="A new target.")] = None,
    due: Annotated[str | None, typer.Option("--due", help="A new due date.")] = None,
    priority: Annotated[int | None, typer.Option("--priority", help="A new priority.")] = None,
    db: DbOption = None,
) -> None:
    """Change a goal's title, KPI, target, due date or priority."""
    with store(db) as session:
        goal = impact_map.get_goal_or_raise(session=session, title=title)
        data = GoalIn(
            title=new_title if new_title is not None else goal.title,
            kpi_id=kpi if kpi is not None else goal.kpi_id,
            target=target if target is not None else goal.target,
            due=_due(due) if due is not None else goal.due,
            priority=priority if priority is not None else goal.priority,
        )
        impact_map.update_goal(session=session, goal=goal, data=data)
    console.print(f"Goal {data.title!r} updated.", highlight=False)


@map_app.command("remove-goal")
def map_remove_goal(
    title: Annotated[str, typer.Argument(help="Title of the goal.")], db: DbOption = None
) -> None:
    """Remove a goal with its actors and impacts; its deliverables stay in the backlog."""
    with store(db) as session:
        goal = impact_map.get_goal_or_raise(session=session, title=title)
        name = goal.title
        impact_map.remove_goal(session=session, goal=goal)
    console.print(f"Removed goal {name!r}.", highlight=False)


@map_app.command("add-actor")
def map_add_actor(
    name: Annotated[str, typer.Argument(help="Whose behaviour must change, e.g. 'New joiners'.")],
    goal: GoalOption,
    db: DbOption = None,
) -> None:
    """Add an actor under a goal."""
    data = ActorIn(name=name)
    with store(db) as session:
        found = impact_map.get_goal_or_raise(session=session, title=goal)
        impact_map.add_actor(session=session, goal=found, data=data)
        title = found.title
    console.print(f"Added actor {data.name!r} under {title!r}.", highlight=False)


@map_app.command("remove-actor")
def map_remove_actor(
    name: Annotated[str, typer.Argument(help="Name of the actor.")],
    goal: GoalOption,
    db: DbOption = None,
) -> None:
    """Remove an actor with its impacts."""
    with store(db) as session:
        actor = impact_map.find_actor_or_raise(session=session, goal=goal, name=name)
        impact_map.remove_actor(session=session, actor=actor)
    console.print(f"Removed actor {name!r}.", highlight=False)


@map_app.command("add-impact")
def map_add_impact(
    description: Annotated[
        str, typer.Argument(help="The change in behaviour, e.g. 'Deploy faster'.")
    ],
    goal: GoalOption,
    actor: ActorOption,
    db: DbOption = None,
) -> None:
    """Add an impact under an actor."""
    data = ImpactIn(description=description)
    with store(db) as session:
        found = impact_map.find_actor_or_raise(session=session, goal=goal, name=actor)
        impact_map.add_impact(session=session, actor=found, data=data)
    console.print(f"Added impact {data.description!r}.", highlight=False)


@map_app.command("remove-impact")
def map_remove_impact(
    description: Annotated[str, typer.Argument(help="Description of the impact.")],
    goal: GoalOption,
    actor: ActorOption,
    db: DbOption = None,
) -> None:
    """Remove an impact and its deliverable links."""
    with store(db) as session:
        found = impact_map.find_impact_or_raise(
            session=session, goal=goal, actor=actor, description=description
        )
        impact_map.remove_impact(session=session, impact=found)
    console.print(f"Removed impact {description!r}.", highlight=False)


@map_app.command("link")
def map_link(
    initiative: Annotated[str, typer.Argument(help="Title of the initiative (the deliverable).")],
    goal: GoalOption,
    actor: ActorOption,
    impact: ImpactOption,
    db: DbOption = None,
) -> None:
    """Link an initiative as a deliverable of an impact; it then serves that goal."""
    with store(db) as session:
        found = impact_map.find_impact_or_raise(
            session=session, goal=goal, actor=actor, description=impact
        )
        linked = impact_map.link_deliverable(session=session, impact=found, title=initiative)
        text = (
            f"{linked.title!r} now delivers {found.description!r} for {found.actor.goal.title!r}."
        )
    console.print(text, highlight=False)


@map_app.command("unlink")
def map_unlink(
    initiative: Annotated[str, typer.Argument(help="Title of the initiative.")],
    goal: GoalOption,
    actor: ActorOption,
    impact: ImpactOption,
    db: DbOption = None,
) -> None:
    """Take an initiative off an impact; it keeps serving the goals of its other impacts."""
    with store(db) as session:
        found = impact_map.find_impact_or_raise(
            session=session, goal=goal, actor=actor, description=impact
        )
        unlinked = impact_map.unlink_deliverable(session=session, impact=found, title=initiative)
        text = f"{unlinked.title!r} no longer delivers {found.description!r}."
    console.print(text, highlight=False)


# --- roadmap ---------------------------------------------------------------------------------


@roadmap_app.command("show")
def roadmap_show(
    by: Annotated[
        Horizon, typer.Option("--by", help="Head lanes by quarter or half.")
    ] = Horizon.quarter,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show the four lanes with each initiative's RICE and rank, goal, effort and category,
    the capacity Now and Next use, and where the plan disagrees with lanes set by hand."""
    with store(db) as session:
        view = service.show_roadmap(session=session, as_of=_as_of(as_of), horizon=by.value)
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
                    _rice(c.rice, c.rank, c.ranked_of),
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
    lane: Annotated[LaneChoice, typer.Option("--lane", help="The lane to put it in.")],
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
    data = LaneIn(title=title, lane=lane.value, quarter=quarter)
    with store(db) as session:
        initiative = service.set_lane(session=session, data=data, as_of=_as_of(as_of))
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
        plan = service.plan_roadmap(session=session, as_of=_as_of(as_of), apply=apply)
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
                _rice(p.rice, p.rank),
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
    lane: Annotated[
        ForcedLaneChoice, typer.Option("--lane", help="Force it into Now or Next.")
    ] = ForcedLaneChoice.now,
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
        CategoryChoice | None, typer.Option("--category", help="Budget category (new: roadmap).")
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
        lane=lane.value,
        effort=effort,
        reach=reach,
        impact=impact,
        confidence=confidence,
        category=category.value if category else None,
    )
    with store(db) as session:
        answer = service.what_if_answer(session=session, question=question, as_of=_as_of(as_of))
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
                d.to_lane + (f" ({d.to_quarter})" if d.to_quarter else ""),
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
    by: Annotated[
        Horizon, typer.Option("--by", help="Head lanes by quarter or half.")
    ] = Horizon.quarter,
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Print the roadmap as Markdown or Mermaid."""
    with store(db) as session:
        view = service.show_roadmap(session=session, as_of=_as_of(as_of), horizon=by.value)
    text = (
        exports.to_markdown(view) if format is ExportFormat.markdown else exports.to_mermaid(view)
    )
    typer.echo(text, nl=False)


# --- capacity --------------------------------------------------------------------------------


@capacity_app.command("set")
def capacity_set(
    quarter: Annotated[str, typer.Argument(help="The quarter, e.g. 2026-Q4.")],
    person_months: Annotated[
        float, typer.Option("--person-months", help="The team's capacity in the quarter.")
    ],
    split: Annotated[
        str, typer.Option("--split", help="Roadmap/platform/unplanned percentages.")
    ] = "70/20/10",
    db: DbOption = None,
) -> None:
    """Set a quarter's capacity and its budget split."""
    data = CapacityIn(person_months=person_months, split=split)
    with store(db) as session:
        plan = service.set_capacity(session=session, quarter=quarter, data=data)
        text = (
            f"{plan.quarter}: {plan.person_months:g} person-months, "
            f"{plan.roadmap_share:.0%} roadmap / {plan.platform_share:.0%} platform / "
            f"{plan.unplanned_share:.0%} unplanned."
        )
    console.print(text, highlight=False)


@capacity_app.command("show")
def capacity_show(
    quarter: Annotated[
        str | None, typer.Option("--quarter", help="Only this quarter (2026-Q4).")
    ] = None,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Plan against what was delivered per quarter: initiatives done by category weighted by
    effort, and resolved tickets as unplanned work; warns when unplanned eats the budget."""
    with store(db) as session:
        report = service.capacity_report(session=session, quarter=quarter, as_of=_as_of(as_of))
    if as_json:
        print_json(report)
        return
    print_table(
        "Capacity budget: plan against delivered (person-months; roadmap/platform/unplanned %)",
        ["quarter", "capacity", "plan", "delivered", "delivered split", "tickets"],
        [
            [
                q.quarter,
                _pm(q.person_months) or "not set",
                q.split_text,
                _pm(q.delivered_total),
                _split(q.actual_shares),
                q.tickets_resolved,
            ]
            for q in report
        ],
        empty="",
    )
    for q in report:
        for warning in q.warnings:
            console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
