"""Research API: ticket rules, categorising and the ticket report."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/research", tags=["research"])
