"""Roadmap, what-if and capacity budget API (the impact map has its own, `impact_map`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from pavedroad.backlog.schemas import Category, PlannedLane
from pavedroad.errors import NotFoundError
from pavedroad.metrics.windows import FIRST_DAY, LAST_DAY
from pavedroad.roadmap import exports, service
from pavedroad.roadmap.schemas import (
    CapacityIn,
    LaneIn,
    PlanOut,
    QuarterCapacityOut,
    RoadmapCard,
    RoadmapView,
    TitleIn,
    WhatIfIn,
    WhatIfOut,
)
from pavedroad.web.deps import DbSession, ReadGrant, RowId, WriteGrant

router = APIRouter(prefix="/api/v1", tags=["roadmap"])

AsOf = Annotated[
    date | None,
    Query(
        description="Plan as on this day: Now is its quarter, Next the following one.",
        ge=FIRST_DAY,
        le=LAST_DAY,
    ),
]
By = Annotated[Literal["quarter", "half"], Query(description="Head lanes by quarter or half.")]
# --- the roadmap -----------------------------------------------------------------------------


@router.get("/roadmap", response_model=RoadmapView)
def get_roadmap(
    session: DbSession, _grant: ReadGrant, as_of: AsOf = None, by: By = "quarter"
) -> RoadmapView:
    """The four lanes with their cards, the capacity Now and Next use, and disagreements."""
    return service.show_roadmap(session=session, as_of=as_of, horizon=by)


@router.get("/roadmap/export", response_class=PlainTextResponse)
def export_roadmap(
    session: DbSession,
    _grant: ReadGrant,
    format: Annotated[Literal["markdown", "mermaid"], Query()] = "markdown",
    as_of: AsOf = None,
    by: By = "quarter",
) -> str:
    """The roadmap as Markdown or as a Mermaid flowchart."""
    view = service.show_roadmap(session=session, as_of=as_of, horizon=by)
    return exports.to_markdown(view) if format == "markdown" else exports.to_mermaid(view)


@router.put("/roadmap/lane", response_model=RoadmapCard)
def put_lane(
    data: LaneIn, session: DbSession, _grant: WriteGrant, as_of: AsOf = None
) -> RoadmapCard:
    """Put an initiative in a lane by hand; the planner keeps it there."""
    initiative = service.set_lane(session=session, data=data, as_of=as_of)
    return _card(session, initiative.id)


@router.post("/roadmap/unlock", response_model=RoadmapCard)
def post_unlock(data: TitleIn, session: DbSession, _grant: WriteGrant) -> RoadmapCard:
    """Let the planner choose the initiative's lane again."""
    initiative = service.unlock_lane(session=session, title=data.title)
    return _card(session, initiative.id)


def _card(session: DbSession, initiative_id: RowId) -> RoadmapCard:
    view = service.show_roadmap(session=session)
    cards = [c for lane in view.lanes for c in lane.cards] + view.unplaced
    found = next((c for c in cards if c.id == initiative_id), None)
    if found is None:
        raise NotFoundError(f"initiative {initiative_id} is not on the roadmap")
    return found


@router.get("/roadmap/plan", response_model=PlanOut)
def get_plan(session: DbSession, _grant: ReadGrant, as_of: AsOf = None) -> PlanOut:
    """The planner's proposal, not written."""
    return service.plan_roadmap(session=session, as_of=as_of, apply=False)


@router.post("/roadmap/plan", response_model=PlanOut)
def post_plan(session: DbSession, _grant: WriteGrant, as_of: AsOf = None) -> PlanOut:
    """Apply the planner's proposal to every lane not set by hand."""
    return service.plan_roadmap(session=session, as_of=as_of, apply=True)


@router.get("/roadmap/whatif", response_model=WhatIfOut)
def get_whatif(
    session: DbSession,
    _grant: ReadGrant,
    add: Annotated[str, Query(min_length=1, max_length=300)],
    lane: PlannedLane = "now",
    effort: float | None = None,
    reach: float | None = None,
    impact: str | None = None,
    confidence: str | None = None,
    category: Category | None = None,
    as_of: AsOf = None,
) -> WhatIfOut:
    """What if `add` were forced into Now (or Next)? Nothing is written. A title not in the
    backlog asks about a new initiative: give its effort (reach 0, impact 1, confidence 50%
    and category roadmap unless given)."""
    question = WhatIfIn(
        add=add,
        lane=lane,
        effort=effort,
        reach=reach,
        impact=impact,
        confidence=confidence,
        category=category,
    )
    return service.what_if_answer(session=session, question=question, as_of=as_of)


# --- the capacity budget ---------------------------------------------------------------------


@router.get("/capacity", response_model=list[QuarterCapacityOut])
def get_capacity(
    session: DbSession, _grant: ReadGrant, quarter: str | None = None, as_of: AsOf = None
) -> list[QuarterCapacityOut]:
    """Plan against delivered per quarter (every planned quarter and the current one)."""
    return service.capacity_report(session=session, quarter=quarter, as_of=as_of)


@router.put("/capacity/{quarter}", response_model=QuarterCapacityOut)
def put_capacity(
    quarter: str, data: CapacityIn, session: DbSession, _grant: WriteGrant
) -> QuarterCapacityOut:
    """Set a quarter's capacity in person-months and its split (default 70/20/10)."""
    plan = service.set_capacity(session=session, quarter=quarter, data=data)
    return service.quarter_capacity(session=session, quarter=plan.quarter)
