"""CLI: The weekly changelog: add entries, assemble a week, post it to Slack or email."""

from __future__ import annotations

import typer

changelog_app = typer.Typer(
    help="The weekly changelog: add entries, assemble a week, post it to Slack or email.",
    no_args_is_help=True,
)
