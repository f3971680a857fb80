"""CLI: Weekly and monthly reports as Markdown with PNG charts."""

from __future__ import annotations

import typer

report_app = typer.Typer(
    help="Weekly and monthly reports as Markdown with PNG charts.", no_args_is_help=True
)
