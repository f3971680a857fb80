"""Backlog pages: the backlog ranked by RICE, team order vs RICE, sensitivity, and each
initiative with its criteria and decisions. Problems, the canvas and the impact map have their
own modules, included here so the app registers one router."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from pavedroad.backlog import criteria as criteria_service
from pavedroad.backlog import importer, service
from pavedroad.backlog.problems import list_problems
from pavedroad.backlog.rice import CONFIDENCE_SCALE, IMPACT_SCALE
from pavedroad.backlog.schemas import (
    ACTIVE_STATUSES,
    CATEGORIES,
    LANES,
    STATUSES,
    CriterionIn,
    DecisionIn,
    InitiativeIn,
    InitiativeUpdate,
    RankedInitiative,
)
from pavedroad.errors import InvalidInputError
from pavedroad.metrics import service as metrics
from pavedroad.metrics.definitions import DEFINITIONS, get_definition
from pavedroad.metrics.windows import today_utc, window_between
from pavedroad.research import insights
from pavedroad.web import charts
from pavedroad.web.deps import Browser, DbSession, RowId, require_page_scope
from pavedroad.web.pages import canvas as canvas_pages
from pavedroad.web.pages import impact_map as map_pages
from pavedroad.web.pages import problems as problem_pages
from pavedroad.web.pages.backlog_forms import split_names
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

if TYPE_CHECKING:
    from pavedroad.backlog.models import Initiative

router = APIRouter(include_in_schema=False)
router.include_router(problem_pages.router)
router.include_router(canvas_pages.router)
router.include_router(map_pages.router)


class InitiativeForm(BaseModel):
    """The add and edit forms of an initiative, every field as typed."""

    title: str = ""
    description: str = ""
    owner: str = ""
    status: str = ""
    category: str = ""
    reach: str = ""
    impact: str = ""
    confidence: str = ""
    effort: str = ""
    teams: str = ""
    problems: list[str] = []
    goal: str = ""
    lane: str = ""
    priority: str = ""
    csrf_token: str = ""

    def typed(self) -> dict[str, str]:
        """The text fields as typed, to show again when the form comes back with errors."""
        return self.model_dump(exclude={"problems", "csrf_token"})

    def fields(self) -> dict[str, Any]:
        """The values for the initiative schemas: teams split, problems as chosen."""
        values: dict[str, Any] = self.typed()
        values["teams"] = split_names(self.teams)
        values["problems"] = self.problems
        return values


def _today(as_of: str | None) -> date | None:
    try:
        return date.fromisoformat(as_of) if as_of else None
    except ValueError:
        return None


def scales() -> dict[str, Any]:
    """The choices the initiative and criterion forms offer."""
    return {
        "impacts": [(f"{v:g}", f"{v:g} · {w}") for v, w in IMPACT_SCALE.items()],
        "confidences": [(f"{v:g}", f"{v * 100:.0f}% · {w}") for v, w in CONFIDENCE_SCALE.items()],
        "statuses": STATUSES,
        "categories": CATEGORIES,
        "lanes": LANES,
        "kpis": DEFINITIONS,
    }


# ---- the backlog -------------------------------------------------------------------------------


# The backlog's sortable columns: the key each sorts by (ascending; `-key` descending).
SORTS: dict[str, Any] = {
    "rank": lambda i: (i.rank is None, i.rank or 0),
    "title": lambda i: i.title.casefold(),
    "rice": lambda i: i.rice,
    "reach": lambda i: i.reach,
    "impact": lambda i: i.impact,
    "confidence": lambda i: i.confidence,
    "effort": lambda i: i.effort,
    "status": lambda i: i.status,
    "lane": lambda i: (i.lane is None, i.lane or ""),
    "goal": lambda i: (i.goal is None, (i.goal or "").casefold()),
    "team": lambda i: (i.priority is None, i.priority or 0),
}


def sorted_and_filtered(
    items: list[RankedInitiative], *, sort: str, q: str, status: str
) -> tuple[list[RankedInitiative], str]:
    """The backlog's rows as asked: text `q` in the title, goal, owner or teams, one status,
    sorted by a column (`-` first for descending); an unknown sort is the rank."""
    wanted = " ".join(q.split()).casefold()
    if wanted:
        items = [
            i
            for i in items
            if wanted in " ".join([i.title, i.goal or "", i.owner, *i.teams]).casefold()
        ]
    if status:
        items = [i for i in items if i.status == status]
    key = sort.removeprefix("-")
    if key not in SORTS:
        return items, "rank"
    return sorted(items, key=SORTS[key], reverse=sort.startswith("-")), sort


@router.get("/backlog", response_class=HTMLResponse)
def backlog(
    request: Request,
    session: DbSession,
    _browser: Browser,
    as_of: str = "",
    sort: str = "rank",
    q: Annotated[str, Query(max_length=300)] = "",
    status: str = "",
) -> HTMLResponse:
    """Every initiative by RICE with its rank, inputs, lane, goal and flags; `sort`, `q` and
    `status` sort and filter the active ones (the table's headers do the same in the browser)."""
    items = service.list_initiatives(session=session, today=_today(as_of))
    ranked = [i for i in items if i.rank is not None]
    status = status if status in ACTIVE_STATUSES else ""
    shown, sort = sorted_and_filtered(ranked, sort=sort, q=q.replace("\x00", ""), status=status)
    report = service.backlog_disagreements(session=session, limit=1)
    return render(
        request,
        "backlog/backlog.html",
        {
            "ranked": ranked,
            "shown": shown,
            "sort": sort,
            "q": q,
            "status": status,
            "active_statuses": [s for s in STATUSES if s in ACTIVE_STATUSES],
            "team_order": team_order(ranked),
            "closed": [i for i in items if i.rank is None],
            "top": max((i.rice for i in ranked), default=0),
            "report": report,
            "flag_counts": {
                flag: sum(1 for i in ranked if flag in i.flags)
                for flag in ("no_goal", "kill_proposed", "no_problem", "no_success_criteria")
            },
        },
    )


def team_order(ranked: list[RankedInitiative]) -> list[RankedInitiative]:
    """Active initiatives in the team's own order: those with a priority first, then the rest
    by RICE rank."""
    return sorted(ranked, key=lambda i: (i.priority is None, i.priority or 0, i.rank or 0))


def new_priorities(order: list[int], had_priority: set[int], moved: int | None) -> dict[int, int]:
    """Priorities 1, 2, … for the posted order, as far as it reaches the last initiative that
    had a priority or was moved (the rest keep none)."""
    marked = [n for n, id_ in enumerate(order) if id_ in had_priority or id_ == moved]
    if not marked:
        return {}
    return {id_: n + 1 for n, id_ in enumerate(order[: max(marked) + 1])}


@router.post("/backlog/priority", response_model=None)
def set_team_order(
    session: DbSession,
    posted: WriteForm,
    order: Annotated[str, Form(max_length=100_000)] = "",
    id: Annotated[str, Form()] = "",
    move: Annotated[str, Form()] = "",
) -> Response:
    """The team's own priority: a new order (ids, dragged) or one initiative up or down."""
    ranked = [
        i
        for i in service.list_initiatives(session=session, evaluate_criteria=False)
        if i.rank is not None
    ]
    current = [i.id for i in team_order(ranked)]
    moved = int(id) if id.isdigit() and int(id) in current else None
    if order:
        posted_ids = [int(p) for p in order.split(",") if p.strip().isdigit()]
        wanted = [p for p in dict.fromkeys(posted_ids) if p in current]
        new_order = wanted + [p for p in current if p not in wanted]
    elif moved is not None and move in ("up", "down"):
        new_order = list(current)
        at = new_order.index(moved)
        to = at - 1 if move == "up" else at + 1
        if 0 <= to < len(new_order):
            new_order[at], new_order[to] = new_order[to], new_order[at]
    else:
        return RedirectResponse("/backlog#team-order", status_code=303)
    had = {i.id for i in ranked if i.priority is not None}
    stored = {i.id: i.priority for i in ranked}
    for initiative_id, priority in new_priorities(new_order, had, moved).items():
        if stored.get(initiative_id) != priority:
            service.update_initiative(
                session=session,
                initiative=service.get_initiative_or_raise(
                    session=session, initiative_id=initiative_id
                ),
                data=InitiativeUpdate(priority=priority),
            )
    return RedirectResponse("/backlog#team-order", status_code=303)


@router.get("/backlog/disagreements", response_class=HTMLResponse)
def disagreements(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """The team's own order against RICE, largest disagreements both ways."""
    report = service.backlog_disagreements(session=session, limit=10)
    every = service.backlog_disagreements(session=session, limit=1_000_000)
    apart = [*every.team_favours, *every.rice_favours]
    chart = (
        charts.priority_slope_chart([(d.title, d.team_rank, d.rice_rank) for d in apart])
        if apart
        else None
    )
    return render(
        request,
        "backlog/disagreements.html",
        {"report": report, "chart": chart, "drawn": len(apart)},
    )


@router.get("/backlog/sensitivity", response_class=HTMLResponse)
def sensitivity(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """How far confidence or effort would have to move to swap neighbours by RICE."""
    pairs = service.backlog_sensitivity(session=session)
    return render(request, "backlog/sensitivity.html", {"pairs": pairs})


# ---- one initiative ------------------------------------------------------------------------------


def _initiative_form(initiative: Initiative) -> dict[str, str]:
    return {
        "title": initiative.title,
        "description": initiative.description,
        "owner": initiative.owner,
        "status": initiative.status,
        "category": initiative.category,
        "reach": "" if initiative.reach is None else f"{initiative.reach:g}",
        "impact": f"{initiative.impact:g}",
        "confidence": f"{initiative.confidence:g}",
        "effort": f"{initiative.effort:g}",
        "teams": ", ".join(t.slug for t in initiative.teams),
        "problems": "\n".join(p.title for p in initiative.problems),
        "goal": initiative.goal.title if initiative.goal else "",
        "lane": initiative.lane or "",
        "priority": "" if initiative.priority is None else str(initiative.priority),
    }


def _form_context(session: Session) -> dict[str, Any]:
    return {
        **scales(),
        "goal_titles": service.goal_titles(session=session),
        "problem_titles": [p.title for p in list_problems(session=session)],
    }


def _detail_page(
    request: Request,
    session: Session,
    initiative: Initiative,
    *,
    as_of: date | None = None,
    form: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    detail = service.get_initiative_detail(session=session, initiative=initiative, today=as_of)
    ranked = [
        r
        for r in service.list_initiatives(session=session, evaluate_criteria=False)
        if r.rank is not None
    ]
    return render(
        request,
        "backlog/initiative.html",
        {
            "item": detail,
            **_closed_loop(session, detail, as_of=as_of),
            "ranked": ranked,
            "top": max((r.rice for r in ranked), default=0),
            "form": form or _initiative_form(initiative),
            "errors": errors or {},
            "typed": typed or {},
            "evidence": insights.evidence_for_problems(
                session=session, problem_ids=[p.id for p in detail.problem_refs]
            ),
            **_form_context(session),
        },
        status_code=status,
    )


_COMPARATOR_WORDS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}


def _criterion_text(c: Any) -> str:
    """A criterion as people say it: `CI duration (median) < 8.0 min by 2026-06-30`."""
    definition = get_definition(c.kpi_id)
    shown = definition.show(c.threshold)
    return f"{c.kpi_name} {_COMPARATOR_WORDS.get(c.comparator, c.comparator)} {shown} by {c.due}"


def _closed_loop(session: Session, detail: Any, *, as_of: date | None) -> dict[str, Any]:
    """The KPI the initiative's criteria are bound to, charted with each threshold and due
    date, and for a done initiative the KPI in the 30 days before it started (or before it
    was done) and the 30 days after it was done."""
    today = as_of or today_utc()
    texts = {c.id: _criterion_text(c) for c in detail.criteria}
    values = {
        c.id: get_definition(c.kpi_id).show(c.value) if c.value is not None else c.value_text
        for c in detail.criteria
    }
    loops: list[dict[str, Any]] = []
    kpi_ids = list(dict.fromkeys(c.kpi_id for c in detail.criteria))[:3]
    done = detail.done_at.date() if detail.done_at else None
    started = detail.started_at.date() if detail.started_at else None
    for kpi_id in kpi_ids:
        definition = get_definition(kpi_id)
        bound = [c for c in detail.criteria if c.kpi_id == kpi_id]
        window = None
        if done is not None:
            # around the done date, reaching on to the latest due date (never past today)
            latest_due = max(c.due for c in bound) + timedelta(days=1)
            end = min(max(done + timedelta(days=30), latest_due), today + timedelta(days=1))
            window = window_between(done - timedelta(days=30), max(end, done + timedelta(days=1)))
        kpi = metrics.kpi_detail(session=session, kpi_id=kpi_id, window=window)
        markers = [charts.Marker(c.due, f"due: {texts[c.id]}", "due") for c in bound]
        if started is not None:
            markers.append(charts.Marker(started, "work started", "started"))
        if done is not None:
            markers.append(charts.Marker(done, f"shipped: {detail.title}", "shipped"))
        lines = [
            charts.TargetLine(c.threshold, f"{c.kind}: {texts[c.id]}", "threshold") for c in bound
        ]
        spec = charts.weekly_chart(
            definition, kpi.overall, kpi.headline.target, markers=markers, goals=lines
        )
        before_after = None
        if done is not None:
            before_start = (started or done) - timedelta(days=30)
            after_end = min(done + timedelta(days=30), today + timedelta(days=1))
            before = metrics.window_values(
                session=session, kpi_ids=[kpi_id], start=before_start, end=started or done
            )[kpi_id]
            after = (
                metrics.window_values(session=session, kpi_ids=[kpi_id], start=done, end=after_end)[
                    kpi_id
                ]
                if after_end > done
                else None
            )
            before_after = {
                "before": definition.show(before),
                "before_span": f"{before_start} to {started or done}",
                "after": definition.show(after),
                "after_span": f"{done} to {after_end}",
                "delta": definition.delta_text(
                    after - before if after is not None and before is not None else None,
                    "the 30 days before",
                ),
            }
        loops.append(
            {
                "kpi_id": kpi_id,
                "name": definition.name,
                "spec": json.dumps(spec).replace("<", "\\u003c").replace(">", "\\u003e"),
                "before_after": before_after,
            }
        )
    return {"criterion_texts": texts, "criterion_values": values, "loops": loops}


IMPORT_LIMIT = 5_000_000  # bytes: the same order as a CLI file, never a whole disk


@router.get("/initiatives/import", response_class=HTMLResponse)
def import_form(request: Request, browser: Browser) -> HTMLResponse:
    """Upload or paste an initiatives file (CSV or YAML), as `pavedroad initiatives import`."""
    require_page_scope(browser, "write")
    return render(
        request, "backlog/import.html", {"form": {"kind": "csv", "text": ""}, "errors": []}
    )


@router.post("/initiatives/import", response_model=None)
async def import_file(
    request: Request,
    session: DbSession,
    posted: WriteForm,
) -> Response:
    """Write every row or none; problems are listed by line and field, the pasted text kept."""
    form = posted.data
    kind = "yaml" if form.get("kind") == "yaml" else "csv"
    text = str(form.get("text", ""))
    upload = form.get("file")
    data = text.encode()
    source = "pasted text"
    if upload is not None and not isinstance(upload, str) and upload.filename:
        data = await upload.read(IMPORT_LIMIT + 1)
        source = upload.filename
        if upload.filename.lower().endswith((".yaml", ".yml")):
            kind = "yaml"
    errors: list[str] = []
    if not data.strip():
        errors = ["choose a file or paste its text"]
    elif len(data) > IMPORT_LIMIT:
        errors = [f"{source}: larger than {IMPORT_LIMIT:,} bytes; use the CLI for big files"]
    else:
        try:
            read = importer.read_initiatives(data, source=source, kind=kind)  # type: ignore[arg-type]
            counts = importer.write_initiatives(session=session, read=read)
        except InvalidInputError as exc:
            errors = [str(problem) for problem in exc.problems[:50]]
            if len(exc.problems) > 50:
                errors.append(f"... and {len(exc.problems) - 50} more problems")
            session.rollback()
        else:
            return render(
                request,
                "backlog/import.html",
                {"form": {"kind": kind, "text": ""}, "errors": [], "counts": counts},
            )
    return render(
        request,
        "backlog/import.html",
        {"form": {"kind": kind, "text": text}, "errors": errors},
        status_code=422,
    )


@router.get("/initiatives/new", response_class=HTMLResponse)
def new_initiative(request: Request, session: DbSession, browser: Browser) -> HTMLResponse:
    """A form to add an initiative with its RICE inputs."""
    require_page_scope(browser, "write")
    return render(
        request,
        "backlog/new.html",
        {"form": {"status": "idea", "category": "roadmap"}, "errors": [], **_form_context(session)},
    )


@router.post("/initiatives", response_model=None)
def add_initiative(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    submitted: Annotated[InitiativeForm, Form()],
) -> Response:
    """Add an initiative; on an error the form comes back with what was typed."""
    fields = submitted.fields()
    fields["status"] = fields["status"] or "idea"
    fields["category"] = fields["category"] or "roadmap"

    def change() -> Response:
        data = InitiativeIn.model_validate(fields)
        created = service.create_initiative(session=session, data=data)
        return RedirectResponse(f"/initiatives/{created.id}", status_code=303)

    def refused(errors: list[str]) -> Response:
        form = {**submitted.typed(), "problems": "\n".join(submitted.problems)}
        return render(
            request,
            "backlog/new.html",
            {"form": form, "errors": errors, **_form_context(session)},
            status_code=422,
        )

    return submit(session, change, refused)


@router.get("/initiatives/{initiative_id}", response_class=HTMLResponse)
def initiative(
    request: Request, initiative_id: RowId, session: DbSession, _browser: Browser, as_of: str = ""
) -> HTMLResponse:
    """One initiative beside the rest of the backlog, its criteria, decisions and forms."""
    found = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
    return _detail_page(request, session, found, as_of=_today(as_of))


@router.post("/initiatives/{initiative_id}", response_model=None)
def edit_initiative(
    request: Request,
    initiative_id: RowId,
    session: DbSession,
    posted: WriteForm,
    submitted: Annotated[InitiativeForm, Form()],
) -> Response:
    """Save the edit form; a lane or goal counts as changed only when it differs."""
    found = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
    before = _initiative_form(found)
    fields = submitted.fields()
    # Submitting the form unchanged must not lock the planner's lane or move the goal.
    for name in ("lane", "goal"):
        if fields[name] == before[name]:
            del fields[name]

    def change() -> Response:
        data = InitiativeUpdate.model_validate(fields)
        service.update_initiative(session=session, initiative=found, data=data)
        return RedirectResponse(f"/initiatives/{initiative_id}", status_code=303)

    def refused(errors: list[str]) -> Response:
        form = {**submitted.typed(), "problems": "\n".join(submitted.problems)}
        again = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
        return _detail_page(request, session, again, form=form, errors={"edit": errors}, status=422)

    return submit(session, change, refused)


@router.post("/initiatives/{initiative_id}/criteria", response_model=None)
def add_criterion(
    request: Request,
    initiative_id: RowId,
    session: DbSession,
    posted: WriteForm,
    kind: Annotated[str, Form()] = "success",
    kpi_id: Annotated[str, Form()] = "",
    comparator: Annotated[str, Form()] = "<",
    threshold: Annotated[str, Form()] = "",
    due: Annotated[str, Form()] = "",
) -> Response:
    """Add a success or kill criterion; the threshold is in the KPI's unit (`80%` for shares)."""
    found = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
    typed = {
        "kind": kind,
        "kpi_id": kpi_id,
        "comparator": comparator,
        "threshold": threshold,
        "due": due,
    }

    def change() -> Response:
        CriterionIn.model_validate({**typed, "threshold": 0})
        data = CriterionIn.model_validate(
            {**typed, "threshold": criteria_service.parse_threshold(kpi_id.strip(), threshold)}
        )
        criteria_service.add_criterion(session=session, initiative=found, data=data)
        return RedirectResponse(f"/initiatives/{initiative_id}#criteria", status_code=303)

    def refused(errors: list[str]) -> Response:
        again = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
        return _detail_page(
            request, session, again, errors={"criterion": errors}, typed=typed, status=422
        )

    return submit(session, change, refused)


@router.post("/initiatives/{initiative_id}/criteria/{criterion_id}/delete", response_model=None)
def remove_criterion(
    initiative_id: RowId,
    criterion_id: RowId,
    session: DbSession,
    posted: WriteForm,
) -> Response:
    """Remove one criterion."""
    found = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
    criteria_service.remove_criterion(session=session, initiative=found, criterion_id=criterion_id)
    return RedirectResponse(f"/initiatives/{initiative_id}#criteria", status_code=303)


@router.post("/initiatives/{initiative_id}/decisions", response_model=None)
def decide(
    request: Request,
    initiative_id: RowId,
    session: DbSession,
    posted: WriteForm,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Record kill or continue with its reason."""
    found = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)

    def change() -> Response:
        data = DecisionIn.model_validate(
            {"decision": decision, "reason": reason, "decided_by": posted.browser.grant.email}
        )
        criteria_service.record_decision(session=session, initiative=found, data=data)
        return RedirectResponse(f"/initiatives/{initiative_id}#decisions", status_code=303)

    def refused(errors: list[str]) -> Response:
        again = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
        typed = {"decision": decision, "reason": reason}
        return _detail_page(
            request, session, again, errors={"decision": errors}, typed=typed, status=422
        )

    return submit(session, change, refused)


@router.post("/initiatives/{initiative_id}/delete", response_model=None)
def delete_initiative(
    initiative_id: RowId,
    session: DbSession,
    posted: WriteForm,
) -> Response:
    """Delete an initiative with its criteria and decisions."""
    found = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
    service.delete_initiative(session=session, initiative=found)
    return RedirectResponse("/backlog", status_code=303)
