"""Impact map API: goals, actors, impacts and deliverables, and the map as a file."""

from __future__ import annotations

from typing import Annotated

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
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.metrics.windows import today_utc
from pavedroad.web.deps import DbSession, ReadGrant, RowId, WriteGrant

# Tagged as before the move, so the OpenAPI document keeps its grouping.
router = APIRouter(prefix="/api/v1", tags=["roadmap"])

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
