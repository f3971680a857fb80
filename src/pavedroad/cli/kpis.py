"""`pavedroad kpis`: every platform KPI with target, status, trend and sparkline; targets; diagnoses."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Annotated, Literal

import typer
from rich.table import Table

from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    WindowOption,
    console,
    err_console,
    parse_day,
    print_json,
    store,
)
from pavedroad.coach import service as coach_service
from pavedroad.errors import printable
from pavedroad.metrics import service
from pavedroad.metrics.baseline import (
    Baseline,
    BaselineIn,
    clear_baseline,
    get_baseline,
    set_baseline,
)
from pavedroad.metrics.definitions import KPI_IDS, format_value
from pavedroad.metrics.windows import Window, parse_window

app = typer.Typer(
    help=(
        "Platform KPIs from the ingested telemetry: value, target, status, trend against the "
        "previous window and a 26-week sparkline, grouped leading / lagging."
    ),
    invoke_without_command=True,
)
target_app = typer.Typer(help="The organisation's KPI targets (defaults: the KPI definitions).")
app.add_typer(target_app, name="target")

TeamOption = Annotated[str | None, typer.Option("--team", help="Only this team (its slug).")]
ServiceOption = Annotated[str | None, typer.Option("--service", help="Only this service.")]

STATUS_STYLE = {
    "met": "green",
    "improving": "green",
    "missed": "red",
    "worsening": "red",
    "steady": "yellow",
    "no_data": "dim",
    "hidden": "dim",
    "not_applicable": "dim",
}
BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float | None]) -> str:
    """Unicode bars scaled between the series' min and max; gaps for weeks without data."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = high - low
    return "".join(
        " "
        if v is None
        else BARS[0 if span == 0 else min(len(BARS) - 1, int((v - low) / span * len(BARS)))]
        for v in values
    )


def _window(text: str | None) -> Window | None:
    return parse_window(text) if text else None


