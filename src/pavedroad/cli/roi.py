"""CLI: Return on the platform: hours given back to developers, per quarter."""

from __future__ import annotations

from typing import Annotated

import typer

from pavedroad.cli.common import DbOption, JsonOption, console, number_text, print_json, store
from pavedroad.comms import roi as roi_maths
from pavedroad.comms import roi_assumptions as service
from pavedroad.comms.schemas.roi import RoiOut
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.settings import load_settings

roi_app = typer.Typer(
    help="Return on the platform: hours given back to developers, per quarter.\n\n"
    "`pavedroad roi [--quarter 2026-Q3] [--json]` shows a quarter (default: the current one, "
    "to date); `roi set KEY VALUE` and `roi reset KEY` edit an assumption.",
    invoke_without_command=True,
    no_args_is_help=False,
)
KEYS_HELP = ", ".join(roi_maths.ASSUMPTIONS)


def _money(value: float | None, currency: str) -> str:
    return "unknown" if value is None else f"{number_text(value)} {currency}"


def _print(report: RoiOut) -> None:
    span = "" if report.complete else f" (to date, until {report.end})"
    console.print(f"[bold]ROI {report.quarter}[/bold]{span}")
    for term in report.terms:
        hours = "unknown" if term.hours is None else f"{number_text(term.hours)} h"
        console.print(f"  {term.id:<11} {hours:>14}   = {term.formula}")
        for key, value in term.assumptions.items():
            shown = "missing" if value is None else number_text(value)
            console.print(f"      {key} = {shown}", highlight=False)
    console.print(f"  hours saved {number_text(report.hours_saved)} h")
    console.print(f"  hourly rate {_money(report.hourly_rate, report.currency)}")
    console.print(f"  value       {_money(report.value, report.currency)}")
    console.print(
        f"  platform    {_money(report.platform_cost, report.currency)}"
        f"   = {report.platform_cost_formula}"
    )
    roi = "unknown" if report.roi is None else f"{report.roi * 100:.0f}%"
    console.print(f"  ROI         {roi}   = (value - platform cost) / platform cost")
    gain = report.productivity_gain
    shown = "unknown" if gain.percent is None else f"{gain.percent:.1f}%"
    console.print(f"  productivity gain across adopting teams {shown}   = {gain.formula}")
    missing = [a.key for a in report.assumptions if a.source == "missing"]
    if missing:
        console.print(
            "[dim]Missing: " + ", ".join(missing) + ". Set one: pavedroad roi set KEY VALUE[/dim]"
        )


@roi_app.callback()
def roi(
    ctx: typer.Context,
    quarter: Annotated[
        str | None,
        typer.Option("--quarter", help="A quarter such as 2026-Q3 (default: the current one)."),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            help="The quarter before the work, e.g. 2026-Q2 (default: the earliest of the four "
            "quarters before with data).",
        ),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The quarter's hours given back per term, their value, the platform's cost and the ROI."""
    if ctx.invoked_subcommand is not None:
        return
    currency = load_settings(db).currency
    with store(db) as session:
        report = service.quarter_roi(
            session=session, quarter=quarter, baseline=baseline, currency=currency
        )
    if as_json:
        print_json(report)
    else:
        _print(report)


@roi_app.command("set", context_settings={"ignore_unknown_options": True})
def set_(
    key: Annotated[str, typer.Argument(help=f"The assumption: {KEYS_HELP}.")],
    value: Annotated[str, typer.Argument(help="Its value, a number (e.g. 3 or 0.25).")],
    db: DbOption = None,
) -> None:
    """Edit an assumption; it holds for every quarter until `roi reset KEY`."""
    try:
        number = float(value.replace(",", "").replace("_", ""))
    except ValueError:
        raise InvalidInputError(
            [InputProblem(source="roi set", field=key, reason="expected a number", value=value)]
        ) from None
    with store(db) as session:
        service.set_assumption(session=session, key=key, value=number)
    console.print(f"Set {key.strip()} = {number_text(number)}.", highlight=False)


@roi_app.command("reset")
def reset(
    key: Annotated[str, typer.Argument(help=f"The assumption: {KEYS_HELP}.")],
    db: DbOption = None,
) -> None:
    """Forget an edited assumption, so data (or the default) gives its value again."""
    with store(db) as session:
        changed = service.reset_assumption(session=session, key=key)
    console.print(
        f"Reset {key.strip()}." if changed else f"{key.strip()} was not edited.", highlight=False
    )
