"""The coach page: the team's mode first, then the diagnoses by severity with their evidence,
the practice's row or scenario each comes from, and links to what they are about."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pavedroad.coach import mode as mode_service
from pavedroad.coach import service
from pavedroad.errors import InvalidInputError
from pavedroad.metrics.windows import parse_window, window_presets
from pavedroad.web.deps import Browser, DbSession
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)

MODE_NAMES = {
    "technology_project": "a technology project",
    "service_bureau": "a service bureau",
    "product_team": "a product team",
}
MODE_MEANS = {
    "technology_project": "It decides what to build by technical interest, measures success "
    "as “it works” and does no user research.",
    "service_bureau": "It executes requests, measures success in tickets closed, and its "
    "research is reading tickets.",
    "product_team": "It discovers problems through research, prioritises by impact and "
    "measures adoption, satisfaction and time to production.",
}


@router.get("/coach", response_class=HTMLResponse)
def coach_page(
    request: Request,
    session: DbSession,
    _browser: Browser,
    window: str = "",
    quarter: str = "",
) -> HTMLResponse:
    """The mode and every diagnosis for the window (default: the last 30 days)."""
    error = None
    chosen = None
    if window:
        try:
            chosen = parse_window(window)
        except InvalidInputError as exc:
            error = f"The window “{window}” is not one pavedroad reads: {exc.problems[0].reason}."
    try:
        mode = mode_service.team_mode(session=session, quarter=quarter or None)
    except InvalidInputError:
        error = error or f"“{quarter}” is not a quarter such as 2026-Q3."
        mode = mode_service.team_mode(session=session)
    found = service.diagnose(session=session, window=chosen)
    return render(
        request,
        "coach/coach.html",
        {
            "mode": mode,
            "mode_name": MODE_NAMES[mode.mode],
            "mode_means": MODE_MEANS[mode.mode],
            "mode_names": MODE_NAMES,
            "diagnoses": found,
            "error": error,
            "form": {"window": window, "quarter": quarter},
            "presets": window_presets(None),
        },
    )
