"""The documents that carry the changelog, from plain values: the Block Kit message within
Slack's published limits however long or many the entries, and user text inert in Slack
mrkdwn, Markdown (rendered by a real renderer), HTML email and Atom."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import feedparser
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pavedroad.comms import feeds
from pavedroad.comms.schemas.changelog import ChangelogEntryOut, ChangelogWeek

HOSTILE = '<script>alert(1)</script> <a href="javascript:x">x</a> <!channel> <@U123> &amp;'
LINK = "https://pavedroad.example/changelog/weeks/2026-W40"


def _entry(n: int, *, title: str = "", body: str = "b", **extra: object) -> ChangelogEntryOut:
    values: dict = {
        "id": n,
        "title": title or f"Change {n}",
        "body": body,
        "before": "",
        "after": "",
        "audience": [],
        "capability": None,
        "initiative": None,
        "date": date(2026, 9, 29),
    }
    values.update(extra)
    return ChangelogEntryOut(**values)


def _week(entries: list[ChangelogEntryOut]) -> ChangelogWeek:
    return ChangelogWeek(
        week="2026-W40", start=date(2026, 9, 28), end=date(2026, 10, 4), entries=entries
    )


def _texts(block: dict) -> list[str]:
    """Every text a block carries."""
    found = []
    if "text" in block:
        found.append(block["text"]["text"])
    for element in block.get("elements", []):
        found.append(element["text"])
    return found


def assert_within_slack_limits(message: dict) -> None:
    """Slack's published Block Kit limits, every one of them."""
    blocks = message["blocks"]
    assert 1 <= len(blocks) <= feeds.SLACK_MAX_BLOCKS
    assert isinstance(message["text"], str) and 0 < len(message["text"]) <= 3000
    for block in blocks:
        assert block["type"] in {"header", "section", "context", "divider"}
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert len(block["text"]["text"]) <= feeds.SLACK_HEADER_TEXT
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= feeds.SLACK_SECTION_TEXT
        if block["type"] == "context":
            assert 1 <= len(block["elements"]) <= feeds.SLACK_CONTEXT_ELEMENTS
            for element in block["elements"]:
                assert len(element["text"]) <= feeds.SLACK_CONTEXT_TEXT


def assert_slack_inert(message: dict) -> None:
    """No user text makes a link, mention or special command: `<` only opens our own link."""
    for block in message["blocks"]:
        for text in _texts(block):
            for match in re.finditer(r"<([^>]*)>", text):
                assert match[1].startswith(LINK + "|") or match[1] == LINK, text
    for text in [message["text"]]:
        assert "<" not in text


def test_a_very_long_entry_is_cut_with_a_link_to_the_changelog():
    huge = _entry(
        1,
        title="T" * 400,
        body="x" * 10_000,
        before="b" * 5000,
        after="a" * 5000,
        audience=["team-" + "z" * 190] * 50,
        capability="c" * 200,
        initiative="i" * 300,
    )
    message = feeds.slack_message(_week([huge]), link=LINK)
    assert_within_slack_limits(message)
    section = next(b for b in message["blocks"] if b["type"] == "section")
    assert section["text"]["text"].endswith(f"{feeds.ELLIPSIS} <{LINK}|more in the changelog>")
    without_link = feeds.slack_message(_week([huge]))
    assert_within_slack_limits(without_link)
    assert "more in the changelog" in json.dumps(without_link)


def test_a_week_with_more_entries_than_fit_is_summarised():
    many = [_entry(n, title=f"Change {n} " + "t" * 280, body="y" * 4000) for n in range(200)]
    message = feeds.slack_message(_week(many), link=LINK)
    assert_within_slack_limits(message)
    assert len(message["blocks"]) >= feeds.SLACK_MAX_BLOCKS - 1  # entries take two each
    summary = message["blocks"][-2]["text"]["text"]
    assert summary.startswith("*178 more changes this week:*")
    assert message["blocks"][-1]["elements"][0]["text"] == f"<{LINK}|Open the changelog>"


def test_exactly_as_many_entries_as_fit_need_no_summary():
    fits = (feeds.SLACK_MAX_BLOCKS - 3) // 2
    message = feeds.slack_message(_week([_entry(n) for n in range(fits)]))
    assert_within_slack_limits(message)
    assert "more change" not in json.dumps(message)
    one_more = feeds.slack_message(_week([_entry(n) for n in range(fits + 1)]))
    assert_within_slack_limits(one_more)
    assert "*1 more change this week:*" in json.dumps(one_more)


