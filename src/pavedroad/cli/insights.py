"""CLI: Insights: atomic findings with their source, linked to problems; research coverage."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    one_of,
    parse_day,
    print_json,
    print_table,
    store,
)
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.research import insights as service
from pavedroad.research.schemas import (
    FRAMINGS,
    INSIGHT_SOURCES,
    Framing,
    InsightIn,
    InsightOut,
    InsightSource,
)

app = typer.Typer(
    help="Insights: atomic findings with their source, linked to problems.", no_args_is_help=True
)
promote_app = typer.Typer(
    help="Promote another method's finding to an insight in one step.", no_args_is_help=True
)
app.add_typer(promote_app, name="promote")

QuarterOption = Annotated[
    str | None, typer.Option("--quarter", help="A quarter such as 2026-Q3 (default: today's).")
]
FramingOption = Annotated[
    str | None,
    typer.Option("--framing", help=f"{one_of(FRAMINGS)}; left out, it is suggested from the text."),
]
ProblemOption = Annotated[
    list[str] | None,
    typer.Option("--problem", help="A problem title or id it supports; repeat for more."),
]


def _choice(value: str | None, allowed: tuple[str, ...], option: str) -> Any:
    if value is None:
        return None
    clean = value.strip().lower().replace("-", "_")
    if clean not in allowed:
        raise InvalidInputError(
            [InputProblem(source=option, reason=f"expected {one_of(allowed)}", value=value)]
        )
    return clean


def _framing(value: str | None) -> Framing | None:
    chosen: Framing | None = _choice(value, FRAMINGS, "--framing")
    return chosen


def _print_insight(out: InsightOut, verb: str, as_json: bool) -> None:
    if as_json:
        print_json(out)
        return
    linked = "; ".join(p.title for p in out.problems) or "no problem yet"
    console.print(
        f"{verb} insight {out.id} ({out.framing}, from {out.source_kind}): ",
        highlight=False,
        end="",
    )
    console.print(out.text, markup=False, highlight=False)
    console.print(f"Supports: {linked}", markup=False, highlight=False)


def coverage(
    quarter: QuarterOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Research coverage and bias for a quarter: teams reached per method, the teams never
    researched, cadence progress and warnings (--json: the coverage contract)."""
    with store(db) as session:
        report = service.coverage(session=session, quarter=quarter)
    if as_json:
        print_json(report)
        return
    console.print(
        f"[bold]Research coverage {report['quarter']}[/bold]: "
        f"{report['teams_total']} eligible teams",
        highlight=False,
    )
    for warning in report["warnings"]:
        console.print(f"[yellow]warning {warning['id']}[/yellow]: ", end="", highlight=False)
        console.print(warning["message"], markup=False, highlight=False)
    reached = report["teams_reached"]
    cadence = report["cadence"]
    months = ", ".join(f"{m} {n}" for m, n in cadence["interviews"]["per_month"].items())
    print_table(
        "Teams reached",
        ["method", "teams", "cadence"],
        [
            [
                "shadowing",
                reached["shadowing"],
                f"{cadence['shadowing']['teams']} of {cadence['shadowing']['aim']} teams a quarter",
            ],
            [
                "interviews",
                reached["interviews"],
                f"{months} (aim {cadence['interviews']['aim']} a month)",
            ],
            [
                "survey",
                reached["survey"],
                f"{cadence['survey']['waves']} of {cadence['survey']['aim']} wave a quarter",
            ],
        ],
        empty="",
    )
    never = report["never_researched"]
    console.print(f"Never researched ({len(never)}): {', '.join(never) or 'none'}", highlight=False)


