"""The README documents every event kind exactly as the importer reads it."""

from __future__ import annotations

from pathlib import Path

from pavedroad.ingest.docs import kinds_markdown
from pavedroad.ingest.kinds import KINDS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_column_tables_match_the_kind_declarations():
    text = README.read_text()
    start = text.index("<!-- event-kinds:start -->\n") + len("<!-- event-kinds:start -->\n")
    end = text.index("\n<!-- event-kinds:end -->")
    assert text[start:end] == kinds_markdown(), (
        "run: python -m pavedroad.ingest.docs and paste it into README.md"
    )


def test_every_kind_has_an_example_row_that_the_importer_accepts():
    from datetime import UTC

    from pavedroad.ingest.rows import convert_row

    for kind in KINDS.values():
        row, problems = convert_row(kind, {c.name: c.example for c in kind.columns}, tz=UTC)
        assert problems == [] and row is not None, kind.name
