"""`pavedroad problems`, `pavedroad initiatives` and `pavedroad canvas`: the backlog."""

from __future__ import annotations

import getpass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from pavedroad.backlog import canvas as canvas_service
from pavedroad.backlog import criteria as criteria_service
from pavedroad.backlog import problems as problem_service
from pavedroad.backlog import service
from pavedroad.backlog.importer import FIELDS, import_initiatives
from pavedroad.backlog.rice import IMPACT_SCALE
from pavedroad.backlog.schemas import (
    CriterionIn,
    CriterionOut,
    DecisionIn,
    InitiativeIn,
    InitiativeUpdate,
    PairSensitivity,
    ProblemIn,
    ProblemUpdate,
    RankedInitiative,
    ValidationIn,
)
from pavedroad.cli.common import DbOption, JsonOption, console, print_json, print_table, store
from pavedroad.errors import InputProblem, InvalidInputError

problems_app = typer.Typer(
    help="Developer problems in their own words, with the teams and personas they hurt.",
    no_args_is_help=True,
)
initiatives_app = typer.Typer(
    help="The backlog: initiatives with RICE on the practice's scales, ranked against each other.",
    no_args_is_help=True,
)
criteria_app = typer.Typer(
    help="Success and kill criteria (KPI, threshold, date), judged against the live KPIs.",
    no_args_is_help=True,
)
canvas_app = typer.Typer(
    help="The platform product canvas and its validation log.", no_args_is_help=True
)
initiatives_app.add_typer(criteria_app, name="criteria")

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Judge criteria as on this day (YYYY-MM-DD) instead of today.",
        show_default=False,
    ),
]
TeamOption = Annotated[
    list[str] | None,
    typer.Option("--team", help="A team slug; repeat for more. Replaces the stored list."),
]


class Decision(StrEnum):
    kill = "kill"
    continue_ = "continue"


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(
            [
                InputProblem(
                    source="--as-of", reason="expected a date such as 2026-09-30", value=text
                )
            ]
        ) from None


