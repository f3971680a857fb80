"""The README's KPI table is generated from the definitions, so it cannot drift."""

from __future__ import annotations

from pathlib import Path

from pavedroad.metrics.definitions import definitions_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_kpi_table_matches_the_definitions():
    text = README.read_text()
    start = text.index("<!-- kpi-definitions:start -->\n") + len("<!-- kpi-definitions:start -->\n")
    end = text.index("\n<!-- kpi-definitions:end -->")
    assert text[start:end] == definitions_markdown(), (
        "run: python -m pavedroad.metrics.definitions and paste it into README.md"
    )
