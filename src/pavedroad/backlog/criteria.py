"""Success and kill criteria set before work starts, judged against the live KPIs, and the
kill-or-continue decisions they lead to.

The rule (docs/backlog.md, "Success and kill criteria"): a criterion is judged on its KPI over the 30
days before its judging day. Until the due date has passed that day is today and the state is
provisional: a success criterion is `on_track` when the value meets the threshold, else
`at_risk`; a kill criterion is `at_risk` when its kill condition holds, else `on_track`. Once
the due date has passed the window ends with the due date (included) and the state is final:
`met` or `missed` for a success criterion, `triggered` or `cleared` for a kill criterion.
`no_data` when the KPI has no value in the window. An active initiative with a missed success
criterion or a triggered kill criterion is proposed for killing, until a `continue` decision
recorded after that criterion's due date answers it.
"""

from __future__ import annotations

import operator
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from pavedroad import versions
from pavedroad.backlog.models import Criterion, Decision, Initiative
from pavedroad.backlog.schemas import (
    ACTIVE_STATUSES,
    FIRST_DAY,
    LAST_DAY,
    CriterionIn,
    CriterionOut,
    CriterionState,
    DecisionIn,
    DecisionOut,
)
from pavedroad.errors import ConflictError, InputProblem, InvalidInputError, NotFoundError
from pavedroad.metrics.definitions import KPI_IDS, format_value, get_definition

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
KILL_STATES: frozenset[str] = frozenset({"missed", "triggered"})
# Unit words a threshold may carry, by the KPI's unit; a fraction also reads `80%`.
_UNIT_WORDS: dict[str, frozenset[str]] = {
    "minutes": frozenset({"min", "mins", "minute", "minutes", "m"}),
    "hours": frozenset({"h", "hr", "hrs", "hour", "hours"}),
    "days": frozenset({"d", "day", "days"}),
    "fraction": frozenset({"%"}),
}
_COMPACT = re.compile(
    r"^\s*(?P<kill>kill\s+if\s+)?(?P<kpi>[A-Za-z0-9_]+)\s*(?P<op><=|>=|<|>|≤|≥)\s*"
    r"(?P<threshold>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*(?:%|[A-Za-z]+)?)"
    r"\s+by\s+(?P<due>\S+)\s*$",
    re.IGNORECASE,
)
_THRESHOLD = re.compile(
    r"^\s*(?P<number>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(?P<unit>%|[A-Za-z]+)?\s*$"
)


def _problem(field: str, reason: str, value: str | None = None) -> InvalidInputError:
    return InvalidInputError(
        [InputProblem(source="criterion", field=field, reason=reason, value=value)]
    )


def parse_threshold(kpi_id: str, text: str) -> float:
    """A threshold in the KPI's unit: `5`, `5 min`, `0.8` or `80%` for a fraction."""
    definition = get_definition(kpi_id)
    match = _THRESHOLD.match(str(text))
    if not match:
        raise _problem("threshold", f"expected a number in {definition.unit}", str(text))
    number = float(match.group("number"))
    unit = (match.group("unit") or "").lower()
    allowed = _UNIT_WORDS.get(definition.unit, frozenset())
    if unit and unit not in allowed:
        shown = f"; it may be written with {', '.join(sorted(allowed))}" if allowed else ""
        raise _problem(
            "threshold",
            f"{kpi_id} is measured in {definition.unit}{shown}",
            str(text),
        )
    if definition.unit == "fraction":
        if unit == "%":
            number /= 100
        elif abs(number) > 1:
            raise _problem(
                "threshold",
                f"{kpi_id} is a fraction from 0 to 1; write 0.8 or 80%",
                str(text),
            )
    return number


