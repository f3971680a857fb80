"""CLI: Surveys hosted by pavedroad: waves, anonymous links, imports and results."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Surveys hosted by pavedroad: waves, anonymous links, imports and results.",
    no_args_is_help=True,
)
