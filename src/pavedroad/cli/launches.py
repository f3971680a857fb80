"""CLI: Launch plans: the practice's 90-day checklist with success criteria."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.markup import escape

from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    parse_day,
    print_json,
    print_table,
    store,
)
from pavedroad.comms import launches as service
from pavedroad.comms.schemas.launches import (
    CRITERION_KINDS,
    DEFAULT_ADOPTED_TEAMS,
    DEFAULT_SATISFACTION,
    DEFAULT_TICKETS_PER_WEEK,
    LaunchCriterionIn,
    LaunchIn,
    LaunchItemUpdate,
    LaunchOut,
)
from pavedroad.metrics.windows import today_utc

launch_app = typer.Typer(
    help="Launch plans: the practice's 90-day checklist with success criteria.",
    no_args_is_help=True,
)
criteria_app = typer.Typer(
    help="A plan's success criteria: adopted teams, satisfaction, tickets per week.",
    no_args_is_help=True,
)
launch_app.add_typer(criteria_app, name="criteria")

PlanArgument = Annotated[str, typer.Argument(help="The plan's id or its feature name.")]
ItemArgument = Annotated[
    int, typer.Argument(help="The item's id (`pavedroad launch show PLAN` lists them).", min=1)
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Judge overdue items and criteria as on this day (YYYY-MM-DD). Default: today.",
        show_default=False,
    ),
]
PHASE_WORDS = {"pre_launch": "pre-launch", "launch": "launch week", "post_launch": "post-launch"}
STATUS_STYLE = {
    "met": "green",
    "on_track": "green",
    "at_risk": "yellow",
    "missed": "red",
    "no_data": "dim",
}


def _today(as_of: str | None) -> date:
    return parse_day(as_of, option="--as-of", example="2026-11-15") if as_of else today_utc()


def _value(value: float | None) -> str:
    return "no data" if value is None else f"{value:g}"


def _print_plan(plan: LaunchOut) -> None:
    capability = f" ({escape(plan.capability)})" if plan.capability else ""
    owner = f", owner {escape(plan.owner)}" if plan.owner else ""
    done = sum(1 for i in plan.items if i.done)
    console.print(
        f"[bold]#{plan.id} {escape(plan.feature)}[/bold]{capability}: launches "
        f"{plan.launch_date.isoformat()}{owner}; {done}/{len(plan.items)} items done"
    )
    print_table(
        "Checklist",
        ["#", "phase", "item", "due", "owner", "state"],
        [
            [
                i.id,
                PHASE_WORDS[i.phase],
                escape(i.title),
                i.due.isoformat(),
                escape(i.owner or ""),
                "done" if i.done else ("[red]OVERDUE[/red]" if i.overdue else "open"),
            ]
            for i in plan.items
        ],
        empty="No items.",
    )
    print_table(
        "Success criteria",
        ["#", "criterion", "target", "value", "status"],
        [
            [
                c.id,
                c.kind,
                c.target,
                _value(c.value),
                f"[{STATUS_STYLE[c.status]}]{c.status}[/{STATUS_STYLE[c.status]}]",
            ]
            for c in plan.criteria
        ],
        empty=f"No criteria. Add one: pavedroad launch criteria add {plan.id} --kind adopted_teams "
        "--threshold 10",
    )


@launch_app.command("create")
def create(
    feature: Annotated[str, typer.Option("--feature", help="What launches (unique).")],
    launch_date: Annotated[str, typer.Option("--date", help="The launch day, YYYY-MM-DD.")],
    capability: Annotated[
        str | None,
        typer.Option("--capability", help="The catalog capability it launches (for criteria)."),
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", help="The owner's email; every item is assigned to them."),
    ] = None,
    adopted: Annotated[
        int,
        typer.Option("--adopted", help="Success: at least N teams use it within 30 days.", min=0),
    ] = DEFAULT_ADOPTED_TEAMS,
    satisfaction: Annotated[
        float,
        typer.Option("--satisfaction", help="Success: survey satisfaction (1-5) at least S."),
    ] = DEFAULT_SATISFACTION,
    tickets_per_week: Annotated[
        float,
        typer.Option(
            "--tickets-per-week", help="Success: at most Z support tickets a week for it.", min=0
        ),
    ] = DEFAULT_TICKETS_PER_WEEK,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Create the practice's 90-day plan: pre-launch weeks 1-4 in the 30 days before the date,
    the launch week's items, post-launch weeks 1-2 to 7-8 in the 60 days after, and the three
    success criteria."""
    data = LaunchIn(
        feature=feature,
        launch_date=parse_day(launch_date, option="--date", example="2026-11-01"),
        capability=capability,
        owner=owner,
        adopted_teams=adopted,
        satisfaction=satisfaction,
        tickets_per_week=tickets_per_week,
    )
    with store(db) as session:
        plan = service.create_launch(session=session, data=data)
        shown = service.launch_out(session=session, plan=plan)
    if as_json:
        print_json(shown)
        return
    _print_plan(shown)


