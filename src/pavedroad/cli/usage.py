"""CLI: Usage analytics per platform capability."""

from __future__ import annotations

import typer

app = typer.Typer(help="Usage analytics per platform capability.", no_args_is_help=True)
