"""ROI per quarter: the assumptions people edited, the defaults data gives for a quarter, and
the result of `comms.roi` over them.

Defaults from data (docs/comms-pitches-roi.md, "ROI"): CI minutes per run, new hires' days to a
first deploy and minutes to restore come from the KPIs over the quarter (to date when it is the
current one), their sample sizes count the runs, new hires and incidents; each baseline is the
same KPI over the earliest of the four quarters before with data; waiting shares come from
shadowing time logs; the hourly rate from the latest org facts; adopting developers are the
adoption rate times the organisation's developers. An edited assumption holds for every quarter
until it is reset. Keyword-only functions over a session; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad.catalog import service as catalog
from pavedroad.comms import roi
from pavedroad.comms.models import RoiAssumption
from pavedroad.comms.schemas.roi import AssumptionOut, ProductivityGain, RoiOut, RoiTermOut
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.ingest import service as ingest
from pavedroad.metrics import service as metrics
from pavedroad.metrics.windows import parse_window, quarter_of, today_utc
from pavedroad.research import shadowing

BASELINE_QUARTERS = 4
# Term -> the KPI whose value (and sample size) gives its inputs.
KPI_INPUTS: dict[str, tuple[str, str, str, str]] = {
    # term: (kpi, value key, baseline key, sample-size key)
    "ci": ("ci_duration_p50", "ci_minutes", "ci_baseline_minutes", "ci_runs"),
    "onboarding": (
        "onboarding_time_p50",
        "onboarding_days",
        "onboarding_baseline_days",
        "new_hires",
    ),
    "incidents": ("mttr_mean", "incident_minutes", "incident_baseline_minutes", "incidents"),
}


@dataclass(frozen=True)
class Quarter:
    """A quarter asked for: its label, first day, the day after what counts, and if complete."""

    label: str
    start: date
    end: date
    complete: bool


def _refuse(reason: str, value: str) -> InvalidInputError:
    return InvalidInputError([InputProblem(source="quarter", reason=reason, value=value[:40])])


def parse_quarter(text: str | None, *, today: date | None = None) -> Quarter:
    """`2026-Q3` (default: the current quarter, to date); one that has not begun is refused."""
    day = today or today_utc()
    label = quarter_of(day) if text is None or not text.strip() else text.strip().upper()
    try:
        label = shadowing.check_quarter(label)
        window = parse_window(label)
    except InvalidInputError:
        raise _refuse("expected a quarter such as 2026-Q3", text or "") from None
    except Exception:
        raise _refuse("expected a quarter between 1900-Q1 and 8999-Q4", text or "") from None
    start, end = window.start.date(), window.end.date()
    if start > day:
        raise _refuse(f"{label} has not begun yet; choose {quarter_of(day)} or earlier", label)
    counted_end = min(end, day + timedelta(days=1))
    return Quarter(label=label, start=start, end=counted_end, complete=end <= day)


def _previous(quarter: Quarter, count: int) -> list[Quarter]:
    out = []
    start = quarter.start
    for _ in range(count):
        end = start
        start = date(end.year - (end.month == 1), (end.month - 4) % 12 + 1, 1)
        if start.year < 1900:
            break
        out.append(Quarter(quarter_of(start), start, end, True))
    return out


# ---- edited assumptions --------------------------------------------------------------------


def edited_assumptions(*, session: Session) -> dict[str, float]:
    """Every edited assumption by key."""
    return {a.key: a.value for a in session.scalars(select(RoiAssumption))}


def _known_or_raise(key: str) -> roi.Assumption:
    found = roi.ASSUMPTIONS.get(key.strip())
    if found is None:
        raise InvalidInputError(
            [
                InputProblem(
                    source="roi",
                    field="key",
                    reason=f"unknown assumption; use one of {', '.join(roi.ASSUMPTIONS)}",
                    value=key[:60],
                )
            ]
        )
    return found


def set_assumption(*, session: Session, key: str, value: float) -> float:
    """Edit one assumption (for every quarter); refused outside its range."""
    known = _known_or_raise(key)
    if value != value or not known.low <= value <= known.high:
        raise InvalidInputError(
            [
                InputProblem(
                    source="roi",
                    field=known.key,
                    reason=f"{known.label} must be a number from {known.low:g} to {known.high:g}",
                    value=str(value),
                )
            ]
        )
    row = session.get(RoiAssumption, known.key)
    if row is None:
        row = RoiAssumption(key=known.key, value=value)
        session.add(row)
    row.value = value
    session.flush()
    return value


def reset_assumption(*, session: Session, key: str) -> bool:
    """Forget an edit, so data (or the default) gives the value again; False if not edited."""
    known = _known_or_raise(key)
    row = session.get(RoiAssumption, known.key)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


# ---- values from data ----------------------------------------------------------------------


def _waiting_share(session: Session, quarter: str) -> float | None:
    """Waiting minutes over observed minutes in the quarter's shadowing sessions."""
    sessions = shadowing.list_sessions(session, quarter=quarter).sessions
    observed = [(s.waiting_min, s.duration_min) for s in sessions if s.duration_min]
    total = sum(d for _, d in observed if d)
    return sum(w for w, _ in observed) / total if total else None


