"""Catalog pages: teams with their people and services, services, developers, personas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from pavedroad.backlog import problems as problem_service
from pavedroad.backlog import service as backlog_service
from pavedroad.catalog import capabilities as capability_service
from pavedroad.catalog import service
from pavedroad.catalog.backstage import import_backstage_uploads
from pavedroad.catalog.importers import CatalogImportResult
from pavedroad.catalog.schemas import CapabilityIn, PersonaIn, TeamOut
from pavedroad.errors import InputProblem, NotFoundError
from pavedroad.metrics import service as metrics_service
from pavedroad.metrics.service import KpiResult
from pavedroad.research import usage as usage_service
from pavedroad.web.deps import Browser, DbSession, require_page_scope
from pavedroad.web.pages.backlog_forms import FORM_ERRORS
from pavedroad.web.pages.forms import WriteForm, refused_input, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
UPLOAD_LIMIT = 5_000_000  # bytes in all, the order of a CLI file; bigger catalogs use the CLI
SHOWN_PROBLEMS = 50


# What a team page scores a team on, against the whole organisation.
SCORECARD_KPIS = ("adoption_rate", "ci_duration_p50", "lead_time_p50", "nps")
TeamSort = Literal["name", "adoption", "headcount", "developers", "services"]
TEAM_SORTS: tuple[TeamSort, ...] = ("name", "adoption", "headcount", "developers", "services")


@dataclass(frozen=True)
class ScoreLine:
    """One KPI on a team's scorecard: the team's value beside the organisation's."""

    kpi_id: str
    name: str
    team: str
    organisation: str
    compared: str  # better / worse / same / "" (nothing to compare)
    note: str


def _by_team(session: DbSession, kpi_id: str) -> tuple[KpiResult, dict[str, KpiResult]]:
    """A KPI for the organisation and for every team, from one (cached) team cut."""
    detail = metrics_service.kpi_detail(session=session, kpi_id=kpi_id, by="team", weeks=0)
    return detail.headline, {g.group: g for g in detail.groups}


def _compared(ours: KpiResult | None, overall: KpiResult) -> str:
    if ours is None or ours.value is None or overall.value is None or ours.status == "hidden":
        return ""
    if abs(ours.value - overall.value) <= 1e-9 * max(1.0, abs(overall.value)):
        return "same"
    if overall.definition.direction not in ("up", "down"):
        return ""
    higher = ours.value > overall.value
    return "better" if higher == (overall.definition.direction == "up") else "worse"


def _scorecard(session: DbSession, slug: str) -> list[ScoreLine]:
    lines = []
    for kpi_id in SCORECARD_KPIS:
        overall, teams = _by_team(session, kpi_id)
        ours = teams.get(slug)
        definition = overall.definition
        if ours is not None and ours.status == "hidden":
            shown, note = "hidden", metrics_service.HIDDEN_REASON
        elif ours is None or ours.value is None:
            quiet = "no survey answers" if kpi_id in metrics_service.SURVEY_KPIS else "no data"
            shown, note = quiet, ""
        else:
            shown, note = definition.show(ours.value), ""
        lines.append(
            ScoreLine(
                kpi_id=kpi_id,
                name=definition.name,
                team=shown,
                organisation=definition.show(overall.value),
                compared=_compared(ours, overall),
                note=note,
            )
        )
    return lines


@router.get("/catalog", response_class=HTMLResponse)
def teams(
    request: Request,
    session: DbSession,
    _browser: Browser,
    q: str = "",
    sort: str = "name",
    desc: str = "",
) -> HTMLResponse:
    """Every team, searchable and sortable, with its size and its adoption of the platform
    (an unknown sort is by name: an old link still shows the list)."""
    order: TeamSort = sort if sort in TEAM_SORTS else "name"
    descending = desc.lower() in {"1", "true", "yes"}
    found = service.list_teams(session=session, search=q.strip() or None)
    totals = service.catalog_totals(session=session)
    adoption: dict[str, KpiResult] = _by_team(session, "adoption_rate")[1] if found else {}

    def key(team: TeamOut) -> tuple[bool, float | str]:
        if order == "adoption":
            result = adoption.get(team.slug)
            value = result.value if result is not None else None
            return (value is None, value if value is not None else 0.0)
        if order == "name":
            return (False, team.name.lower())
        return (False, float(getattr(team, order)))

    ordered = sorted(found, key=key, reverse=descending)
    if descending:  # teams without a value stay last either way
        ordered = [t for t in ordered if not key(t)[0]] + [t for t in ordered if key(t)[0]]
    return render(
        request,
        "catalog/teams.html",
        {
            "teams": ordered,
            "q": q,
            "totals": totals,
            "adoption": adoption,
            "sort": order,
            "desc": descending,
        },
    )


@router.get("/catalog/teams/{slug}", response_class=HTMLResponse)
def team(request: Request, slug: str, session: DbSession, _browser: Browser) -> HTMLResponse:
    """One team as a scorecard: its KPIs against the organisation's, its open problems, the
    initiatives that target it, its people and services."""
    detail = service.get_team_detail(session=session, slug=slug)
    problems = [
        p
        for p in problem_service.list_problems(session=session)
        if detail.slug in p.teams and not any(i.status == "done" for i in p.initiatives)
    ]
    initiatives = [
        i
        for i in backlog_service.list_initiatives(session=session, evaluate_criteria=False)
        if detail.slug in i.teams
    ]
    return render(
        request,
        "catalog/team.html",
        {
            "team": detail,
            "scorecard": _scorecard(session, detail.slug),
            "window": metrics_service.default_window(),
            "problems": problems,
            "initiatives": initiatives,
        },
    )


