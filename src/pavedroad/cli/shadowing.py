"""CLI: Developer shadowing sessions: list them and export their notes."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Developer shadowing sessions: list them and export their notes.", no_args_is_help=True
)


def import_notes() -> None:
    """Import shadowing notes written in the practice's template (being built)."""
    raise typer.Exit(2)
