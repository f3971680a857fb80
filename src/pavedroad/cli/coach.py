"""`pavedroad coach`: the practice's mistakes the team's own data shows, and its mode."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Annotated

import typer

from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    WindowOption,
    console,
    err_console,
    print_json,
    store,
)
from pavedroad.coach import mode as mode_service
from pavedroad.coach import service
from pavedroad.coach.diagnosis import Diagnosis
from pavedroad.metrics.windows import parse_window

coach_app = typer.Typer(
    help="The coach: which of the practice's modes the team works in (technology project, "
    "service bureau, product team) and which of its mistakes the data shows, each with its "
    "evidence and the better approach.",
    invoke_without_command=True,
)

SEVERITY_STYLE = {"critical": "red", "warning": "yellow", "info": "cyan"}


def print_diagnoses(found: list[Diagnosis]) -> None:
    """Diagnoses for people: severity, id, message, the better approach, the links."""
    if not found:
        console.print("[green]No diagnosis: nothing in the data calls for attention.[/green]")
    for item in found:
        style = SEVERITY_STYLE.get(item.severity, "")
        console.print(f"[{style}]{item.severity}[/{style}] {item.id}: ", end="")
        console.print(item.message, markup=False, highlight=False)
        if item.better_approach:
            console.print(f"  better: {item.better_approach}", markup=False, highlight=False)
        for link in item.links[:3]:
            console.print(f"  {link.kind}: {link.label} ({link.page})", markup=False)


@coach_app.callback()
def coach(
    ctx: typer.Context,
    window: WindowOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Every diagnosis the data shows for a window (default: the last 30 days), most severe
    first. `--json` prints `{"diagnoses": [{"id", "severity", "message", "evidence",
    "better_approach", "links"}]}`, the same list as `pavedroad kpis --diagnose --json`."""
    if ctx.invoked_subcommand is not None:
        return
    with (
        store(db) as session,
        err_console.status("Reading the team's data", spinner="dots")
        if err_console.is_terminal
        else nullcontext(),
    ):
        found = service.diagnose(session=session, window=parse_window(window) if window else None)
    if as_json:
        print_json({"diagnoses": [d.as_contract() for d in found]})
        return
    print_diagnoses(found)


@coach_app.command("mode")
def mode(
    quarter: Annotated[
        str | None, typer.Option(help="The quarter, such as 2026-Q3 (default: this one).")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Which of the practice's three modes the team worked in during a quarter, and the
    signals that say so. `--json` prints `{"mode", "signals": [{"id", "value", "points_to",
    "evidence"}]}` (and the quarter)."""
    with store(db) as session:
        found = mode_service.team_mode(session=session, quarter=quarter)
    if as_json:
        print_json(found)
        return
    console.print(
        f"{found.quarter}: the team works as a [bold]{found.mode.replace('_', ' ')}[/bold]"
    )
    for signal in found.signals:
        points = signal.points_to.replace("_", " ") if signal.points_to else "no signal"
        console.print(f"  {signal.id} -> {points}: ", end="")
        console.print(signal.evidence, markup=False, highlight=False)
