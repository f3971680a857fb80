"""The column tables of every event kind in docs/data-contracts.md, from the kind declarations."""

from __future__ import annotations

from pavedroad.ingest.kinds import KINDS, Column, EventKind

TYPE_WORDS = {
    "text": "text",
    "timestamp": "timestamp",
    "day": "day (YYYY-MM-DD)",
    "bool": "boolean",
    "int": "whole number",
    "float": "number",
    "enum": "one of",
}


def _type(column: Column) -> str:
    word = "email address" if column.email else TYPE_WORDS[column.type]
    if column.type == "enum":
        word += " " + " / ".join(f"`{c}`" for c in column.choices)
    if column.low is not None and column.high is not None:
        word += f" {column.low:g}–{column.high:g}"
    elif column.low is not None:
        word += f" ≥ {column.low:g}"
    if column.reference:
        word += f" ({column.reference} must exist)"
    return word


def kind_markdown(kind: EventKind) -> str:
    """One kind: its key, a column table and an example row."""
    key = f"`{kind.key}`" + (
        " (empty: a hash of the row, repeats numbered)" if kind.hashed_key else ""
    )
    lines = [
        f"**{kind.name}** — table `{kind.table}`, natural key {key}",
        "",
        "| column | type | required | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for column in kind.columns:
        required = (
            "yes"
            if column.required
            else (
                f"no (default `{str(column.default).lower()}`)"
                if column.default is not None
                else "no"
            )
        )
        lines.append(f"| `{column.name}` | {_type(column)} | {required} | {column.description} |")
    rules = [f"`{later}` may not be before `{earlier}`" for earlier, later in kind.ordered]
    rules += [
        f"a `{earlier}` after `{later}` is taken as `{later}`, with a warning on the run"
        for earlier, later in kind.clamped
    ]
    if rules:
        lines += ["", "Times: " + "; ".join(rules) + "."]
    if kind.snapshots:
        at, fixed = kind.snapshots.at, ", ".join(f"`{c}`" for c in kind.snapshots.fixed)
        lines += [
            "",
            f"Snapshots: a row with `{at}` replaces the stored row only when that one has no "
            f"`{at}` or one no later; an earlier row changes nothing but an empty {fixed}. "
            f"A row without `{at}` is taken as it is, as any other kind's rows are.",
        ]
    lines += [
        "",
        "```csv",
        ",".join(kind.column_names),
        ",".join(_csv_value(c.example) for c in kind.columns),
        "```",
    ]
    return "\n".join(lines)


def _csv_value(value: str) -> str:
    return f'"{value}"' if "," in value else value


def kinds_markdown() -> str:
    """Every kind, in the order of the CLI."""
    return "\n\n".join(kind_markdown(kind) for kind in KINDS.values())


if __name__ == "__main__":
    print(kinds_markdown())
