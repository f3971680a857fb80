"""CLI: Launch plans: the practice's 90-day checklist with success criteria."""

from __future__ import annotations

import typer

launch_app = typer.Typer(
    help="Launch plans: the practice's 90-day checklist with success criteria.",
    no_args_is_help=True,
)
