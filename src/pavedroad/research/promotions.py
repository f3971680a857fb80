"""Promote a finding to an insight in one step: from a ticket category, a survey theme, a usage
finding, a shadowing friction point or wish, or an interview pain point.

Pure: each function reads the report (or record) another research method produced and drafts
the insight with its figure or quote and its source filled; the service stores it. A finding
that is not in the report is refused with the values that are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.research.framing import suggest_framing
from pavedroad.research.schemas import Framing, InsightIn

PROMOTABLE = ("ticket-category", "survey-theme", "usage", "shadowing", "interview")
# The keys a usage report may name the eligible teams that never used a capability by.
_NEVER_USED_KEYS = ("never_used_by", "never_used", "eligible_never_used", "unused_by")


def _refuse(field: str, value: str, known: Sequence[str]) -> InvalidInputError:
    shown = ", ".join(known[:20]) or "none"
    return InvalidInputError(
        [
            InputProblem(
                source="promote", field=field, reason=f"not found; known: {shown}", value=value
            )
        ]
    )


def _shown(value: float) -> str:
    return f"{value:.0%}" if value <= 1 else f"{value:.0f}%"


def _window_label(window: Any) -> str:
    if isinstance(window, Mapping):
        label = window.get("label")
        if label:
            return str(label)
        start, end = window.get("start"), window.get("end")
        return f"{str(start)[:10]}..{str(end)[:10]}" if start and end else "the window"
    return str(window) if window else "the window"


def _draft(framing: Framing | None, **fields: Any) -> InsightIn:
    text = str(fields["text"])
    chosen = framing or suggest_framing(text, fields.get("quote"))
    return InsightIn.model_validate({**fields, "text": text[:5000], "framing": chosen})


def from_ticket_category(
    report: Mapping[str, Any],
    *,
    category: str,
    on: date,
    framing: Framing | None = None,
    problems: Sequence[str] = (),
) -> InsightIn:
    """A ticket category of `research.tickets.report` as an insight with its count and share."""
    rows = list(report.get("categories") or [])
    row = next((r for r in rows if str(r.get("category", "")).lower() == category.lower()), None)
    if row is None:
        raise _refuse("category", category, [str(r.get("category")) for r in rows])
    count = int(row.get("count") or 0)
    share = float(row.get("share") or 0)
    window = _window_label(report.get("window"))
    return _draft(
        framing,
        text=f"{count} support tickets in {window} were about {row['category']}",
        figure=f"{count} tickets ({_shown(share)} of all) in {window}"[:200],
        source_kind="ticket_category",
        source_ref=str(row["category"])[:300],
        observed_on=on,
        problems=list(problems),
    )


def from_survey_theme(
    results: Mapping[str, Any],
    *,
    theme: str,
    wave: str | None,
    on: date,
    framing: Framing | None = None,
    problems: Sequence[str] = (),
    min_answers: int = 5,
) -> InsightIn:
    """A comment theme of `research.surveys.results` (one wave, or the latest) as an insight.

    A theme of fewer than `min_answers` comments is refused: the anonymity rule holds here too.
    """
    waves = list(results.get("waves") or [])
    if wave is not None:
        waves = [w for w in waves if str(w.get("wave")) == wave]
        if not waves:
            raise _refuse("wave", wave, [str(w.get("wave")) for w in results.get("waves") or []])
    if not waves:
        raise _refuse("wave", wave or "", [])
    chosen = waves[-1]
    themes = list(chosen.get("themes") or [])
    row = next((t for t in themes if str(t.get("theme", "")).lower() == theme.lower()), None)
    if row is None:
        raise _refuse("theme", theme, [str(t.get("theme")) for t in themes])
    count = int(row.get("count") or 0)
    if count < min_answers:
        raise InvalidInputError(
            [
                InputProblem(
                    source="promote",
                    field="theme",
                    reason=f"fewer than {min_answers} comments; no survey number from fewer "
                    "answers is shown",
                    value=theme,
                )
            ]
        )
    survey = str(results.get("survey", ""))
    return _draft(
        framing,
        text=f"{count} survey comments in {survey} {chosen.get('wave')} were about {row['theme']}",
        figure=f"{count} comments of {chosen.get('responses', '?')} answers"[:200],
        source_kind="survey_comment",
        source_ref=f"{survey}/{chosen.get('wave')}#{row['theme']}"[:300],
        observed_on=on,
        problems=list(problems),
    )


def _capability_name(row: Mapping[str, Any]) -> str:
    return str(row.get("capability") or row.get("name") or "")


def never_used_by(row: Mapping[str, Any]) -> list[str]:
    """The eligible teams a usage report's row says never used the capability."""
    for key in _NEVER_USED_KEYS:
        value = row.get(key)
        if isinstance(value, list):
            return [str(v) for v in value]
        if isinstance(value, Mapping) and isinstance(value.get("teams"), list):
            return [str(v) for v in value["teams"]]
    return []


