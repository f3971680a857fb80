"""`pavedroad problems`: developer problems in their words, with who they hurt."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pavedroad.backlog import problems as problem_service
from pavedroad.backlog import service
from pavedroad.backlog.schemas import ProblemIn, ProblemUpdate
from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    number_text,
    print_json,
    print_table,
    store,
)

problems_app = typer.Typer(
    help="Developer problems in their own words, with the teams and personas they hurt.",
    no_args_is_help=True,
)

TeamOption = Annotated[
    list[str] | None,
    typer.Option("--team", help="A team slug; repeat for more. Replaces the stored list."),
]


@problems_app.command("add")
def problem_add(
    title: Annotated[str, typer.Argument(help="The problem in the developers' words.")],
    description: Annotated[str, typer.Option(help="More context: who said it, when.")] = "",
    team: TeamOption = None,
    persona: Annotated[
        list[str] | None, typer.Option("--persona", help="A persona name; repeat for more.")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Add a problem, e.g. `pavedroad problems add "CI takes 18 minutes" --team web-app`."""
    data = ProblemIn(title=title, description=description, teams=team or [], personas=persona or [])
    with store(db) as session:
        problem = problem_service.create_problem(session=session, data=data)
        out = problem_service.problem_out(problem)
    if as_json:
        print_json(out)
    else:
        console.print(f"Added problem {out.id}: {out.title}")


@problems_app.command("list")
def problem_list(
    search: Annotated[str | None, typer.Option(help="Only problems whose text has this.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List problems with who they hurt and the initiatives addressing them (--json: an array)."""
    with store(db) as session:
        refs = service.initiative_refs(session=session)
        found = problem_service.list_problems(session=session, search=search, ranks=refs)
    if as_json:
        print_json(found)
        return
    print_table(
        f"{len(found)} problems",
        ["#", "problem", "teams", "personas", "addressed by"],
        [
            [
                p.id,
                p.title,
                ", ".join(p.teams),
                ", ".join(p.personas),
                "; ".join(i.title for i in p.initiatives) or "nothing yet",
            ]
            for p in found
        ],
        empty='No problems yet. Add one: pavedroad problems add "CI takes 18 minutes"',
    )


@problems_app.command("show")
def problem_show(
    problem: Annotated[str, typer.Argument(help="Problem title or id.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show one problem and the initiatives that address it, with their RICE rank."""
    with store(db) as session:
        refs = service.initiative_refs(session=session)
        found = problem_service.get_problem_or_raise(session=session, ref=problem)
        out = problem_service.problem_out(found, refs)
    if as_json:
        print_json(out)
        return
    console.print(f"[bold]{out.title}[/bold] (problem {out.id})", highlight=False)
    if out.description:
        console.print(out.description, highlight=False, markup=False)
    console.print(f"Teams: {', '.join(out.teams) or 'none named'}", highlight=False)
    console.print(f"Personas: {', '.join(out.personas) or 'none named'}", highlight=False)
    print_table(
        "Initiatives addressing it",
        ["initiative", "status", "RICE", "rank"],
        [[i.title, i.status, number_text(i.rice), i.rank or "not ranked"] for i in out.initiatives],
        empty="No initiative addresses this problem yet.",
    )


@problems_app.command("evidence")
def problem_evidence(
    problem: Annotated[str, typer.Argument(help="Problem title or id.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show what supports a problem: insights, distinct teams and people, methods, warnings."""
    from rich.markup import escape

    from pavedroad.research import insights

    with store(db) as session:
        found = problem_service.get_problem_or_raise(session=session, ref=problem)
        out = insights.evidence_for_problem(session=session, problem_id=found.id)
    if as_json:
        print_json(out)
        return
    console.print(f"[bold]Evidence for problem {out.problem_id}[/bold]: ", end="", highlight=False)
    console.print(out.title, markup=False, highlight=False)
    console.print(
        f"{len(out.insights)} insights from {len(out.teams)} teams and {len(out.people)} people; "
        f"methods: {', '.join(out.methods) or 'none'}",
        highlight=False,
    )
    for warning in out.warnings:
        console.print(f"[yellow]warning {warning.id}[/yellow]: ", end="", highlight=False)
        console.print(warning.message, markup=False, highlight=False)
    print_table(
        "Insights",
        ["#", "insight", "framing", "source", "team"],
        [[i.id, escape(i.text), i.framing, i.source_kind, i.team or ""] for i in out.insights],
        empty="No evidence yet. Link an insight: pavedroad research insights link ID PROBLEM",
    )


@problems_app.command("update")
def problem_update(
    problem: Annotated[str, typer.Argument(help="Problem title or id.")],
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    description: Annotated[str | None, typer.Option(help="New description.")] = None,
    team: TeamOption = None,
    persona: Annotated[
        list[str] | None,
        typer.Option("--persona", help="A persona name; repeat for more. Replaces the list."),
    ] = None,
    clear_teams: Annotated[bool, typer.Option(help="Name no teams.")] = False,
    clear_personas: Annotated[bool, typer.Option(help="Name no personas.")] = False,
    db: DbOption = None,
) -> None:
    """Change a problem; options left out keep what is stored."""
    fields: dict[str, Any] = {}
    if title is not None:
        fields["title"] = title
    if description is not None:
        fields["description"] = description
    if team or clear_teams:
        fields["teams"] = team or []
    if persona or clear_personas:
        fields["personas"] = persona or []
    data = ProblemUpdate.model_validate(fields)
    with store(db) as session:
        found = problem_service.get_problem_or_raise(session=session, ref=problem)
        problem_service.update_problem(session=session, problem=found, data=data)
        shown = found.title
    console.print(f"Updated problem {shown!r}.", highlight=False)


@problems_app.command("delete")
def problem_delete(
    problem: Annotated[str, typer.Argument(help="Problem title or id.")],
    db: DbOption = None,
) -> None:
    """Delete a problem; initiatives that addressed it stay."""
    with store(db) as session:
        found = problem_service.get_problem_or_raise(session=session, ref=problem)
        title = found.title
        problem_service.delete_problem(session=session, problem=found)
    console.print(f"Deleted problem {title!r}.", highlight=False)
