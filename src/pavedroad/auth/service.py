"""Users, password checks, API tokens with scopes, and browser sessions."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pavedroad.auth.models import ApiToken, User, WebSession
from pavedroad.db import utcnow
from pavedroad.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PavedroadError,
)

SCOPES = ("read", "write", "admin")
TOKEN_PREFIX = "prd_"  # noqa: S105 - a public marker, not a secret
MIN_PASSWORD_LENGTH = 10
MAX_TOKEN_DAYS = 3650
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
# Verifying against this keeps the time of a failed sign-in the same for unknown emails.
_DUMMY_HASH = _hasher.hash("pavedroad-timing-equaliser")


class TokenOut(BaseModel):
    """A token as listed: never the secret."""

    id: int
    name: str
    user: str
    scope: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked: bool


class UserOut(BaseModel):
    """A user as listed: never the password hash."""

    email: str
    name: str
    role: str
    active: bool


@dataclass(frozen=True)
class Grant:
    """Who is calling and what they may do."""

    user_id: int
    email: str
    name: str
    scope: str

    def allows(self, needed: str) -> bool:
        return scope_allows(self.scope, needed)


def scope_allows(held: str, needed: str) -> bool:
    """`admin` includes `write`, which includes `read`."""
    return SCOPES.index(held) >= SCOPES.index(needed)


def check_scope(scope: str) -> str:
    """Return the scope or raise with the allowed values."""
    if scope not in SCOPES:
        raise PavedroadError(f"unknown scope {scope!r}; allowed: {', '.join(SCOPES)}")
    return scope


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret (tokens and session ids; passwords use argon2)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _user_out(user: User) -> UserOut:
    return UserOut(email=user.email, name=user.name, role=user.role, active=user.active)


def create_user(*, session: Session, email: str, name: str, password: str, role: str) -> UserOut:
    """Add a local user with an argon2-hashed password."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise PavedroadError(f"{email!r} is not an email address")
    check_scope(role)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PavedroadError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise ConflictError(f"a user with email {email!r} already exists")
    user = User(
        email=email, name=name.strip() or email, password_hash=_hasher.hash(password), role=role
    )
    session.add(user)
    session.flush()
    return _user_out(user)


def set_password(*, session: Session, email: str, password: str) -> None:
    """Replace a user's password and sign out their browsers.

    API tokens stay: they are separate credentials, held by automation rather than by the
    person, so a password change does not stop CI from ingesting. `disable_user` revokes both."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PavedroadError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    user = get_user_by_email_or_raise(session=session, email=email)
    user.password_hash = _hasher.hash(password)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))


def get_user_by_email_or_raise(*, session: Session, email: str) -> User:
    """The user with this email, or NotFoundError."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError(f"no user with email {email!r}; `pavedroad user list` lists them")
    return user


def disable_user(*, session: Session, email: str) -> UserOut:
    """Stop a user from signing in or calling the API: every browser session and every API
    token of theirs ends now (tokens stay revoked if the user is enabled again)."""
    user = get_user_by_email_or_raise(session=session, email=email)
    user.active = False
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    now = utcnow()
    for token in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = now
    session.flush()
    return _user_out(user)


def enable_user(*, session: Session, email: str) -> UserOut:
    """Let a disabled user sign in again (with new sessions and new tokens)."""
    user = get_user_by_email_or_raise(session=session, email=email)
    user.active = True
    session.flush()
    return _user_out(user)


def set_role(*, session: Session, email: str, role: str) -> UserOut:
    """Change a user's role; a token never grants more than its user's current role."""
    user = get_user_by_email_or_raise(session=session, email=email)
    user.role = check_scope(role)
    session.flush()
    return _user_out(user)


def list_users(*, session: Session) -> list[UserOut]:
    """Every user by email."""
    return [_user_out(u) for u in session.scalars(select(User).order_by(User.email))]