def from_usage(
    report: Mapping[str, Any],
    *,
    capability: str,
    eligible_teams: int,
    on: date,
    framing: Framing | None = None,
    problems: Sequence[str] = (),
) -> InsightIn:
    """A capability of `research.usage.report`: the eligible teams that never used it."""
    rows = list(report.get("capabilities") or [])
    row = next((r for r in rows if _capability_name(r).lower() == capability.lower()), None)
    if row is None:
        raise _refuse("capability", capability, [_capability_name(r) for r in rows])
    name = _capability_name(row)
    never = never_used_by(row)
    window = _window_label(report.get("window"))
    of = f" of {eligible_teams}" if eligible_teams else ""
    return _draft(
        framing,
        text=f"{len(never)}{of} eligible teams never used {name} in {window}",
        figure=f"{len(never)}{of} eligible teams never used it"[:200],
        source_kind="usage",
        source_ref=name[:300],
        observed_on=on,
        problems=list(problems),
    )


def from_shadowing(
    *,
    session_id: int,
    kind: str,
    number: int,
    items: Sequence[str],
    team: str | None,
    person: str | None,
    on: date,
    workflow: str = "",
    framing: Framing | None = None,
    problems: Sequence[str] = (),
) -> InsightIn:
    """Friction point or wish `number` (1-based) of a shadowing session as an insight."""
    if not 1 <= number <= len(items):
        raise _refuse(kind, str(number), [str(i) for i in range(1, len(items) + 1)])
    said = items[number - 1]
    where = f" ({workflow})" if workflow else ""
    text = said if kind == "friction" else f"A wish while shadowed{where}: {said}"
    return _draft(
        framing,
        text=text,
        quote=said if kind == "wish" else None,
        source_kind="shadowing",
        source_ref=f"{session_id}#{kind}-{number}",
        team=team,
        person=person,
        observed_on=on,
        problems=list(problems),
    )


def from_interview(
    *,
    interview_id: int,
    number: int,
    pain_points: Sequence[Mapping[str, Any]],
    team: str | None,
    person: str | None,
    on: date,
    framing: Framing | None = None,
    problems: Sequence[str] = (),
) -> InsightIn:
    """Pain point `number` (1-based) of an interview's synthesis, with its quote and context."""
    if not 1 <= number <= len(pain_points):
        raise _refuse("pain_point", str(number), [str(i) for i in range(1, len(pain_points) + 1)])
    point = pain_points[number - 1]
    quote = str(point.get("quote") or "").strip() or None
    context = str(point.get("context") or point.get("pain") or "").strip()
    return _draft(
        framing,
        text=context or quote or f"pain point {number}",
        quote=quote,
        source_kind="interview",
        source_ref=f"{interview_id}#pain-{number}",
        team=team,
        person=person,
        observed_on=on,
        problems=list(problems),
    )
