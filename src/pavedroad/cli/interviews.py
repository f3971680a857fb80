"""CLI: Interviews: scripts, notes and synthesis, transcripts and talk ratio."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    parse_day,
    print_error,
    print_json,
    print_table,
    store,
)
from pavedroad.errors import InvalidInputError
from pavedroad.research import interviews as service
from pavedroad.research.interview_notes import MAX_NOTES_CHARS
from pavedroad.research.interview_schemas import InterviewOut
from pavedroad.research.talk_ratio import TALK_RATIO_LIMIT, WARNING_MESSAGES, stream_lines

app = typer.Typer(
    help="Interviews: scripts, notes and synthesis, transcripts and talk ratio.",
    no_args_is_help=True,
)
script_app = typer.Typer(
    help="The interview script: four sections (opening, exploration, validation, closing).",
    no_args_is_help=True,
)
app.add_typer(script_app, name="script")


def _read_text(path: Path, *, limit: int) -> str:
    """A notes or script file as text, refused (unusable) when missing, binary or too big."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise InvalidInputError.because(
                f"the file is larger than {limit:,} bytes", source=path, unusable=True
            )
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInputError.because("no such file", source=path, unusable=True) from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as exc:
        raise InvalidInputError.because(
            f"cannot read the file as UTF-8 text ({type(exc).__name__})",
            source=path,
            unusable=True,
        ) from None


def _print_interview(out: InterviewOut) -> None:
    who = out.developer or (f"a developer of {out.team}" if out.team else "someone")
    console.print(f"[bold]Interview {out.id}[/bold]: {who}, {out.date}", highlight=False)
    if out.team:
        console.print(f"Team: {out.team}", highlight=False, markup=False)
    if out.talk_ratio is not None:
        console.print(
            f"Talk ratio: {out.talk_ratio:.0%} (the practice: at most {TALK_RATIO_LIMIT:.0%})",
            highlight=False,
        )
    for warning in out.warnings:
        console.print(
            f"[yellow]warning[/yellow] {warning}: {WARNING_MESSAGES.get(warning, '')}",
            highlight=False,
        )
    print_table(
        "Top pain points",
        ["#", "quote", "context"],
        [[i, p.quote, p.context] for i, p in enumerate(out.pain_points, start=1)],
        empty="No pain points noted.",
    )
    print_table(
        "Assumptions",
        ["", "assumption", "evidence"],
        [["+" if a.validated else "-", a.assumption, a.evidence] for a in out.assumptions],
        empty="No assumptions checked.",
    )
    for title, items in (("Surprises", out.surprises), ("Actions", out.actions)):
        if items:
            console.print(f"[bold]{title}[/bold]")
            for item in items:
                console.print(f"  - {item}", highlight=False, markup=False)


