"""Sign-in and sign-out pages."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pavedroad.auth.service import (
    authenticated_user,
    check_password,
    end_session,
    password_hash_of,
    start_session,
)
from pavedroad.auth.throttle import SignInThrottle, Throttled
from pavedroad.errors import AuthenticationError
from pavedroad.web.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Browser,
    DbSession,
    check_form_csrf,
    same_secret,
)
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in, never another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_page(
    request: Request,
    *,
    next_path: str,
    email: str = "",
    error: str | None = None,
    status: int = 200,
    retry_after: int | None = None,
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"login_csrf": token, "next": next_path, "email": email, "error": error},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    """The sign-in form."""
    return _login_page(request, next_path=safe_next(next))


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password, open a session, and go where the user was headed."""
    next_path = safe_next(next)
    if not same_secret(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token) or not csrf_token:
        return _login_page(
            request,
            next_path=next_path,
            email=email,
            error="The form expired. Please sign in again.",
            status=400,
        )
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    address = request.client.host if request.client else "unknown"
    try:
        throttle.check(account=email, address=address)
        stored = password_hash_of(session=session, email=email)
        session.rollback()  # argon2 runs below without holding a pooled connection
        with throttle.password_check():
            correct = check_password(stored, password)
        if not correct or stored is None:
            throttle.failed(account=email, address=address)
            raise AuthenticationError("email or password is wrong")
        user = authenticated_user(session=session, email=email, checked_hash=stored)
    except Throttled as refused:
        return _login_page(
            request,
            next_path=next_path,
            email=email,
            error=f"{refused.reason.capitalize()} (in {refused.retry_after} s).",
            status=429,
            retry_after=refused.retry_after,
        )
    except AuthenticationError:
        return _login_page(
            request,
            next_path=next_path,
            email=email,
            error="Email or password is wrong.",
            status=401,
        )
    throttle.succeeded(account=email)
    settings = request.app.state.settings
    secret, _ = start_session(session=session, user=user, days=settings.session_days)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: DbSession,
    browser: Browser,
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """End the browser session."""
    check_form_csrf(browser, csrf_token)
    end_session(session=session, secret=request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
