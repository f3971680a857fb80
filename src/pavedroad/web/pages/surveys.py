"""Survey pages: surveys and results for the team, and the anonymous answer form at /s/<token>."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
