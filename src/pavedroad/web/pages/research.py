"""Research pages: the overview (coverage, cadences, team x method heat map) and insights."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