@router.get("/catalog/services", response_class=HTMLResponse)
def services(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """Every service with its owner, tier and when it joined the platform."""
    found = service.list_services(session=session)
    onboarded = sum(1 for s in found if s.onboarded_to_platform_at)
    return render(request, "catalog/services.html", {"services": found, "onboarded": onboarded})


@router.get("/catalog/developers", response_class=HTMLResponse)
def developers(
    request: Request,
    session: DbSession,
    _browser: Browser,
    q: str = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """Developers, searchable and paged."""
    page = max(page, 1)
    search = q.strip() or None
    total = service.count_developers(session=session, search=search)
    people = service.list_developers(
        session=session, search=search, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(
        request,
        "catalog/developers.html",
        {"developers": people, "q": q, "page": page, "pages": pages, "total": total},
    )


def _personas_page(
    request: Request,
    session: DbSession,
    *,
    form: dict[str, str],
    errors: list[str],
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "catalog/personas.html",
        {"personas": service.list_personas(session=session), "form": form, "errors": errors},
        status_code=status,
    )


@router.get("/catalog/personas", response_class=HTMLResponse)
def personas(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """Personas and their jobs-to-be-done, with a form to add one."""
    return _personas_page(request, session, form={}, errors=[])


@router.post("/catalog/personas", response_model=None)
def add_persona(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    jobs: Annotated[str, Form()] = "",
) -> Response:
    """Add a persona; on a validation error the form comes back with what was typed."""
    form = {"name": name, "description": description, "jobs": jobs}
    try:
        data = PersonaIn(
            name=name,
            description=description,
            jobs=[line.strip() for line in jobs.splitlines() if line.strip()],
        )
    except ValidationError as exc:
        return _personas_page(request, session, form=form, errors=refused_input(exc), status=422)
    service.save_persona(session=session, data=data)
    return RedirectResponse("/catalog/personas", status_code=303)


def _shown(problems: list[InputProblem]) -> list[str]:
    lines = [str(p) for p in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(f"... and {len(problems) - SHOWN_PROBLEMS} more")
    return lines


def _import_page(
    request: Request,
    *,
    result: CatalogImportResult | None = None,
    errors: list[str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    context: dict[str, object] = {"errors": errors or [], "form": form or {}, "result": None}
    if result is not None:
        context["result"] = {
            "counts": result.report.as_dict(),
            "ignored": result.ignored,
            "accepted": result.accepted,
            "rejected": {source: _shown(p) for source, p in result.rejected.items()},
            "notices": {source: _shown(n) for source, n in result.notices.items()},
        }
    return render(request, "catalog/import.html", context, status_code=status)


@router.get("/catalog/import", response_class=HTMLResponse)
def import_form(request: Request, browser: Browser) -> HTMLResponse:
    """Upload Backstage catalog files, as `pavedroad import backstage FILE...`."""
    require_page_scope(browser, "write")
    return _import_page(request)


@router.post("/catalog/import", response_model=None)
async def import_catalog(request: Request, session: DbSession, posted: WriteForm) -> Response:
    """Import uploaded or pasted catalog-info.yaml like the CLI: each file whole or not at all."""
    form = posted.data
    strict = form.get("strict") in ("on", "true", "1")
    text = str(form.get("text", ""))
    typed = {"text": text, "strict": "on" if strict else ""}
    uploads: list[tuple[str, bytes]] = []
    size = 0
    for upload in form.getlist("files"):
        if isinstance(upload, str) or not upload.filename:
            continue
        data = await upload.read(UPLOAD_LIMIT + 1 - size)
        size += len(data)
        uploads.append((upload.filename, data))
    if text.strip():
        uploads.append(("pasted text", text.encode()))
        size += len(uploads[-1][1])
    if not uploads:
        return _import_page(
            request, errors=["choose catalog files or paste one"], form=typed, status=422
        )
    if size > UPLOAD_LIMIT:
        reason = f"the files are larger than {UPLOAD_LIMIT:,} bytes in all; use the CLI"
        return _import_page(request, errors=[reason], form=typed, status=422)
    result = import_backstage_uploads(session=session, uploads=uploads, strict=strict)
    return _import_page(
        request,
        result=result,
        form=typed if result.rejected else {},
        status=200 if result.ok else 422,
    )


def _capabilities_page(
    request: Request,
    session: DbSession,
    *,
    form: dict[str, str],
    errors: list[str],
    status: int = 200,
) -> HTMLResponse:
    window = usage_service.default_window()
    usage = {
        u.capability: u for u in usage_service.capability_usage(session=session, window=window)
    }
    return render(
        request,
        "catalog/capabilities.html",
        {
            "capabilities": capability_service.list_capabilities(session=session),
            "usage": usage,
            "window": window,
            "teams": service.list_teams(session=session),
            "form": form,
            "errors": errors,
        },
        status_code=status,
    )


@router.get("/catalog/capabilities", response_class=HTMLResponse)
def capabilities(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """What the platform offers: launch day, owner and the teams using each capability."""
    return _capabilities_page(request, session, form={}, errors=[])


@router.post("/catalog/capabilities", response_model=None)
def add_capability(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    launched_at: Annotated[str, Form()] = "",
    owner: Annotated[str, Form()] = "",
) -> Response:
    """Add a capability; on refused input the form comes back with what was typed."""
    form = {"name": name, "description": description, "launched_at": launched_at, "owner": owner}

    def change() -> Response:
        data = CapabilityIn(
            name=name, description=description, launched_at=launched_at or None, owner=owner
        )
        capability_service.add_capability(session=session, data=data)
        return RedirectResponse("/catalog/capabilities", status_code=303)

    return submit(
        session,
        change,
        lambda errors: _capabilities_page(request, session, form=form, errors=errors, status=422),
        errors=(*FORM_ERRORS, NotFoundError),
    )
