"""`pavedroad canvas`: the platform product canvas and its validation log."""

from __future__ import annotations

from typing import Annotated

import typer

from pavedroad.backlog import canvas as canvas_service
from pavedroad.backlog.schemas import ValidationIn
from pavedroad.cli.common import DbOption, JsonOption, console, print_json, print_table, store

canvas_app = typer.Typer(
    help="The platform product canvas and its validation log.", no_args_is_help=True
)


@canvas_app.command("show")
def canvas_show(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Show the platform product canvas and its validation log."""
    with store(db) as session:
        out = canvas_service.get_canvas(session=session)
    if as_json:
        print_json(out)
        return
    blocks = [
        ("Users", out.users),
        ("Problems", "\n".join(p.title for p in out.problems)),
        ("Alternatives", out.alternatives),
        ("Key metrics", "\n".join(f"{k.name} ({k.id})" for k in out.key_metrics)),
        ("Unfair advantage", out.unfair_advantage),
        ("Channels", out.channels),
        ("Cost structure", out.cost_structure),
    ]
    if not any(text for _, text in blocks):
        console.print(
            "[dim]The canvas is empty. Fill a block: pavedroad canvas set users "
            '"Feature engineers shipping customer-facing services"[/dim]'
        )
    else:
        print_table("Platform product canvas", ["block", "content"], blocks, empty="")
    print_table(
        "Validation log",
        ["on", "shared with", "what they said"],
        [[v.on.isoformat(), v.shared_with, v.said] for v in out.validations],
        empty='Not validated yet. Share it and log it: pavedroad canvas validate --with "3 '
        'developers of Payments" --said "..."',
    )


@canvas_app.command("set")
def canvas_set(
    block: Annotated[
        str,
        typer.Argument(
            help="users, problems, alternatives, key_metrics, unfair_advantage, channels or "
            "cost_structure."
        ),
    ],
    value: Annotated[
        str,
        typer.Argument(
            help="The text; key_metrics are KPI ids separated by commas, problems are problem "
            "titles separated by `;`."
        ),
    ],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Set one block of the canvas."""
    with store(db) as session:
        out = canvas_service.set_canvas_field(session=session, field=block, value=value)
    if as_json:
        print_json(out)
    else:
        console.print(f"Set {block}.", highlight=False)


@canvas_app.command("validate")
def canvas_validate(
    shared_with: Annotated[
        str, typer.Option("--with", help="Who it was shared with, e.g. '3 developers of Ledger'.")
    ],
    said: Annotated[str, typer.Option(help="What they said.")],
    on: Annotated[str | None, typer.Option(help="When (YYYY-MM-DD); default today.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Log that the canvas was shared and what the developers said."""
    data = ValidationIn.model_validate({"shared_with": shared_with, "said": said, "on": on})
    with store(db) as session:
        entry = canvas_service.add_validation(session=session, data=data)
    if as_json:
        print_json(entry)
    else:
        console.print(f"Logged the validation of {entry.on.isoformat()}.")
