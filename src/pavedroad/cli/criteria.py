"""`pavedroad initiatives criteria`: success and kill criteria, judged against the live KPIs."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from pavedroad.backlog import criteria as criteria_service
from pavedroad.backlog import service
from pavedroad.backlog.schemas import CriterionIn
from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    parse_day,
    print_json,
    print_table,
    store,
)
from pavedroad.errors import InputProblem, InvalidInputError

criteria_app = typer.Typer(
    help="Success and kill criteria (KPI, threshold, date), judged against the live KPIs.",
    no_args_is_help=True,
)

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Judge criteria as on this day (YYYY-MM-DD) instead of today.",
        show_default=False,
    ),
]


def as_of_day(text: str | None) -> date | None:
    """The --as-of day criteria are judged on (None: today)."""
    return None if text is None else parse_day(text, option="--as-of", example="2026-09-30")


@criteria_app.command("add")
def criterion_add(
    title: Annotated[str, typer.Argument(help="Title of the initiative.")],
    criterion: Annotated[
        str | None,
        typer.Argument(
            help="Compact form: 'ci_duration_p50 < 5 by 2026-06-30' "
            "('kill if adoption_rate < 30% by 2026-09-30' for a kill criterion).",
            show_default=False,
        ),
    ] = None,
    kpi: Annotated[str | None, typer.Option(help="KPI id, e.g. ci_duration_p50.")] = None,
    below: Annotated[str | None, typer.Option(help="Met when the KPI is below this.")] = None,
    above: Annotated[str | None, typer.Option(help="Met when the KPI is above this.")] = None,
    at_most: Annotated[str | None, typer.Option(help="Met when the KPI is at most this.")] = None,
    at_least: Annotated[str | None, typer.Option(help="Met when the KPI is at least this.")] = None,
    by: Annotated[str | None, typer.Option(help="Due date, YYYY-MM-DD.")] = None,
    kill: Annotated[
        bool, typer.Option(help="A kill criterion: its condition holding kills.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a success (or kill) criterion: a KPI, a threshold in its unit, and a date."""
    data = _criterion(criterion, kpi, below, above, at_most, at_least, by, kill)
    with store(db) as session:
        found = service.get_initiative_by_ref_or_raise(session=session, ref=title)
        added = criteria_service.add_criterion(session=session, initiative=found, data=data)
        shown, number = found.title, added.id
    text = criteria_service.criterion_text(
        data.kind, data.kpi_id, data.comparator, data.threshold, data.due
    )
    console.print(f"Added criterion {number} to {shown!r}: {text}", highlight=False)


def _criterion(
    compact: str | None,
    kpi: str | None,
    below: str | None,
    above: str | None,
    at_most: str | None,
    at_least: str | None,
    by: str | None,
    kill: bool,
) -> CriterionIn:
    if compact is not None:
        data = criteria_service.parse_criterion(compact)
        return data.model_copy(update={"kind": "kill"}) if kill else data
    given = [
        (op, v) for op, v in (("<", below), (">", above), ("<=", at_most), (">=", at_least)) if v
    ]
    problems = []
    if not kpi:
        problems.append(InputProblem(source="criterion", field="--kpi", reason="is required"))
    if len(given) != 1:
        problems.append(
            InputProblem(
                source="criterion",
                field="--below/--above/--at-most/--at-least",
                reason="give exactly one",
            )
        )
    if not by:
        problems.append(InputProblem(source="criterion", field="--by", reason="is required"))
    if problems or kpi is None or by is None:
        raise InvalidInputError(problems)
    kpi_id = kpi.strip().lower()
    CriterionIn.model_validate(
        {"kpi_id": kpi_id, "comparator": "<", "threshold": 0, "due": by}
    )  # the KPI id and date, with their allowed values, before the threshold
    comparator, threshold = given[0]
    return CriterionIn.model_validate(
        {
            "kind": "kill" if kill else "success",
            "kpi_id": kpi_id,
            "comparator": comparator,
            "threshold": criteria_service.parse_threshold(kpi_id, threshold),
            "due": by,
        }
    )


@criteria_app.command("list")
def criterion_list(
    title: Annotated[str | None, typer.Argument(help="Only this initiative's.")] = None,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Criteria with their state: met, on_track, at_risk, missed (kill: triggered, cleared)."""
    with store(db) as session:
        rows = service.judged_criteria(session=session, title=title, today=as_of_day(as_of))
    if as_json:
        print_json(rows)
        return
    print_table(
        "Success and kill criteria",
        ["initiative", "#", "kind", "criterion", "state", "value", "judged on"],
        [
            [
                r.title if n == 0 else "",
                c.id,
                c.kind,
                c.text,
                c.state.replace("_", " ")
                + ("" if c.final or c.state == "no_data" else " (so far)"),
                c.value_text,
                c.judged_on.isoformat() if c.judged_on else "",
            ]
            for r in rows
            for n, c in enumerate(r.criteria)
        ],
        empty="No criteria yet. Add one: pavedroad initiatives criteria add TITLE "
        '"ci_duration_p50 < 5 by 2026-06-30"',
    )
    for r in rows:
        if r.kill_proposed:
            console.print(f"[red]Proposed for killing:[/red] {r.title}", highlight=False)


@criteria_app.command("remove")
def criterion_remove(
    title: Annotated[str, typer.Argument(help="Title of the initiative.")],
    criterion_id: Annotated[int, typer.Argument(help="The criterion's number (criteria list).")],
    db: DbOption = None,
) -> None:
    """Remove a criterion from an initiative."""
    with store(db) as session:
        found = service.get_initiative_by_ref_or_raise(session=session, ref=title)
        criteria_service.remove_criterion(
            session=session, initiative=found, criterion_id=criterion_id
        )
    console.print(f"Removed criterion {criterion_id}.")
