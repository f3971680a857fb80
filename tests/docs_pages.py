"""The documentation pages under docs/ and the generated blocks between their marker comments."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def generated_block(page: str, marker: str) -> str:
    """The text between `<!-- MARKER:start -->` and `<!-- MARKER:end -->` on a docs page."""
    text = (DOCS / page).read_text()
    start_marker, end_marker = f"<!-- {marker}:start -->\n", f"\n<!-- {marker}:end -->"
    assert text.count(start_marker) == 1 and text.count(end_marker) == 1, (page, marker)
    return text[text.index(start_marker) + len(start_marker) : text.index(end_marker)]
