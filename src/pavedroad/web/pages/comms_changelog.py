"""Comms pages: the changelog by ISO week with its add and edit forms, and one assembled week
as it will be sent (Markdown to copy, the Slack message, the email)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pavedroad.backlog import service as backlog
from pavedroad.catalog import capabilities as catalog_capabilities
from pavedroad.catalog.service import eligible_team_slugs, list_personas
from pavedroad.comms import changelog as service
from pavedroad.comms import feeds
from pavedroad.comms.schemas.changelog import (
    ChangelogEntryIn,
    ChangelogEntryOut,
    ChangelogEntryUpdate,
)
from pavedroad.errors import InvalidInputError
from pavedroad.metrics.windows import today_utc
from pavedroad.web.deps import Browser, DbSession, RowId
from pavedroad.web.pages.backlog_forms import form_errors
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

if TYPE_CHECKING:
    from pavedroad.comms.models import ChangelogEntry

router = APIRouter(include_in_schema=False)
FIELDS = ("title", "body", "before", "after", "audience", "capability", "initiative", "date")


def _choices(session: Session) -> dict[str, Any]:
    """What the forms offer: capabilities, initiatives, teams and personas."""
    return {
        "capabilities": [c.name for c in catalog_capabilities.list_capabilities(session=session)],
        "initiatives": sorted(
            ref.title for ref in backlog.initiative_refs(session=session).values()
        ),
        "teams": eligible_team_slugs(session=session),
        "personas": [p.name for p in list_personas(session=session)],
    }


def _by_week(entries: list[ChangelogEntryOut]) -> list[tuple[str, list[ChangelogEntryOut]]]:
    """Entries (newest first) grouped by their ISO week, newest week first."""
    groups: dict[str, list[ChangelogEntryOut]] = {}
    for entry in entries:
        groups.setdefault(service.week_label(entry.date), []).append(entry)
    return list(groups.items())


def _form_values(entry: ChangelogEntryOut) -> dict[str, str]:
    return {
        "title": entry.title,
        "body": entry.body,
        "before": entry.before,
        "after": entry.after,
        "audience": ", ".join(entry.audience),
        "capability": entry.capability or "",
        "initiative": entry.initiative or "",
        "date": entry.date.isoformat(),
    }


def _values(form: dict[str, str]) -> dict[str, Any]:
    """The typed form as the input shapes read it: audience split on commas."""
    values: dict[str, Any] = {k: v for k, v in form.items() if k != "audience"}
    values["audience"] = [a.strip() for a in form.get("audience", "").split(",") if a.strip()]
    for name in ("capability", "initiative", "date"):
        values[name] = values.get(name, "").strip() or None
    return values


def _changelog_page(
    request: Request,
    session: Session,
    *,
    filters: dict[str, str],
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    entries = service.list_entries(
        session=session,
        capability=filters.get("capability") or None,
        audience=filters.get("audience") or None,
    )
    return render(
        request,
        "comms/changelog.html",
        {
            "weeks": _by_week(entries),
            "count": len(entries),
            "filters": filters,
            "form": form or {"date": today_utc().isoformat()},
            "errors": errors or [],
            "this_week": service.week_label(today_utc()),
            **_choices(session),
        },
        status_code=status,
    )


@router.get("/changelog", response_class=HTMLResponse, name="changelog_page")
def changelog(
    request: Request,
    session: DbSession,
    _browser: Browser,
    capability: str = "",
    audience: str = "",
) -> HTMLResponse:
    """The changelog grouped by ISO week, newest first, filtered by capability or audience."""
    filters = {"capability": capability[:200].strip(), "audience": audience[:200].strip()}
    return _changelog_page(request, session, filters=filters)


@router.post("/changelog", response_model=None)
def add_entry(request: Request, session: DbSession, posted: WriteForm) -> Response:
    """Add an entry; on an error the form comes back with what was typed."""
    form = {name: posted.text(name) for name in FIELDS}

    def change() -> Response:
        service.add_entry(session=session, data=ChangelogEntryIn.model_validate(_values(form)))
        return RedirectResponse("/changelog", status_code=303)

    def refused(errors: list[str]) -> Response:
        filters = {"capability": "", "audience": ""}
        return _changelog_page(
            request, session, filters=filters, form=form, errors=errors, status=422
        )

    return submit(session, change, refused)


def _edit_page(
    request: Request,
    session: Session,
    entry: ChangelogEntry,
    *,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    out = service.entry_out(session, entry)
    return render(
        request,
        "comms/changelog_edit.html",
        {
            "entry": out,
            "form": form or _form_values(out),
            "errors": errors or [],
            **_choices(session),
        },
        status_code=status,
    )


@router.get("/changelog/{entry_id}/edit", response_class=HTMLResponse)
def edit_form(
    entry_id: RowId, request: Request, session: DbSession, _browser: Browser
) -> HTMLResponse:
    """The form to change an entry."""
    return _edit_page(
        request, session, service.get_entry_or_raise(session=session, entry_id=entry_id)
    )


@router.post("/changelog/{entry_id}/edit", response_model=None)
def edit_entry(
    entry_id: RowId, request: Request, session: DbSession, posted: WriteForm
) -> Response:
    """Change an entry; on an error the form comes back with what was typed."""
    entry = service.get_entry_or_raise(session=session, entry_id=entry_id)
    form = {name: posted.text(name) for name in FIELDS}

    def change() -> Response:
        values = _values(form)
        values["before"] = values.get("before") or ""
        values["after"] = values.get("after") or ""
        values["capability"] = values["capability"] or ""
        values["initiative"] = values["initiative"] or ""
        data = ChangelogEntryUpdate.model_validate(values)
        service.update_entry(session=session, entry=entry, data=data)
        return RedirectResponse(f"/changelog#entry-{entry_id}", status_code=303)

    def refused(errors: list[str]) -> Response:
        fresh = service.get_entry_or_raise(session=session, entry_id=entry_id)
        return _edit_page(request, session, fresh, form=form, errors=errors, status=422)

    return submit(session, change, refused)


@router.post("/changelog/{entry_id}/delete", response_model=None)
def delete_entry(entry_id: RowId, session: DbSession, posted: WriteForm) -> Response:
    """Remove an entry from the changelog and its feed."""
    service.delete_entry(
        session=session, entry=service.get_entry_or_raise(session=session, entry_id=entry_id)
    )
    return RedirectResponse("/changelog", status_code=303)


@router.get("/changelog/weeks/{week}", response_class=HTMLResponse, name="changelog_week_page")
def week_page(week: str, request: Request, session: DbSession, _browser: Browser) -> Response:
    """One week as it will be sent: the entries, the Markdown to copy and the Slack message."""
    try:
        assembled = service.week(session, week[:20])
    except InvalidInputError as exc:
        return render(
            request,
            "error.html",
            {"status": 404, "message": "; ".join(form_errors(exc))},
            status_code=404,
        )
    link = str(request.url_for("changelog_week_page", week=assembled.week))
    previous, following = service.neighbour_weeks(assembled.week)
    return render(
        request,
        "comms/changelog_week.html",
        {
            "week": assembled,
            "markdown": feeds.markdown_week(assembled, link=link),
            "slack": json.dumps(
                feeds.slack_message(assembled, link=link), indent=2, ensure_ascii=False
            ),
            "subject": feeds.email_subject(assembled),
            "previous": previous,
            "following": following,
        },
    )