@app.command("add")
def add(
    text: Annotated[str, typer.Argument(help="The finding, in one sentence.")],
    source: Annotated[
        str, typer.Option("--source", help=f"Where it came from: {one_of(INSIGHT_SOURCES)}.")
    ],
    ref: Annotated[
        str, typer.Option("--ref", help="The source object: a session id, survey/wave, ...")
    ] = "",
    team: Annotated[str | None, typer.Option("--team", help="The team slug it came from.")] = None,
    persona: Annotated[str | None, typer.Option("--persona", help="A persona name.")] = None,
    person: Annotated[str | None, typer.Option("--person", help="Who said it.")] = None,
    quote: Annotated[str | None, typer.Option("--quote", help="Their words.")] = None,
    figure: Annotated[str | None, typer.Option("--figure", help="A figure, e.g. '18 min'.")] = None,
    framing: FramingOption = None,
    problem: ProblemOption = None,
    on: Annotated[
        str | None, typer.Option("--on", help="When it was observed, YYYY-MM-DD (default today).")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Add an insight, e.g. `pavedroad research insights add "CI is slow" --source interview`."""
    kind: InsightSource = _choice(source, INSIGHT_SOURCES, "--source")
    data = InsightIn(
        text=text,
        quote=quote,
        figure=figure,
        source_kind=kind,
        source_ref=ref,
        team=team.lower() if team else None,
        persona=persona,
        person=person,
        framing=_framing(framing),
        observed_on=parse_day(on, option="--on", example="2026-06-03") if on else None,
        problems=problem or [],
    )
    with store(db) as session:
        insight = service.add_insight(session=session, data=data)
        out = service.insight_out(session, insight)
    _print_insight(out, "Added", as_json)


@app.command("list")
def list_(
    team: Annotated[str | None, typer.Option("--team", help="Only this team's.")] = None,
    source: Annotated[
        str | None, typer.Option("--source", help=f"Only from {one_of(INSIGHT_SOURCES)}.")
    ] = None,
    problem: Annotated[
        str | None, typer.Option("--problem", help="Only those supporting this problem.")
    ] = None,
    quarter: QuarterOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List insights, newest first (--json: an array)."""
    kind: InsightSource | None = _choice(source, INSIGHT_SOURCES, "--source")
    with store(db) as session:
        found = service.list_insights(
            session=session, team=team, source_kind=kind, problem=problem, quarter=quarter
        )
    if as_json:
        print_json(found)
        return
    print_table(
        f"{len(found)} insights",
        ["#", "insight", "framing", "source", "team", "problems"],
        [
            [
                i.id,
                escape(i.text if len(i.text) <= 80 else i.text[:77] + "..."),
                i.framing,
                escape(f"{i.source_kind} {i.source_ref}".strip()),
                i.team or "",
                escape("; ".join(p.title for p in i.problems)),
            ]
            for i in found
        ],
        empty='No insights yet. Add one: pavedroad research insights add "CI is slow" '
        "--source interview",
    )


@app.command("show")
def show(
    insight: Annotated[int, typer.Argument(help="Insight id.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show one insight with its source and the problems it supports."""
    with store(db) as session:
        out = service.insight_out(
            session, service.get_insight_or_raise(session=session, insight_id=insight)
        )
    _print_insight(out, "Showing", as_json)


@app.command("delete")
def delete(
    insight: Annotated[int, typer.Argument(help="Insight id.")],
    db: DbOption = None,
) -> None:
    """Delete an insight; the problems it supported stay."""
    with store(db) as session:
        found = service.get_insight_or_raise(session=session, insight_id=insight)
        service.delete_insight(session=session, insight=found)
    console.print(f"Deleted insight {insight}.")


@app.command("link")
def link(
    insight: Annotated[int, typer.Argument(help="Insight id.")],
    problem: Annotated[str, typer.Argument(help="Problem title or id.")],
    db: DbOption = None,
) -> None:
    """Make an insight support a problem (linking twice changes nothing)."""
    with store(db) as session:
        found = service.get_insight_or_raise(session=session, insight_id=insight)
        ref = service.link_problem(session=session, insight=found, problem=problem)
    console.print(f"Insight {insight} supports problem {ref.id}: ", end="", highlight=False)
    console.print(ref.title, markup=False, highlight=False)


@app.command("unlink")
def unlink(
    insight: Annotated[int, typer.Argument(help="Insight id.")],
    problem: Annotated[str, typer.Argument(help="Problem title or id.")],
    db: DbOption = None,
) -> None:
    """Stop an insight supporting a problem."""
    with store(db) as session:
        found = service.get_insight_or_raise(session=session, insight_id=insight)
        ref = service.unlink_problem(session=session, insight=found, problem=problem)
    console.print(f"Insight {insight} no longer supports problem {ref.id}.", highlight=False)


def _promoted(session: Any, insight: Any, as_json: bool) -> None:
    _print_insight(service.insight_out(session, insight), "Promoted to", as_json)


@promote_app.command("ticket-category")
def promote_ticket_category(
    category: Annotated[str, typer.Argument(help="A category of `pavedroad tickets report`.")],
    window: Annotated[
        str | None, typer.Option("--window", help="The tickets report's window.")
    ] = None,
    framing: FramingOption = None,
    problem: ProblemOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """A ticket category as an insight with its count and share."""
    with store(db) as session:
        insight = service.promote_ticket_category(
            session=session,
            category=category,
            window=window,
            framing=_framing(framing),
            problems=problem or [],
        )
        _promoted(session, insight, as_json)


@promote_app.command("survey-theme")
def promote_survey_theme(
    survey: Annotated[str, typer.Argument(help="The survey's name.")],
    theme: Annotated[str, typer.Argument(help="A theme of its comments.")],
    wave: Annotated[str | None, typer.Option("--wave", help="The wave (default: latest).")] = None,
    framing: FramingOption = None,
    problem: ProblemOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """A survey comment theme as an insight with its count."""
    with store(db) as session:
        insight = service.promote_survey_theme(
            session=session,
            survey=survey,
            theme=theme,
            wave=wave,
            framing=_framing(framing),
            problems=problem or [],
        )
        _promoted(session, insight, as_json)


@promote_app.command("usage")
def promote_usage(
    capability: Annotated[str, typer.Argument(help="A capability of `pavedroad usage report`.")],
    window: Annotated[
        str | None, typer.Option("--window", help="The usage report's window.")
    ] = None,
    framing: FramingOption = None,
    problem: ProblemOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """A usage finding (eligible teams that never used a capability) as an insight."""
    with store(db) as session:
        insight = service.promote_usage(
            session=session,
            capability=capability,
            window=window,
            framing=_framing(framing),
            problems=problem or [],
        )
        _promoted(session, insight, as_json)


@promote_app.command("shadowing")
def promote_shadowing(
    session_id: Annotated[int, typer.Argument(help="Shadowing session id.")],
    number: Annotated[int, typer.Argument(help="Which friction point or wish, from 1.")],
    wish: Annotated[
        bool, typer.Option("--wish", help="Promote a wish (quote) instead of a friction point.")
    ] = False,
    framing: FramingOption = None,
    problem: ProblemOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """A shadowing friction point (or, with --wish, a wish) as an insight."""
    with store(db) as session:
        insight = service.promote_shadowing(
            session=session,
            session_id=session_id,
            kind="wish" if wish else "friction",
            number=number,
            framing=_framing(framing),
            problems=problem or [],
        )
        _promoted(session, insight, as_json)


@promote_app.command("interview")
def promote_interview(
    interview_id: Annotated[int, typer.Argument(help="Interview id.")],
    number: Annotated[int, typer.Argument(help="Which pain point of its synthesis, from 1.")],
    framing: FramingOption = None,
    problem: ProblemOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """An interview pain point, with its quote and context, as an insight."""
    with store(db) as session:
        insight = service.promote_interview(
            session=session,
            interview_id=interview_id,
            number=number,
            framing=_framing(framing),
            problems=problem or [],
        )
        _promoted(session, insight, as_json)
