"""`pavedroad catalog`: list and show teams, developers, services and personas."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from pavedroad.catalog import service
from pavedroad.catalog.schemas import PersonaIn
from pavedroad.cli import capabilities
from pavedroad.cli.common import DbOption, JsonOption, console, print_json, print_table, store

app = typer.Typer(
    help="Teams, developers, services, personas and platform capabilities.", no_args_is_help=True
)
persona_app = typer.Typer(help="Personas and their jobs-to-be-done.", no_args_is_help=True)
app.add_typer(persona_app, name="persona")
app.command("capabilities")(capabilities.list_capabilities)
app.add_typer(capabilities.app, name="capability")


class CatalogKind(StrEnum):
    teams = "teams"
    developers = "developers"
    services = "services"
    personas = "personas"


def _day(value: object) -> str:
    return value.date().isoformat() if hasattr(value, "date") else ""


@app.command("list")
def list_(
    kind: Annotated[CatalogKind, typer.Argument(help="What to list.")],
    team: Annotated[
        str | None, typer.Option(help="Only developers or services of this team (slug).")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List teams, developers, services or personas. --json prints a JSON array."""
    with store(db) as session:
        if kind is CatalogKind.teams:
            teams = service.list_teams(session=session)
            if as_json:
                return print_json(teams)
            print_table(
                f"{len(teams)} teams",
                ["slug", "name", "eligible", "headcount", "developers", "services"],
                [
                    [
                        t.slug,
                        t.name,
                        "yes" if t.eligible else "no",
                        t.headcount,
                        t.developers,
                        t.services,
                    ]
                    for t in teams
                ],
                empty=(
                    "No teams yet. Import them: pavedroad import teams FILE.csv "
                    "or pavedroad import backstage FILE.yaml"
                ),
            )
        elif kind is CatalogKind.developers:
            developers = service.list_developers(session=session, team=team)
            if as_json:
                return print_json(developers)
            print_table(
                f"{len(developers)} developers",
                ["email", "name", "team", "role", "started"],
                [
                    [d.email or d.identity, d.name, d.team, d.role, _day(d.started_at)]
                    for d in developers
                ],
                empty="No developers yet. Import them: pavedroad import developers FILE.csv",
            )
        elif kind is CatalogKind.services:
            services = service.list_services(session=session, team=team)
            if as_json:
                return print_json(services)
            print_table(
                f"{len(services)} services",
                ["name", "owner", "tier", "system", "created", "on platform since"],
                [
                    [
                        s.name,
                        s.owner,
                        s.tier,
                        s.system,
                        _day(s.created_at),
                        _day(s.onboarded_to_platform_at),
                    ]
                    for s in services
                ],
                empty="No services yet. Import them: pavedroad import services FILE.csv",
            )
        else:
            personas = service.list_personas(session=session)
            if as_json:
                return print_json(personas)
            print_table(
                f"{len(personas)} personas",
                ["name", "jobs-to-be-done", "built in"],
                [[p.name, "; ".join(p.jobs), "yes" if p.builtin else ""] for p in personas],
                empty="No personas yet. Add one: pavedroad catalog persona add NAME --job '...'",
            )
    return None


@app.command()
def show(
    team: Annotated[str, typer.Argument(help="Team slug.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show one team with its people and the services it owns."""
    with store(db) as session:
        detail = service.get_team_detail(session=session, slug=team)
    if as_json:
        print_json(detail)
        return
    eligible = "eligible for the platform" if detail.eligible else "not eligible for the platform"
    console.print(
        f"[bold]{detail.name}[/bold] ({detail.slug}), headcount {detail.headcount}, {eligible}"
    )
    print_table(
        "People",
        ["email", "name", "role"],
        [[d.email or d.identity, d.name, d.role] for d in detail.people],
        empty="No developers in this team.",
    )
    print_table(
        "Services",
        ["name", "tier", "on platform since"],
        [[s.name, s.tier, _day(s.onboarded_to_platform_at)] for s in detail.owned_services],
        empty="This team owns no services.",
    )


@persona_app.command("add")
def persona_add(
    name: Annotated[str, typer.Argument(help="Persona name, e.g. 'Mobile engineers'.")],
    description: Annotated[str, typer.Option(help="Who they are.")] = "",
    job: Annotated[
        list[str] | None, typer.Option("--job", help="A job-to-be-done; repeat for more.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Add a persona, or add jobs-to-be-done to an existing one."""
    data = PersonaIn(name=name, description=description, jobs=job or [])
    with store(db) as session:
        outcome = service.save_persona(session=session, data=data)
    console.print(f"Persona {name!r} {outcome}.")
