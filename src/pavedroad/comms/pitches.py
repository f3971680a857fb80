"""Pitch one-pagers (constraint, bet, outcome) and the translation table they read.

The practice's three bullets, computed from what the store knows: the constraint from the KPIs
the initiative's criteria and goals point at and the research linked to its problems; the bet
from its effort, RICE and rank in the backlog; the outcome through the translation row bound to
the KPI of its success criterion (or its goal), unless a row was chosen by hand. What a pitch
keeps beyond that (the chosen row, a note on the constraint) is its `Pitch` row.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad.backlog import service as backlog
from pavedroad.backlog.schemas import CriterionOut, InitiativeDetail, RankedInitiative
from pavedroad.comms import translation
from pavedroad.comms.models import Pitch
from pavedroad.comms.schemas.pitches import (
    KpiEvidence,
    PitchBet,
    PitchChoiceIn,
    PitchConstraint,
    PitchEvidence,
    PitchOut,
    PitchOutcome,
    PitchTranslation,
    ResearchEvidence,
    TranslationRowOut,
)
from pavedroad.errors import InputProblem, InvalidInputError, NotFoundError
from pavedroad.metrics import service as metrics
from pavedroad.metrics.definitions import format_value, get_definition
from pavedroad.metrics.windows import today_utc
from pavedroad.research import insights as research

MAX_QUOTES = 3
LANE_ORDER = {"now": 0, "next": 1, "later": 2, "exploring": 3}


def seed_translation_table(*, session: Session) -> None:
    """Write the practice's four translation rows into an empty table."""
    translation.seed_practice_rows(session=session)


# ---- finding the initiative ------------------------------------------------------------------


def initiative_or_raise(*, session: Session, ref: str) -> int:
    """The id of the initiative meant by `ref` (title, any case, or id); an unknown one is
    refused with the closest titles named."""
    try:
        return backlog.get_initiative_by_ref_or_raise(session=session, ref=ref).id
    except NotFoundError:
        titles = [
            r.title for r in backlog.list_initiatives(session=session, evaluate_criteria=False)
        ]
        by_key = {backlog.title_key(t): t for t in titles}
        close = difflib.get_close_matches(backlog.title_key(ref), list(by_key), n=3, cutoff=0.5)
        close += [k for k in by_key if backlog.title_key(ref) in k and k not in close][:3]
        hint = (
            "; did you mean " + ", ".join(repr(by_key[k]) for k in close[:3]) + "?"
            if close
            else "; `pavedroad initiatives list` lists them"
        )
        raise NotFoundError(f"no initiative titled {ref!r}{hint}") from None


def pitch_list(*, session: Session) -> list[RankedInitiative]:
    """Initiatives for the pitch list: Now, then Next, then the rest, each by RICE rank."""
    ranked = backlog.list_initiatives(session=session, evaluate_criteria=False)
    return sorted(
        ranked,
        key=lambda r: (
            LANE_ORDER.get(r.lane or "", 4),
            r.rank is None,
            r.rank or 0,
            r.title.casefold(),
        ),
    )


# ---- the stored choice -----------------------------------------------------------------------


def _stored(session: Session, initiative_id: int) -> Pitch | None:
    return session.scalars(select(Pitch).where(Pitch.initiative_id == initiative_id)).first()


def save_choice(*, session: Session, initiative_id: int, data: PitchChoiceIn) -> Pitch:
    """Keep the translation row chosen by hand (None: let the KPI pick) and the note."""
    backlog.get_initiative_or_raise(session=session, initiative_id=initiative_id)
    if data.translation_id is not None and (
        translation.row_by_id(session=session, row_id=data.translation_id) is None
    ):
        raise InvalidInputError(
            [
                InputProblem(
                    source="pitch",
                    field="translation_id",
                    reason="no translation row has this id; `pavedroad translation list`",
                    value=str(data.translation_id),
                )
            ]
        )
    pitch = _stored(session, initiative_id)
    if pitch is None:
        pitch = Pitch(initiative_id=initiative_id)
        session.add(pitch)
    pitch.translation_id = data.translation_id
    pitch.constraint_note = data.constraint_note.strip()
    session.flush()
    return pitch