def test_an_empty_week_says_so():
    message = feeds.slack_message(_week([]))
    assert_within_slack_limits(message)
    assert "No changes were logged this week." in json.dumps(message)
    assert "No changes" in feeds.markdown_week(_week([]))


def test_slack_text_cannot_mention_or_link():
    entry = _entry(
        1,
        title=HOSTILE,
        body=HOSTILE,
        before=HOSTILE,
        after=HOSTILE,
        audience=[HOSTILE],
        capability=HOSTILE,
        initiative=HOSTILE,
    )
    message = feeds.slack_message(_week([entry]), link=LINK)
    assert_slack_inert(message)
    assert "&lt;!channel&gt;" in json.dumps(message) and "&amp;amp;" in json.dumps(message)


def test_an_escaped_entity_is_never_cut_in_half():
    entry = _entry(1, title="t", body="&" * 5000)
    text = feeds.slack_message(_week([entry]))["blocks"][3]["text"]["text"]
    head = text.removesuffix(f"{feeds.ELLIPSIS} more in the changelog")
    assert re.fullmatch(r"\*t\*\n(&amp;)+", head)


@settings(max_examples=60, deadline=None)
@given(
    entries=st.lists(
        st.builds(
            lambda n, t, b, a: _entry(n, title=t, body=b, after=a),
            st.integers(1, 10_000),
            st.text(min_size=1, max_size=400),
            st.text(min_size=1, max_size=4000),
            st.text(max_size=3000),
        ),
        max_size=40,
    ),
    link=st.sampled_from([None, LINK]),
)
def test_any_week_stays_within_slack_limits(entries, link):
    message = feeds.slack_message(_week(entries), link=link)
    assert_within_slack_limits(message)
    if link:
        assert_slack_inert(message)


def test_markdown_rendered_by_a_real_renderer_stays_inert():
    entry = _entry(
        1,
        title="# " + HOSTILE,
        body=f"*bold* _it_ [x](javascript:alert(1)) `c`\n1. list\n- item\n> quote\n{HOSTILE}",
        before="<b>18</b>",
        after="6 | 7",
        audience=[HOSTILE],
    )
    text = feeds.markdown_week(_week([entry]), link=LINK)
    html = MarkdownIt("commonmark").render(text)
    assert html.count("<em>") == 1  # the week's own span line, not the user's *bold*
    for tag in ("<script", '<a href="javascript', "<strong>bold", "<ol", "<blockquote", "<code>"):
        assert tag not in html, tag
    assert "&lt;script&gt;" in html and f'<a href="{LINK}">' in html
    assert html.count("<h2>") == 1 and "<ul>" not in html


def test_markdown_keeps_ordinary_text_readable():
    entry = _entry(1, title="CI in 6 minutes", body="From 18 to 7.4 minutes. Next: 6.")
    text = feeds.markdown_week(_week([entry]))
    assert "## CI in 6 minutes" in text and "From 18 to 7.4 minutes. Next: 6." in text


def test_email_parts_escape_html():
    entry = _entry(1, title=HOSTILE, body=HOSTILE + "\nline two", before="<b>x</b>")
    message = feeds.email_message(
        _week([entry]), sender="p@brightwave.example", recipients=["a@example.com"], link=LINK
    )
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",)).get_content()
    assert "<script" not in html and "&lt;script&gt;" in html and "line two" in html
    assert "<br>line two" in html
    assert HOSTILE in message.get_body(("plain",)).get_content()


def test_atom_document_is_valid_and_escaped():
    created = datetime(2026, 9, 29, 10, tzinfo=UTC)
    entries = [(_entry(7, title=HOSTILE, body=HOSTILE), created, created)]
    document = feeds.atom_feed(
        entries, self_url="http://x/changelog.atom", page_url="http://x/changelog"
    )
    feed = feedparser.parse(document)
    assert not feed.bozo and feed.version == "atom10"
    (item,) = feed.entries
    assert item.id == "tag:pavedroad,2026-09-29:changelog/7"
    assert item.title == HOSTILE
    assert "<script" not in item.content[0].value
    assert feed.feed.updated == "2026-09-29T10:00:00Z"
    empty = feedparser.parse(feeds.atom_feed([], self_url="http://x/a", page_url="http://x/b"))
    assert not empty.bozo and empty.entries == []
