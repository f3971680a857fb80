"""The north-star KPIs and how far each has come since the baseline (the home page's story).

"Before" is the 30 days that end at the baseline; "now" is the default dashboard window (the
last 30 days), so the home asks the KPI engine for what `warm_up` has already computed. Both
sides come from `dashboard`, so the anonymity rule holds: a hidden value stays hidden.
Without a baseline, "before" is the 30 days before the current window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from pavedroad.metrics import service
from pavedroad.metrics.baseline import Baseline, get_baseline
from pavedroad.metrics.definitions import KpiDefinition
from pavedroad.metrics.windows import Window, last_days, today_utc, window_between

# Adoption, the developer's wait (CI), the delivery outcome (lead time), and how developers
# feel about the platform (NPS, satisfaction).
NORTH_STAR: tuple[str, ...] = (
    "adoption_rate",
    "ci_duration_p50",
    "lead_time_p50",
    "nps",
    "satisfaction",
)
COMPARE_DAYS = 30
SPARK_WEEKS_MIN = 8
SPARK_WEEKS_MAX = 104
SPARK_WEEKS_NO_BASELINE = 26


@dataclass(frozen=True)
class NorthStarKpi:
    """One north-star KPI: before the baseline, now, and its weeks in between."""

    definition: KpiDefinition
    before: service.KpiResult
    now: service.KpiResult
    weekly: list[float | None]

    @property
    def before_text(self) -> str:
        """The value before, in the KPI's unit ("hidden" under the anonymity rule)."""
        return _shown(self.before)

    @property
    def now_text(self) -> str:
        """The value now, in the KPI's unit."""
        return _shown(self.now)

    def change_text(self, basis: str) -> str:
        """The change from before to now with its unit and `basis`: "down 11.7 min since ..."."""
        before, now = self.before.value, self.now.value
        if before is None or now is None:
            return ""
        return self.definition.delta_text(now - before, basis).replace(" vs ", " ", 1)

    @property
    def change_direction(self) -> str | None:
        """`better`, `worse` or `flat` from before to now in the KPI's direction."""
        before, now = self.before.value, self.now.value
        if before is None or now is None or self.now.status == "hidden":
            return None
        if abs(now - before) <= service.NOISE_SHARE * abs(before) or abs(now - before) < 1e-9:
            return "flat"
        return "better" if (now > before) == (self.definition.direction != "down") else "worse"


@dataclass(frozen=True)
class NorthStar:
    """The north-star KPIs since the baseline (or since the previous 30 days without one)."""

    baseline: Baseline | None
    before_window: Window
    now_window: Window
    kpis: list[NorthStarKpi]

    @property
    def basis(self) -> str:
        """What a change is measured against, short: "since PM arrived"."""
        if self.baseline is None:
            return "vs the previous 30 days"
        return f"since {self.baseline.label or 'the baseline'}"

    @property
    def since(self) -> str:
        """What "before" means, in words: "since PM arrived (2026-06-01)"."""
        if self.baseline is None:
            return "vs the previous 30 days"
        name = self.baseline.label or "the baseline"
        return f"since {name} ({self.baseline.day.isoformat()})"


def _shown(result: service.KpiResult) -> str:
    if result.status == "hidden":
        return f"hidden (<{service.MIN_SURVEY_RESPONDENTS} answers)"
    return result.definition.show(result.value)


def _line(kpi: str, values: list[float | None]) -> list[float | None]:
    """Survey KPIs have a value only in the weeks a wave was answered: join those points."""
    if kpi in service.SURVEY_KPIS:
        return [v for v in values if v is not None]
    return values


def spark_weeks(baseline: date | None, today: date) -> int:
    """How many weeks the sparklines show: from the week before the baseline to now."""
    if baseline is None or baseline >= today:
        return SPARK_WEEKS_NO_BASELINE
    weeks = (today - baseline).days // 7 + 2
    return max(SPARK_WEEKS_MIN, min(SPARK_WEEKS_MAX, weeks))


def north_star(*, session: Session, today: date | None = None) -> NorthStar:
    """The north-star KPIs now (the default window) against the 30 days before the baseline."""
    today = today or today_utc()
    baseline = get_baseline(session=session)
    now_window = (
        service.default_window()
        if today == today_utc()
        else last_days(COMPARE_DAYS, until=today + timedelta(days=1))
    )
    board = service.dashboard(
        session=session,
        window=now_window,
        weeks=spark_weeks(baseline.day if baseline else None, today),
        kpi_ids=NORTH_STAR,
    )
    if baseline is not None:
        before_window = window_between(
            baseline.day - timedelta(days=COMPARE_DAYS), baseline.day, "before the baseline"
        )
    else:
        before_window = now_window.previous()
    before = service.dashboard(session=session, window=before_window, weeks=0, kpi_ids=NORTH_STAR)
    before_by_id = {r.definition.id: r for r in before.results}
    kpis = []
    for result in board.results:
        kpi = result.definition.id
        if result.status == "not_applicable":
            continue
        series = board.weekly.get(kpi)
        kpis.append(
            NorthStarKpi(
                definition=result.definition,
                before=before_by_id[kpi],
                now=result,
                weekly=_line(kpi, [v for _, v, _ in series.points] if series else []),
            )
        )
    return NorthStar(baseline, before_window, now_window, kpis)