@app.command("import")
def import_interview(
    notes: Annotated[
        Path | None,
        typer.Argument(help="Notes in the synthesis template (Markdown).", show_default=False),
    ] = None,
    transcript: Annotated[
        Path | None,
        typer.Option(help="A WebVTT transcript (Zoom or Microsoft Teams export)."),
    ] = None,
    interviewer: Annotated[
        str | None, typer.Option(help="Who asked, as the transcript names them.")
    ] = None,
    developer: Annotated[str | None, typer.Option(help="The developer's email.")] = None,
    team: Annotated[str | None, typer.Option(help="The developer's team slug.")] = None,
    day: Annotated[
        str | None, typer.Option("--date", help="The day held (YYYY-MM-DD); else the notes'.")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import an interview: `pavedroad research interview import notes.md --transcript call.vtt
    --interviewer "Priya"`.

    Prints the interview with `id`, `talk_ratio` (null without a transcript), `warnings` and
    `problems` (lines not read). Exit 1 when some lines were reported, 2 when a file is unusable.
    Importing the same file again updates the interview.
    """
    if notes is None and transcript is None:
        raise InvalidInputError.because(
            "give a notes file, --transcript FILE.vtt, or both", unusable=True
        )
    held_on = parse_day(day, option="--date", example="2026-06-03") if day else None
    text = _read_text(notes, limit=MAX_NOTES_CHARS) if notes is not None else None
    source = (notes or transcript or Path("import")).name
    with store(db) as session:
        if transcript is None:
            imported = service.import_interview(
                session,
                notes=text,
                interviewer=interviewer,
                developer=developer,
                team=team,
                held_on=held_on,
                source=source,
                notes_source=str(notes),
            )
        else:
            try:
                stream = transcript.open(encoding="utf-8-sig", errors="strict")
            except (FileNotFoundError, IsADirectoryError, PermissionError):
                raise InvalidInputError.because(
                    "cannot open the transcript", source=transcript, unusable=True
                ) from None
            try:
                with stream:
                    imported = service.import_interview(
                        session,
                        notes=text,
                        transcript=stream_lines(stream),
                        interviewer=interviewer,
                        developer=developer,
                        team=team,
                        held_on=held_on,
                        source=source,
                        notes_source=str(notes),
                        transcript_source=str(transcript),
                    )
            except UnicodeDecodeError:
                raise InvalidInputError.because(
                    "the transcript is not UTF-8 text", source=transcript, unusable=True
                ) from None
    if as_json:
        print_json(imported)
    else:
        _print_interview(imported)
        for problem in imported.problems:
            where = f"{problem.file}:{problem.line}" if problem.line else problem.file
            print_error(f"{where}: {problem.reason}")
    if imported.problems:
        raise typer.Exit(1)


@app.command("list")
def list_interviews(
    month: Annotated[str | None, typer.Option(help="Only this month, e.g. 2026-09.")] = None,
    quarter: Annotated[str | None, typer.Option(help="Only this quarter, e.g. 2026-Q3.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List interviews, newest first, and the month's progress toward 5 developers a month."""
    with store(db) as session:
        found = service.list_interviews(session=session, month=month, quarter=quarter)
    if as_json:
        print_json(found)
        return
    print_table(
        f"{len(found.interviews)} interviews",
        ["#", "date", "developer", "team", "pain points", "talk ratio", "warnings"],
        [
            [
                i.id,
                i.date,
                i.developer or "",
                i.team or "",
                len(i.pain_points),
                "" if i.talk_ratio is None else f"{i.talk_ratio:.0%}",
                ", ".join(i.warnings),
            ]
            for i in found.interviews
        ],
        empty="No interviews yet. Import one: pavedroad research interview import notes.md",
    )
    p = found.progress
    console.print(
        f"{p.month}: {p.interviews} interviews with {p.developers} developers "
        f"(the practice: {p.aim} developers a month)",
        highlight=False,
    )


@app.command("show")
def show_interview(
    interview_id: Annotated[int, typer.Argument(help="The interview's id.", min=1)],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show one interview with its synthesis and talk ratio."""
    with store(db) as session:
        found = service.get_interview_or_raise(session=session, interview_id=interview_id)
        out = service.to_out(session, found)
    if as_json:
        print_json(out)
    else:
        _print_interview(out)


@app.command("export")
def export_interview(
    interview_id: Annotated[int, typer.Argument(help="The interview's id.", min=1)],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Print the interview's synthesis as Markdown, in the practice's template."""
    with store(db) as session:
        found = service.get_interview_or_raise(session=session, interview_id=interview_id)
        text = service.synthesis_markdown(service.to_out(session, found))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"Wrote {output}.", highlight=False, markup=False)


@script_app.command("show")
def script_show(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Show the interview script by section (the practice's, until it is set)."""
    with store(db) as session:
        out = service.script_out(service.current_script(session=session))
    if as_json:
        print_json(out)
        return
    for section in out.sections:
        console.print(
            f"[bold]{section.section.title()}[/bold] ({section.minutes} min)", highlight=False
        )
        for question in section.questions:
            console.print(f"  - {question}", highlight=False, markup=False)


@script_app.command("set")
def script_set(
    file: Annotated[
        Path, typer.Argument(help="YAML (section: [questions]) or Markdown (headings, bullets).")
    ],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Replace the interview script from a YAML or Markdown file."""
    text = _read_text(file, limit=MAX_NOTES_CHARS)
    data = service.read_script_file(text, source=str(file))
    with store(db) as session:
        out = service.set_script(session=session, data=data)
    if as_json:
        print_json(out)
    else:
        count = sum(len(s.questions) for s in out.sections)
        console.print(f"The interview script now has {count} questions.", highlight=False)