@launch_app.command("list")
def list_plans(as_of: AsOfOption = None, as_json: JsonOption = False, db: DbOption = None) -> None:
    """Every plan by launch date with its progress (done/total, overdue) and criteria statuses
    (--json: `{"launches": [...]}`)."""
    with store(db) as session:
        found = service.launch_list(session, today=_today(as_of))
    if as_json:
        print_json(found)
        return
    print_table(
        f"{len(found.launches)} launch plans",
        ["#", "feature", "launch", "done", "overdue", "criteria"],
        [
            [
                p.id,
                escape(p.feature),
                p.launch_date.isoformat(),
                f"{p.progress.done}/{p.progress.total}",
                f"[red]{p.progress.overdue}[/red]" if p.progress.overdue else "0",
                ", ".join(f"{c.kind} {c.status}" for c in p.criteria),
            ]
            for p in found.launches
        ],
        empty="No launch plans yet. Create one: pavedroad launch create --feature NAME "
        "--date YYYY-MM-DD",
    )


@launch_app.command("show")
def show(
    plan: PlanArgument, as_of: AsOfOption = None, as_json: JsonOption = False, db: DbOption = None
) -> None:
    """A plan's checklist in due order (overdue items marked) and its criteria judged on live
    data: met, on_track, at_risk, missed or no_data."""
    with store(db) as session:
        found = service.get_launch_or_raise(session=session, ref=plan)
        shown = service.launch_out(session=session, plan=found, today=_today(as_of))
    if as_json:
        print_json(shown)
        return
    _print_plan(shown)


def _update(db: str | None, plan: str, item: int, data: LaunchItemUpdate, as_json: bool) -> None:
    today = today_utc()
    with store(db) as session:
        found = service.get_launch_or_raise(session=session, ref=plan)
        changed = service.update_item(
            session=session, plan=found, item_id=item, data=data, today=today
        )
        shown = service.item_out(changed, today=today)
    if as_json:
        print_json(shown)
        return
    state = "done" if shown.done else ("OVERDUE" if shown.overdue else "open")
    console.print(
        f"Item {shown.id} {escape(shown.title)}: due {shown.due.isoformat()}, "
        f"owner {escape(shown.owner or 'nobody')}, {state}."
    )


@launch_app.command("tick")
def tick(
    plan: PlanArgument, item: ItemArgument, as_json: JsonOption = False, db: DbOption = None
) -> None:
    """Mark an item done (today)."""
    _update(db, plan, item, LaunchItemUpdate(done=True), as_json)


@launch_app.command("untick")
def untick(
    plan: PlanArgument, item: ItemArgument, as_json: JsonOption = False, db: DbOption = None
) -> None:
    """Mark an item open again."""
    _update(db, plan, item, LaunchItemUpdate(done=False), as_json)


@launch_app.command("move")
def move(
    plan: PlanArgument,
    item: ItemArgument,
    due: Annotated[str, typer.Option("--due", help="The new due day, YYYY-MM-DD.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Give an item a new due day."""
    day = parse_day(due, option="--due", example="2026-11-20")
    _update(db, plan, item, LaunchItemUpdate(due=day), as_json)


@launch_app.command("assign")
def assign(
    plan: PlanArgument,
    item: ItemArgument,
    owner: Annotated[str, typer.Option("--owner", help="The new owner's email.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Give an item to someone else (an email address)."""
    _update(db, plan, item, LaunchItemUpdate(owner=owner), as_json)


@launch_app.command("delete")
def delete(plan: PlanArgument, db: DbOption = None) -> None:
    """Delete a plan with its items and criteria (its calendar events stay, unlinked)."""
    with store(db) as session:
        found = service.get_launch_or_raise(session=session, ref=plan)
        feature = found.feature
        service.delete_launch(session=session, plan=found)
    console.print(f"Deleted the launch plan {escape(feature)}.")


@criteria_app.command("add")
def criteria_add(
    plan: PlanArgument,
    kind: Annotated[str, typer.Option("--kind", help=f"One of {', '.join(CRITERION_KINDS)}.")],
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            help="Teams (>=) for adopted_teams, 1-5 (>=) for satisfaction, tickets a week (<=).",
        ),
    ],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Add a success criterion (one of each kind per plan)."""
    data = LaunchCriterionIn(kind=service.criterion_kind(kind), threshold=threshold)
    with store(db) as session:
        found = service.get_launch_or_raise(session=session, ref=plan)
        criterion = service.add_criterion(session=session, plan=found, data=data)
        shown = service.launch_out(session=session, plan=found)
    judged = next(c for c in shown.criteria if c.id == criterion.id)
    if as_json:
        print_json(judged)
        return
    console.print(
        f"Criterion {judged.id}: {judged.kind} {judged.target}: {judged.status} "
        f"({_value(judged.value)})."
    )


@criteria_app.command("remove")
def criteria_remove(
    plan: PlanArgument,
    criterion: Annotated[int, typer.Argument(help="The criterion's id.", min=1)],
    db: DbOption = None,
) -> None:
    """Remove a success criterion."""
    with store(db) as session:
        found = service.get_launch_or_raise(session=session, ref=plan)
        service.remove_criterion(session=session, plan=found, criterion_id=criterion)
    console.print(f"Removed criterion {criterion}.")
