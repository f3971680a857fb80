"""`pavedroad runs`: every import and webhook batch, its status, counts and refused rows."""

from __future__ import annotations

from typing import Annotated

import typer

from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    open_engine,
    print_json,
    print_table,
    store,
)
from pavedroad.ingest import runs as run_service
from pavedroad.ingest.retry import retry_run
from pavedroad.ingest.runs import RunOut

app = typer.Typer(
    help="Ingestion runs: status, counts, first errors, refused rows; retry a run.",
    invoke_without_command=True,
)

STATUS_STYLE = {
    "succeeded": "green",
    "partly_succeeded": "yellow",
    "failed": "red",
    "running": "cyan",
    "queued": "dim",
}


def print_run(run: RunOut, *, as_json: bool) -> None:
    """One run's outcome: JSON for scripts, a line for people."""
    if as_json:
        print_json(run)
        return
    style = STATUS_STYLE.get(run.status, "")
    console.print(
        f"Run {run.id} [{style}]{run.status}[/{style}]: read {run.read:,}, new {run.new:,}, "
        f"updated {run.updated:,}, unchanged {run.unchanged:,}, rejected {run.rejected:,}"
        + (f" in {run.seconds:.1f} s" if run.seconds is not None else "")
    )
    if run.created_capabilities:
        console.print(
            f"  created {len(run.created_capabilities)} capabilities the catalog did not know: "
            + ", ".join(run.created_capabilities),
            markup=False,
            highlight=False,
        )
    for error in run.errors[:5]:
        err_console.print(f"  {error}", markup=False, highlight=False)
    if run.rejected:
        err_console.print(f"  `pavedroad runs show {run.id}` lists the refused rows.", markup=False)


@app.callback()
def list_runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many runs, newest first.")] = 30,
    status: Annotated[str | None, typer.Option(help="Only runs in this status.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List runs, newest first. `--json` prints a JSON array."""
    if ctx.invoked_subcommand is not None:
        return
    with store(db) as session:
        run_service.close_abandoned_runs(session=session)
        found = run_service.list_runs(session=session, limit=limit, status=status)
    if as_json:
        print_json(found)
        return
    print_table(
        f"{len(found)} runs",
        [
            "#",
            "kind",
            "channel",
            "status",
            "read",
            "new",
            "updated",
            "unchanged",
            "rejected",
            "started",
            "source",
        ],
        [
            [
                r.id,
                r.kind,
                r.channel,
                r.status,
                r.read,
                r.new,
                r.updated,
                r.unchanged,
                r.rejected,
                r.started_at.strftime("%Y-%m-%d %H:%M") if r.started_at else "",
                r.source,
            ]
            for r in found
        ],
        empty="No runs yet. Import a file: pavedroad import deployments FILE.csv",
    )


@app.command()
def show(
    run_id: Annotated[int, typer.Argument(help="Run number from `pavedroad runs`.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show a run with its options, first errors and the refused rows it kept."""
    with store(db) as session:
        detail = run_service.get_run_detail(session=session, run_id=run_id)
    if as_json:
        print_json(detail)
        return
    print_run(detail, as_json=False)
    console.print(f"source: {detail.source}", markup=False)
    print_table(
        "Refused rows",
        ["line", "field", "reason", "row"],
        [[r.line, r.field, r.reason, r.raw[:80]] for r in detail.rejects],
        empty="No refused rows.",
    )


@app.command()
def retry(
    run_id: Annotated[int, typer.Argument(help="Run number from `pavedroad runs`.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Run again: a file import re-reads its file; a webhook run reprocesses its stored payloads."""
    engine = open_engine(db)
    try:
        result = retry_run(engine, run_id)
    finally:
        engine.dispose()
    print_run(result, as_json=as_json)
    if result.rejected:
        raise typer.Exit(1)