def parse_criterion(text: str) -> CriterionIn:
    """Read the compact form `ci_duration_p50 < 5 by 2026-06-30` (`kill if ...` for a kill one)."""
    match = _COMPACT.match(text)
    if not match:
        raise _problem(
            "criterion",
            "expected KPI COMPARISON THRESHOLD by DATE, e.g. 'ci_duration_p50 < 5 by 2026-06-30' "
            "or 'kill if adoption_rate < 30% by 2026-09-30'",
            text,
        )
    kpi_id = match.group("kpi").lower()
    if kpi_id not in KPI_IDS:
        raise _problem("kpi", f"unknown KPI; known: {', '.join(KPI_IDS)}", kpi_id)
    comparator = {"≤": "<=", "≥": ">="}.get(match.group("op"), match.group("op"))
    try:
        due = date.fromisoformat(match.group("due"))
    except ValueError:
        raise _problem("due", "expected a date such as 2026-06-30", match.group("due")) from None
    return CriterionIn(
        kind="kill" if match.group("kill") else "success",
        kpi_id=kpi_id,
        comparator=comparator,
        threshold=parse_threshold(kpi_id, match.group("threshold")),
        due=due,
    )


def criterion_text(kind: str, kpi_id: str, comparator: str, threshold: float, due: date) -> str:
    """The compact form, which `parse_criterion` reads back."""
    prefix = "kill if " if kind == "kill" else ""
    return f"{prefix}{kpi_id} {comparator} {threshold:g} by {due.isoformat()}"


@dataclass(frozen=True)
class Judging:
    """When a criterion is judged: the exclusive end of its 30-day window, and if it is final."""

    end: date
    final: bool


def judging(due: date, today: date) -> Judging:
    """Today while the due date has not passed; the due date (included) once it has."""
    if today > due:
        return Judging(end=due + timedelta(days=1), final=True)
    return Judging(end=today, final=False)


def judge(
    *, kind: str, comparator: str, threshold: float, value: float | None, final: bool
) -> CriterionState:
    """The state of one criterion given the KPI value on its judging day."""
    if value is None:
        return "no_data"
    holds = COMPARISONS[comparator](value, threshold)
    if kind == "kill":
        if final:
            return "triggered" if holds else "cleared"
        return "at_risk" if holds else "on_track"
    if final:
        return "met" if holds else "missed"
    return "on_track" if holds else "at_risk"


def proposes_kill(criterion: CriterionOut) -> bool:
    """A missed or triggered criterion that no later `continue` decision has answered."""
    return criterion.state in KILL_STATES and criterion.answered_on is None


def kill_reasons(criteria: Sequence[CriterionOut]) -> list[str]:
    """Why an initiative is proposed for killing: its unanswered missed and triggered criteria."""
    return [
        f"{c.text}: {'missed' if c.state == 'missed' else 'kill condition held'} "
        f"({c.value_text} over the 30 days to {c.judged_on.isoformat() if c.judged_on else '?'})"
        for c in criteria
        if proposes_kill(c)
    ]


def answered_on(criterion: Criterion) -> date | None:
    """The day of the first `continue` decision taken after the criterion's due date."""
    days = [
        d.decided_at.date()
        for d in criterion.initiative.decisions
        if d.decision == "continue" and d.decided_at.date() > criterion.due
    ]
    return min(days, default=None)


ValuesAt = Callable[[Sequence[str], date], dict[str, float | None]]


def metrics_values_at(session: Session) -> ValuesAt:
    """KPI values over the 30 days before a day, from the metrics engine."""
    # Imported on first use: the engine pulls in Ibis, which commands without criteria skip.
    from pavedroad.metrics import service as metrics

    def values_at(kpi_ids: Sequence[str], end: date) -> dict[str, float | None]:
        return metrics.latest_values(session=session, kpi_ids=kpi_ids, end=end)

    return values_at


