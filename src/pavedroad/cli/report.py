"""CLI: Weekly and monthly reports as Markdown with PNG charts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pavedroad.cli.common import DbOption, JsonOption, console, print_json, store
from pavedroad.coach.service import report_digest
from pavedroad.comms import reports as service

report_app = typer.Typer(
    help="Weekly and monthly reports as Markdown with PNG charts.", no_args_is_help=True
)

OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Folder for the Markdown and its PNG charts (created). Default: ./reports/<period>/.",
        show_default=False,
        file_okay=False,
    ),
]


def _written(report: service.Report, out: Path | None, as_json: bool) -> None:
    path = service.write_report(report, out or Path("reports") / report.content.period)
    if as_json:
        print_json({**report.content.model_dump(mode="json"), "path": str(path)})
    else:
        console.print(str(path), highlight=False, markup=False)


@report_app.command("weekly")
def weekly(
    week: Annotated[
        str | None,
        typer.Option(
            "--week",
            help="ISO week such as 2026-W47. Default: the last complete week.",
            show_default=False,
        ),
    ] = None,
    out: OutOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Write a week's report: leading indicators with their trend against the week before, the
    week's changelog, initiatives at risk against their criteria and launches in flight with
    overdue items; one PNG chart per indicator next to it. Prints the Markdown file's path
    (with --json, the report's content and the chart file names)."""
    with store(db) as session:
        report = service.weekly_report(session=session, week=week, digest=report_digest)
    _written(report, out, as_json)


@report_app.command("monthly")
def monthly(
    month: Annotated[
        str | None,
        typer.Option(
            "--month",
            help="Calendar month such as 2026-11. Default: the last complete month.",
            show_default=False,
        ),
    ] = None,
    out: OutOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Write a month's report: the weekly sections for the month, plus the lagging indicators
    and the capacity budget (planned 70/20/10 against actual) of the month's quarter. Prints
    the Markdown file's path (with --json, the report's content and the chart file names)."""
    with store(db) as session:
        report = service.monthly_report(session=session, month=month)
    _written(report, out, as_json)
