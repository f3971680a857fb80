"""`pavedroad map`: the impact map, goals -> actors -> impacts -> deliverables."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from pavedroad.backlog import impact_map, map_file
from pavedroad.backlog.impact_map import ActorIn, GoalIn, ImpactIn
from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    parse_day,
    print_json,
    print_table,
    store,
)
from pavedroad.cli.roadmap import AsOfOption, as_of_day, rice_text
from pavedroad.metrics.definitions import format_value, get_definition
from pavedroad.metrics.windows import today_utc

map_app = typer.Typer(
    help="The impact map: goals (KPI, target, date) -> actors -> impacts -> deliverables.",
    no_args_is_help=True,
)

GoalOption = Annotated[str, typer.Option("--goal", help="Title of the goal.")]
ActorOption = Annotated[str, typer.Option("--actor", help="Name of the actor under the goal.")]
ImpactOption = Annotated[
    str, typer.Option("--impact", help="Description of the impact under the actor.")
]


def _due(text: str) -> date:
    return parse_day(text, option="--due", example="2027-03-31")


@map_app.command("show")
def map_show(as_of: AsOfOption = None, as_json: JsonOption = False, db: DbOption = None) -> None:
    """Show the map: each goal with its KPI (now and target), actors, impacts and deliverables
    with their RICE and rank, and the active initiatives that serve no goal (flagged)."""
    day = as_of_day(as_of) or today_utc()
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
                "; ".join(f"{d.title} ({rice_text(d.rice, d.rank)})" for d in impact.deliverables),
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
            [[d.title, d.status, rice_text(d.rice, d.rank)] for d in found.flagged],
            empty="",
        )


@map_app.command("import")
def map_import(
    file: Annotated[Path, typer.Argument(help="The map as YAML or JSON (docs/impact-map.md).")],
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
