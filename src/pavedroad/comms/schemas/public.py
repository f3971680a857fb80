"""Public dashboard shapes: `GET /api/v1/public` and `/public.json` give `PublicDashboard`.

Organisation-level figures only: no names, emails or team cuts; survey values from fewer than
five answers come hidden from the metrics service (value null, status `hidden`)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class PublicWeek(BaseModel):
    """One ISO week of a KPI (null: no data, or hidden under the survey threshold)."""

    week: str
    start: date
    value: float | None


class PublicKpi(BaseModel):
    """One KPI tile: its value as people read it, target, status and weekly trend."""

    id: str
    name: str
    unit: str
    value: float | None
    shown: str = Field(description="The value as the page shows it (`hidden`, `no data`)")
    target: str
    status: str
    trend_direction: str | None
    weekly: list[PublicWeek]


class PublicChange(BaseModel):
    """One changelog entry as the public page shows it: title, day and capability."""

    title: str
    date: date
    capability: str | None


class PublicDashboard(BaseModel):
    """The whole public dashboard: the window, KPI tiles by theme and the latest changes."""

    window_start: date
    window_end: date = Field(description="Exclusive")
    kpis: list[PublicKpi]
    changelog: list[PublicChange]
