"""ROI shapes: `pavedroad roi --json` and `GET /api/v1/roi` print `RoiOut`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from pavedroad.inputs import StoredInput

Source = Literal["data", "default", "edited", "missing"]


class AssumptionOut(BaseModel):
    """One assumption with where its value comes from (`data`, `default`, `edited`, or
    `missing` when nothing gives it), and the value data or the default would give."""

    key: str
    label: str
    unit: str
    value: float | None
    source: Source
    derived: float | None
    note: str


class RoiTermOut(BaseModel):
    """One term: hours given back (null while an input is missing) and the inputs used."""

    id: str
    label: str
    formula: str
    hours: float | None
    assumptions: dict[str, float | None]
    missing: list[str]
    baseline_quarter: str | None


class ProductivityGain(BaseModel):
    """The practice's "estimated productivity gain across adopting teams"."""

    percent: float | None
    formula: str
    adopting_developers: float | None
    working_hours: float | None


class RoiOut(BaseModel):
    """The quarter's ROI: `roi` = (value - platform_cost) / platform_cost, as a fraction."""

    quarter: str
    start: str
    end: str
    complete: bool
    currency: str
    terms: list[RoiTermOut]
    hours_saved: float
    hourly_rate: float | None
    value: float | None
    platform_cost: float | None
    platform_cost_formula: str
    roi: float | None
    productivity_gain: ProductivityGain
    assumptions: list[AssumptionOut]


class AssumptionIn(StoredInput):
    """An edited assumption's value (it holds for every quarter until reset)."""

    value: float = Field(allow_inf_nan=False)
