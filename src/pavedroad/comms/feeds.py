"""The changelog as the documents that carry it: the Markdown week, the Slack Block Kit
message, the multipart email and the Atom 1.0 feed.

Pure functions over plain values. User text is made inert in each format: Markdown and HTML
escape `&`, `<` and `>` (and Markdown's own punctuation), Slack's mrkdwn escapes `&`, `<` and
`>` so no text makes a link or a mention, and Atom content is escaped HTML inside XML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from xml.etree import ElementTree as ET

from pavedroad.comms.schemas.changelog import ChangelogEntryOut, ChangelogWeek

# Slack's published Block Kit limits (docs.slack.dev, "Blocks" and "Composition objects").
SLACK_MAX_BLOCKS = 50
SLACK_SECTION_TEXT = 3000
SLACK_HEADER_TEXT = 150
SLACK_CONTEXT_ELEMENTS = 10
SLACK_CONTEXT_TEXT = 2000
# The top-level `text` is the notification and screen-reader fallback; Slack truncates it at
# 40,000 characters, we keep it to a readable summary.
SLACK_FALLBACK_TEXT = 3000
ELLIPSIS = "…"
ATOM_NS = "http://www.w3.org/2005/Atom"


def _cut(text: str, limit: int, tail: str = ELLIPSIS) -> str:
    """`text` within `limit` characters, ending in `tail` when it had to be cut; an escaped
    entity (`&amp;`) is never cut in half."""
    if len(text) <= limit:
        return text
    head = text[: max(0, limit - len(tail))]
    head = re.sub(r"&[a-z]{0,4}$", "", head)
    return head + tail


def week_heading(week: ChangelogWeek) -> str:
    """`Platform changelog 2026-W40`."""
    return f"Platform changelog {week.week}"


def _span(week: ChangelogWeek) -> str:
    count = len(week.entries)
    changes = f"{count} change{'' if count == 1 else 's'}"
    return f"{week.start:%d %b} – {week.end:%d %b %Y} · {changes}"


def _facts(entry: ChangelogEntryOut) -> list[tuple[str, str]]:
    """What an entry is about, as (label, plain value) pairs."""
    facts = [("For", ", ".join(entry.audience) if entry.audience else "everyone")]
    if entry.capability:
        facts.append(("Capability", entry.capability))
    if entry.initiative:
        facts.append(("Initiative", entry.initiative))
    facts.append(("Date", entry.date.isoformat()))
    return facts


# ---- Markdown ------------------------------------------------------------------------------

_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
# A line that would start a heading, list, quote or rule: `# `, `- `, `+ `, `= `, `1. `.
_MD_LINE_START = re.compile(r"^(\s*)([#+\-=]|\d+(?=[.)](?:\s|$)))", re.MULTILINE)


def markdown_text(text: str) -> str:
    """User text as inert Markdown: no raw HTML, no emphasis, links, code or headings."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _MD_INLINE.sub(r"\\\1", escaped)
    return _MD_LINE_START.sub(_escape_line_start, escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    """`# x` -> `\\# x`; `1. x` -> `1\\. x` (the digits stay, the marker is escaped)."""
    indent, marker = match[1], match[2]
    if marker.isdigit():
        return indent + marker + "\\"
    return indent + "\\" + marker


def markdown_week(week: ChangelogWeek, *, link: str | None = None, level: int = 1) -> str:
    """The week as one Markdown document (`level` 2 nests it under a report's heading)."""
    top = "#" * level
    lines = [f"{top} {week_heading(week)}", "", f"_{_span(week)}_", ""]
    if not week.entries:
        lines += ["No changes were logged this week.", ""]
    for entry in week.entries:
        lines += [f"{top}# {markdown_text(entry.title)}", "", markdown_text(entry.body), ""]
        if entry.before:
            lines += [f"**Before:** {markdown_text(entry.before)}", ""]
        if entry.after:
            lines += [f"**After:** {markdown_text(entry.after)}", ""]
        lines += [" · ".join(f"{k}: {markdown_text(v)}" for k, v in _facts(entry)), ""]
    if link:
        lines += [f"More in the changelog: <{link}>", ""]
    return "\n".join(lines)


# ---- Slack ---------------------------------------------------------------------------------


def slack_text(text: str) -> str:
    """User text as Slack mrkdwn shows it literally: `&`, `<` and `>` escaped, so it can make
    no link, mention (`<!channel>`) or user reference."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _more(link: str | None) -> str:
    return (
        f"{ELLIPSIS} <{link}|more in the changelog>"
        if link
        else f"{ELLIPSIS} more in the changelog"
    )


def _entry_section(entry: ChangelogEntryOut, link: str | None) -> dict[str, Any]:
    parts = [f"*{slack_text(entry.title)}*", slack_text(entry.body)]
    if entry.before:
        parts.append(f"*Before:* {slack_text(entry.before)}")
    if entry.after:
        parts.append(f"*After:* {slack_text(entry.after)}")
    text = _cut("\n".join(parts), SLACK_SECTION_TEXT, _more(link))
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _entry_context(entry: ChangelogEntryOut) -> dict[str, Any]:
    elements = [
        {"type": "mrkdwn", "text": _cut(f"*{label}:* {slack_text(value)}", SLACK_CONTEXT_TEXT)}
        for label, value in _facts(entry)
    ]
    return {"type": "context", "elements": elements[:SLACK_CONTEXT_ELEMENTS]}


def slack_message(week: ChangelogWeek, *, link: str | None = None) -> dict[str, Any]:
    """The Block Kit message for the week, within Slack's limits.

    A header, the span, then a section and a context per entry; when the week holds more
    entries than 50 blocks carry, the rest are summarised by title in one last section.
    """
    header = {
        "type": "header",
        "text": {"type": "plain_text", "text": _cut(week_heading(week), SLACK_HEADER_TEXT)},
    }
    span = {"type": "context", "elements": [{"type": "mrkdwn", "text": _span(week)}]}
    blocks: list[dict[str, Any]] = [header, span, {"type": "divider"}]
    footer = (
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"<{link}|Open the changelog>"}],
        }
        if link
        else None
    )
    free = SLACK_MAX_BLOCKS - len(blocks) - (1 if footer else 0)
    # Every entry takes two blocks; when they do not all fit, one block goes to the summary.
    fits = len(week.entries) * 2 <= free
    shown = week.entries if fits else week.entries[: (free - 1) // 2]
    if not week.entries:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "No changes were logged this week."},
            }
        )
    for entry in shown:
        blocks += [_entry_section(entry, link), _entry_context(entry)]
    rest = week.entries[len(shown) :]
    if rest:
        titles = "\n".join(f"• {slack_text(e.title)}" for e in rest)
        summary = f"*{len(rest)} more change{'' if len(rest) == 1 else 's'} this week:*\n{titles}"
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _cut(summary, SLACK_SECTION_TEXT, _more(link))},
            }
        )
    if footer:
        blocks.append(footer)
    titles = "; ".join(slack_text(e.title) for e in week.entries) or "no changes"
    fallback = _cut(f"{week_heading(week)}: {titles}", SLACK_FALLBACK_TEXT)
    return {"text": fallback, "blocks": blocks[:SLACK_MAX_BLOCKS]}


# ---- email ---------------------------------------------------------------------------------


def email_subject(week: ChangelogWeek) -> str:
    """`Platform changelog 2026-W40: 3 changes`."""
    count = len(week.entries)
    return f"{week_heading(week)}: {count} change{'' if count == 1 else 's'}"


def email_text(week: ChangelogWeek, *, link: str | None = None) -> str:
    """The plain-text part: the week as a reader of plain mail sees it."""
    lines = [week_heading(week), _span(week), ""]
    if not week.entries:
        lines += ["No changes were logged this week.", ""]
    for entry in week.entries:
        lines += [entry.title, "-" * min(len(entry.title), 72), entry.body, ""]
        if entry.before:
            lines += [f"Before: {entry.before}"]
        if entry.after:
            lines += [f"After: {entry.after}"]
        lines += [" · ".join(f"{k}: {v}" for k, v in _facts(entry)), ""]
    if link:
        lines += [f"More in the changelog: {link}", ""]
    return "\n".join(lines)


def _html_text(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def email_html(week: ChangelogWeek, *, link: str | None = None) -> str:
    """The HTML part: every text escaped, styles inline (mail clients drop style sheets)."""
    out = [
        '<!doctype html><html><body style="font-family:sans-serif;max-width:640px">',
        f"<h1>{html.escape(week_heading(week))}</h1>",
        f'<p style="color:#555">{html.escape(_span(week))}</p>',
    ]
    if not week.entries:
        out.append("<p>No changes were logged this week.</p>")
    for entry in week.entries:
        out.append(f"<h2>{_html_text(entry.title)}</h2><p>{_html_text(entry.body)}</p>")
        rows = [("Before", entry.before), ("After", entry.after)]
        for label, value in rows:
            if value:
                out.append(f"<p><strong>{label}:</strong> {_html_text(value)}</p>")
        facts = " · ".join(f"{k}: {html.escape(v)}" for k, v in _facts(entry))
        out.append(f'<p style="color:#555;font-size:90%">{facts}</p>')
    if link:
        out.append(f'<p><a href="{html.escape(link, quote=True)}">More in the changelog</a></p>')
    out.append("</body></html>")
    return "\n".join(out)


def email_message(
    week: ChangelogWeek,
    *,
    sender: str,
    recipients: Sequence[str],
    link: str | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """The week as a multipart/alternative message: the text part, then the HTML part."""
    message = EmailMessage()
    message["Subject"] = email_subject(week)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(email_text(week, link=link))
    message.add_alternative(email_html(week, link=link), subtype="html")
    return message


# ---- Atom ----------------------------------------------------------------------------------


def entry_id(entry_id: int, created: datetime) -> str:
    """A stable Atom id: a tag URI from the entry's id and the day it was created."""
    return f"tag:pavedroad,{created.date().isoformat()}:changelog/{entry_id}"


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def entry_html(entry: ChangelogEntryOut) -> str:
    """An entry's content as HTML, every text escaped."""
    parts = [f"<p>{_html_text(entry.body)}</p>"]
    for label, value in (("Before", entry.before), ("After", entry.after)):
        if value:
            parts.append(f"<p><strong>{label}:</strong> {_html_text(value)}</p>")
    facts = " · ".join(f"{k}: {html.escape(v)}" for k, v in _facts(entry))
    parts.append(f"<p>{facts}</p>")
    return "".join(parts)


def atom_feed(
    entries: Sequence[tuple[ChangelogEntryOut, datetime, datetime]],
    *,
    self_url: str,
    page_url: str,
    now: datetime | None = None,
) -> bytes:
    """The Atom 1.0 document of `entries` ((entry, created, updated), newest first)."""
    ET.register_namespace("", ATOM_NS)

    def child(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    child(feed, "id", "tag:pavedroad,2026:changelog")
    child(feed, "title", "Platform changelog")
    child(feed, "subtitle", "What changed on the platform, with before and after examples")
    latest = max((updated for _, _, updated in entries), default=None)
    child(feed, "updated", _iso(latest or now or datetime.now(UTC)))
    child(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    child(feed, "link", rel="alternate", type="text/html", href=page_url)
    author = child(feed, "author")
    child(author, "name", "The platform team")
    child(feed, "generator", "pavedroad")
    for entry, created, updated in entries:
        item = child(feed, "entry")
        child(item, "id", entry_id(entry.id, created))
        child(item, "title", _xml_safe(entry.title), type="text")
        child(item, "updated", _iso(updated))
        child(item, "published", _iso(_day_start(entry.date)))
        child(item, "link", rel="alternate", type="text/html", href=f"{page_url}#entry-{entry.id}")
        for name in [*entry.audience, *([entry.capability] if entry.capability else [])]:
            child(item, "category", term=_xml_safe(name))
        child(item, "summary", _xml_safe(_cut(entry.body, 300)), type="text")
        child(item, "content", _xml_safe(entry_html(entry)), type="html")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + document


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_safe(text: str) -> str:
    """Text XML 1.0 can carry: control characters and lone surrogates become U+FFFD."""
    return _XML_INVALID.sub("\ufffd", text)
