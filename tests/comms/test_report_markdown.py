"""Typed text in a report is inert: a real CommonMark parser (with raw HTML and tables on)
renders it as exactly the text, wherever the report puts it; and the reports API under fuzz."""

from __future__ import annotations

import html
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pavedroad.comms.report_markdown import inert
from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.web import conftest as web
from tests.web.test_openapi_fuzz import fuzz_operations

small_catalog, tokens, users = web.small_catalog, web.tokens, web.users

# CommonMark with raw HTML allowed (its default), plus GFM tables and strikethrough.
PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
HOSTILE = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "![](http://evil/pixel.png)",
    "# heading",
    "## also",
    "a | b | c",
    "- list",
    "1. ordered",
    "12) ordered",
    "> quote",
    "---",
    "***",
    "=====",
    "`code` **bold** _em_ ~~strike~~",
    "<http://evil>",
    "&lt;script&gt; &amp; &#60;b&#62;",
    "[ref]: http://evil",
    "line one\n# line two\n<img src=x onerror=alert(1)>",
    "trailing backslash \\",
    "    indented code",
    "<!-- comment -->",
    "\x00nul and \udc80 lone surrogate",
]


def _expected(text: str) -> str:
    """What a reader should see: the text on one line (control characters as spaces)."""
    from pavedroad.errors import printable

    safe = "".join(" " if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in printable(text))
    return " ".join(safe.split())


def _shown(rendered: str, tag: str = "p") -> str:
    """The text inside a single element, failing when any other element was made."""
    body = rendered.strip()
    if not body:
        return ""
    match = re.fullmatch(rf"<{tag}>(.*)</{tag}>", body, re.DOTALL)
    assert match, f"rendered into more than one {tag}: {body!r}"
    inner = match.group(1)
    assert "<" not in inner, f"markup came out: {inner!r}"
    return html.unescape(inner)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.text(), st.sampled_from(HOSTILE), st.lists(st.sampled_from(HOSTILE)).map(" ".join))
)
@example("1. x")
@example("-")
@example("+ plus")
def test_inert_text_renders_as_exactly_the_text(text):
    escaped = inert(text)
    assert "\n" not in escaped
    assert _shown(PARSER.render(escaped)) == _expected(text)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.sampled_from(HOSTILE)))
def test_inert_text_stays_in_its_table_cell_and_list_item(text):
    escaped = inert(text)
    table = PARSER.render(f"| a | b |\n|---|---|\n| {escaped} | end |\n")
    cells = re.findall(r"<td>(.*?)</td>", table, re.DOTALL)
    assert len(cells) == 2 and cells[1] == "end"
    assert "<" not in cells[0] and html.unescape(cells[0]) == _expected(text)
    item = PARSER.render(f"- {escaped}\n")
    match = re.fullmatch(r"<ul>\n<li>(.*)</li>\n</ul>", item.strip(), re.DOTALL)
    if _expected(text):
        assert match and "<" not in match.group(1)
        assert html.unescape(match.group(1)) == _expected(text)


def test_hostile_samples_read_as_typed():
    assert inert("<script>alert(1)</script>") == "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"
    assert inert("# heading") == "\\# heading"
    assert inert("1. ordered") == "1\\. ordered"
    assert inert("a | b") == "a \\| b"
    assert inert("![](http://evil)") == "\\!\\[\\]\\(http://evil\\)"
    assert inert("plain words, 6.0 min") == "plain words, 6.0 min"


def test_no_reports_operation_answers_a_500_or_breaks_its_schema(db_url, engine, tokens):
    app = create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))
    try:
        operations, failures = fuzz_operations(app, tokens, prefix="/api/v1/reports", examples=10)
        assert operations == 2
        assert failures == [], "\n".join(sorted(set(failures))[:30])
    finally:
        app.state.engine.dispose()
