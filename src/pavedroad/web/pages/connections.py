"""Connections page: each connection with its last run and how far it is synced, a form to add
one, and "Test connection" and "Sync now" buttons. The token is never shown nor kept in a form
sent back: the page names where it comes from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pavedroad.errors import ConflictError, PavedroadError
from pavedroad.ingest.connectors import PROVIDERS, service
from pavedroad.ingest.connectors.sync import (
    connection_runs,
    start_sync_in_background,
    test_connection,
)
from pavedroad.settings import Settings
from pavedroad.web.deps import Browser, DbSession
from pavedroad.web.pages.forms import FormErrors, WriteForm, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)

# The form's fields, named as `connect add` names its options (errors name them that way).
TEXT_FIELDS: tuple[str, ...] = ("provider", "name", "url", "token-env", "every", "org", "group")
TEXT_FIELDS += ("jql", "as", "jira-api", "self-service-field", "self-service-label")
LIST_FIELDS: tuple[str, ...] = ("repo", "project", "service", "urgency", "priority")
# Form field -> the option key a provider reads.
OPTION_KEYS = {
    "repo": "repos",
    "org": "org",
    "project": "projects",
    "group": "group",
    "service": "services",
    "urgency": "urgencies",
    "priority": "priorities",
    "jql": "jql",
    "as": "as",
    "jira-api": "api",
    "self-service-field": "self_service_field",
    "self-service-label": "self_service_label",
}


# How the form names its fields, for the messages in the box above it.
LABELS = {
    "provider": "Provider",
    "name": "Name",
    "url": "API URL",
    "token-env": "Token variable",
    "token": "Token",
    "every": "Sync every",
    "repo": "GitHub repositories",
    "org": "GitHub organisation",
    "project": "GitLab projects",
    "group": "GitLab group",
    "service": "PagerDuty services",
    "urgency": "PagerDuty urgencies",
    "priority": "PagerDuty priorities",
    "jql": "Jira JQL",
    "as": "Jira issues as",
    "jira-api": "Jira API",
    "self-service-field": "Jira self-service field",
    "self-service-label": "Jira self-service label",
}


def _in_plain_words(errors: list[str]) -> FormErrors:
    """The refusal's messages named by the form's labels (`API URL: ...`, not `url: ...`), and
    beside each field the reason alone."""
    fields = dict(getattr(errors, "fields", {}))
    messages = []
    for message in errors:
        field, _, reason = message.partition(": ")
        if field in LABELS and reason:
            messages.append(f"{LABELS[field]}: {reason}")
            if fields.get(field) == message:
                fields[field] = reason[:1].upper() + reason[1:]
        else:
            messages.append(message)
    return FormErrors(messages, fields)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _rows(session: DbSession) -> list[dict[str, Any]]:
    """Each connection with its last run's counts per table."""
    rows = []
    for connection in service.list_connections(session=session):
        last = connection_runs(session=session, name=connection.name, limit=1)
        rows.append({"connection": connection, "run": last[0] if last else None})
    return rows


def _page(
    request: Request,
    session: DbSession,
    *,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    tested: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "ingest/connections.html",
        {
            "rows": _rows(session),
            "providers": PROVIDERS,
            "form": form or {"provider": "github"},
            "errors": errors if errors is not None else [],
            "tested": tested,
            "stores_tokens": bool(_settings(request).secret_key),
        },
        status_code=status,
    )


@router.get("/connections", response_class=HTMLResponse)
def connections_page(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """Every connection, its last run and next sync, and the form to add one."""
    return _page(request, session)


def _split(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


@router.post("/connections", response_model=None)
def add_connection(request: Request, session: DbSession, posted: WriteForm) -> Response:
    """Add a connection; refused input comes back in the form with the reasons."""
    form = {name: posted.text(name).strip() for name in TEXT_FIELDS + LIST_FIELDS}
    token = posted.text("token").strip()
    options: dict[str, Any] = {}
    for field, key in OPTION_KEYS.items():
        value: Any = _split(form[field]) if field in LIST_FIELDS else form[field]
        if value:
            options[key] = value

    def change() -> Response:
        service.add_connection(
            session=session,
            name=form["name"],
            provider=form["provider"],
            url=form["url"] or None,
            token_env=form["token-env"] or None,
            token=token or None,
            secret_key=_settings(request).secret_key,
            options=options,
            every=form["every"] or None,
        )
        return RedirectResponse(f"/connections#connection-{form['name']}", status_code=303)

    def refused(refusal: list[str]) -> Response:
        errors = _in_plain_words(refusal)
        if token:
            # A token is never sent back to the browser, not even into its own field.
            errors.append("The token was not kept: type it again.")
        return _page(request, session, form=form, errors=errors, status=422)

    return submit(session, change, refused)


@router.post("/connections/{name}/test", response_class=HTMLResponse)
def test(request: Request, name: str, session: DbSession, _posted: WriteForm) -> HTMLResponse:
    """One cheap request per resource list; the page says what it can read or what is wrong."""
    service.get_connection_or_raise(session=session, name=name)
    session.commit()  # nothing to write: do not hold the store while the provider answers
    try:
        notes = test_connection(request.app.state.engine, _settings(request), name)
        tested: dict[str, Any] = {"name": name, "ok": True, "notes": notes}
    except PavedroadError as exc:
        tested = {"name": name, "ok": False, "error": str(exc)}
    return _page(request, session, tested=tested)


@router.post("/connections/{name}/sync")
def sync_now(
    request: Request, name: str, session: DbSession, _posted: WriteForm
) -> RedirectResponse:
    """Queue a sync, run it in the background, and show its run."""
    found = service.get_connection(session=session, name=name)
    if found.syncing:
        raise ConflictError(f"connection {name!r} is being synced already; its run is on /runs")
    session.commit()  # the sync writes in its own transactions
    run = start_sync_in_background(request.app.state.engine, _settings(request), name)
    return RedirectResponse(f"/runs/{run.id}", status_code=303)
