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