# ---- building the one-pager ------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    kpi_id: str
    text: str
    source: str


def _criterion_target(c: CriterionOut) -> str:
    return f"{c.comparator} {format_value(c.threshold, c.unit)} by {c.due.isoformat()}"


def _outcome_target(
    criteria: list[CriterionOut], goals: list[tuple[str, str]], today: date
) -> _Target | None:
    """The success criterion still open soonest (else the last one due), else the first goal."""
    success = sorted((c for c in criteria if c.kind == "success"), key=lambda c: c.due)
    if success:
        open_ = [c for c in success if c.due >= today]
        chosen = open_[0] if open_ else success[-1]
        return _Target(chosen.kpi_id, _criterion_target(chosen), "criterion")
    if goals:
        return _Target(goals[0][0], goals[0][1], "goal")
    return None


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _quoted(quote: str) -> str:
    return "“" + " ".join(quote.split()).strip('“”"') + "”"


def _constraint_text(note: str, kpis: list[KpiEvidence], found: list[ResearchEvidence]) -> str:
    parts = [_sentence(note)] if note else []
    measured = [k for k in kpis if k.value is not None]
    if measured:
        parts.append(
            "Today "
            + "; ".join(
                f"{k.name} is {k.value_text}" + (f" (target {k.target})" if k.target else "")
                for k in measured
            )
            + "."
        )
    insights = sum(r.insights for r in found)
    if insights:
        teams = sorted({t for r in found for t in r.teams})
        problems = [r.problem for r in found if r.insights]
        line = f"{insights} research insight{'s' if insights != 1 else ''}"
        if teams:
            line += f" from {len(teams)} team{'s' if len(teams) != 1 else ''}"
        line += " back " + ", ".join(_quoted(p) for p in problems) + "."
        quotes = [q for r in found for q in r.quotes][:1]
        if quotes:
            line += f" One developer: {_quoted(quotes[0])}."
        parts.append(line)
    return " ".join(parts)


def _missing(
    kpis: list[KpiEvidence], has_problems: bool, found: list[ResearchEvidence]
) -> list[str]:
    missing = []
    if not kpis:
        missing.append(
            "no KPI evidence: add a success criterion "
            "(`pavedroad initiatives criteria add TITLE CRITERION`) "
            "or link it to a goal of the impact map"
        )
    elif all(k.value is None for k in kpis):
        missing.append("its KPIs have no data in the last 30 days: import telemetry")
    if not has_problems:
        missing.append("no problem linked: name the problem it answers (`pavedroad problems`)")
    elif not any(r.insights for r in found):
        missing.append(
            "no research insight supports its problems yet: link insights "
            "(`pavedroad research insights link`)"
        )
    return missing


