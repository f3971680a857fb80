"""CLI: Surveys hosted by pavedroad: waves, anonymous links, imports and results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    number_text,
    print_json,
    print_table,
    store,
)
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.research import survey_import, surveys
from pavedroad.research.survey_schemas import (
    QUESTION_KINDS,
    QuestionIn,
    SurveyIn,
    SurveyResults,
    WaveIn,
)

app = typer.Typer(
    help="Surveys hosted by pavedroad: waves, anonymous links, imports and results.",
    no_args_is_help=True,
)
wave_app = typer.Typer(
    help="Waves of a survey: add one with its questions, open it for answers, close it.",
    no_args_is_help=True,
)
app.add_typer(wave_app, name="wave")

SurveyArg = Annotated[str, typer.Argument(help="Survey name, e.g. developer-experience.")]
WaveArg = Annotated[str, typer.Argument(help="Wave name, e.g. 2026-Q3.")]


def parse_question(text: str) -> QuestionIn:
    """`KEY:KIND:TEXT[:opt|opt]` as a question (the text may not hold a colon)."""
    parts = text.split(":", 3)
    if len(parts) < 3:
        raise InvalidInputError(
            [
                InputProblem(
                    reason="write KEY:KIND:TEXT[:option|option], e.g. "
                    "aware:agreement:I know what the platform offers",
                    source="--question",
                    value=text,
                )
            ]
        )
    key, kind, question = (p.strip() for p in parts[:3])
    if kind not in QUESTION_KINDS:
        raise InvalidInputError(
            [
                InputProblem(
                    reason=f"the kind is one of {', '.join(QUESTION_KINDS)}",
                    source="--question",
                    value=kind,
                )
            ]
        )
    options = [o.strip() for o in parts[3].split("|") if o.strip()] if len(parts) > 3 else []
    return QuestionIn.model_validate(
        {"key": key, "kind": kind, "text": question, "options": options}
    )


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Survey name: letters, digits, dots and dashes.")],
    title: Annotated[str, typer.Option(help="The title respondents see.")] = "",
    db: DbOption = None,
) -> None:
    """Create a survey, e.g. `pavedroad survey create developer-experience --title "DX survey"`."""
    data = SurveyIn(name=name, title=title)
    with store(db) as session:
        survey = surveys.create_survey(session, data=data)
        shown = survey.name
    console.print(
        f"Created survey {shown!r}. Add a wave: pavedroad survey wave add {shown} 2026-Q3",
        highlight=False,
    )


@app.command("list")
def list_surveys(as_json: JsonOption = False, db: DbOption = None) -> None:
    """List surveys with their waves, status, answers and open links (--json: an array)."""
    with store(db) as session:
        found = surveys.list_surveys(session)
    if as_json:
        print_json(found)
        return
    print_table(
        f"{len(found)} surveys",
        ["survey", "wave", "status", "answers", "questions", "link"],
        [
            [s.name, w.name, w.status, w.responses, len(w.questions), w.link or ""]
            for s in found
            for w in (s.waves or [])
        ]
        + [[s.name, "", "no waves", "", "", ""] for s in found if not s.waves],
        empty="No surveys yet. Create one: pavedroad survey create developer-experience",
    )


@wave_app.command("add")
def wave_add(
    survey: SurveyArg,
    wave: WaveArg,
    question: Annotated[
        list[str] | None,
        typer.Option(
            "--question",
            help="KEY:KIND:TEXT[:opt|opt], KIND one of agreement, single, multiple, text; "
            "repeat for more. Without any, the latest wave's questions are copied.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Add a draft wave to a survey; it copies the latest wave's questions unless given some."""
    questions = [parse_question(q) for q in question] if question else None
    with store(db) as session:
        found = surveys.get_survey_or_raise(session, name=survey)
        added = surveys.add_wave(session, survey=found, data=WaveIn(name=wave, questions=questions))
        count = len(added.questions)
    console.print(
        f"Added wave {wave!r} to {survey!r} with {count} own questions. "
        f"Open it: pavedroad survey wave open {survey} {wave}",
        highlight=False,
    )


@wave_app.command("open")
def wave_open(survey: SurveyArg, wave: WaveArg, db: DbOption = None) -> None:
    """Open a wave for answers and print its anonymous link path (/s/<token>)."""
    with store(db) as session:
        found = surveys.get_survey_or_raise(session, name=survey)
        opened = surveys.open_wave(
            session, wave=surveys.get_wave_or_raise(session, survey=found, name=wave)
        )
        link = f"/s/{opened.token}"
    console.print(link, highlight=False, markup=False)