@app.callback()
def kpis(
    ctx: typer.Context,
    window: WindowOption = None,
    team: TeamOption = None,
    service_name: ServiceOption = None,
    diagnose: Annotated[
        bool,
        typer.Option(
            "--diagnose",
            help="Print the coach's diagnoses for the window instead of the KPIs (the same "
            "list as `pavedroad coach`).",
        ),
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Every KPI for a window. `--json` prints the contract of docs/kpis.md."""
    if ctx.invoked_subcommand is not None:
        return
    with (
        store(db) as session,
        err_console.status("Computing KPIs", spinner="dots")
        if err_console.is_terminal
        else nullcontext(),
    ):
        board = service.dashboard(
            session=session, window=_window(window), team=team, service=service_name
        )
        found = coach_service.diagnose(session=session, board=board) if diagnose else []
    if diagnose:
        if as_json:
            print_json({"diagnoses": [d.as_contract() for d in found]})
            return
        from pavedroad.cli.coach import print_diagnoses

        print_diagnoses(found)
        return
    if as_json:
        print_json(board.contract())
        return
    _print_board(board)


def _print_board(board: service.Dashboard) -> None:
    scope = ", ".join(
        part
        for part in (
            f"team {board.cut.team}" if board.cut.team else "",
            f"service {board.cut.service}" if board.cut.service else "",
        )
        if part
    )
    console.print(
        f"[bold]KPIs for {board.window.label}[/bold] "
        f"({board.window.start:%Y-%m-%d} .. {board.window.end:%Y-%m-%d}, end exclusive)"
        + (f" — {scope}" if scope else "")
    )
    for kind in ("leading", "lagging"):
        table = Table(
            title=f"{kind.capitalize()} indicators (reviewed "
            + ("weekly)" if kind == "leading" else "monthly)"),
            title_justify="left",
            header_style="bold",
        )
        wide = console.width >= 130
        weeks = 26 if wide else 8
        for column, justify in (
            ("KPI", "left"),
            ("value", "right"),
            ("target", "left"),
            ("status", "left"),
            ("trend", "right"),
            *([("n", "right")] if wide else []),
            (f"{weeks} weeks", "left"),
        ):
            table.add_column(
                column,
                justify=justify,  # type: ignore[arg-type]
                no_wrap=column != "KPI",
                min_width=18 if column == "KPI" else None,
            )
        for result in board.results:
            definition = result.definition
            if definition.kind != kind:
                continue
            style = STATUS_STYLE.get(result.status, "")
            trend = result.trend
            trend_text = "" if trend is None else _signed(trend, definition.unit)
            series = board.weekly.get(definition.id)
            table.add_row(
                definition.name,
                format_value(result.value, definition.unit),
                definition.target_text(result.target),
                f"[{style}]{result.status.replace('_', ' ')}[/{style}]",
                trend_text,
                *([_answers(result)] if wide else []),
                sparkline([v for _, v, _ in series.points][-weeks:]) if series else "",
            )
        console.print(table)
    console.print("[dim]`pavedroad kpis show ID` explains a KPI; `--json` gives the ids.[/dim]")


def _answers(result: service.KpiResult) -> str:
    """The sample size, or `<5` where the anonymity rule hides the number."""
    if result.status == "hidden":
        return f"<{service.MIN_SURVEY_RESPONDENTS}"
    return f"{result.sample_size:,}"


def _signed(change: float, unit: str) -> str:
    if unit == "fraction":
        return f"{change * 100:+.1f} pts"
    return f"{change:+.1f}"


@app.command("show")
def show(
    kpi_id: Annotated[str, typer.Argument(help=f"A KPI id: {', '.join(KPI_IDS)}.")],
    by: Annotated[
        str | None, typer.Option("--by", help="Break down by `team` or `service`.")
    ] = None,
    weeks: Annotated[int, typer.Option(help="How many weeks of history.", min=1, max=156)] = 26,
    window: WindowOption = None,
    team: TeamOption = None,
    service_name: ServiceOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """One KPI: its definition, weekly values, and its value per team or service."""
    if by not in (None, "team", "service"):
        raise typer.BadParameter("--by takes `team` or `service`")
    cut: Literal["team", "service"] | None = by  # type: ignore[assignment]
    with store(db) as session:
        detail = service.kpi_detail(
            session=session,
            kpi_id=kpi_id,
            window=_window(window),
            by=cut,
            weeks=weeks,
            team=team,
            service=service_name,
        )
    definition = detail.headline.definition
    if as_json:
        print_json(detail.contract())
        return
    head = detail.headline
    console.print(f"[bold]{definition.name}[/bold] [dim]{definition.id}[/dim]")
    console.print(f"[dim]{definition.semantics}[/dim]")
    console.print(
        f"{head.window.label}: [bold]{format_value(head.value, definition.unit)}[/bold] "
        f"(target {definition.target_text(head.target)}, {head.status.replace('_', ' ')}, "
        f"n={_answers(head)})"
    )
    table = Table(title="Weekly", title_justify="left", header_style="bold")
    table.add_column("week")
    table.add_column("value", justify="right")
    table.add_column("n", justify="right")
    for week, value, sample in detail.overall.points:
        table.add_row(week.label, format_value(value, definition.unit), f"{sample:,}")
    console.print(table)
    if detail.by:
        groups = Table(title=f"By {detail.by}", title_justify="left", header_style="bold")
        for column in (detail.by, "value", "status", "n", "trend"):
            groups.add_column(column)
        for g in detail.groups:
            groups.add_row(
                g.group,
                "hidden" if g.status == "hidden" else format_value(g.value, definition.unit),
                g.status.replace("_", " "),
                _answers(g),
                sparkline([v for _, v, _ in detail.group_series[g.group].points]),
            )
        console.print(groups)


@target_app.command("set")
def set_target(
    kpi_id: Annotated[str, typer.Argument(help="The KPI id.")],
    value: Annotated[
        float, typer.Argument(help="The target in the KPI's unit (fractions as 0.8 for 80%).")
    ],
    db: DbOption = None,
) -> None:
    """Set the organisation's target for a KPI."""
    with store(db) as session:
        service.set_target(session=session, kpi_id=kpi_id, value=value, set_by="cli")
        definition = service.get_definition_or_raise(kpi_id)
    console.print(f"Target for {kpi_id} is now {definition.target_text(value)}")


@target_app.command("reset")
def reset_target(
    kpi_id: Annotated[str, typer.Argument(help="The KPI id.")], db: DbOption = None
) -> None:
    """Go back to the KPI's default target."""
    with store(db) as session:
        service.reset_target(session=session, kpi_id=kpi_id)
        definition = service.get_definition_or_raise(kpi_id)
    console.print(f"Target for {kpi_id} is back to its default: {definition.target_text()}")


@target_app.command("list")
def list_targets(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Every KPI's target: the organisation's own where set, else the default."""
    with store(db) as session:
        found = service.targets(session=session)
    if as_json:
        print_json([{"id": kpi, "target": value} for kpi, value in found.items()])
        return
    table = Table(title="KPI targets", title_justify="left", header_style="bold")
    table.add_column("KPI")
    table.add_column("target")
    for kpi, value in found.items():
        table.add_row(kpi, service.get_definition_or_raise(kpi).target_text(value))
    console.print(table)


def _baseline_contract(found: Baseline | None) -> dict[str, object]:
    """`kpis baseline --json`: the day (null when none is set) and its label."""
    return {"day": found.day.isoformat() if found else None, "label": found.label if found else ""}


@app.command("baseline")
def baseline(
    day: Annotated[
        str | None,
        typer.Argument(help="The day to measure progress from (YYYY-MM-DD); without it: show it."),
    ] = None,
    label: Annotated[
        str, typer.Option("--label", help='What happened that day, e.g. "PM arrived".')
    ] = "",
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove the baseline (compare with 30 days before).")
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show, set or clear the baseline: the day the home page's north-star KPIs compare with."""
    if clear and day is not None:
        raise typer.BadParameter("give a DAY or --clear, not both")
    with store(db) as session:
        if clear:
            clear_baseline(session=session)
        elif day is not None:
            data = BaselineIn(day=parse_day(day, option="DAY", example="2026-06-01"), label=label)
            set_baseline(session=session, data=data, set_by="cli")
        found = get_baseline(session=session)
    if as_json:
        print_json(_baseline_contract(found))
        return
    if found is None:
        console.print("No baseline: the KPIs compare with the previous 30 days.")
        console.print(
            '[dim]`pavedroad kpis baseline 2026-06-01 --label "PM arrived"` sets one.[/dim]'
        )
        return
    named = f" ({printable(found.label)})" if found.label else ""
    console.print(f"Baseline: {found.day.isoformat()}{named}")
