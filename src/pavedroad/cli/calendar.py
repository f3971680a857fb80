"""CLI: The internal marketing calendar: demo days, office hours, posts."""

from __future__ import annotations

import typer

calendar_app = typer.Typer(
    help="The internal marketing calendar: demo days, office hours, posts.", no_args_is_help=True
)
