"""Request-scoped dependencies: the unit of work, API token checks, browser sign-in and CSRF."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from pavedroad.auth.service import BrowserSession, Grant, browser_session, grant_for_token
from pavedroad.db import unit_of_work
from pavedroad.errors import AuthenticationError, PermissionDeniedError

SESSION_COOKIE = "pavedroad_session"
LOGIN_CSRF_COOKIE = "pavedroad_login_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """A page needs a signed-in browser; the app answers with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed on return, rolled back if the handler raises."""
    with unit_of_work(request.app.state.engine) as session:
        yield session


# `scope="function"`: the unit of work commits when the handler returns, before the response
# is sent, so a client that follows a redirect at once reads what the request wrote (and a
# failed commit is an error answer, not a success whose write is then lost).
DbSession = Annotated[Session, Depends(get_session, scope="function")]
# Stored ids are 32-bit on every engine: a larger id names nothing (404, never a 500).
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def same_secret(given: str | None, expected: str) -> bool:
    """Compare secrets in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def require_scope(needed: str) -> Callable[[Request, Session], Grant]:
    """API access: a bearer token (or a signed-in browser with its CSRF header) holding `needed`."""

    def dependency(request: Request, session: DbSession) -> Grant:
        token = _bearer(request)
        if token is not None:
            grant = grant_for_token(session=session, secret=token)
        else:
            browser = _browser(request, session)
            if browser is None:
                raise AuthenticationError(
                    "send an API token: Authorization: Bearer <token> (pavedroad token create)"
                )
            if request.method not in SAFE_METHODS and not same_secret(
                request.headers.get(CSRF_HEADER), browser.csrf_token
            ):
                raise PermissionDeniedError("a browser write needs the X-CSRF-Token header")
            grant = browser.grant
        if not grant.allows(needed):
            raise PermissionDeniedError(
                f"this needs {needed!r} scope; the credentials hold {grant.scope!r}"
            )
        return grant

    return dependency


ReadGrant = Annotated[Grant, Depends(require_scope("read"))]
WriteGrant = Annotated[Grant, Depends(require_scope("write"))]
AdminGrant = Annotated[Grant, Depends(require_scope("admin"))]


def _browser(request: Request, session: Session) -> BrowserSession | None:
    secret = request.cookies.get(SESSION_COOKIE)
    return browser_session(session=session, secret=secret) if secret else None


def browser_of(request: Request) -> BrowserSession | None:
    """The signed-in browser behind a request that ran no page dependency (an error page)."""
    if SESSION_COOKIE not in request.cookies:
        return None
    with unit_of_work(request.app.state.engine) as session:
        return _browser(request, session)


def signed_in(request: Request, session: DbSession) -> BrowserSession:
    """Pages: the signed-in browser, else a redirect to the sign-in page."""
    browser = _browser(request, session)
    if browser is None:
        next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(next_path)
    request.state.browser = browser
    return browser


Browser = Annotated[BrowserSession, Depends(signed_in)]


def check_form_csrf(browser: BrowserSession, submitted: str | None) -> None:
    """A form post must echo the session's CSRF token."""
    if not same_secret(submitted, browser.csrf_token):
        raise PermissionDeniedError(
            "the form's CSRF token is missing or stale; reload the page and retry"
        )


def require_page_scope(browser: BrowserSession, needed: str) -> None:
    """Page actions follow the same read / write / admin roles as tokens."""
    if not browser.grant.allows(needed):
        raise PermissionDeniedError(
            f"your role {browser.grant.scope!r} cannot do this; it needs {needed!r}"
        )
