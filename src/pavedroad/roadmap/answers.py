"""What-if answers over a session: a question about the stored backlog, re-planned by the pure
what-if (`whatif.py`) with the goals of the impact map. Nothing is written.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date

from sqlalchemy.orm import Session

from pavedroad.backlog.impact_map import list_goals
from pavedroad.backlog.rice import RiceInputs, rice_score, validate
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.metrics.definitions import get_definition
from pavedroad.metrics.windows import today_utc
from pavedroad.roadmap.budgets import planning_budgets
from pavedroad.roadmap.cards import RoadmapBacklog
from pavedroad.roadmap.planner import ACTIVE_STATUSES, Candidate
from pavedroad.roadmap.schemas import GoalAtRiskOut, WhatIfIn, WhatIfOut
from pavedroad.roadmap.whatif import GoalRef, what_if

# What a new initiative asked about in a what-if is, unless the question says otherwise
# (its effort must be given).
WHATIF_DEFAULTS = RiceInputs(reach=0.0, impact=1.0, confidence=0.5, effort=0.0)
WHATIF_DEFAULT_CATEGORY = "roadmap"


def _goal_refs(session: Session) -> list[GoalRef]:
    return [
        GoalRef(title=g.title, kpi_id=g.kpi_id, target=g.target, due=g.due, priority=g.priority)
        for g in list_goals(session=session)
    ]


def _asked_inputs(question: WhatIfIn, base: RiceInputs | None) -> RiceInputs:
    """The RICE inputs of the question: the backlog's, overridden by what the question gives."""
    defaults = base or WHATIF_DEFAULTS
    if base is None and question.effort is None:
        raise InvalidInputError(
            [
                InputProblem(
                    source="what-if",
                    field="effort",
                    reason=f"{question.add!r} is not in the backlog; give its effort in "
                    "person-months (--effort N) to ask about a new initiative",
                )
            ]
        )
    return validate(
        question.reach if question.reach is not None else defaults.reach,
        question.impact if question.impact is not None else defaults.impact,
        question.confidence if question.confidence is not None else defaults.confidence,
        question.effort if question.effort is not None else defaults.effort,
        source="what-if",
    )


def what_if_answer(
    *,
    session: Session,
    question: WhatIfIn,
    as_of: date | None = None,
    backlog: RoadmapBacklog | None = None,
) -> WhatIfOut:
    """Re-plan with the asked initiative forced into Now or Next; nothing is written.

    `backlog` is the request's judged backlog when the caller has one (`read_backlog`).
    """
    as_of = as_of or today_utc()
    backlog = backlog or RoadmapBacklog(session, as_of)
    now, next_ = planning_budgets(session, as_of)
    found = backlog.find(question.add)
    if found is not None:
        entry, base = backlog.entries[found], backlog.candidates[found]
        inputs = _asked_inputs(
            question,
            RiceInputs(
                reach=entry.reach,
                impact=entry.impact,
                confidence=entry.confidence,
                effort=entry.effort,
            ),
        )
        status = base.status if base.status in ACTIVE_STATUSES else "planned"
        added = replace(base, status=status, category=question.category or base.category)
    else:
        inputs = _asked_inputs(question, None)
        added = Candidate(
            title=question.add,
            rice=0.0,
            effort=inputs.effort,
            category=question.category or WHATIF_DEFAULT_CATEGORY,
            status="planned",
        )
    changed_inputs = found is None or any(
        v is not None
        for v in (question.effort, question.reach, question.impact, question.confidence)
    )
    rice = round(rice_score(inputs), 2) if changed_inputs else added.rice
    added = replace(
        added, rice=rice, effort=inputs.effort, reach=inputs.reach, confidence=inputs.confidence
    )
    answer = what_if(
        backlog.candidates,
        added,
        lane=question.lane,
        now=now,
        next=next_,
        goals=_goal_refs(session),
    )
    return WhatIfOut.model_validate(
        {
            "added": added.title,
            "lane": answer.lane,
            "hypothetical": found is None,
            "was_lane": answer.was_lane,
            "rice": added.rice,
            "effort": added.effort,
            "category": added.category,
            "displaced": answer.displaced,
            "reach_waiting": answer.reach_waiting,
            "goals_at_risk": [
                GoalAtRiskOut.model_validate(
                    {
                        **asdict(g.goal),
                        "kpi": g.goal.kpi_id,
                        "target_text": get_definition(g.goal.kpi_id).target_text(g.goal.target),
                        "slipping": g.slipping,
                    },
                    from_attributes=True,
                )
                for g in answer.goals_at_risk
            ],
            "over_budget": answer.over_budget,
            "quarter": now.quarter if question.lane == "now" else next_.quarter,
        },
        from_attributes=True,
    )