def evaluate(
    criteria: Sequence[Criterion], *, today: date, values_at: ValuesAt
) -> dict[int, CriterionOut]:
    """Each criterion with its state; one metrics call per distinct judging day."""
    if not FIRST_DAY <= today <= LAST_DAY:
        raise InvalidInputError(
            [
                InputProblem(
                    source="as_of",
                    reason=f"judge criteria on a day between {FIRST_DAY} and {LAST_DAY}",
                    value=today.isoformat(),
                )
            ]
        )
    plans = {c.id: judging(c.due, today) for c in criteria}
    wanted: dict[date, set[str]] = defaultdict(set)
    for c in criteria:
        wanted[plans[c.id].end].add(c.kpi_id)
    values = {end: values_at(sorted(ids), end) for end, ids in wanted.items()}
    out: dict[int, CriterionOut] = {}
    for c in criteria:
        plan = plans[c.id]
        value = values[plan.end].get(c.kpi_id)
        definition = get_definition(c.kpi_id)
        started = c.initiative.started_at
        state = judge(
            kind=c.kind,
            comparator=c.comparator,
            threshold=c.threshold,
            value=value,
            final=plan.final,
        )
        out[c.id] = CriterionOut(
            id=c.id,
            kind=c.kind,
            kpi_id=c.kpi_id,
            kpi_name=definition.name,
            unit=definition.unit,
            comparator=c.comparator,
            threshold=c.threshold,
            due=c.due,
            text=criterion_text(c.kind, c.kpi_id, c.comparator, c.threshold, c.due),
            state=state,
            value=value,
            value_text=format_value(value, definition.unit),
            judged_on=plan.end - timedelta(days=1),
            final=plan.final,
            set_after_start=started is not None and c.created_at > started,
            answered_on=answered_on(c) if state in KILL_STATES else None,
        )
    return out


def add_criterion(
    *,
    session: Session,
    initiative: Initiative,
    data: CriterionIn,
    created_at: datetime | None = None,
) -> Criterion:
    """Attach a criterion; the same KPI, comparison and date twice is refused (`created_at`
    records one set in the past)."""
    for existing in initiative.criteria:
        if (existing.kind, existing.kpi_id, existing.comparator, existing.due) == (
            data.kind,
            data.kpi_id,
            data.comparator,
            data.due,
        ) and existing.threshold == data.threshold:
            raise ConflictError(f"{initiative.title!r} already has this criterion")
    criterion = Criterion(
        kind=data.kind,
        kpi_id=data.kpi_id,
        comparator=data.comparator,
        threshold=data.threshold,
        due=data.due,
    )
    if created_at is not None:
        criterion.created_at = created_at
    initiative.criteria.append(criterion)
    session.flush()
    versions.bump(session, "backlog")
    return criterion


def remove_criterion(*, session: Session, initiative: Initiative, criterion_id: int) -> None:
    """Drop one criterion of an initiative."""
    for criterion in initiative.criteria:
        if criterion.id == criterion_id:
            initiative.criteria.remove(criterion)
            session.flush()
            versions.bump(session, "backlog")
            return
    raise NotFoundError(f"{initiative.title!r} has no criterion {criterion_id}")


def decision_out(decision: Decision) -> DecisionOut:
    """A decision as shown in the history."""
    return DecisionOut(
        id=decision.id,
        decision=decision.decision,
        reason=decision.reason,
        decided_by=decision.decided_by,
        decided_at=decision.decided_at,
    )


def record_decision(
    *, session: Session, initiative: Initiative, data: DecisionIn, at: datetime | None = None
) -> Decision:
    """Record kill or continue with its reason; kill sets the status to killed and frees the lane."""
    if initiative.status not in ACTIVE_STATUSES:
        raise ConflictError(
            f"{initiative.title!r} is {initiative.status}; only initiatives that are not done or "
            "killed take a decision (revive one with: pavedroad initiatives update TITLE "
            "--status planned)"
        )
    decision = Decision(
        decision=data.decision,
        reason=data.reason,
        decided_by=data.decided_by,
        decided_at=at or datetime.now(UTC),
    )
    initiative.decisions.append(decision)
    if data.decision == "kill":
        initiative.status = "killed"
        initiative.lane = None
        initiative.lane_locked = False
    session.flush()
    versions.bump(session, "backlog")
    return decision
