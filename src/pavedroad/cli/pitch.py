"""CLI: The pitch one-pager of an initiative, and the translation table it reads."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from pavedroad.cli.common import DbOption, JsonOption, console, print_json, print_table, store
from pavedroad.comms import pitches as service
from pavedroad.comms import translation as table
from pavedroad.comms.pitch_markdown import pitch_markdown
from pavedroad.comms.schemas.pitches import (
    TranslationRowIn,
    TranslationRowOut,
    TranslationRowUpdate,
)
from pavedroad.errors import InputProblem, InvalidInputError

translation_app = typer.Typer(
    help="The translation table: platform pain -> consequence -> business outcome.",
    no_args_is_help=True,
)
FORMATS = ("markdown", "json")


def pitch(
    title: Annotated[str, typer.Argument(help="The initiative's title (any case) or id.")],
    format: Annotated[
        str, typer.Option("--format", help="markdown (the three bullets) or json.")
    ] = "markdown",
    db: DbOption = None,
) -> None:
    """The pitch one-pager of an initiative: constraint, bet, outcome.

    Constraint: the KPIs its criteria and goals point at, and research linked to its problems.
    Bet: its effort, RICE and rank in the backlog. Outcome: the business metric that improves,
    through the translation table. `--format json` prints the contract in docs.
    """
    chosen = format.strip().lower()
    if chosen not in FORMATS:
        raise InvalidInputError(
            [InputProblem(source="--format", reason="expected markdown or json", value=format)]
        )
    with store(db) as session:
        initiative_id = service.initiative_or_raise(session=session, ref=title)
        found = service.build_pitch(session=session, initiative_id=initiative_id)
    if chosen == "json":
        print_json(found)
    else:
        sys.stdout.write(pitch_markdown(found))


def _print_row(row: TranslationRowOut, verb: str, as_json: bool) -> None:
    if as_json:
        print_json(row)
        return
    console.print(
        f"{verb} row {row.id} at position {row.position}: {escape(row.pain)} -> "
        f"{escape(row.consequence)} -> {escape(row.business_outcome)}"
        + (f" (KPI {row.kpi})" if row.kpi else "")
    )


PainOption = Annotated[str | None, typer.Option("--pain", help="The platform pain.")]
ConsequenceOption = Annotated[
    str | None, typer.Option("--consequence", help="What the pain leads to.")
]
OutcomeOption = Annotated[
    str | None, typer.Option("--outcome", help="The business outcome at stake.")
]
KpiOption = Annotated[
    str | None,
    typer.Option("--kpi", help="The KPI id that measures the pain (empty text: none)."),
]
PositionOption = Annotated[
    int | None, typer.Option("--position", min=1, max=10_000, help="Its place, 1 first.")
]


@translation_app.command("list")
def list_rows(as_json: JsonOption = False, db: DbOption = None) -> None:
    """The rows in order (--json: {"rows": [...]})."""
    with store(db) as session:
        rows = table.list_rows(session=session)
    if as_json:
        print_json({"rows": rows})
        return
    print_table(
        "Translation table",
        ["#", "id", "pain", "consequence", "business outcome", "KPI"],
        [
            [
                r.position,
                r.id,
                escape(r.pain),
                escape(r.consequence),
                escape(r.business_outcome),
                r.kpi,
            ]
            for r in rows
        ],
        empty="The table is empty. `pavedroad translation reset` writes the practice's four rows.",
    )


@translation_app.command("add")
def add_row(
    pain: Annotated[str, typer.Option("--pain", help="The platform pain, e.g. 'Slow CI'.")],
    consequence: Annotated[str, typer.Option("--consequence", help="What it leads to.")] = "",
    outcome: Annotated[str, typer.Option("--outcome", help="The business outcome.")] = "",
    kpi: KpiOption = None,
    position: PositionOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Add a row, e.g. `--pain 'Slow CI' --consequence 'idle developers' --outcome 'later
    releases' --kpi ci_duration_p50`."""
    data = TranslationRowIn(
        pain=pain, consequence=consequence, business_outcome=outcome, kpi=kpi, position=position
    )
    with store(db) as session:
        row = table.row_out(table.add_row(session=session, data=data))
    _print_row(row, "Added", as_json)


@translation_app.command("edit")
def edit_row(
    row_id: Annotated[int, typer.Argument(help="The row's id (`translation list`).")],
    pain: PainOption = None,
    consequence: ConsequenceOption = None,
    outcome: OutcomeOption = None,
    kpi: KpiOption = None,
    position: PositionOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Change a row's texts, its KPI (`--kpi ''` unbinds it) or its position."""
    values: dict[str, object] = {}
    for name, value in (
        ("pain", pain),
        ("consequence", consequence),
        ("business_outcome", outcome),
        ("position", position),
    ):
        if value is not None:
            values[name] = value
    if kpi is not None:
        values["kpi"] = kpi.strip() or None
    data = TranslationRowUpdate(**values)
    with store(db) as session:
        row = table.get_row_or_raise(session=session, row_id=row_id)
        out = table.row_out(table.update_row(session=session, row=row, data=data))
    _print_row(out, "Changed", as_json)


@translation_app.command("remove")
def remove_row(
    row_id: Annotated[int, typer.Argument(help="The row's id (`translation list`).")],
    db: DbOption = None,
) -> None:
    """Delete a row; pitches that chose it fall back to the row their KPI picks."""
    with store(db) as session:
        row = table.get_row_or_raise(session=session, row_id=row_id)
        pain = row.pain
        table.remove_row(session=session, row=row)
    console.print(f"Removed row {row_id} ({escape(pain)}).")


@translation_app.command("reset")
def reset_rows(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Replace the whole table with the practice's four rows."""
    if not yes and not typer.confirm("Replace every row with the practice's four?"):
        raise typer.Exit(1)
    with store(db) as session:
        rows = table.reset_rows(session=session)
    if as_json:
        print_json({"rows": rows})
        return
    console.print(f"The table holds the practice's {len(rows)} rows again.")