def derived_values(
    *, session: Session, quarter: Quarter, baseline: Quarter | None = None
) -> tuple[dict[str, tuple[float | None, str]], dict[str, str | None]]:
    """What data gives each assumption for the quarter (value, how), and each term's baseline
    quarter: `baseline` when chosen, else the earliest of the four before with data."""
    before = [baseline] if baseline else _previous(quarter, BASELINE_QUARTERS)
    kpis = [k for k, *_ in KPI_INPUTS.values()] + ["adoption_rate"]
    spans = [(quarter.start, quarter.end), *[(q.start, q.end) for q in before]]
    found = metrics.window_samples(session=session, kpi_ids=kpis, spans=spans)
    now, earlier = found[0], found[1:]
    values: dict[str, tuple[float | None, str]] = {}
    baselines: dict[str, str | None] = {}
    for term, (kpi, value_key, baseline_key, count_key) in KPI_INPUTS.items():
        value, sample = now[kpi]
        values[value_key] = (value, f"{kpi} over {quarter.label}")
        values[count_key] = (float(sample) if value is not None else None, f"sample of {kpi}")
        # The earliest quarter with data: before the platform work this ROI counts.
        base = next(
            (
                (q, row[kpi][0])
                for q, row in reversed(list(zip(before, earlier, strict=True)))
                if row[kpi][0] is not None
            ),
            None,
        )
        baselines[term] = base[0].label if base else None
        values[baseline_key] = (
            (base[1], f"{kpi} over {base[0].label}") if base else (None, "no earlier data")
        )
    shares = [(q, _waiting_share(session, q.label)) for q in before]
    base_share = next(((q, s) for q, s in reversed(shares) if s is not None), None)
    values["waiting_share"] = (
        _waiting_share(session, quarter.label),
        f"shadowing time logs of {quarter.label}",
    )
    values["waiting_baseline_share"] = (
        (base_share[1], f"shadowing time logs of {base_share[0].label}")
        if base_share
        else (None, "no earlier shadowing")
    )
    baselines["waiting"] = base_share[0].label if base_share else None
    facts = ingest.org_facts_before(session=session, end=quarter.end)
    rate = facts.hourly_rate if facts else None
    values["hourly_rate"] = (rate, f"org facts of {facts.date}" if facts and rate else "org facts")
    developers = (
        facts.developers
        if facts and facts.developers
        else catalog.count_developers(session=session) or None
    )
    adoption = now["adoption_rate"][0]
    values["adopting_developers"] = (
        round(adoption * developers) if adoption is not None and developers else None,
        "adoption_rate x developers",
    )
    return values, baselines


def parse_baseline(text: str | None, *, quarter: Quarter) -> Quarter | None:
    """The baseline quarter chosen (None: the earliest with data); it must come before."""
    if text is None or not text.strip():
        return None

    def refused(reason: str) -> InvalidInputError:
        return InvalidInputError(
            [InputProblem(source="baseline", reason=reason, value=text[:40] if text else "")]
        )

    try:
        chosen = parse_quarter(text, today=quarter.start)
    except InvalidInputError:
        raise refused(f"expected a quarter before {quarter.label}, such as 2026-Q2") from None
    if chosen.start >= quarter.start:
        raise refused(f"the baseline must be a quarter before {quarter.label}")
    return chosen


def quarter_roi(
    *,
    session: Session,
    quarter: str | None = None,
    baseline: str | None = None,
    currency: str = "USD",
    today: date | None = None,
) -> RoiOut:
    """The ROI of a quarter (default: the current one, to date), each term with its inputs;
    baselines from `baseline` when chosen, else the earliest of the four quarters before."""
    asked = parse_quarter(quarter, today=today)
    chosen = parse_baseline(baseline, quarter=asked)
    derived, baselines = derived_values(session=session, quarter=asked, baseline=chosen)
    edited = edited_assumptions(session=session)
    hours_per_day = edited.get("hours_per_day", roi.ASSUMPTIONS["hours_per_day"].fallback or 8.0)
    derived["working_hours"] = (
        roi.working_days(asked.start, asked.end) * hours_per_day,
        "weekdays counted in the quarter x hours_per_day",
    )
    shown: list[AssumptionOut] = []
    values: dict[str, float | None] = {}
    for key, known in roi.ASSUMPTIONS.items():
        data_value, note = derived.get(key, (None, ""))
        default = data_value if data_value is not None else known.fallback
        source = (
            "data" if data_value is not None else "default" if default is not None else "missing"
        )
        value = edited.get(key, default)
        values[key] = value
        shown.append(
            AssumptionOut(
                key=key,
                label=known.label,
                unit=known.unit,
                value=value,
                source="edited" if key in edited else source,
                derived=default,
                note=note
                if data_value is not None
                else ("a default: set yours" if default is not None else note),
            )
        )
    result = roi.compute_roi(values)
    terms = {t.id: t for t in roi.TERMS}
    return RoiOut(
        quarter=asked.label,
        start=asked.start.isoformat(),
        end=asked.end.isoformat(),
        complete=asked.complete,
        currency=currency,
        terms=[
            RoiTermOut(
                id=t.id,
                label=terms[t.id].label,
                formula=terms[t.id].formula,
                hours=t.hours,
                assumptions=t.assumptions,
                missing=t.missing,
                baseline_quarter=baselines.get(t.id),
            )
            for t in result.terms
        ],
        hours_saved=result.hours_saved,
        hourly_rate=result.hourly_rate,
        value=result.value,
        platform_cost=result.platform_cost,
        platform_cost_formula=roi.PLATFORM_COST_FORMULA,
        roi=result.roi,
        productivity_gain=ProductivityGain(
            percent=result.productivity_gain * 100
            if result.productivity_gain is not None
            else None,
            formula=roi.GAIN_FORMULA,
            adopting_developers=values.get("adopting_developers"),
            working_hours=values.get("working_hours"),
        ),
        assumptions=shown,
    )
