"""CLI: The champions program: champions per team, coverage and candidates."""

from __future__ import annotations

import typer

champions_app = typer.Typer(
    help="The champions program: champions per team, coverage and candidates.", no_args_is_help=True
)
