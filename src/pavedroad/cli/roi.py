"""CLI: Return on the platform: hours given back to developers, per quarter."""

from __future__ import annotations

import typer

roi_app = typer.Typer(
    help="Return on the platform: hours given back to developers, per quarter.",
    no_args_is_help=True,
)
