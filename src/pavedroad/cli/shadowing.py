"""CLI: developer shadowing sessions: import notes, list them, show one, export its notes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    number_text,
    print_json,
    print_table,
    store,
)
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.research import shadowing
from pavedroad.research.notes import MAX_NOTES_BYTES
from pavedroad.research.shadowing_schemas import ShadowingOut, ShadowingProgress

app = typer.Typer(
    help="Developer shadowing sessions: list them, show one, export its notes.",
    no_args_is_help=True,
)

SessionId = Annotated[int, typer.Argument(help="The session's id (see `research shadowing list`).")]


def read_note_files(paths: list[Path]) -> list[tuple[str, bytes]]:
    """Every file's bytes; a missing, unreadable or too-big file refuses the import (exit 2)."""
    problems: list[InputProblem] = []
    files: list[tuple[str, bytes]] = []
    for path in paths:
        name = str(path)
        try:
            if not path.is_file():
                problems.append(InputProblem(source=name, reason="no such file"))
                continue
            if path.stat().st_size > MAX_NOTES_BYTES:
                problems.append(
                    InputProblem(
                        source=name,
                        reason=f"the file is larger than {MAX_NOTES_BYTES // 2**20} MB; "
                        "split it into smaller note files",
                    )
                )
                continue
            files.append((name, path.read_bytes()))
        except OSError as exc:
            problems.append(InputProblem(source=name, reason=f"cannot be read: {exc.strerror}"))
    if problems:
        raise InvalidInputError(problems=problems, unusable=True)
    return files


def _minutes(value: float | None) -> str:
    return "" if value is None else number_text(value)


def _sessions_table(title: str, sessions: list[ShadowingOut], *, empty: str) -> None:
    print_table(
        title,
        ["#", "date", "team", "developer", "workflow", "minutes", "switches", "waiting"],
        [
            [
                s.id,
                s.date.isoformat(),
                s.team or "",
                s.developer or ("anonymous" if s.team else ""),
                s.workflow,
                _minutes(s.duration_min),
                s.context_switches,
                _minutes(s.waiting_min),
            ]
            for s in sessions
        ],
        empty=empty,
    )


def _progress_line(progress: ShadowingProgress) -> str:
    return (
        f"{progress.quarter}: {progress.teams_shadowed} of {progress.aim} teams shadowed "
        "(the practice: 3 different teams a quarter)"
    )


def import_notes(
    files: Annotated[
        list[Path],
        typer.Argument(help="Markdown notes in the practice's template; one file may hold many."),
    ],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import shadowing notes written in the practice's template (idempotent).

    Each session starts with `Developer Shadowing Notes - 2026-06-03 - Ada/payments`.

    Unreadable lines are listed as FILE:LINE: reason, the rest is imported (exit 1).

    A missing, binary or too-big file imports nothing (exit 2).
    """
    contents = read_note_files(files)
    with store(db) as session:
        result = shadowing.import_notes(session, files=contents)
    if as_json:
        print_json(result)
    else:
        _sessions_table(
            f"Imported {len(result.sessions)} shadowing sessions",
            result.sessions,
            empty="No session was imported.",
        )
    for problem in result.problems:
        where = f"{problem.file}:{problem.line}" if problem.line is not None else problem.file
        err_console.print(f"{where}: {problem.reason}", markup=False, highlight=False)
    if result.problems:
        raise typer.Exit(1)


@app.command("list")
def list_command(
    quarter: Annotated[
        str | None, typer.Option(help="Only this quarter, e.g. 2026-Q3 (progress is of it).")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List sessions with their derived figures and the quarter's progress toward 3 teams."""
    with store(db) as session:
        listed = shadowing.list_sessions(session, quarter=quarter)
    if as_json:
        print_json(listed)
        return
    _sessions_table(
        f"{len(listed.sessions)} shadowing sessions",
        listed.sessions,
        empty="No shadowing sessions yet. Import notes: pavedroad research import notes.md",
    )
    console.print(_progress_line(listed.progress), highlight=False)


@app.command("show")
def show_command(session_id: SessionId, as_json: JsonOption = False, db: DbOption = None) -> None:
    """Show one session: the time log, derived beside stated figures, friction and wishes."""
    with store(db) as session:
        detail = shadowing.get_session(session, session_id=session_id)
    if as_json:
        print_json(detail)
        return
    who = detail.developer or (f"a developer of {detail.team}" if detail.team else "a developer")
    console.print(
        f"Session {detail.id}: {detail.date.isoformat()}, {who}"
        + (f" ({detail.team})" if detail.developer and detail.team else ""),
        markup=False,
        highlight=False,
    )
    console.print(f"Workflow: {detail.workflow or 'not stated'}", markup=False, highlight=False)
    print_table(
        "Time log",
        ["at", "what happened", "tool", "waiting"],
        [[e.at, e.text, e.tool or "", "yes" if e.waiting else ""] for e in detail.log],
        empty="The notes have no time log.",
    )
    stated_switches = detail.stated_context_switches
    stated_waiting = detail.stated_waiting_min
    print_table(
        "Figures",
        ["figure", "stated", "derived"],
        [
            ["duration (min)", "", _minutes(detail.duration_min)],
            ["log entries", "", detail.log_entries],
            [
                "context switches",
                "" if stated_switches is None else stated_switches,
                detail.context_switches_derived,
            ],
            ["waiting (min)", _minutes(stated_waiting), _minutes(detail.waiting_min_derived)],
        ],
        empty="",
    )
    print_table(
        "Friction points",
        ["friction", "theme"],
        [[f.text, f.theme or ""] for f in detail.friction],
        empty="No friction points.",
    )
    for wish in detail.wishes:
        console.print(f"wish: “{wish}”", markup=False, highlight=False)
    console.print(f"Tools: {', '.join(detail.tools) or 'none named'}", markup=False)


@app.command("export")
def export_command(session_id: SessionId, db: DbOption = None) -> None:
    """Print the session as Markdown in the practice's template (re-importable)."""
    with store(db) as session:
        text = shadowing.export_session(session, session_id=session_id)
    sys.stdout.write(text)
