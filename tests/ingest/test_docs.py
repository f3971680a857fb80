"""The docs document every event kind exactly as the importer reads it."""

from __future__ import annotations

from pavedroad.ingest.docs import kinds_markdown
from pavedroad.ingest.kinds import KINDS
from tests.docs_pages import generated_block


def test_docs_column_tables_match_the_kind_declarations():
    assert generated_block("data-contracts.md", "event-kinds") == kinds_markdown(), (
        "run: python -m pavedroad.ingest.docs and paste it into docs/data-contracts.md"
    )


def test_every_kind_has_an_example_row_that_the_importer_accepts():
    from datetime import UTC

    from pavedroad.ingest.rows import convert_row

    for kind in KINDS.values():
        row, problems = convert_row(kind, {c.name: c.example for c in kind.columns}, tz=UTC)
        assert problems == [] and row is not None, kind.name
