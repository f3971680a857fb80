"""The docs' KPI table is generated from the definitions, so it cannot drift."""

from __future__ import annotations

from pavedroad.metrics.definitions import definitions_markdown
from tests.docs_pages import generated_block


def test_docs_kpi_table_matches_the_definitions():
    assert generated_block("kpis.md", "kpi-definitions") == definitions_markdown(), (
        "run: python -m pavedroad.metrics.definitions and paste it into docs/kpis.md"
    )
