"""Surveys API: surveys, waves, questions, imports and results."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/surveys", tags=["surveys"])
