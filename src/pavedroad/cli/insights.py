"""CLI: Insights: atomic findings with their source, linked to problems."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Insights: atomic findings with their source, linked to problems.", no_args_is_help=True
)


def coverage() -> None:
    """Research coverage and bias warnings per quarter (being built)."""
    raise typer.Exit(2)
