"""`pavedroad import`: load the catalog from Backstage YAML or CSV files."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from pavedroad.catalog.backstage import import_backstage
from pavedroad.catalog.importers import (
    CatalogImportResult,
    CsvKind,
    csv_template,
    import_catalog_csv,
)
from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    open_engine,
    print_json,
    print_table,
    progress,
    store,
)
from pavedroad.cli.runs import print_run
from pavedroad.errors import InputProblem
from pavedroad.ingest.files import ImportOptions, import_file
from pavedroad.ingest.kinds import KINDS, EventKind

app = typer.Typer(
    help="Import data. Every import is idempotent: re-running it changes nothing.",
    no_args_is_help=True,
)


def _problem_dicts(problems: list[InputProblem]) -> list[dict[str, object]]:
    return [
        {"line": p.line, "entity": p.entity, "field": p.field, "reason": p.reason, "value": p.value}
        for p in problems
    ]


def _report(result: CatalogImportResult, as_json: bool) -> None:
    """Print counts, notices and refused files (on stderr); exit 1 when anything was refused,
    2 when a refused file could not be read at all (broken YAML, not UTF-8, too large)."""
    if as_json:
        print_json(
            {
                "counts": result.report.as_dict(),
                "ignored": result.ignored,
                "accepted_files": result.accepted,
                "rejected_files": {
                    source: _problem_dicts(problems) for source, problems in result.rejected.items()
                },
                "notices": {
                    source: _problem_dicts(notices) for source, notices in result.notices.items()
                },
            }
        )
    else:
        counts = result.report.as_dict()
        print_table(
            "Imported",
            ["kind", "created", "updated", "unchanged"],
            [[kind, c["created"], c["updated"], c["unchanged"]] for kind, c in counts.items()],
            empty="Nothing was written.",
        )
        if result.ignored:
            console.print(f"[dim]{result.ignored} entities of other kinds were ignored.[/dim]")
    for source, notices in result.notices.items():
        _print_listed(
            f"[yellow]note[/yellow] {source}: {len(notices)} entity reference(s) or field(s) "
            "imported differently from the file",
            notices,
        )
    for source, problems in result.rejected.items():
        _print_listed(
            f"[red]refused[/red] {source}: {len(problems)} problem(s), "
            "nothing from this file was written",
            problems,
        )
    if result.rejected:
        raise typer.Exit(2 if result.unreadable else 1)


def _print_listed(heading: str, items: Sequence[object], shown: int = 50) -> None:
    """A heading on stderr and the first `shown` items under it."""
    err_console.print(heading, highlight=False)
    for item in items[:shown]:
        err_console.print(f"  {item}", markup=False, highlight=False)
    if len(items) > shown:
        err_console.print(f"  ... and {len(items) - shown} more", highlight=False)


@app.command()
def backstage(
    files: Annotated[
        list[Path], typer.Argument(help="catalog-info.yaml files (multi-document YAML).")
    ],
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse a file that refers to an entity in none of the files nor the store.",
        ),
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import Backstage entities: Group -> team, User -> developer, Component -> service, System.

    Files are checked together, so a User may name a Group defined in another file. A file
    with any problem (broken YAML, invalid name, duplicate entity, missing field) writes
    nothing, and neither does a file that depends on it. A reference to an entity that is
    nowhere (a dangling owner, system or group) is reported and the rest of the file imported,
    as Backstage does; with --strict it refuses the file. Exit 1 when a file was refused,
    2 when a file cannot be read (missing, too large, not UTF-8, broken YAML).
    """
    with store(db) as session:
        result = import_backstage(session=session, paths=files, strict=strict)
    _report(result, as_json)


def _csv_command(kind: CsvKind, columns: str) -> None:
    def command(
        file: Annotated[Path | None, typer.Argument(help="CSV file with a header row.")] = None,
        template: Annotated[
            bool, typer.Option("--template", help="Print an empty CSV with the right header.")
        ] = False,
        as_json: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        if template:
            sys.stdout.write(csv_template(kind))
            return
        if file is None:
            raise typer.BadParameter("give a FILE to import, or --template")
        with store(db) as session:
            result = import_catalog_csv(session=session, path=file, kind=kind)
        _report(result, as_json)

    command.__doc__ = (
        f"Import {kind} from CSV with columns {columns}.\n\n"
        "Rows upsert on their natural key. Any bad row (missing field, unknown team, duplicate "
        "key, bad value) refuses the whole file and names line, field and reason: exit 1. "
        "A missing file or wrong header: exit 2."
    )
    app.command(kind)(command)


_csv_command("teams", "slug,name,eligible,headcount")
_csv_command("developers", "email,name,team,started_at,role")
_csv_command("services", "name,owner,created_at,onboarded_to_platform_at,tier[,system,repository]")


def _event_command(kind: EventKind) -> None:
    def command(
        file: Annotated[
            Path | None, typer.Argument(help="CSV, NDJSON or JSONL file, optionally gzipped (.gz).")
        ] = None,
        tz: Annotated[
            str,
            typer.Option("--tz", help="Time zone of timestamps that carry no offset (IANA name)."),
        ] = "UTC",
        strict: Annotated[
            bool, typer.Option("--strict", help="Write nothing if any row is bad.")
        ] = False,
        rejects: Annotated[
            Path | None,
            typer.Option(
                "--rejects", help="Write refused rows here, with line and reason columns."
            ),
        ] = None,
        create_missing: Annotated[
            bool,
            typer.Option(
                "--create-missing",
                help="Add unknown teams and services to the catalog instead of refusing rows.",
            ),
        ] = False,
        template: Annotated[
            bool, typer.Option("--template", help="Print an empty CSV with the right header.")
        ] = False,
        as_json: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        if template:
            sys.stdout.write(",".join(kind.column_names) + "\n")
            return
        if file is None:
            raise typer.BadParameter("give a FILE to import, or --template")
        options = ImportOptions(
            tz=tz, strict=strict, rejects_path=rejects, create_missing=create_missing
        )
        engine = open_engine(db)
        try:
            with progress(rows=True) as bar:
                task = bar.add_task(f"Importing {kind.name}", total=None, rejected=0)
                result = import_file(
                    engine,
                    kind.name,
                    file,
                    options,
                    on_progress=lambda read, refused: bar.update(
                        task, completed=read, rejected=refused
                    ),
                )
        finally:
            engine.dispose()
        print_run(result, as_json=as_json)
        if result.rejected:
            raise typer.Exit(1)

    required = ", ".join(c.name for c in kind.columns if c.required)
    command.__doc__ = (
        f"Import {kind.name} (columns {','.join(kind.column_names)}; required: {required}).\n\n"
        "Rows upsert on their natural key, so re-importing a file changes nothing. Exit 0 when "
        "every row was taken, 1 when some were refused (see --rejects and `pavedroad runs show`), "
        "2 on unusable input (missing file, wrong header, unknown kind)."
    )
    app.command(kind.name)(command)


for _kind in KINDS.values():
    _event_command(_kind)