def build_pitch(*, session: Session, initiative_id: int, today: date | None = None) -> PitchOut:
    """The one-pager of one initiative (KPI values over the 30 days up to `today`)."""
    day = today or today_utc()
    initiative = backlog.get_initiative_or_raise(session=session, initiative_id=initiative_id)
    detail = backlog.get_initiative_detail(session=session, initiative=initiative, today=day)
    goals = [
        (g.kpi_id, f"{get_definition(g.kpi_id).target_text(g.target)} by {g.due.isoformat()}")
        for g in backlog.served_goals(initiative)
    ]
    targets: dict[str, _Target] = {}
    success = [c for c in detail.criteria if c.kind == "success"]
    for kpi_id in dict.fromkeys(c.kpi_id for c in success):
        own = _outcome_target([c for c in success if c.kpi_id == kpi_id], [], day)
        if own is not None:
            targets[kpi_id] = own
    for c in detail.criteria:
        targets.setdefault(c.kpi_id, _Target(c.kpi_id, "", "criterion"))
    for kpi_id, text in goals:
        targets.setdefault(kpi_id, _Target(kpi_id, text, "goal"))
    values = (
        metrics.latest_values(session=session, kpi_ids=sorted(targets), end=day + timedelta(days=1))
        if targets
        else {}
    )
    kpis = []
    for target in targets.values():
        definition = get_definition(target.kpi_id)
        value = values.get(target.kpi_id)
        kpis.append(
            KpiEvidence(
                id=target.kpi_id,
                name=definition.name,
                value=value,
                value_text=format_value(value, definition.unit),
                target=target.text or None,
                source=target.source,
            )
        )
    found = [
        ResearchEvidence(
            problem=e.title,
            insights=len(e.insights),
            teams=e.teams,
            quotes=list(
                dict.fromkeys(i.quote.strip() for i in e.insights if i.quote and i.quote.strip())
            )[:MAX_QUOTES],
        )
        for e in research.evidence_for_problems(
            session=session, problem_ids=[p.id for p in detail.problem_refs]
        )
    ]
    stored = _stored(session, initiative_id)
    note = stored.constraint_note if stored else ""
    missing = _missing(kpis, bool(detail.problem_refs), found)
    constraint_text = _constraint_text(note, kpis, found) or (
        "No evidence recorded yet: " + "; ".join(missing) + "."
    )
    bet = PitchBet(
        text=_bet_text(detail),
        effort=detail.effort,
        rice=detail.rice,
        rank=detail.rank,
        of=detail.ranked_of,
    )
    outcome_target = _outcome_target(detail.criteria, goals, day)
    chosen_row = (
        translation.row_by_id(session=session, row_id=stored.translation_id)
        if stored and stored.translation_id
        else None
    )
    row = chosen_row or _row_for(session, outcome_target, list(targets))
    outcome = _outcome(outcome_target, values, row)
    return PitchOut(
        initiative=detail.title,
        initiative_id=detail.id,
        constraint=PitchConstraint(
            text=constraint_text,
            note=note,
            evidence=PitchEvidence(kpis=kpis, research=found, missing=missing),
        ),
        bet=bet,
        outcome=outcome,
        translation=PitchTranslation(
            pain=row.pain, consequence=row.consequence, business_outcome=row.business_outcome
        )
        if row
        else None,
        translation_id=row.id if row else None,
        translation_chosen=chosen_row is not None,
    )


def _row_for(
    session: Session, target: _Target | None, kpi_ids: list[str]
) -> TranslationRowOut | None:
    """The row bound to the outcome's KPI, else to another KPI the initiative points at."""
    wanted = ([target.kpi_id] if target else []) + [
        k for k in kpi_ids if not target or k != target.kpi_id
    ]
    for kpi_id in wanted:
        row = translation.row_for_kpi(session=session, kpi_id=kpi_id)
        if row is not None:
            return row
    return None


def _bet_text(detail: InitiativeDetail) -> str:
    rank = (
        f"rank {detail.rank} of {detail.ranked_of}" if detail.rank else f"{detail.status}, unranked"
    )
    return (
        f"{detail.title}: {detail.effort:g} person-month{'' if detail.effort == 1 else 's'} of effort, "
        f"RICE {detail.rice:g} ({rank} in the backlog). {detail.rice_context}"
    )


def _outcome(
    target: _Target | None, values: dict[str, float | None], row: TranslationRowOut | None
) -> PitchOutcome:
    through = (
        f" That eases {row.pain.lower()} → {row.consequence} → {row.business_outcome}."
        if row
        else " No translation row is bound to this KPI: choose one on the pitch page."
    )
    if target is None:
        text = "No success criterion or goal names the metric that improves: add one."
        if row:
            text += f" Business outcome: {row.business_outcome}."
        return PitchOutcome(text=text, kpi=None, current=None, target=None)
    definition = get_definition(target.kpi_id)
    current = values.get(target.kpi_id)
    text = (
        f"{definition.name} from {format_value(current, definition.unit)} to {target.text}."
        + through
    )
    return PitchOutcome(text=text, kpi=target.kpi_id, current=current, target=target.text or None)
