"""`pavedroad initiatives`: the backlog, with RICE on the practice's scales and its rank."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from pavedroad.backlog import criteria as criteria_service
from pavedroad.backlog import service
from pavedroad.backlog.importer import FIELDS, import_initiatives
from pavedroad.backlog.rice import IMPACT_SCALE
from pavedroad.backlog.schemas import (
    CATEGORIES,
    DECISIONS,
    LANES,
    STATUSES,
    CriterionOut,
    DecisionIn,
    DecisionWord,
    InitiativeIn,
    InitiativeUpdate,
    PairSensitivity,
    RankedInitiative,
)
from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    number_text,
    one_of,
    print_json,
    print_table,
    store,
)
from pavedroad.cli.criteria import AsOfOption, as_of_day, criteria_app
from pavedroad.cli.problems import TeamOption

initiatives_app = typer.Typer(
    help="The backlog: initiatives with RICE on the practice's scales, ranked against each other.",
    no_args_is_help=True,
)
initiatives_app.add_typer(criteria_app, name="criteria")


def _confidence(value: float) -> str:
    return f"{value * 100:.0f}%"


def _impact(value: float) -> str:
    return f"{value:g} ({IMPACT_SCALE.get(value, '?')})"


def _reach(item: RankedInitiative) -> str:
    shown = f"{item.reach:,.0f}" if item.reach == int(item.reach) else number_text(item.reach)
    return shown + (" (teams)" if item.reach_source == "teams" else "")


def _bar(rice: float, top: float, width: int = 10) -> str:
    if top <= 0:
        return ""
    return "█" * max(1 if rice > 0 else 0, round(width * rice / top))


def _rank(item: RankedInitiative) -> str:
    return f"{item.rank} of {item.ranked_of}" if item.rank is not None else item.status


def _print_ranked(items: list[RankedInitiative]) -> None:
    top = max((i.rice for i in items if i.rank is not None), default=0)
    print_table(
        f"{sum(1 for i in items if i.rank is not None)} initiatives ranked by RICE "
        f"(done and killed ones are listed, not ranked)",
        [
            "rank",
            "initiative",
            "RICE",
            "",
            "reach",
            "impact",
            "conf.",
            "effort",
            "status",
            "lane",
            "goal",
            "flags",
        ],
        [
            [
                i.rank if i.rank is not None else "-",
                i.title,
                number_text(i.rice),
                _bar(i.rice, top) if i.rank is not None else "",
                _reach(i),
                f"{i.impact:g}",
                _confidence(i.confidence),
                number_text(i.effort),
                i.status,
                i.lane or "",
                i.goal or "",
                " ".join(i.flags),
            ]
            for i in items
        ],
        empty="The backlog is empty. Add an initiative: pavedroad initiatives add TITLE "
        "--reach 200 --impact 2 --confidence 80% --effort 2, or import a file: "
        "pavedroad initiatives import backlog.csv",
    )


@initiatives_app.command("list")
def initiative_list(
    status: Annotated[
        str | None, typer.Option(help=f"Only this status: {', '.join(STATUSES)}.")
    ] = None,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The backlog sorted by RICE, each with its rank among the active initiatives.

    --json prints a JSON array; each item has title, rice (two decimals), rank (1 = highest
    RICE, null when done or killed), lane, goal and flags (no_goal, no_problem,
    no_success_criteria, kill_proposed), and more.
    """
    with store(db) as session:
        items = service.list_initiatives(session=session, today=as_of_day(as_of))
    if status:
        items = [i for i in items if i.status == status.strip().lower().replace(" ", "_")]
    if as_json:
        print_json(items)
    else:
        _print_ranked(items)


