"""The pitch one-pager as Markdown: a title and the practice's three bullets, nothing more.

Every text is escaped so HTML or script typed in a title, note, quote or translation row stays
text wherever the Markdown is rendered.
"""

from __future__ import annotations

import html

from pavedroad.comms.schemas.pitches import PitchOut


def inert(text: str) -> str:
    """Text that renders as itself in Markdown: no HTML, no line breaks that end a bullet."""
    return html.escape(" ".join(text.split()), quote=False)


def pitch_markdown(pitch: PitchOut) -> str:
    """`pavedroad pitch TITLE` (the default format)."""
    return (
        f"## {inert(pitch.initiative)}\n\n"
        f"- **Constraint:** {inert(pitch.constraint.text)}\n"
        f"- **Bet:** {inert(pitch.bet.text)}\n"
        f"- **Outcome:** {inert(pitch.outcome.text)}\n"
    )
