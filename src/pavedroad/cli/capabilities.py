"""`pavedroad catalog capabilities` and `pavedroad catalog capability add|update`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from pavedroad.catalog import capabilities as service
from pavedroad.catalog.schemas import CapabilityIn, CapabilityOut, CapabilityUpdate
from pavedroad.cli.common import DbOption, JsonOption, console, print_json, print_table, store

app = typer.Typer(help="Platform capabilities: add one or change it.", no_args_is_help=True)

LaunchedOption = Annotated[
    str | None,
    typer.Option("--launched", help="Launch day (2026-06-01) or instant; '' clears it."),
]
OwnerOption = Annotated[
    str | None, typer.Option("--owner", help="Slug of the team that runs it; '' clears it.")
]
DescriptionOption = Annotated[str | None, typer.Option(help="What it offers, in one line.")]


def _day(capability: CapabilityOut) -> str:
    return capability.launched_at.date().isoformat() if capability.launched_at else ""


def list_capabilities(as_json: JsonOption = False, db: DbOption = None) -> None:
    """List platform capabilities with launch day and owner. --json prints a JSON array."""
    with store(db) as session:
        found = service.list_capabilities(session=session)
    if as_json:
        print_json(found)
        return
    print_table(
        f"{len(found)} capabilities",
        ["name", "launched", "owner", "source", "description"],
        [[escape(c.name), _day(c), c.owner or "", c.source, escape(c.description)] for c in found],
        empty=(
            "No capabilities yet. Add one: pavedroad catalog capability add rollback "
            "--launched 2026-06-01 --owner platform (usage imports add the ones they name)"
        ),
    )


def _print(capability: CapabilityOut, outcome: str, as_json: bool) -> None:
    if as_json:
        print_json(capability)
        return
    console.print(f"Capability {capability.name!r} {outcome}.", markup=False, highlight=False)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Capability name, e.g. rollback.")],
    description: DescriptionOption = None,
    launched: LaunchedOption = None,
    owner: OwnerOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Add a capability. A name already stored is refused: change it with `update`."""
    data = CapabilityIn(name=name, description=description or "", launched_at=launched, owner=owner)
    with store(db) as session:
        stored = service.add_capability(session=session, data=data)
        out = service.capability_out(stored)
    _print(out, "added", as_json)


@app.command("update")
def update(
    name: Annotated[str, typer.Argument(help="Capability name.")],
    description: DescriptionOption = None,
    launched: LaunchedOption = None,
    owner: OwnerOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Change a capability's description, launch day or owner (only the options given)."""
    given = {
        key: value
        for key, value in (
            ("description", description),
            ("launched_at", launched),
            ("owner", owner),
        )
        if value is not None
    }
    data = CapabilityUpdate(**given)
    with store(db) as session:
        stored = service.get_capability_or_raise(session=session, name=name)
        changed = service.update_capability(session=session, capability=stored, data=data)
        out = service.capability_out(stored)
    _print(out, "updated" if changed else "unchanged", as_json)
