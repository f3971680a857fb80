"""Impact map, roadmap, what-if and capacity budget API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from pavedroad.backlog import impact_map, map_file
from pavedroad.backlog.impact_map import (
    ActorIn,
    ActorOut,
    DeliverableIn,
    GoalIn,
    GoalOut,
    ImpactIn,
    ImpactMapOut,
    ImpactOut,
)
from pavedroad.backlog.service import initiative_refs
from pavedroad.errors import InputProblem, InvalidInputError, NotFoundError
from pavedroad.metrics.windows import FIRST_DAY, LAST_DAY, today_utc
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
MAP_BODY = {
    "requestBody": {
        "required": True,
        "description": "The map in the import file format (YAML; JSON is YAML too).",
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


def _goal_out(session: DbSession, goal_id: RowId) -> GoalOut:
    goal = impact_map.get_goal_by_id_or_raise(session=session, goal_id=goal_id)
    return impact_map.goal_out(goal, initiative_refs(session=session))


# --- the impact map --------------------------------------------------------------------------


@router.get("/map", response_model=ImpactMapOut)
def get_map(session: DbSession, _grant: ReadGrant, kpis: bool = False) -> ImpactMapOut:
    """Goals by priority with actors, impacts and deliverables (RICE and rank), and the active
    initiatives that serve no goal (`flagged`). `kpis=true` adds each goal's current KPI."""
    return impact_map.get_map(session=session, as_of=today_utc() if kpis else None)


@router.get("/map/mermaid", response_class=PlainTextResponse)
def get_map_mermaid(session: DbSession, _grant: ReadGrant) -> str:
    """The map as a Mermaid `graph LR`."""
    return map_file.to_mermaid(impact_map.get_map(session=session))


@router.get("/map/yaml", response_class=PlainTextResponse)
def get_map_yaml(session: DbSession, _grant: ReadGrant) -> str:
    """The map in the import file format."""
    return map_file.to_yaml(impact_map.get_map(session=session))


@router.post("/map/import", openapi_extra=MAP_BODY)
async def import_map(
    request: Request, session: DbSession, _grant: WriteGrant, prune: bool = False
) -> dict[str, object]:
    """Import a map document; each goal named becomes exactly as written, others stay unless
    `prune`. Any problem (422, with the line and field of each) writes nothing."""
    raw = await request.body()
    if len(raw) > map_file.MAX_MAP_BYTES:
        raise InvalidInputError(
            [InputProblem(source="request body", reason="body is larger than 5 MB")]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError(
            [InputProblem(source="request body", reason="body is not valid UTF-8")]
        ) from None
    specs = map_file.read_map(session=session, text=text, source="request body")
    report = map_file.apply_map(session=session, specs=specs, prune=prune)
    return {"counts": report.counts, "changed": report.changed}


@router.post("/map/goals", status_code=201, response_model=GoalOut)
def post_goal(data: GoalIn, session: DbSession, _grant: WriteGrant) -> GoalOut:
    """Add a goal (title, KPI id, target in the KPI's unit, due date, priority)."""
    goal = impact_map.add_goal(session=session, data=data)
    return _goal_out(session, goal.id)


@router.put("/map/goals/{goal_id}", response_model=GoalOut)
def put_goal(goal_id: RowId, data: GoalIn, session: DbSession, _grant: WriteGrant) -> GoalOut:
    """Change a goal."""
    goal = impact_map.get_goal_by_id_or_raise(session=session, goal_id=goal_id)
    impact_map.update_goal(session=session, goal=goal, data=data)
    return _goal_out(session, goal_id)


@router.delete("/map/goals/{goal_id}", status_code=204)
def delete_goal(goal_id: RowId, session: DbSession, _grant: WriteGrant) -> None:
    """Remove a goal with its actors and impacts."""
    goal = impact_map.get_goal_by_id_or_raise(session=session, goal_id=goal_id)
    impact_map.remove_goal(session=session, goal=goal)


@router.post("/map/goals/{goal_id}/actors", status_code=201, response_model=ActorOut)
def post_actor(goal_id: RowId, data: ActorIn, session: DbSession, _grant: WriteGrant) -> ActorOut:
    """Add an actor under a goal."""
    goal = impact_map.get_goal_by_id_or_raise(session=session, goal_id=goal_id)
    actor = impact_map.add_actor(session=session, goal=goal, data=data)
    return ActorOut(id=actor.id, name=actor.name, impacts=[])


@router.delete("/map/actors/{actor_id}", status_code=204)
def delete_actor(actor_id: RowId, session: DbSession, _grant: WriteGrant) -> None:
    """Remove an actor with its impacts."""
    actor = impact_map.get_actor_by_id_or_raise(session=session, actor_id=actor_id)
    impact_map.remove_actor(session=session, actor=actor)


@router.post("/map/actors/{actor_id}/impacts", status_code=201, response_model=ImpactOut)
def post_impact(
    actor_id: RowId, data: ImpactIn, session: DbSession, _grant: WriteGrant
) -> ImpactOut:
    """Add an impact under an actor."""
    actor = impact_map.get_actor_by_id_or_raise(session=session, actor_id=actor_id)
    impact = impact_map.add_impact(session=session, actor=actor, data=data)
    return ImpactOut(id=impact.id, description=impact.description, deliverables=[])


@router.delete("/map/impacts/{impact_id}", status_code=204)
def delete_impact(impact_id: RowId, session: DbSession, _grant: WriteGrant) -> None:
    """Remove an impact and its deliverable links."""
    impact = impact_map.get_impact_by_id_or_raise(session=session, impact_id=impact_id)
    impact_map.remove_impact(session=session, impact=impact)


@router.post("/map/impacts/{impact_id}/deliverables", status_code=201, response_model=GoalOut)
def post_deliverable(
    impact_id: RowId, data: DeliverableIn, session: DbSession, _grant: WriteGrant
) -> GoalOut:
    """Link an initiative (by title) as a deliverable; answers the goal it now serves."""
    impact = impact_map.get_impact_by_id_or_raise(session=session, impact_id=impact_id)
    impact_map.link_deliverable(session=session, impact=impact, title=data.initiative)
    return _goal_out(session, impact.actor.goal_id)


@router.delete("/map/impacts/{impact_id}/deliverables", status_code=204)
def delete_deliverable(
    impact_id: RowId,
    session: DbSession,
    _grant: WriteGrant,
    initiative: Annotated[str, Query(min_length=1, max_length=300)],
) -> None:
    """Take an initiative (by title) off an impact."""
    impact = impact_map.get_impact_by_id_or_raise(session=session, impact_id=impact_id)
    impact_map.unlink_deliverable(session=session, impact=impact, title=initiative)


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
    lane: Literal["now", "next"] = "now",
    effort: float | None = None,
    reach: float | None = None,
    impact: str | None = None,
    confidence: str | None = None,
    category: Literal["roadmap", "platform", "unplanned"] | None = None,
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
