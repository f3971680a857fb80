"""CLI: Interviews: scripts, notes and synthesis, transcripts and talk ratio."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Interviews: scripts, notes and synthesis, transcripts and talk ratio.",
    no_args_is_help=True,
)
