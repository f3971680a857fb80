"""Return on the platform for one quarter: the hours given back to developers, their value at
the hourly rate, against the platform team's cost. Pure: plain numbers in, plain numbers out.

Each term is a formula over named assumptions (defaults derived from data by the service, or
edited by people); a difference is signed, so a term whose KPI got worse gives hours back
negatively. A term whose inputs are unknown has no hours and says which input is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Assumption:
    """An input of the ROI: what it means, its unit and the values it may take."""

    key: str
    label: str
    unit: str
    low: float
    high: float
    fallback: float | None = None  # used when no data gives it (None: unknown until set)


A = Assumption
ASSUMPTIONS: dict[str, Assumption] = {
    a.key: a
    for a in (
        A("ci_baseline_minutes", "CI minutes per run before (baseline quarter)", "min", 0, 1e4),
        A("ci_minutes", "CI minutes per run in the quarter", "min", 0, 1e4),
        A("ci_runs", "CI runs in the quarter", "runs", 0, 1e9),
        A("onboarding_baseline_days", "days to a new hire's first deploy before", "days", 0, 1e3),
        A("onboarding_days", "days to a new hire's first deploy in the quarter", "days", 0, 1e3),
        A("new_hires", "new developers who first deployed in the quarter", "people", 0, 1e7),
        A("incident_baseline_minutes", "minutes to restore an incident before", "min", 0, 1e6),
        A("incident_minutes", "minutes to restore an incident in the quarter", "min", 0, 1e6),
        A("incidents", "incidents resolved in the quarter", "incidents", 0, 1e7),
        A("responders", "people pulled into each incident", "people", 0, 1e4, 3.0),
        A("waiting_baseline_share", "share of observed time spent waiting before", "share", 0, 1),
        A("waiting_share", "share of observed time spent waiting in the quarter", "share", 0, 1),
        A("hours_per_day", "working hours in a day", "hours", 0.5, 24, 8.0),
        A("working_hours", "working hours of one person in the quarter", "hours", 1, 1e4),
        A("adopting_developers", "developers in teams that use the platform", "people", 0, 1e7),
        A("hourly_rate", "loaded cost of a developer hour", "currency", 0, 1e6),
        A("platform_engineers", "engineers on the platform team", "people", 0, 1e5, 8.0),
    )
}


@dataclass(frozen=True)
class Term:
    """How one term turns assumptions into hours."""

    id: str
    label: str
    formula: str
    keys: tuple[str, ...]


TERMS: tuple[Term, ...] = (
    Term(
        "ci",
        "CI minutes saved x runs",
        "(ci_baseline_minutes - ci_minutes) x ci_runs / 60",
        ("ci_baseline_minutes", "ci_minutes", "ci_runs"),
    ),
    Term(
        "onboarding",
        "onboarding days saved x new hires",
        "(onboarding_baseline_days - onboarding_days) x new_hires x hours_per_day",
        ("onboarding_baseline_days", "onboarding_days", "new_hires", "hours_per_day"),
    ),
    Term(
        "incidents",
        "incident minutes saved x responders",
        "(incident_baseline_minutes - incident_minutes) x incidents x responders / 60",
        ("incident_baseline_minutes", "incident_minutes", "incidents", "responders"),
    ),
    Term(
        "waiting",
        "waiting time removed (shadowing)",
        "(waiting_baseline_share - waiting_share) x adopting_developers x working_hours",
        ("waiting_baseline_share", "waiting_share", "adopting_developers", "working_hours"),
    ),
)
# Waiting comes only from shadowing time logs: without them the term is left out, not zero.
OPTIONAL_TERMS = frozenset({"waiting"})
PLATFORM_COST_FORMULA = "platform_engineers x working_hours x hourly_rate"
GAIN_FORMULA = "hours_saved / (adopting_developers x working_hours)"


@dataclass(frozen=True)
class TermResult:
    """One term: its hours (None when an input is unknown) and the inputs it used."""

    id: str
    hours: float | None
    assumptions: dict[str, float | None]
    missing: list[str]


@dataclass(frozen=True)
class RoiResult:
    """The quarter's ROI; money in the store's currency, `roi` and `gain` as fractions."""

    terms: list[TermResult]
    hours_saved: float
    hourly_rate: float | None
    value: float | None
    platform_cost: float | None
    roi: float | None
    productivity_gain: float | None


def _term_hours(term_id: str, v: Mapping[str, float]) -> float:
    if term_id == "ci":
        return (v["ci_baseline_minutes"] - v["ci_minutes"]) * v["ci_runs"] / 60
    if term_id == "onboarding":
        return (
            (v["onboarding_baseline_days"] - v["onboarding_days"])
            * v["new_hires"]
            * v["hours_per_day"]
        )
    if term_id == "incidents":
        return (
            (v["incident_baseline_minutes"] - v["incident_minutes"])
            * v["incidents"]
            * v["responders"]
            / 60
        )
    return (
        (v["waiting_baseline_share"] - v["waiting_share"])
        * v["adopting_developers"]
        * v["working_hours"]
    )


def compute_roi(values: Mapping[str, float | None]) -> RoiResult:
    """The ROI from every assumption's value (None: unknown)."""
    terms: list[TermResult] = []
    for term in TERMS:
        used = {key: values.get(key) for key in term.keys}
        missing = [key for key, value in used.items() if value is None]
        waiting_unknown = {"waiting_baseline_share", "waiting_share"} & set(missing)
        if term.id in OPTIONAL_TERMS and waiting_unknown:
            continue
        known = {k: v for k, v in used.items() if v is not None}
        hours = None if missing else _term_hours(term.id, known)
        terms.append(TermResult(term.id, hours, used, missing))
    hours_saved = sum(t.hours for t in terms if t.hours is not None)
    rate = values.get("hourly_rate")
    engineers = values.get("platform_engineers")
    working = values.get("working_hours")
    value = hours_saved * rate if rate is not None else None
    cost = (
        engineers * working * rate
        if rate is not None and engineers is not None and working is not None
        else None
    )
    roi = (value - cost) / cost if value is not None and cost else None
    adopting = values.get("adopting_developers")
    capacity = adopting * working if adopting is not None and working is not None else None
    gain = hours_saved / capacity if capacity else None
    return RoiResult(terms, hours_saved, rate, value, cost, roi, gain)


def working_days(start: date, end: date) -> int:
    """Monday-to-Friday days in [start, end)."""
    weeks, extra = divmod((end - start).days, 7)
    days = weeks * 5
    for offset in range(extra):
        if (start + timedelta(days=weeks * 7 + offset)).weekday() < 5:
            days += 1
    return days
