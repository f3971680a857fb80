"""CLI: the `research` group, composed of each research method's commands."""

from __future__ import annotations

import typer

from pavedroad.cli import insights, interviews, shadowing

research_app = typer.Typer(
    help="Discover: shadowing notes, interviews, insights and research coverage.",
    no_args_is_help=True,
)
research_app.command("import")(shadowing.import_notes)
research_app.command("coverage")(insights.coverage)
research_app.add_typer(shadowing.app, name="shadowing")
research_app.add_typer(interviews.app, name="interview")
research_app.add_typer(insights.app, name="insights")
