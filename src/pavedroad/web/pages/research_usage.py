"""Research pages: usage per capability, with a chart each."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
