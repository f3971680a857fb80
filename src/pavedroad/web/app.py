"""The FastAPI application: API under /api/v1, pages, static files, and error translation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from pavedroad import __version__
from pavedroad.auth.throttle import SignInThrottle
from pavedroad.db import make_engine
from pavedroad.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PavedroadError,
    PermissionDeniedError,
    SchemaOutOfDateError,
)
from pavedroad.schema import require_current
from pavedroad.settings import Settings, load_settings
from pavedroad.web.api import auth as auth_api
from pavedroad.web.api import backlog as backlog_api
from pavedroad.web.api import catalog as catalog_api
from pavedroad.web.api import coach as coach_api
from pavedroad.web.api import (
    comms_champions,
    comms_changelog,
    comms_launches,
    comms_pitches,
    comms_public,
    comms_reports,
    comms_roi,
    research_insights,
    research_interviews,
    research_shadowing,
    research_tickets,
    research_usage,
)
from pavedroad.web.api import connections as connections_api
from pavedroad.web.api import impact_map as impact_map_api
from pavedroad.web.api import ingest as ingest_api
from pavedroad.web.api import kpis as kpis_api
from pavedroad.web.api import roadmap as roadmap_api
from pavedroad.web.api import surveys as surveys_api
from pavedroad.web.api import webhooks as webhooks_api
from pavedroad.web.deps import LoginRequired, browser_of
from pavedroad.web.openapi import (
    document_errors,
    error_body,
    validation_detail,
    validation_problems,
)
from pavedroad.web.pages import auth as auth_pages
from pavedroad.web.pages import backlog as backlog_pages
from pavedroad.web.pages import catalog as catalog_pages
from pavedroad.web.pages import coach as coach_pages
from pavedroad.web.pages import comms_champions as champion_pages
from pavedroad.web.pages import comms_changelog as changelog_pages
from pavedroad.web.pages import comms_launches as launch_pages
from pavedroad.web.pages import comms_pitches as pitch_pages
from pavedroad.web.pages import comms_public as public_pages
from pavedroad.web.pages import comms_reports as report_pages
from pavedroad.web.pages import comms_roi as roi_pages
from pavedroad.web.pages import connections as connection_pages
from pavedroad.web.pages import home as home_pages
from pavedroad.web.pages import ingest as ingest_pages
from pavedroad.web.pages import kpis as kpis_pages
from pavedroad.web.pages import research as research_pages
from pavedroad.web.pages import research_interviews as interview_pages
from pavedroad.web.pages import research_shadowing as shadowing_pages
from pavedroad.web.pages import research_tickets as ticket_pages
from pavedroad.web.pages import research_usage as usage_pages
from pavedroad.web.pages import roadmap as roadmap_pages
from pavedroad.web.pages import surveys as survey_pages
from pavedroad.web.pages.render import render

STATIC = Path(__file__).parent / "static"

_STATUS: list[tuple[type[PavedroadError], int]] = [
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (InvalidInputError, 422),
    (SchemaOutOfDateError, 503),
]


def _status_of(exc: PavedroadError) -> int:
    return next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for one database; the schema must be current."""
    settings = settings or load_settings()
    engine = make_engine(settings.database_url, settings)
    require_current(engine)
    app = FastAPI(
        lifespan=_close_store_on_shutdown,
        title="pavedroad",
        version=__version__,
        description="Run your internal platform as a product. Authenticate with "
        "`Authorization: Bearer <token>` (create one with `pavedroad token create`).",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.sign_in_throttle = SignInThrottle()

    app.add_middleware(RefuseNul)
    # Pages, JSON and static files (the 900 KB chart bundle) travel compressed.
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    document_errors(app)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        # kpis: cold, warming or warm (`pavedroad serve` warms every page's figures at start)
        from pavedroad.warming import warmth

        return {"status": "ok", "version": __version__, "kpis": warmth(app.state.engine)}

    app.include_router(catalog_api.router)
    app.include_router(auth_api.router)
    app.include_router(ingest_api.router)
    app.include_router(connections_api.router)
    app.include_router(kpis_api.router)
    app.include_router(coach_api.router)
    app.include_router(backlog_api.router)
    app.include_router(impact_map_api.router)
    app.include_router(roadmap_api.router)
    for api in (research_shadowing, research_interviews, research_insights, research_tickets):
        app.include_router(api.router)
    app.include_router(research_usage.router)
    app.include_router(surveys_api.router)
    for api in (comms_changelog, comms_pitches, comms_roi, comms_launches, comms_champions):
        app.include_router(api.router)
    app.include_router(comms_public.router)
    app.include_router(comms_reports.router)
    webhooks_api.install(app, settings)
    app.include_router(auth_pages.router)
    app.include_router(home_pages.router)
    app.include_router(catalog_pages.router)
    app.include_router(ingest_pages.router)
    app.include_router(connection_pages.router)
    app.include_router(kpis_pages.router)
    app.include_router(coach_pages.router)
    app.include_router(backlog_pages.router)
    app.include_router(roadmap_pages.router)
    for pages in (research_pages, shadowing_pages, interview_pages, ticket_pages, usage_pages):
        app.include_router(pages.router)
    app.include_router(survey_pages.router)
    for pages in (changelog_pages, pitch_pages, roi_pages, launch_pages, champion_pages):
        app.include_router(pages.router)
    app.include_router(public_pages.router)
    app.include_router(report_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(LoginRequired)
    def login_required(_request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(PavedroadError)
    def user_error(request: Request, exc: PavedroadError) -> Response:
        status = _status_of(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if _wants_json(request):
            problems = exc.problems if isinstance(exc, InvalidInputError) else ()
            body = error_body(str(exc), problems)
            return JSONResponse(body, status_code=status, headers=headers)
        return _error_page(request, status, str(exc))

    @app.exception_handler(RequestValidationError)
    def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if exc.errors() and all(
            e.get("loc", ("",))[0] == "path" and e.get("type") in _OUT_OF_RANGE
            for e in exc.errors()
        ):
            # An id that is not a number, or out of the range ids take, names nothing: the same
            # answer as an unknown one.
            return not_found(request, HTTPException(404, "nothing has this id"))
        problems = validation_problems(exc)
        if _wants_json(request):
            return JSONResponse(error_body(validation_detail(problems), problems), 422)
        return _error_page(request, 422, "; ".join(p.reason for p in problems))

    @app.exception_handler(404)
    def not_found(request: Request, exc: Exception) -> Response:
        detail = getattr(exc, "detail", "Not Found")
        if _wants_json(request):
            return JSONResponse(error_body(str(detail)), status_code=404)
        return _error_page(request, 404, "There is no page at this address.")

    return app


@asynccontextmanager
async def _close_store_on_shutdown(app: FastAPI) -> AsyncIterator[None]:
    """Dispose the engine when the server stops, closing its store (the KPI engine with it)."""
    yield
    app.state.engine.dispose()


_OUT_OF_RANGE = frozenset({"greater_than_equal", "less_than_equal", "int_parsing"})


class RefuseNul:
    """Refuses an address with a NUL character (400) before any handler reads it: no store
    keeps one (PostgreSQL refuses it in text), so such an address names nothing."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and (
            b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", "")
        ):
            await JSONResponse(error_body("the address contains a NUL character"), 400)(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)


def _error_page(request: Request, status: int, message: str) -> HTMLResponse:
    if getattr(request.state, "browser", None) is None:
        # No page dependency ran (an unknown address): a signed-in browser still gets its
        # navigation, not a "Sign in" link.
        request.state.browser = browser_of(request)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)
