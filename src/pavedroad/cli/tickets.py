"""CLI: Support-ticket analysis: categorisation rules, categorising and the report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

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
from pavedroad.errors import InvalidInputError
from pavedroad.metrics.windows import WINDOW_FORMS, parse_window
from pavedroad.research import rules as rule_service
from pavedroad.research import tickets as service
from pavedroad.research.categorise import MAX_RULES_FILE_CHARS, Rule, read_rules
from pavedroad.research.schemas import RULESETS, Ruleset

app = typer.Typer(
    help="Support-ticket analysis: categorisation rules, categorising and the report.",
    no_args_is_help=True,
)
rules_app = typer.Typer(
    help="The ordered categorisation rules of tickets, survey comments or friction points.",
    no_args_is_help=True,
)
app.add_typer(rules_app, name="rules")

ForOption = Annotated[
    str,
    typer.Option(
        "--for",
        help=f"Which rule set: {one_of(RULESETS)} (one mechanism for all three).",
    ),
]


def _ruleset(text: str) -> Ruleset:
    for name in RULESETS:
        if text.strip().lower() == name:
            return name  # type: ignore[return-value]
    raise InvalidInputError.because(
        f"unknown rule set; use {one_of(RULESETS)}", source="--for", value=text
    )


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_RULES_FILE_CHARS * 4:
            raise InvalidInputError.because(
                f"a rules file is at most {MAX_RULES_FILE_CHARS // 2**20} MB",
                source=path,
                unusable=True,
            )
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInputError.because("no such file", source=path, unusable=True) from None
    except IsADirectoryError:
        raise InvalidInputError.because("is a directory", source=path, unusable=True) from None
    except UnicodeDecodeError:
        raise InvalidInputError.because("is not UTF-8 text", source=path, unusable=True) from None
    except OSError as exc:
        raise InvalidInputError.because(
            f"cannot be read: {exc.strerror}", source=path, unusable=True
        ) from None


def _print_rules(ruleset: str, rules: list[Rule]) -> None:
    print_table(
        f"{len(rules)} {ruleset} rules (first match wins)",
        ["#", "category", "keywords", "patterns"],
        [
            [n, escape(r.category), escape(", ".join(r.keywords)), escape("  ".join(r.patterns))]
            for n, r in enumerate(rules, 1)
        ],
        empty=f"No {ruleset} rules yet. Import some: pavedroad tickets rules import rules.yaml"
        + ("" if ruleset == "tickets" else f" --for {ruleset}"),
    )


@rules_app.command("import")
def rules_import(
    file: Annotated[Path, typer.Argument(help="The rules file (YAML or JSON).")],
    ruleset: ForOption = "tickets",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file and show the rules; store nothing.")
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Replace a rule set with a rules file: a list of `{category, keywords: [...], patterns:
    [...]}` in order. Any problem (file:line, field, reason) stores nothing."""
    chosen = _ruleset(ruleset)
    text = _read(file)
    if dry_run:
        rules = read_rules(text, source=str(file))
    else:
        with store(db) as session:
            rules = rule_service.import_rules(session, ruleset=chosen, text=text, source=str(file))
    if as_json:
        print_json({"ruleset": chosen, "dry_run": dry_run, "rules": [r.as_dict() for r in rules]})
        return
    verb = "Checked" if dry_run else "Imported"
    console.print(f"{verb} {len(rules)} {chosen} rules from {escape(str(file))}.")


@rules_app.command("show")
def rules_show(
    ruleset: ForOption = "tickets",
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show a rule set in order (--json: `{"ruleset", "rules": [...]}`)."""
    chosen = _ruleset(ruleset)
    with store(db) as session:
        rules = rule_service.rules_of(session, ruleset=chosen)
    if as_json:
        print_json({"ruleset": chosen, "rules": [r.as_dict() for r in rules]})
        return
    _print_rules(chosen, rules)


@rules_app.command("export")
def rules_export(
    ruleset: ForOption = "tickets",
    db: DbOption = None,
) -> None:
    """Print a rule set as a rules file (YAML) that `rules import` reads back."""
    chosen = _ruleset(ruleset)
    with store(db) as session:
        text = rule_service.export_rules(session, ruleset=chosen)
    sys.stdout.write(text)


@app.command("categorise")
def categorise(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what the rules would do; write nothing.")
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Apply the ticket rules to tickets with no category from their source, replacing earlier
    labels: counts per category and the uncategorised ones with examples, to improve rules."""
    with store(db) as session:
        result = service.categorise(session, dry_run=dry_run)
    if as_json:
        print_json(result)
        return
    would = "would categorise" if dry_run else "categorised"
    console.print(
        f"{result.considered} tickets have no category from their source; the rules {would} "
        f"{result.categorised}."
    )
    print_table(
        "Categories",
        ["category", "#"],
        [[escape(c.category), c.count] for c in result.categories],
        empty="No rule matched any ticket.",
    )
    _print_uncategorised(result.uncategorised)


def _print_uncategorised(missed: service.Uncategorised) -> None:
    if not missed.count:
        return
    console.print(f"{missed.count} uncategorised, for example:")
    for example in missed.examples:
        console.print("  - " + example, markup=False, highlight=False)


@app.command("report")
def report(
    window: Annotated[
        str | None,
        typer.Option(
            "--window",
            "-w",
            help=f"The window: {WINDOW_FORMS}. Default: the last 6 whole months.",
        ),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Per ticket category (the source's, else the rules' label): count, share, per month,
    trend, per 1K customers and per 100 developers, and the top categories."""
    chosen = parse_window(window) if window else service.default_window()
    with store(db) as session:
        found = service.ticket_report(session, window=chosen)
    if as_json:
        print_json(found)
        return
    console.print(
        f"[bold]Tickets for {escape(chosen.label)}[/bold] "
        f"({chosen.start:%Y-%m-%d} .. {chosen.end:%Y-%m-%d}, end exclusive): {found.total}"
    )

    def rate(value: float | None) -> str:
        return "" if value is None else number_text(value)

    print_table(
        f"{len(found.categories)} categories",
        ["category", "#", "share", "trend", "per 1K customers", "per 100 developers"],
        [
            [
                escape(c.category),
                c.count,
                f"{c.share:.0%}",
                "" if c.trend is None else f"{c.trend:+g}/month ({c.trend_direction})",
                rate(c.per_1k_customers),
                rate(c.per_100_developers),
            ]
            for c in found.categories
        ],
        empty="No tickets in this window. Import some: pavedroad import tickets FILE.csv",
    )
    _print_uncategorised(found.uncategorised)
