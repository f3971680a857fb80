"""Who am I, and token administration."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from pavedroad.auth import service
from pavedroad.auth.service import TokenOut, UserOut
from pavedroad.web.deps import AdminGrant, DbSession, ReadGrant

router = APIRouter(prefix="/api/v1", tags=["auth"])


class Me(BaseModel):
    """The caller and the scope their credentials hold."""

    email: str
    name: str
    scope: str


@router.get("/me", response_model=Me)
def me(grant: ReadGrant) -> Me:
    """The user behind the credentials and their effective scope."""
    return Me(email=grant.email, name=grant.name, scope=grant.scope)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(session: DbSession, _grant: AdminGrant) -> list[TokenOut]:
    """Every API token (admin only; secrets are never returned)."""
    return service.list_tokens(session=session)


@router.get("/users", response_model=list[UserOut])
def list_users(session: DbSession, _grant: AdminGrant) -> list[UserOut]:
    """Every user (admin only)."""
    return service.list_users(session=session)


class RoleIn(BaseModel):
    """A user's new role."""

    role: str


@router.post("/users/{email}/disable", response_model=UserOut)
def disable_user(email: str, session: DbSession, _grant: AdminGrant) -> UserOut:
    """Disable a user: their browser sessions end and their API tokens are revoked (admin)."""
    return service.disable_user(session=session, email=email)


@router.post("/users/{email}/enable", response_model=UserOut)
def enable_user(email: str, session: DbSession, _grant: AdminGrant) -> UserOut:
    """Let a disabled user sign in again; revoked tokens stay revoked (admin)."""
    return service.enable_user(session=session, email=email)


@router.put("/users/{email}/role", response_model=UserOut)
def set_role(email: str, body: RoleIn, session: DbSession, _grant: AdminGrant) -> UserOut:
    """Change a user's role; tokens never grant more than it (admin)."""
    return service.set_role(session=session, email=email, role=body.role)
