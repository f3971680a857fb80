"""Research pages: shadowing sessions, the entry form and one session's timeline."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pavedroad.catalog.service import team_slugs
from pavedroad.errors import InvalidInputError
from pavedroad.metrics.windows import quarter_of, today_utc
from pavedroad.research import shadowing
from pavedroad.research.shadowing_schemas import ShadowingIn
from pavedroad.research.timelog import OBVIOUS_TOOLS
from pavedroad.web.deps import Browser, DbSession, RowId
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)

FORM_FIELDS = (
    "date",
    "developer",
    "team",
    "workflow",
    "time_log",
    "friction_points",
    "tools",
    "wishes",
    "context_switches",
    "waiting_min",
    "notes",
)
LOG_EXAMPLE = (
    "00:00 - Started task: deploy a one-line change\n"
    "00:05 - Opened the wiki. Searched for the deploy guide.\n"
    "00:12 - Waiting for CI\n"
    '00:30 - CI failed. "I wish it told me why."'
)


@router.get("/research/shadowing", response_class=HTMLResponse)
def sessions_page(
    request: Request, session: DbSession, _browser: Browser, quarter: str = ""
) -> HTMLResponse:
    """Every session with its derived figures, and progress toward 3 teams this quarter."""
    error = None
    chosen = quarter.strip()[:20] or None
    try:
        listed = shadowing.list_sessions(session, quarter=chosen)
    except InvalidInputError as exc:
        error = "; ".join(p.reason for p in exc.problems)
        listed = shadowing.list_sessions(session)
        chosen = None
    return render(
        request,
        "research/shadowing_list.html",
        {
            "listed": listed,
            "this_quarter": quarter_of(today_utc()),
            "history": shadowing.progress_by_quarter(session),
            "themes": shadowing.friction_themes(session, quarter=chosen),
            "quarter": quarter[:20],
            "error": error,
        },
    )


def _form_page(
    request: Request,
    session: Session,
    *,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "research/shadowing_new.html",
        {
            "form": form or {"date": today_utc().isoformat()},
            "errors": errors or [],
            "teams": sorted(team_slugs(session=session)),
            "log_example": LOG_EXAMPLE,
            "tool_examples": ", ".join(OBVIOUS_TOOLS[:8]),
        },
        status_code=status,
    )


@router.get("/research/shadowing/new", response_class=HTMLResponse)
def new_session_page(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """The entry form: a time log in the template's syntax and the session's figures."""
    return _form_page(request, session)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _data(form: dict[str, str]) -> ShadowingIn:
    fields: dict[str, Any] = {
        "date": form["date"].strip(),
        "developer": form["developer"].strip() or None,
        "team": form["team"].strip() or None,
        "workflow": form["workflow"],
        "time_log": form["time_log"],
        "friction_points": _lines(form["friction_points"]),
        "tools": [t.strip() for t in re.split(r"[,;\n]", form["tools"]) if t.strip()],
        "wishes": [w.strip("\"“”' ") for w in _lines(form["wishes"])],
        "context_switches": form["context_switches"].strip() or None,
        "waiting_min": form["waiting_min"].strip() or None,
        "notes": form["notes"],
    }
    return ShadowingIn.model_validate(fields)


@router.post("/research/shadowing/new", response_model=None)
def add_session(
    request: Request,
    session: DbSession,
    posted: WriteForm,
) -> Response:
    """Save the form; on an error it comes back with what was typed and why."""
    form = {name: posted.text(name) for name in FORM_FIELDS}

    def change() -> Response:
        row = shadowing.add_session(session, data=_data(form), source="web form")
        return RedirectResponse(f"/research/shadowing/{row.id}", status_code=303)

    def refused(errors: list[str]) -> Response:
        return _form_page(request, session, form=form, errors=errors, status=422)

    return submit(session, change, refused)


@router.get("/research/shadowing/{session_id}", response_class=HTMLResponse)
def session_page(
    request: Request, session_id: RowId, session: DbSession, _browser: Browser
) -> HTMLResponse:
    """One session: the time log as a timeline, stated beside derived figures, friction, wishes."""
    detail = shadowing.get_session(session, session_id=session_id)
    span = max((detail.log[-1].offset_s - detail.log[0].offset_s) if detail.log else 0, 1)
    steps = []
    for index, entry in enumerate(detail.log):
        following = detail.log[index + 1].offset_s if index + 1 < len(detail.log) else None
        minutes = (following - entry.offset_s) / 60 if following is not None else None
        steps.append({"entry": entry, "minutes": minutes})
    return render(
        request,
        "research/shadowing_session.html",
        {"s": detail, "steps": steps, "span_min": span / 60},
    )
