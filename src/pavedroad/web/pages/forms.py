"""What every page write shares: the posted form checked for CSRF and scope, and the answer
to refused input (roll back, show the same form again with what was typed and why)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from pavedroad.auth.service import BrowserSession
from pavedroad.web.deps import Browser, check_form_csrf, require_page_scope
from pavedroad.web.pages.backlog_forms import FORM_ERRORS, form_errors


@dataclass(frozen=True)
class PostedForm:
    """A form posted by a signed-in browser whose CSRF token and role were checked."""

    browser: BrowserSession
    data: FormData

    def text(self, name: str, default: str = "") -> str:
        """One field as typed (`default` when it was not sent or is a file)."""
        value = self.data.get(name, default)
        return value if isinstance(value, str) else default


def posted_form(needed: str) -> Callable[[Request, BrowserSession], Awaitable[PostedForm]]:
    """Page writes: the form must echo the session's CSRF token and the role allow `needed`."""

    async def dependency(request: Request, browser: Browser) -> PostedForm:
        data = await request.form()
        check_form_csrf(browser, str(data.get("csrf_token", "")))
        require_page_scope(browser, needed)
        return PostedForm(browser=browser, data=data)

    return dependency


WriteForm = Annotated[PostedForm, Depends(posted_form("write"))]


def submit(
    session: Session,
    change: Callable[[], Response],
    refused: Callable[[list[str]], Response],
    *,
    errors: tuple[type[Exception], ...] = FORM_ERRORS,
) -> Response:
    """Run one change and answer with its response; on refused input (`errors`) roll the change
    back and answer `refused(messages)`, the same page with what was typed and the errors."""
    try:
        return change()
    except errors as exc:
        session.rollback()
        return refused(form_errors(exc))
