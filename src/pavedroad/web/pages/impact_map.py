"""The impact map page: goals -> actors -> impacts -> deliverables, edited level by level or as
YAML, with the flagged initiatives and the Mermaid text to copy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pavedroad.backlog import impact_map, map_file
from pavedroad.backlog.impact_map import ActorIn, GoalIn, ImpactIn
from pavedroad.backlog.service import list_initiatives
from pavedroad.errors import NotFoundError
from pavedroad.metrics.definitions import DEFINITIONS
from pavedroad.metrics.windows import today_utc
from pavedroad.web.deps import Browser, DbSession, RowId
from pavedroad.web.pages.backlog_forms import FORM_ERRORS
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)
# Errors a map form shows beside what was typed; a missing goal, actor or impact as well,
# since another tab may have removed it.
MAP_FORM_ERRORS = (*FORM_ERRORS, NotFoundError)


def map_page(
    request: Request,
    session: Session,
    *,
    forms: dict[str, dict[str, str]] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The map page; `forms` and `errors` are keyed by the form they belong to."""
    found = impact_map.get_map(session=session, as_of=today_utc())
    initiatives = [
        i
        for i in list_initiatives(session=session, evaluate_criteria=False)
        if i.status != "killed"
    ]
    yaml_text = (forms or {}).get("yaml", {}).get("text")
    return render(
        request,
        "backlog/impact_map.html",
        {
            "map": found,
            "kpis": DEFINITIONS,
            "initiatives": initiatives,
            "forms": forms or {},
            "errors": errors or {},
            "yaml_text": yaml_text if yaml_text is not None else map_file.to_yaml(found),
            "mermaid": map_file.to_mermaid(found),
        },
        status_code=status,
    )


def _guarded(
    request: Request,
    session: Session,
    key: str,
    values: dict[str, str],
    change: Callable[[], None],
) -> Response:
    """Run one change; on refused input show the page again with what was typed (422)."""

    def changed() -> Response:
        change()
        return RedirectResponse(f"/map#{key}" if key != "goal" else "/map", status_code=303)

    def refused(errors: list[str]) -> Response:
        return map_page(request, session, forms={key: values}, errors={key: errors}, status=422)

    return submit(session, changed, refused, errors=MAP_FORM_ERRORS)


def _date(text: str) -> date | str:
    """A typed date, or the text itself for pydantic to refuse with its message."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return text


@router.get("/map", response_class=HTMLResponse)
def show_map(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """The impact map with forms to edit every level."""
    return map_page(request, session)


@router.post("/map/goals", response_model=None)
def add_goal(
    request: Request,
    session: DbSession,
    _form: WriteForm,
    title: Annotated[str, Form()] = "",
    kpi_id: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
    due: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "1",
) -> Response:
    """Add a goal."""
    values = {"title": title, "kpi_id": kpi_id, "target": target, "due": due, "priority": priority}

    def change() -> None:
        data = GoalIn.model_validate({**values, "due": _date(due)})
        impact_map.add_goal(session=session, data=data)

    return _guarded(request, session, "goal", values, change)


@router.post("/map/goals/{goal_id}/delete", response_model=None)
def remove_goal(
    request: Request,
    goal_id: RowId,
    session: DbSession,
    _form: WriteForm,
) -> Response:
    """Remove a goal with its actors and impacts."""

    def change() -> None:
        goal = impact_map.get_goal_by_id_or_raise(session=session, goal_id=goal_id)
        impact_map.remove_goal(session=session, goal=goal)

    return _guarded(request, session, "goal", {}, change)


@router.post("/map/goals/{goal_id}/actors", response_model=None)
def add_actor(
    request: Request,
    goal_id: RowId,
    session: DbSession,
    _form: WriteForm,
    name: Annotated[str, Form()] = "",
) -> Response:
    """Add an actor under a goal."""

    def change() -> None:
        goal = impact_map.get_goal_by_id_or_raise(session=session, goal_id=goal_id)
        impact_map.add_actor(session=session, goal=goal, data=ActorIn(name=name))

    key = f"goal-{goal_id}"
    return _guarded(request, session, key, {"name": name}, change)


@router.post("/map/actors/{actor_id}/delete", response_model=None)
def remove_actor(
    request: Request,
    actor_id: RowId,
    session: DbSession,
    _form: WriteForm,
) -> Response:
    """Remove an actor with its impacts."""

    def change() -> None:
        actor = impact_map.get_actor_by_id_or_raise(session=session, actor_id=actor_id)
        impact_map.remove_actor(session=session, actor=actor)

    return _guarded(request, session, f"actor-{actor_id}", {}, change)


@router.post("/map/actors/{actor_id}/impacts", response_model=None)
def add_impact(
    request: Request,
    actor_id: RowId,
    session: DbSession,
    _form: WriteForm,
    description: Annotated[str, Form()] = "",
) -> Response:
    """Add an impact under an actor."""

    def change() -> None:
        actor = impact_map.get_actor_by_id_or_raise(session=session, actor_id=actor_id)
        impact_map.add_impact(session=session, actor=actor, data=ImpactIn(description=description))

    values = {"description": description}
    return _guarded(request, session, f"actor-{actor_id}", values, change)


@router.post("/map/impacts/{impact_id}/delete", response_model=None)
def remove_impact(
    request: Request,
    impact_id: RowId,
    session: DbSession,
    _form: WriteForm,
) -> Response:
    """Remove an impact and its deliverable links."""

    def change() -> None:
        impact = impact_map.get_impact_by_id_or_raise(session=session, impact_id=impact_id)
        impact_map.remove_impact(session=session, impact=impact)

    return _guarded(request, session, f"impact-{impact_id}", {}, change)


@router.post("/map/impacts/{impact_id}/deliverables", response_model=None)
def link(
    request: Request,
    impact_id: RowId,
    session: DbSession,
    _form: WriteForm,
    initiative: Annotated[str, Form()] = "",
) -> Response:
    """Link an initiative as a deliverable of an impact."""

    def change() -> None:
        impact = impact_map.get_impact_by_id_or_raise(session=session, impact_id=impact_id)
        impact_map.link_deliverable(session=session, impact=impact, title=initiative)

    values = {"initiative": initiative}
    return _guarded(request, session, f"impact-{impact_id}", values, change)


@router.post("/map/impacts/{impact_id}/deliverables/remove", response_model=None)
def unlink(
    request: Request,
    impact_id: RowId,
    session: DbSession,
    _form: WriteForm,
    initiative: Annotated[str, Form()] = "",
) -> Response:
    """Take an initiative off an impact."""

    def change() -> None:
        impact = impact_map.get_impact_by_id_or_raise(session=session, impact_id=impact_id)
        impact_map.unlink_deliverable(session=session, impact=impact, title=initiative)

    return _guarded(request, session, f"impact-{impact_id}", {}, change)


@router.post("/map/import", response_model=None)
def import_yaml(
    request: Request,
    session: DbSession,
    _form: WriteForm,
    text: Annotated[str, Form()] = "",
) -> Response:
    """Replace the whole map with the YAML typed in the page (goals left out are removed)."""

    def change() -> None:
        specs = map_file.read_map(session=session, text=text, source="the YAML")
        map_file.apply_map(session=session, specs=specs, prune=True)

    return _guarded(request, session, "yaml", {"text": text}, change)