def _rice_fields(
    reach: str | None, impact: str | None, confidence: str | None, effort: str | None
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if reach is not None:
        fields["reach"] = None if reach.strip().lower() in ("teams", "") else reach
    for name, value in (("impact", impact), ("confidence", confidence), ("effort", effort)):
        if value is not None:
            fields[name] = value
    return fields


ReachOption = Annotated[
    str | None,
    typer.Option(
        help="Developers affected per quarter; `teams` derives it from the --team headcounts."
    ),
]
ImpactOption = Annotated[
    str | None, typer.Option(help="3 massive, 2 high, 1 medium, 0.5 low, 0.25 minimal.")
]
ConfidenceOption = Annotated[str | None, typer.Option(help="100%, 80% or 50% (or 1, 0.8, 0.5).")]
EffortOption = Annotated[str | None, typer.Option(help="Person-months, above 0.")]
ProblemOption = Annotated[
    list[str] | None,
    typer.Option("--problem", help="Title of a problem it addresses; repeat for more."),
]


def _ranked(session: Session, initiative_id: int) -> RankedInitiative:
    """The initiative as the list ranks it, RICE and rank included."""
    return next(
        r
        for r in service.list_initiatives(session=session, evaluate_criteria=False)
        if r.id == initiative_id
    )


def _print_changed(verb: str, ranked: RankedInitiative, as_json: bool) -> None:
    if as_json:
        print_json(ranked)
    else:
        console.print(
            f"{verb} {ranked.title!r}: RICE {number_text(ranked.rice)}, rank {_rank(ranked)}.",
            highlight=False,
        )


@initiatives_app.command("add")
def initiative_add(
    title: Annotated[str, typer.Argument(help="What the platform team would build.")],
    reach: ReachOption = None,
    impact: ImpactOption = None,
    confidence: ConfidenceOption = None,
    effort: EffortOption = None,
    team: TeamOption = None,
    problem: ProblemOption = None,
    category: Annotated[str, typer.Option(help=f"{one_of(CATEGORIES)}.")] = "roadmap",
    status: Annotated[str, typer.Option(help=f"{one_of(STATUSES)}.")] = "idea",
    owner: Annotated[str, typer.Option(help="Who owns it.")] = "",
    description: Annotated[str, typer.Option(help="What it is and why.")] = "",
    goal: Annotated[
        str | None, typer.Option(help="Title of the impact map goal it serves.")
    ] = None,
    lane: Annotated[
        str | None, typer.Option(help=f"{one_of(LANES)} (kept by the planner).")
    ] = None,
    priority: Annotated[
        int | None, typer.Option(help="The team's own priority order, 1 = first.")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Add an initiative with its RICE inputs; prints its score with its rank in the backlog.

    Example: pavedroad initiatives add "Faster CI" --reach 200 --impact 2 --confidence 80% --effort 2
    """
    fields: dict[str, Any] = {
        "title": title,
        "teams": team or [],
        "problems": problem or [],
        "category": category,
        "status": status,
        "owner": owner,
        "description": description,
        "goal": goal,
        "lane": lane,
        "priority": priority,
        **_rice_fields(reach, impact, confidence, effort),
    }
    data = InitiativeIn.model_validate(fields)
    with store(db) as session:
        created = service.create_initiative(session=session, data=data)
        ranked = _ranked(session, created.id)
    _print_changed("Added", ranked, as_json)


@initiatives_app.command("update")
def initiative_update(
    title: Annotated[str, typer.Argument(help="Title of the initiative.")],
    new_title: Annotated[str | None, typer.Option("--title", help="A new title.")] = None,
    reach: ReachOption = None,
    impact: ImpactOption = None,
    confidence: ConfidenceOption = None,
    effort: EffortOption = None,
    team: TeamOption = None,
    problem: ProblemOption = None,
    category: Annotated[str | None, typer.Option(help=f"{one_of(CATEGORIES)}.")] = None,
    status: Annotated[
        str | None,
        typer.Option(help="idea, planned, in_progress, done (records done_at) or killed."),
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Who owns it.")] = None,
    description: Annotated[str | None, typer.Option(help="What it is and why.")] = None,
    goal: Annotated[
        str | None, typer.Option(help="Title of the goal it serves; `none` for no goal.")
    ] = None,
    lane: Annotated[
        str | None,
        typer.Option(help=f"{', '.join(LANES)} (locked for the planner), or `none`."),
    ] = None,
    priority: Annotated[
        str | None, typer.Option(help="The team's own priority, 1 = first; `none` clears it.")
    ] = None,
    done_at: Annotated[
        str | None, typer.Option(help="When it was done (ISO 8601), with --status done.")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Change an initiative; options left out keep what is stored."""
    fields: dict[str, Any] = _rice_fields(reach, impact, confidence, effort)
    for name, value in (
        ("title", new_title),
        ("category", category),
        ("status", status),
        ("owner", owner),
        ("description", description),
        ("done_at", done_at),
    ):
        if value is not None:
            fields[name] = value
    for name, value in (("goal", goal), ("lane", lane), ("priority", priority)):
        if value is not None:
            fields[name] = None if value.strip().lower() in ("none", "") else value
    if team is not None:
        fields["teams"] = team
    if problem is not None:
        fields["problems"] = problem
    data = InitiativeUpdate.model_validate(fields)
    with store(db) as session:
        found = service.get_initiative_by_ref_or_raise(session=session, ref=title)
        service.update_initiative(session=session, initiative=found, data=data)
        ranked = _ranked(session, found.id)
    _print_changed("Updated", ranked, as_json)


def _print_criteria(criteria: list[CriterionOut]) -> None:
    print_table(
        "Success and kill criteria",
        ["#", "kind", "criterion", "state", "value", "judged on"],
        [
            [
                c.id,
                c.kind,
                c.text,
                c.state.replace("_", " ")
                + ("" if c.final or c.state == "no_data" else " (so far)"),
                c.value_text,
                c.judged_on.isoformat() if c.judged_on else "",
            ]
            for c in criteria
        ],
        empty="No criteria yet. Set them before work starts: pavedroad initiatives criteria add "
        'TITLE "ci_duration_p50 < 5 by 2026-06-30"',
    )


@initiatives_app.command("show")
def initiative_show(
    title: Annotated[str, typer.Argument(help="Title of the initiative.")],
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show an initiative: RICE beside its neighbours, criteria judged, decisions taken."""
    with store(db) as session:
        found = service.get_initiative_by_ref_or_raise(session=session, ref=title)
        detail = service.get_initiative_detail(
            session=session, initiative=found, today=as_of_day(as_of)
        )
        backlog = service.list_initiatives(session=session, evaluate_criteria=False)
    if as_json:
        print_json(detail)
        return
    console.print(
        f"[bold]{detail.title}[/bold]  ({detail.status}, {detail.category})", highlight=False
    )
    if detail.description:
        console.print(detail.description, markup=False, highlight=False)
    console.print(
        f"RICE {number_text(detail.rice)} = reach {_reach(detail)} x impact {_impact(detail.impact)} "
        f"x confidence {_confidence(detail.confidence)} / effort {number_text(detail.effort)} "
        f"person-months; rank {_rank(detail)}",
        highlight=False,
    )
    console.print(detail.rice_context, markup=False, highlight=False)
    console.print(
        f"Goal: {detail.goal or 'none (flagged no_goal)'} · lane: {detail.lane or 'not placed'}"
        f"{' (set by hand)' if detail.lane_locked else ''} · team priority: "
        f"{detail.priority or 'not set'} · owner: {detail.owner or 'nobody'}",
        highlight=False,
    )
    teams = (
        ", ".join(detail.teams)
        if len(detail.teams) <= 8
        else f"{len(detail.teams)} teams ({', '.join(detail.teams[:5])}, ...)"
    )
    console.print(
        f"Teams: {teams or 'none'} · problems: {'; '.join(detail.problems) or 'none'}",
        highlight=False,
    )
    if detail.flags:
        console.print(f"Flags: {' '.join(detail.flags)}", highlight=False)
    ranked = [r for r in backlog if r.rank is not None]
    index = next((n for n, r in enumerate(ranked) if r.id == detail.id), None)
    if index is not None:
        near = ranked[max(index - 2, 0) : index + 3]
        print_table(
            "Its place in the backlog",
            ["rank", "initiative", "RICE"],
            [
                [r.rank, ("→ " if r.id == detail.id else "  ") + r.title, number_text(r.rice)]
                for r in near
            ],
            empty="",
        )
    _print_criteria(detail.criteria)
    for reason in detail.kill_reasons:
        console.print(f"[red]Proposed for killing:[/red] {reason}", highlight=False)
    print_table(
        "Decisions",
        ["when", "decision", "by", "reason"],
        [
            [d.decided_at.date().isoformat(), d.decision, d.decided_by, d.reason]
            for d in detail.decisions
        ],
        empty="No decisions recorded.",
    )


@initiatives_app.command("delete")
def initiative_delete(
    title: Annotated[str, typer.Argument(help="Title of the initiative.")],
    db: DbOption = None,
) -> None:
    """Delete an initiative with its criteria and decisions (to stop work, `decide` kill)."""
    with store(db) as session:
        found = service.get_initiative_by_ref_or_raise(session=session, ref=title)
        shown = found.title
        service.delete_initiative(session=session, initiative=found)
    console.print(f"Deleted {shown!r}.", highlight=False)


@initiatives_app.command("import")
def initiative_import(
    file: Annotated[Path, typer.Argument(help="A .csv, .yaml or .yml file.", show_default=False)],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import initiatives from CSV or YAML, upserted by title; any problem writes nothing.

    Fields: title, reach, impact, confidence, effort, category, goal, lane, priority, and
    optionally description, owner, status, teams, problems, done_at. In CSV, separate teams
    and problems with `;`.
    """
    with store(db) as session:
        counts = import_initiatives(session=session, path=file)
    if as_json:
        print_json(counts)
    else:
        console.print(
            f"Imported {file}: {counts.created} created, {counts.updated} updated, "
            f"{counts.unchanged} unchanged.",
            highlight=False,
        )


@initiatives_app.command("template")
def initiative_template() -> None:
    """Print the CSV header of an initiatives file."""
    print(",".join(FIELDS))


@initiatives_app.command("disagreements")
def initiative_disagreements(
    limit: Annotated[int, typer.Option(min=1, max=100, help="At most this many each way.")] = 5,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The team's own priority order against RICE: the largest disagreements both ways."""
    with store(db) as session:
        report = service.backlog_disagreements(session=session, limit=limit)
    if as_json:
        print_json(report)
        return
    if report.compared < 2:
        console.print(
            "[dim]Fewer than two active initiatives have a team priority; set them with "
            "pavedroad initiatives update TITLE --priority N.[/dim]"
        )
        return
    agreement = "n/a" if report.agreement is None else f"{report.agreement:+.2f}"
    console.print(
        f"{report.compared} initiatives compared; rank agreement (Spearman) {agreement}",
        highlight=False,
    )
    columns = ["initiative", "team rank", "RICE rank", "RICE", "places apart"]
    print_table(
        "The team ranks these higher than RICE does",
        columns,
        [
            [d.title, d.team_rank, d.rice_rank, number_text(d.rice), d.gap]
            for d in report.team_favours
        ],
        empty="The team ranks nothing higher than RICE does.",
    )
    print_table(
        "RICE ranks these higher than the team does",
        columns,
        [
            [d.title, d.team_rank, d.rice_rank, number_text(d.rice), -d.gap]
            for d in report.rice_favours
        ],
        empty="RICE ranks nothing higher than the team does.",
    )
    if report.without_priority:
        console.print(
            f"[dim]No team priority: {'; '.join(report.without_priority)}[/dim]", highlight=False
        )


@initiatives_app.command("sensitivity")
def initiative_sensitivity(as_json: JsonOption = False, db: DbOption = None) -> None:
    """How far confidence or effort would have to move to swap each pair of neighbours."""
    with store(db) as session:
        pairs = service.backlog_sensitivity(session=session)
    if as_json:
        print_json(pairs)
        return

    def effort(pair: PairSensitivity) -> str:
        moves = []
        if pair.upper_effort_above is not None:
            moves.append(f"higher > {number_text(pair.upper_effort_above)} pm")
        if pair.lower_effort_below is not None:
            moves.append(f"lower < {number_text(pair.lower_effort_below)} pm")
        return " or ".join(moves) or "no effort"

    def confidence(pair: PairSensitivity) -> str:
        moves = []
        if pair.upper_confidence_to is not None:
            moves.append(f"higher at {_confidence(pair.upper_confidence_to)}")
        if pair.lower_confidence_to is not None:
            moves.append(f"lower at {_confidence(pair.lower_confidence_to)}")
        return " or ".join(moves) or "no step"

    print_table(
        "What would swap neighbours in the RICE order (efforts are breakeven points)",
        ["higher", "lower", "swapped by effort", "swapped by confidence", ""],
        [
            [
                f"{p.upper} ({number_text(p.upper_rice)})",
                f"{p.lower} ({number_text(p.lower_rice)})",
                effort(p),
                confidence(p),
                "tied" if p.tied else ("fragile" if p.fragile else "robust"),
            ]
            for p in pairs
        ],
        empty="Fewer than two active initiatives: nothing to compare.",
    )


@initiatives_app.command("decide")
def initiative_decide(
    title: Annotated[str, typer.Argument(help="Title of the initiative.")],
    decision: Annotated[DecisionWord, typer.Argument(help=f"{one_of(DECISIONS)}.")],
    reason: Annotated[str, typer.Option(help="Why; shown in the initiative's history.")],
    by: Annotated[str | None, typer.Option(help="Who decided (default: your login).")] = None,
    db: DbOption = None,
) -> None:
    """Record a kill-or-continue decision; kill sets the status to killed."""
    data = DecisionIn(decision=decision, reason=reason, decided_by=by or _login())
    with store(db) as session:
        found = service.get_initiative_by_ref_or_raise(session=session, ref=title)
        criteria_service.record_decision(session=session, initiative=found, data=data)
        shown, status = found.title, found.status
    console.print(f"Recorded {decision} on {shown!r}; it is now {status}.", highlight=False)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
