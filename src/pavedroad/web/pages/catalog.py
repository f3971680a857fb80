"""Catalog pages: teams with their people and services, services, developers, personas."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from pavedroad.catalog import capabilities as capability_service
from pavedroad.catalog import service
from pavedroad.catalog.backstage import import_backstage_uploads
from pavedroad.catalog.importers import CatalogImportResult
from pavedroad.catalog.schemas import CapabilityIn, PersonaIn
from pavedroad.errors import InputProblem, NotFoundError
from pavedroad.research import usage as usage_service
from pavedroad.web.deps import Browser, DbSession, require_page_scope
from pavedroad.web.pages.backlog_forms import FORM_ERRORS
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
UPLOAD_LIMIT = 5_000_000  # bytes in all, the order of a CLI file; bigger catalogs use the CLI
SHOWN_PROBLEMS = 50


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
        errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        return _personas_page(request, session, form=form, errors=errors, status=422)
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
