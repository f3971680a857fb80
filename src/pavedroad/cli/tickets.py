"""CLI: Support-ticket analysis: categorisation rules, categorising and the report."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Support-ticket analysis: categorisation rules, categorising and the report.",
    no_args_is_help=True,
)
