"""CLI: The translation table: platform pain -> consequence -> business outcome."""

from __future__ import annotations

from typing import Annotated

import typer

translation_app = typer.Typer(
    help="The translation table: platform pain -> consequence -> business outcome.",
    no_args_is_help=True,
)


def pitch(title: Annotated[str, typer.Argument(help="The initiative's title.")]) -> None:
    """The pitch one-pager of an initiative: constraint, bet, outcome."""
    raise NotImplementedError
