"""What every command shares: the --db option, opening the store, reading days, JSON and table
output."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pavedroad.db import make_engine, unit_of_work
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.metrics.windows import WINDOW_FORMS
from pavedroad.schema import require_current
from pavedroad.settings import load_settings

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL. Defaults to $PAVEDROAD_DATABASE_URL, then sqlite:///./pavedroad.db.",
        show_default=False,
    ),
]
WindowOption = Annotated[
    str | None,
    typer.Option("--window", "-w", help=f"The window: {WINDOW_FORMS}. Default: last-30d."),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of a table.")
]


def open_engine(db: str | None, *, check_schema: bool = True) -> Engine:
    """An engine for the chosen database; refuses a schema that is not current."""
    settings = load_settings(db)
    engine = make_engine(settings.database_url, settings)
    if check_schema:
        require_current(engine)
    return engine


@contextmanager
def store(db: str | None) -> Iterator[Session]:
    """One unit of work on the chosen database, for one command."""
    engine = open_engine(db)
    try:
        with unit_of_work(engine) as session:
            yield session
    finally:
        engine.dispose()


def to_jsonable(value: Any) -> Any:
    """Pydantic models and lists of them as plain JSON values."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def print_json(value: Any) -> None:
    """Exactly one JSON document on stdout."""
    sys.stdout.write(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False) + "\n")


def print_table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, empty: str
) -> None:
    """A Rich table, or a line saying what to do when there is nothing to show."""
    if not rows:
        console.print(f"[dim]{empty}[/dim]")
        return
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        justify = (
            "right"
            if column
            in {"#", "developers", "services", "headcount", "created", "updated", "unchanged"}
            else "left"
        )
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)


class RowRateColumn(ProgressColumn):
    """Rows per second and rows refused so far, for imports."""

    def render(self, task: Task) -> Text:
        speed = f"{task.speed:,.0f} rows/s" if task.speed else ""
        refused = task.fields.get("rejected", 0)
        return Text(f"{speed}  {refused:,} rejected", style="dim")


def progress(*, rows: bool = False) -> Progress:
    """A progress bar on stderr that hides itself when stderr is not a terminal.

    With `rows`, it counts rows (no total), their rate, and a `rejected` task field.
    """
    columns: list[ProgressColumn | str] = [TextColumn("[progress.description]{task.description}")]
    if rows:
        columns += [TextColumn("{task.completed:,} rows"), RowRateColumn()]
    else:
        columns += [BarColumn(), MofNCompleteColumn()]
    return Progress(
        *columns,
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


def parse_day(text: str, *, option: str, example: str) -> date:
    """A day typed as YYYY-MM-DD for `option`, or an input problem showing `example`."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(
            [InputProblem(source=option, reason=f"expected a date such as {example}", value=text)]
        ) from None


def number_text(value: float) -> str:
    """A number with thousands separators and at most two decimals, trailing zeros dropped."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def one_of(values: Sequence[str]) -> str:
    """Allowed values as help text reads them: `a, b or c`."""
    return ", ".join(values[:-1]) + f" or {values[-1]}" if len(values) > 1 else "".join(values)


def print_error(message: str) -> None:
    """`error: message` on stderr; the message is shown literally, never as markup."""
    err_console.print(Text("error: ", style="red") + Text(message), highlight=False)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error on stderr and return the Exit to raise."""
    print_error(message)
    return typer.Exit(code)
