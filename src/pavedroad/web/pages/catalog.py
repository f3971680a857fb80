"""Catalog pages: teams with their people and services, services, developers, personas."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from pavedroad.catalog import service
from pavedroad.catalog.schemas import PersonaIn
from pavedroad.web.deps import Browser, DbSession, check_form_csrf, require_page_scope
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/catalog", response_class=HTMLResponse)
def teams(request: Request, session: DbSession, _browser: Browser, q: str = "") -> HTMLResponse:
    """Every team, searchable, with its size."""
    found = service.list_teams(session=session, search=q.strip() or None)
    totals = service.catalog_totals(session=session)
    return render(request, "catalog/teams.html", {"teams": found, "q": q, "totals": totals})


@router.get("/catalog/teams/{slug}", response_class=HTMLResponse)
def team(request: Request, slug: str, session: DbSession, _browser: Browser) -> HTMLResponse:
    """One team with its people and services."""
    detail = service.get_team_detail(session=session, slug=slug)
    return render(request, "catalog/team.html", {"team": detail})


@router.get("/catalog/services", response_class=HTMLResponse)
def services(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """Every service with its owner, tier and when it joined the platform."""
    found = service.list_services(session=session)
    onboarded = sum(1 for s in found if s.onboarded_to_platform_at)
    return render(request, "catalog/services.html", {"services": found, "onboarded": onboarded})


@router.get("/catalog/developers", response_class=HTMLResponse)
def developers(
    request: Request, session: DbSession, _browser: Browser, q: str = "", page: int = 1
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
    browser: Browser,
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    jobs: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Add a persona; on a validation error the form comes back with what was typed."""
    check_form_csrf(browser, csrf_token)
    require_page_scope(browser, "write")
    form = {"name": name, "description": description, "jobs": jobs}
    try:
        data = PersonaIn(
            name=name,
            description=description,
            jobs=[line.strip() for line in jobs.splitlines() if line.strip()],
        )
    except ValidationError as exc:
        errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        return _personas_page(request, session, form=form, errors=errors, status=422)
    service.save_persona(session=session, data=data)
    return RedirectResponse("/catalog/personas", status_code=303)
