"""Launch-plan shapes: `launch create|show --json` print `LaunchOut`."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

Phase = Literal["pre_launch", "launch", "post_launch"]
CriterionStatus = Literal["met", "on_track", "at_risk", "missed", "no_data"]


class LaunchItemOut(BaseModel):
    """One checklist item; `overdue` when it is not done and its due day has passed."""

    id: int
    phase: Phase
    title: str
    due: date
    owner: str | None
    done: bool
    overdue: bool


class LaunchCriterionOut(BaseModel):
    """A success criterion judged on live data; `target` reads like `>= 10 teams`."""

    id: int
    kind: str
    target: str
    value: float | None
    status: CriterionStatus


class LaunchOut(BaseModel):
    """A launch plan with its items in due order and its criteria."""

    id: int
    feature: str
    capability: str | None
    launch_date: date
    owner: str | None
    items: list[LaunchItemOut]
    criteria: list[LaunchCriterionOut]
