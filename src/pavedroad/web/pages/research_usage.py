"""Research pages: usage per capability, with a chart each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from pavedroad.errors import PavedroadError
from pavedroad.metrics.windows import WINDOW_FORMS, parse_window
from pavedroad.research import usage as service
from pavedroad.web.charts import weekly_uses_chart
from pavedroad.web.deps import Browser, DbSession
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/research/usage", response_class=HTMLResponse)
def usage(
    request: Request,
    session: DbSession,
    _browser: Browser,
    window: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """Per capability: the eligible teams that never used it first, then who stopped, the
    weekly uses and the numbers of `pavedroad usage report`."""
    errors: list[str] = []
    chosen = service.default_window()
    if window.strip():
        try:
            chosen = parse_window(window)
        except PavedroadError as exc:
            errors.append(f"{exc}. Use {WINDOW_FORMS}.")
    found = service.capability_usage(session=session, window=chosen)
    charts = {u.capability: weekly_uses_chart(u.weekly) for u in found}
    chase = sorted({team for u in found for team in u.never_used})
    return render(
        request,
        "research/usage.html",
        {
            "capabilities": found,
            "charts": charts,
            "chase": chase,
            "window": chosen,
            "asked": window,
            "errors": errors,
            "window_forms": WINDOW_FORMS,
        },
        status_code=422 if errors else 200,
    )
