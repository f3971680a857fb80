"""Report shapes: `report weekly|monthly --json` and `GET /api/v1/reports/...` give `ReportOut`."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

from pavedroad.comms.schemas.changelog import ChangelogEntryOut
from pavedroad.roadmap.schemas import QuarterCapacityOut

ReportKind = Literal["weekly", "monthly"]


class IndicatorOut(BaseModel):
    """One KPI over the report's period, against its target and the period before it."""

    id: str
    name: str
    kind: Literal["leading", "lagging"]
    unit: str
    value: float | None
    value_text: str
    target: float | None
    target_text: str
    status: str
    previous: float | None
    trend: float | None
    trend_text: str
    trend_direction: str | None
    chart: str | None


class CriterionAtRiskOut(BaseModel):
    """A success or kill criterion that is at risk, missed or triggered on the report's last day."""

    text: str
    kind: str
    state: str
    value_text: str
    due: date


class InitiativeAtRiskOut(BaseModel):
    """An active initiative whose criteria say it is at risk or should be killed."""

    title: str
    status: str
    kill_proposed: bool
    criteria: list[CriterionAtRiskOut]


class OverdueItemOut(BaseModel):
    """A launch checklist item past its due day and not done."""

    phase: str
    title: str
    due: date
    owner: str | None


class LaunchInFlightOut(BaseModel):
    """A launch plan with open items on the report's last day, and the overdue ones."""

    id: int
    feature: str
    launch_date: date
    items_done: int
    items_total: int
    overdue: list[OverdueItemOut]


class DigestLine(BaseModel):
    """One diagnosis in the weekly digest: its id, severity and message."""

    id: str
    severity: str
    message: str


class CoachDigestOut(BaseModel):
    """The coach's diagnoses new this week and those resolved since the week before."""

    new: list[DigestLine]
    resolved: list[DigestLine]


class ReportOut(BaseModel):
    """A weekly (ISO week) or monthly report; `lagging` and `capacity` only in a monthly one."""

    kind: ReportKind
    period: str
    title: str
    start: date
    end: date
    leading: list[IndicatorOut]
    lagging: list[IndicatorOut] | None
    changelog: list[ChangelogEntryOut]
    initiatives_at_risk: list[InitiativeAtRiskOut]
    launches_in_flight: list[LaunchInFlightOut]
    capacity: QuarterCapacityOut | None
    charts: list[str]
    # Weekly reports only: the coach's new and resolved diagnoses.
    coach: CoachDigestOut | None = None
