"""Which of the practice's three modes the platform team works in, decided from its data.

- technology project: decides by technical interest, success = "it works", no research;
- service bureau: executes requests, success = tickets closed, research = reading tickets;
- product team: discovers problems through research, success = adoption, satisfaction and
  time to production, priorities from impact analysis.
Each signal says which mode it points to and why; the mode is the one most signals point to
(a tie goes to the mode further from a product team: the coach does not flatter).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy.orm import Session

from pavedroad.backlog.lanes import done_between
from pavedroad.coach.facts import Facts, gather
from pavedroad.coach.planning import MIN_DEVELOPERS
from pavedroad.metrics.definitions import DEFINITIONS
from pavedroad.research.coverage import quarter_bounds, quarter_label

Mode = Literal["technology_project", "service_bureau", "product_team"]
# A tie goes to the first of these.
MODE_ORDER: tuple[Mode, ...] = ("service_bureau", "technology_project", "product_team")
# The KPI families the practice measures success by: adoption, satisfaction and time to
# production (the delivery family: lead time, CI, deploys); tickets closed is the bureau's.
OUTCOME_FAMILIES = frozenset({"adoption", "satisfaction", "delivery"})
TICKET_FAMILIES = frozenset({"support"})
_FAMILY = {d.id: d.family for d in DEFINITIONS}
# Research methods that meet developers (tickets and surveys do not).
RESEARCH_METHODS = frozenset({"interview", "shadowing"})
# Half of the committed work measured by outcomes is what a product team does.
MEASURED_SHARE = 0.5
# A service bureau spends its time on what arrives: this share of delivered effort unplanned.
UNPLANNED_SHARE = 0.4


class Signal(BaseModel):
    id: str
    value: Any
    points_to: Mode | None
    evidence: str


class ModeOut(BaseModel):
    quarter: str
    mode: Mode
    signals: list[Signal]


def _work_source(facts: Facts) -> Signal:
    committed = facts.committed(("now", "next"))
    counts: Counter[str] = Counter()
    for initiative in committed:
        methods = facts.methods(initiative.id)
        if len(facts.people(initiative.id)) >= MIN_DEVELOPERS or methods & RESEARCH_METHODS:
            counts["research"] += 1
        elif "ticket_category" in methods or "survey_comment" in methods:
            counts["requests"] += 1
        else:
            counts["neither"] += 1
    total = len(committed)
    value = {key: counts[key] for key in ("research", "requests", "neither")} | {"of": total}
    if not total:
        return Signal(
            id="work_source",
            value=value,
            points_to=None,
            evidence="nothing is in Now or Next yet",
        )
    top = max(("research", "requests", "neither"), key=lambda k: (counts[k], k == "neither"))
    points: dict[str, Mode] = {
        "research": "product_team",
        "requests": "service_bureau",
        "neither": "technology_project",
    }
    return Signal(
        id="work_source",
        value=value,
        points_to=points[top],
        evidence=f"of {total} initiatives in Now and Next, {counts['research']} come from "
        f"research with developers, {counts['requests']} from tickets and requests, "
        f"{counts['neither']} from neither",
    )


def _research(facts: Facts, start: date, end: date, tickets: int) -> Signal:
    met = [c for c in facts.contacts if start <= c.on < end]
    people = {c.person for c in met if c.person}
    if len(met) >= MIN_DEVELOPERS:
        points: Mode = "product_team"
        why = "regular research with developers"
    elif tickets:
        points, why = "service_bureau", "research is reading tickets"
    else:
        points, why = "technology_project", "no user research"
    return Signal(
        id="research_this_quarter",
        value={"sessions": len(met), "developers": len(people)},
        points_to=points,
        evidence=f"{len(met)} interviews and shadowing sessions with {len(people)} developers "
        f"this quarter ({why}; a product team meets {MIN_DEVELOPERS}+)",
    )


def _success_measures(facts: Facts) -> Signal:
    committed = {i.id for i in facts.committed(("now", "next"))}
    families = {
        item.id: {_FAMILY.get(c.kpi_id, "") for c in item.criteria}
        for item in facts.criteria
        if item.id in committed and item.criteria
    }
    measured = [i for i, found in families.items() if found & OUTCOME_FAMILIES]
    tickets = [i for i, found in families.items() if found & TICKET_FAMILIES and i not in measured]
    total = len(committed)
    if total and len(measured) / total >= MEASURED_SHARE:
        points: Mode | None = "product_team"
    elif len(tickets) > len(measured):
        points = "service_bureau"
    else:
        points = "technology_project" if total else None
    return Signal(
        id="success_measures",
        value={
            "measured_by_outcomes": len(measured),
            "measured_by_tickets": len(tickets),
            "with_criteria": len(families),
            "of": total,
        },
        points_to=points,
        evidence=f"{len(measured)} of {total} initiatives in Now and Next have success criteria "
        f"on adoption, satisfaction or time to production, {len(tickets)} on tickets, "
        f"{total - len(families)} none",
    )


def _unplanned(session: Session, start: date, end: date) -> Signal:
    done = done_between(
        session=session,
        start=datetime.combine(start, time.min, tzinfo=UTC),
        end=datetime.combine(end, time.min, tzinfo=UTC),
    )
    effort = sum(d.effort for d in done)
    unplanned = sum(d.effort for d in done if d.category == "unplanned")
    share = unplanned / effort if effort else None
    if share is None:
        return Signal(
            id="unplanned_share",
            value=None,
            points_to=None,
            evidence="nothing was delivered this quarter yet",
        )
    return Signal(
        id="unplanned_share",
        value=round(share, 3),
        points_to="service_bureau" if share >= UNPLANNED_SHARE else "product_team",
        evidence=f"{share:.0%} of the {effort:g} person-months delivered this quarter was "
        f"unplanned (a service bureau spends {UNPLANNED_SHARE:.0%} or more on what arrives)",
    )


def team_mode(
    *, session: Session, quarter: str | None = None, today: date | None = None
) -> ModeOut:
    """The team's mode in a quarter (default: the current one), with every signal."""
    today = today or datetime.now(UTC).date()
    label = quarter_label(quarter) if quarter else f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    start, end = quarter_bounds(label)
    as_of = min(today, end - timedelta(days=1))
    facts = gather(session=session, today=as_of)
    tickets = sum(facts.tickets_by_team.values())
    signals = [
        _work_source(facts),
        _research(facts, start, end, tickets),
        _success_measures(facts),
        _unplanned(session, start, min(end, as_of + timedelta(days=1))),
    ]
    votes = Counter(s.points_to for s in signals if s.points_to)
    mode = (
        max(MODE_ORDER, key=lambda m: (votes[m], -MODE_ORDER.index(m)))
        if votes
        else "technology_project"
    )
    return ModeOut(quarter=label, mode=mode, signals=signals)
