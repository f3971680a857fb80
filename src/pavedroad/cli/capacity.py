"""`pavedroad capacity`: the capacity budget per quarter, plan against delivered."""

from __future__ import annotations

from typing import Annotated

import typer

from pavedroad.backlog.schemas import CATEGORIES
from pavedroad.cli.common import DbOption, JsonOption, console, print_json, print_table, store
from pavedroad.cli.roadmap import AsOfOption, as_of_day
from pavedroad.roadmap import service
from pavedroad.roadmap.schemas import CapacityIn

capacity_app = typer.Typer(
    help="The capacity budget per quarter (default 70% roadmap / 20% platform / 10% unplanned).",
    no_args_is_help=True,
)


def _split(shares: dict[str, float | None]) -> str:
    if any(shares[c] is None for c in CATEGORIES):
        return "nothing delivered"
    return "/".join(f"{(shares[c] or 0) * 100:.0f}" for c in CATEGORIES)


def _pm(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


@capacity_app.command("set")
def capacity_set(
    quarter: Annotated[str, typer.Argument(help="The quarter, e.g. 2026-Q4.")],
    person_months: Annotated[
        float, typer.Option("--person-months", help="The team's capacity in the quarter.")
    ],
    split: Annotated[
        str, typer.Option("--split", help="Roadmap/platform/unplanned percentages.")
    ] = "70/20/10",
    db: DbOption = None,
) -> None:
    """Set a quarter's capacity and its budget split."""
    data = CapacityIn(person_months=person_months, split=split)
    with store(db) as session:
        plan = service.set_capacity(session=session, quarter=quarter, data=data)
        text = (
            f"{plan.quarter}: {plan.person_months:g} person-months, "
            f"{plan.roadmap_share:.0%} roadmap / {plan.platform_share:.0%} platform / "
            f"{plan.unplanned_share:.0%} unplanned."
        )
    console.print(text, highlight=False)


@capacity_app.command("show")
def capacity_show(
    quarter: Annotated[
        str | None, typer.Option("--quarter", help="Only this quarter (2026-Q4).")
    ] = None,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Plan against what was delivered per quarter: initiatives done by category weighted by
    effort, and resolved tickets as unplanned work; warns when unplanned eats the budget."""
    with store(db) as session:
        report = service.capacity_report(session=session, quarter=quarter, as_of=as_of_day(as_of))
    if as_json:
        print_json(report)
        return
    print_table(
        "Capacity budget: plan against delivered (person-months; roadmap/platform/unplanned %)",
        ["quarter", "capacity", "plan", "delivered", "delivered split", "tickets"],
        [
            [
                q.quarter,
                _pm(q.person_months) or "not set",
                q.split_text,
                _pm(q.delivered_total),
                _split(q.actual_shares),
                q.tickets_resolved,
            ]
            for q in report
        ],
        empty="",
    )
    for q in report:
        for warning in q.warnings:
            console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