def _number(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _confidence(value: float) -> str:
    return f"{value * 100:.0f}%"


def _impact(value: float) -> str:
    return f"{value:g} ({IMPACT_SCALE.get(value, '?')})"


def _reach(item: RankedInitiative) -> str:
    shown = f"{item.reach:,.0f}" if item.reach == int(item.reach) else _number(item.reach)
    return shown + (" (teams)" if item.reach_source == "teams" else "")


def _bar(rice: float, top: float, width: int = 10) -> str:
    if top <= 0:
        return ""
    return "█" * max(1 if rice > 0 else 0, round(width * rice / top))


def _rank(item: RankedInitiative) -> str:
    return f"{item.rank} of {item.ranked_of}" if item.rank is not None else item.status


# ---- problems ---------------------------------------------------------------------------------


@problems_app.command("add")
def problem_add(
    title: Annotated[str, typer.Argument(help="The problem in the developers' words.")],
    description: Annotated[str, typer.Option(help="More context: who said it, when.")] = "",
    team: TeamOption = None,
    persona: Annotated[
        list[str] | None, typer.Option("--persona", help="A persona name; repeat for more.")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Add a problem, e.g. `pavedroad problems add "CI takes 18 minutes" --team web-app`."""
    data = ProblemIn(title=title, description=description, teams=team or [], personas=persona or [])
    with store(db) as session:
        problem = problem_service.create_problem(session=session, data=data)
        out = problem_service.problem_out(problem)
    if as_json:
        print_json(out)
    else:
        console.print(f"Added problem {out.id}: {out.title}")


@problems_app.command("list")
def problem_list(
    search: Annotated[str | None, typer.Option(help="Only problems whose text has this.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List problems with who they hurt and the initiatives addressing them (--json: an array)."""
    with store(db) as session:
        refs = service.initiative_refs(session=session)
        found = problem_service.list_problems(session=session, search=search, ranks=refs)
    if as_json:
        print_json(found)
        return
    print_table(
        f"{len(found)} problems",
        ["#", "problem", "teams", "personas", "addressed by"],
        [
            [
                p.id,
                p.title,
                ", ".join(p.teams),
                ", ".join(p.personas),
                "; ".join(i.title for i in p.initiatives) or "nothing yet",
            ]
            for p in found
        ],
        empty='No problems yet. Add one: pavedroad problems add "CI takes 18 minutes"',
    )


@problems_app.command("show")
def problem_show(
    problem: Annotated[str, typer.Argument(help="Problem title or id.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show one problem and the initiatives that address it, with their RICE rank."""
    with store(db) as session:
        refs = service.initiative_refs(session=session)
        found = problem_service.get_problem_or_raise(session=session, ref=problem)
        out = problem_service.problem_out(found, refs)
    if as_json:
        print_json(out)
        return
    console.print(f"[bold]{out.title}[/bold] (problem {out.id})", highlight=False)
    if out.description:
        console.print(out.description, highlight=False, markup=False)
    console.print(f"Teams: {', '.join(out.teams) or 'none named'}", highlight=False)
    console.print(f"Personas: {', '.join(out.personas) or 'none named'}", highlight=False)
    print_table(
        "Initiatives addressing it",
        ["initiative", "status", "RICE", "rank"],
        [[i.title, i.status, _number(i.rice), i.rank or "not ranked"] for i in out.initiatives],
        empty="No initiative addresses this problem yet.",
    )


@problems_app.command("update")
def problem_update(
    problem: Annotated[str, typer.Argument(help="Problem title or id.")],
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    description: Annotated[str | None, typer.Option(help="New description.")] = None,
    team: TeamOption = None,
    persona: Annotated[
        list[str] | None,
        typer.Option("--persona", help="A persona name; repeat for more. Replaces the list."),
    ] = None,
    clear_teams: Annotated[bool, typer.Option(help="Name no teams.")] = False,
    clear_personas: Annotated[bool, typer.Option(help="Name no personas.")] = False,
    db: DbOption = None,
) -> None:
    """Change a problem; options left out keep what is stored."""
    fields: dict[str, Any] = {}
    if title is not None:
        fields["title"] = title
    if description is not None:
        fields["description"] = description
    if team or clear_teams:
        fields["teams"] = team or []
    if persona or clear_personas:
        fields["personas"] = persona or []
    data = ProblemUpdate.model_validate(fields)
    with store(db) as session:
        found = problem_service.get_problem_or_raise(session=session, ref=problem)
        problem_service.update_problem(session=session, problem=found, data=data)
        shown = found.title
    console.print(f"Updated problem {shown!r}.", highlight=False)


@problems_app.command("delete")
def problem_delete(
    problem: Annotated[str, typer.Argument(help="Problem title or id.")],
    db: DbOption = None,
) -> None:
    """Delete a problem; initiatives that addressed it stay."""
    with store(db) as session:
        found = problem_service.get_problem_or_raise(session=session, ref=problem)
        title = found.title
        problem_service.delete_problem(session=session, problem=found)
    console.print(f"Deleted problem {title!r}.", highlight=False)


# ---- initiatives -----------------------------------------------------------------------------


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
                _number(i.rice),
                _bar(i.rice, top) if i.rank is not None else "",
                _reach(i),
                f"{i.impact:g}",
                _confidence(i.confidence),
                _number(i.effort),
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
        str | None, typer.Option(help="Only this status: idea, planned, in_progress, done, killed.")
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
        items = service.list_initiatives(session=session, today=_as_of(as_of))
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


@initiatives_app.command("add")
def initiative_add(
    title: Annotated[str, typer.Argument(help="What the platform team would build.")],
    reach: ReachOption = None,
    impact: ImpactOption = None,
    confidence: ConfidenceOption = None,
    effort: EffortOption = None,
    team: TeamOption = None,
    problem: ProblemOption = None,
    category: Annotated[str, typer.Option(help="roadmap, platform or unplanned.")] = "roadmap",
    status: Annotated[
        str, typer.Option(help="idea, planned, in_progress, done or killed.")
    ] = "idea",
    owner: Annotated[str, typer.Option(help="Who owns it.")] = "",
    description: Annotated[str, typer.Option(help="What it is and why.")] = "",
    goal: Annotated[
        str | None, typer.Option(help="Title of the impact map goal it serves.")
    ] = None,
    lane: Annotated[
        str | None, typer.Option(help="now, next, later or exploring (kept by the planner).")
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
        ranked = next(
            r
            for r in service.list_initiatives(session=session, evaluate_criteria=False)
            if r.id == created.id
        )
    if as_json:
        print_json(ranked)
    else:
        console.print(
            f"Added {ranked.title!r}: RICE {_number(ranked.rice)}, rank {_rank(ranked)}.",
            highlight=False,
        )


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
    category: Annotated[str | None, typer.Option(help="roadmap, platform or unplanned.")] = None,
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
        typer.Option(help="now, next, later, exploring (locked for the planner), or `none`."),
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
        found = service.get_initiative_by_title_or_raise(session=session, title=title)
        service.update_initiative(session=session, initiative=found, data=data)
        ranked = next(
            r
            for r in service.list_initiatives(session=session, evaluate_criteria=False)
            if r.id == found.id
        )
    if as_json:
        print_json(ranked)
    else:
        console.print(
            f"Updated {ranked.title!r}: RICE {_number(ranked.rice)}, rank {_rank(ranked)}.",
            highlight=False,
        )


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
        found = service.get_initiative_by_title_or_raise(session=session, title=title)
        detail = service.get_initiative_detail(
            session=session, initiative=found, today=_as_of(as_of)
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
        f"RICE {_number(detail.rice)} = reach {_reach(detail)} x impact {_impact(detail.impact)} "
        f"x confidence {_confidence(detail.confidence)} / effort {_number(detail.effort)} "
        f"person-months; rank {_rank(detail)}",
        highlight=False,
    )
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
                [r.rank, ("→ " if r.id == detail.id else "  ") + r.title, _number(r.rice)]
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
        found = service.get_initiative_by_title_or_raise(session=session, title=title)
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
        [[d.title, d.team_rank, d.rice_rank, _number(d.rice), d.gap] for d in report.team_favours],
        empty="The team ranks nothing higher than RICE does.",
    )
    print_table(
        "RICE ranks these higher than the team does",
        columns,
        [[d.title, d.team_rank, d.rice_rank, _number(d.rice), -d.gap] for d in report.rice_favours],
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
            moves.append(f"higher > {_number(pair.upper_effort_above)} pm")
        if pair.lower_effort_below is not None:
            moves.append(f"lower < {_number(pair.lower_effort_below)} pm")
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
                f"{p.upper} ({_number(p.upper_rice)})",
                f"{p.lower} ({_number(p.lower_rice)})",
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
    decision: Annotated[Decision, typer.Argument(help="kill or continue.")],
    reason: Annotated[str, typer.Option(help="Why; shown in the initiative's history.")],
    by: Annotated[str | None, typer.Option(help="Who decided (default: your login).")] = None,
    db: DbOption = None,
) -> None:
    """Record a kill-or-continue decision; kill sets the status to killed."""
    data = DecisionIn(decision=decision.value, reason=reason, decided_by=by or _login())
    with store(db) as session:
        found = service.get_initiative_by_title_or_raise(session=session, title=title)
        criteria_service.record_decision(session=session, initiative=found, data=data)
        shown, status = found.title, found.status
    console.print(f"Recorded {decision.value} on {shown!r}; it is now {status}.", highlight=False)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


# ---- criteria --------------------------------------------------------------------------------


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
        found = service.get_initiative_by_title_or_raise(session=session, title=title)
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
        rows = service.judged_criteria(session=session, title=title, today=_as_of(as_of))
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
        found = service.get_initiative_by_title_or_raise(session=session, title=title)
        criteria_service.remove_criterion(
            session=session, initiative=found, criterion_id=criterion_id
        )
    console.print(f"Removed criterion {criterion_id}.")


# ---- canvas ------------------------------------------------------------------------------------


@canvas_app.command("show")
def canvas_show(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Show the platform product canvas and its validation log."""
    with store(db) as session:
        out = canvas_service.get_canvas(session=session)
    if as_json:
        print_json(out)
        return
    blocks = [
        ("Users", out.users),
        ("Problems", "\n".join(p.title for p in out.problems)),
        ("Alternatives", out.alternatives),
        ("Key metrics", "\n".join(f"{k.name} ({k.id})" for k in out.key_metrics)),
        ("Unfair advantage", out.unfair_advantage),
        ("Channels", out.channels),
        ("Cost structure", out.cost_structure),
    ]
    if not any(text for _, text in blocks):
        console.print(
            "[dim]The canvas is empty. Fill a block: pavedroad canvas set users "
            '"Feature engineers shipping customer-facing services"[/dim]'
        )
    else:
        print_table("Platform product canvas", ["block", "content"], blocks, empty="")
    print_table(
        "Validation log",
        ["on", "shared with", "what they said"],
        [[v.on.isoformat(), v.shared_with, v.said] for v in out.validations],
        empty='Not validated yet. Share it and log it: pavedroad canvas validate --with "3 '
        'developers of Payments" --said "..."',
    )


@canvas_app.command("set")
def canvas_set(
    block: Annotated[
        str,
        typer.Argument(
            help="users, problems, alternatives, key_metrics, unfair_advantage, channels or "
            "cost_structure."
        ),
    ],
    value: Annotated[
        str,
        typer.Argument(
            help="The text; key_metrics are KPI ids separated by commas, problems are problem "
            "titles separated by `;`."
        ),
    ],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Set one block of the canvas."""
    with store(db) as session:
        out = canvas_service.set_canvas_field(session=session, field=block, value=value)
    if as_json:
        print_json(out)
    else:
        console.print(f"Set {block}.", highlight=False)


@canvas_app.command("validate")
def canvas_validate(
    shared_with: Annotated[
        str, typer.Option("--with", help="Who it was shared with, e.g. '3 developers of Ledger'.")
    ],
    said: Annotated[str, typer.Option(help="What they said.")],
    on: Annotated[str | None, typer.Option(help="When (YYYY-MM-DD); default today.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Log that the canvas was shared and what the developers said."""
    data = ValidationIn.model_validate({"shared_with": shared_with, "said": said, "on": on})
    with store(db) as session:
        entry = canvas_service.add_validation(session=session, data=data)
    if as_json:
        print_json(entry)
    else:
        console.print(f"Logged the validation of {entry.on.isoformat()}.")