@wave_app.command("close")
def wave_close(survey: SurveyArg, wave: WaveArg, db: DbOption = None) -> None:
    """Close a wave: its link refuses answers from now on."""
    with store(db) as session:
        found = surveys.get_survey_or_raise(session, name=survey)
        surveys.close_wave(
            session, wave=surveys.get_wave_or_raise(session, survey=found, name=wave)
        )
    console.print(f"Closed wave {wave!r} of {survey!r}.", highlight=False)


@app.command("import")
def import_export(
    file: Annotated[Path, typer.Argument(help="A CSV export from Google Forms or Typeform.")],
    survey: Annotated[str, typer.Option("--survey", help="The survey the answers belong to.")],
    wave: Annotated[str, typer.Option("--wave", help="The wave; created closed when missing.")],
    map_: Annotated[
        list[str],
        typer.Option(
            "--map",
            help="FIELD=HEADER, FIELD one of nps, satisfaction, team, comments, submitted_at; "
            "the header matches exactly, else ignoring case. Repeat for each field.",
        ),
    ],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import answers from a survey export (`--map nps="How likely are you..."`); a bad row writes nothing."""
    mapping = survey_import.parse_mapping(map_)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidInputError.because(
            f"cannot read the file: {exc.strerror}", source=file, unusable=True
        ) from None
    with store(db) as session:
        report = survey_import.import_export(
            session, data=data, source=str(file), survey=survey, wave=wave, mapping=mapping
        )
    if as_json:
        print_json(report)
        return
    console.print(
        f"Imported {report.rows} answers into {report.survey}/{report.wave}: "
        f"{report.new} new, {report.updated} updated, {report.unchanged} unchanged.",
        highlight=False,
    )
    if report.unmapped_columns:
        console.print("Ignored columns (not mapped):", highlight=False)
        for column in report.unmapped_columns:
            console.print(f"  - {column}", highlight=False, markup=False)


def _figure(value: float | None) -> str:
    return "hidden" if value is None else number_text(value)


def _print_results(report: SurveyResults) -> None:
    console.print(f"[bold]{report.title}[/bold] ({report.survey})", highlight=False)
    for w in report.waves:
        console.print(
            f"\n[bold]Wave {w.wave}[/bold] · {w.status} · {w.responses} answers", highlight=False
        )
        if w.hidden:
            console.print(
                f"  No figures: {w.hidden_reason}, so no answer can be traced.", highlight=False
            )
            continue
        split = (
            f" ({w.promoters} promoters, {w.passives} passives, {w.detractors} detractors)"
            if w.promoters is not None
            else ""
        )
        console.print(
            f"  NPS {_figure(w.nps)}{split} · satisfaction {_figure(w.satisfaction)} / 5",
            highlight=False,
        )
        print_table(
            "By team",
            ["team", "answers", "NPS", "satisfaction"],
            [[t.team, t.responses, _figure(t.nps), _figure(t.satisfaction)] for t in w.by_team],
            empty="No team has five answers.",
        )
        if w.hidden_teams:
            console.print(
                f"  {w.hidden_teams} teams held back (fewer than five answers).", highlight=False
            )
        if w.themes:
            console.print(
                "  Themes: " + ", ".join(f"{t.theme} ({t.count})" for t in w.themes),
                highlight=False,
                markup=False,
            )
    if len(report.trend) > 1:
        print_table(
            "Trend across waves",
            ["wave", "answers", "NPS", "satisfaction"],
            [[p.wave, p.responses, _figure(p.nps), _figure(p.satisfaction)] for p in report.trend],
            empty="",
        )


@app.command("results")
def results(
    survey: SurveyArg,
    wave: Annotated[str | None, typer.Option("--wave", help="Only this wave.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show a survey's results per wave, with anonymity applied (nothing from fewer than five answers)."""
    with store(db) as session:
        report = surveys.survey_results(session, survey=survey, wave=wave)
    if as_json:
        print_json(report)
        return
    _print_results(report)


@app.command("export")
def export(
    survey: SurveyArg,
    wave: WaveArg,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Print a wave report in Markdown (anonymity applied, like every other view)."""
    with store(db) as session:
        text = surveys.export_markdown(session, survey=survey, wave=wave)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"Wrote {output}.", highlight=False)