def password_hash_of(*, session: Session, email: str) -> str | None:
    """The stored password hash of an active user, for `check_password` (None: no such user)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    return user.password_hash if user is not None and user.active else None


def check_password(stored: str | None, password: str) -> bool:
    """Whether the password matches the hash; takes as long for an unknown user (`None`).

    Pure CPU (argon2, tens of milliseconds): callers run it holding no database connection."""
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return stored is not None


def authenticated_user(*, session: Session, email: str, checked_hash: str) -> User:
    """The user whose password was checked against `checked_hash` (rehashing it when argon2's
    parameters changed needs the password, so that is left to the next `set_password`)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or user.password_hash != checked_hash:
        raise AuthenticationError("email or password is wrong")
    return user


def authenticate(*, session: Session, email: str, password: str) -> User:
    """The user whose email and password match, else AuthenticationError (same for both faults)."""
    stored = password_hash_of(session=session, email=email)
    if not check_password(stored, password) or stored is None:
        raise AuthenticationError("email or password is wrong")
    user = authenticated_user(session=session, email=email, checked_hash=stored)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def create_token(
    *,
    session: Session,
    email: str,
    name: str,
    scope: str,
    expires_in_days: int | None = None,
) -> tuple[str, TokenOut]:
    """Issue a token; the secret is returned once and only its hash is stored."""
    check_scope(scope)
    user = get_user_by_email_or_raise(session=session, email=email)
    if not scope_allows(user.role, scope):
        raise PavedroadError(
            f"user {user.email} has role {user.role!r} and cannot hold a {scope!r} token"
        )
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise PavedroadError(
            f"a token expires after 1 to {MAX_TOKEN_DAYS} days (got {expires_in_days}); "
            "leave it out for a token that does not expire"
        )
    if not user.active:
        raise PavedroadError(f"user {user.email} is disabled; `pavedroad user enable` first")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[:10],
        scope=scope,
        expires_at=expires,
    )
    session.add(token)
    session.flush()
    return secret, _token_out(token, user)


def _token_out(token: ApiToken, user: User) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        user=user.email,
        scope=token.scope,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        expires_at=token.expires_at,
        revoked=token.revoked_at is not None,
    )


def list_tokens(*, session: Session) -> list[TokenOut]:
    """Every token, newest first, without secrets."""
    rows = session.execute(select(ApiToken, User).join(ApiToken.user).order_by(ApiToken.id.desc()))
    return [_token_out(token, user) for token, user in rows]


def revoke_token(*, session: Session, token_id: int) -> None:
    """Stop a token from working."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFoundError(f"no token with id {token_id}; `pavedroad token list` lists them")
    token.revoked_at = token.revoked_at or utcnow()


def grant_for_token(*, session: Session, secret: str) -> Grant:
    """Who a bearer token belongs to and its scope, or AuthenticationError."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None:
        raise AuthenticationError("the API token is unknown or revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise AuthenticationError("the API token has expired")
    user = token.user
    if user is None:  # the user's row was removed by hand
        raise AuthenticationError("the API token's user no longer exists")
    if not user.active:
        raise AuthenticationError("the token's user is disabled")
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    # A token never grants more than its user's current role.
    scope = token.scope if scope_allows(user.role, token.scope) else user.role
    return Grant(user_id=user.id, email=user.email, name=user.name, scope=scope)


def start_session(*, session: Session, user: User, days: int) -> tuple[str, str]:
    """Open a browser session; returns the cookie secret and the CSRF token."""
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            user_id=user.id,
            token_hash=hash_secret(secret),
            csrf_token=csrf,
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    session.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
    session.flush()
    return secret, csrf


@dataclass(frozen=True)
class BrowserSession:
    """A signed-in browser: the grant plus the CSRF token its forms must echo."""

    grant: Grant
    csrf_token: str


def browser_session(*, session: Session, secret: str) -> BrowserSession | None:
    """The live session behind a cookie secret, or None."""
    row = session.scalar(select(WebSession).where(WebSession.token_hash == hash_secret(secret)))
    if row is None or row.expires_at <= utcnow() or row.user is None or not row.user.active:
        return None
    user = row.user
    grant = Grant(user_id=user.id, email=user.email, name=user.name, scope=user.role)
    return BrowserSession(grant=grant, csrf_token=row.csrf_token)


def end_session(*, session: Session, secret: str) -> None:
    """Sign a browser out."""
    session.execute(delete(WebSession).where(WebSession.token_hash == hash_secret(secret)))
