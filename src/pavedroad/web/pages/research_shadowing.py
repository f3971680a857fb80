"""Research pages: shadowing sessions, the entry form and exports."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
