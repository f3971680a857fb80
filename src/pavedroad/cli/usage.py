"""CLI: Usage analytics per platform capability."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from pavedroad.cli.common import DbOption, JsonOption, console, print_json, print_table, store
from pavedroad.metrics.windows import WINDOW_FORMS, parse_window
from pavedroad.research import usage as service

app = typer.Typer(help="Usage analytics per platform capability.", no_args_is_help=True)


def _names(slugs: list[str], shown: int = 6) -> str:
    more = f" +{len(slugs) - shown}" if len(slugs) > shown else ""
    return ", ".join(slugs[:shown]) + more


@app.command("report")
def report(
    window: Annotated[
        str | None,
        typer.Option(
            "--window",
            "-w",
            help=f"The window: {WINDOW_FORMS}. Default: last-{service.DEFAULT_WINDOW_DAYS}d.",
        ),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Per capability: teams and developers using it, first and last use, the teams that
    stopped (abandoned: no use in the window's last 30 days), uses in its first week, and
    the eligible teams that never used it. --json prints the contract of docs/research-usage.md.
    """
    chosen = parse_window(window) if window else service.default_window()
    with store(db) as session:
        if as_json:
            print_json(service.report(session=session, window=chosen))
            return
        found = service.capability_usage(session=session, window=chosen)
    console.print(
        f"[bold]Usage for {escape(chosen.label)}[/bold] "
        f"({chosen.start:%Y-%m-%d} .. {chosen.end:%Y-%m-%d}, end exclusive)"
    )
    print_table(
        f"{len(found)} capabilities",
        ["capability", "launched", "teams", "devs", "uses", "1st week", "last use"],
        [
            [
                escape(u.capability),
                u.launched_at.isoformat() if u.launched_at else "",
                len(u.teams),
                u.developers,
                u.events,
                "" if u.first_week_uses is None else u.first_week_uses,
                u.last_use.date().isoformat() if u.last_use else "",
            ]
            for u in found
        ],
        empty=(
            "No capabilities and no usage yet. Import usage: pavedroad import usage-events "
            "FILE.csv, or add capabilities: pavedroad catalog capability add NAME"
        ),
    )
    for u in found:
        if u.never_used or u.abandoned:
            console.print(
                f"{u.capability}: never used by {_names(u.never_used) or 'none'}; "
                f"stopped: {_names(u.abandoned) or 'none'}",
                markup=False,
                highlight=False,
            )
