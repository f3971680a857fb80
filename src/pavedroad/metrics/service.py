"""KPI results for the CLI, the API, the pages and the other domains: one engine, one answer.

Every caller goes through `compute`: the same definition and the same engine produce the value
the dashboard shows, the CLI prints and a success criterion is judged by. Results are cached
per (store, family, windows, cut) and a family's cache entry is dropped as soon as a table it
reads changes (ingestion bumps `event_versions`; every catalog and backlog service that writes
bumps its domain's data version, `pavedroad.versions`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad import versions as data_versions
from pavedroad.db import store_of, utcnow
from pavedroad.errors import NotFoundError, PavedroadError
from pavedroad.ingest import service as ingest
from pavedroad.metrics.definitions import (
    BY_ID,
    DEFINITIONS,
    KPI_IDS,
    NPS_DETRACTOR_UP_TO,
    NPS_PROMOTER_FROM,
    KpiDefinition,
)
from pavedroad.metrics.engine import (
    HIDDEN,
    Backend,
    Cell,
    FamilyResult,
    compute_family,
    families_for,
)
from pavedroad.metrics.engine import open_backend as _open_backend
from pavedroad.metrics.expressions import (
    ALL,
    FAMILY_OF,
    LOCAL_TABLES,
    LOOKBACK_FROM_END_DAYS,
    READS,
    Cut,
)
from pavedroad.metrics.models import KpiTarget
from pavedroad.metrics.windows import (
    Window,
    chart_weeks,
    last_days,
    weekly_windows,
    window_between,
)
from pavedroad.settings import Settings
from pavedroad.versions import Domain

# No survey number computed from fewer answers than this is shown anywhere: not for a team,
# not for the organisation, not for a week, a previous window or a drill-down.
MIN_SURVEY_RESPONDENTS = 5
SURVEY_KPIS = frozenset({"nps", "satisfaction"})
SURVEY_FAMILY = "survey"
HIDDEN_REASON = f"fewer than {MIN_SURVEY_RESPONDENTS} answers"
# A KPI without a target is called improving or worsening only past this share of its
# previous value: a move of 0.3 min on 18 min is noise, not a trend.
NOISE_SHARE = 0.05

Status = Literal[
    "met", "missed", "improving", "worsening", "steady", "no_data", "hidden", "not_applicable"
]


@dataclass(frozen=True)
class KpiResult:
    """A KPI in a window (for one group), with its target, status and trend."""

    definition: KpiDefinition
    window: Window
    group: str
    value: float | None
    sample_size: int
    target: float | None
    previous: float | None
    status: Status

    @property
    def trend(self) -> float | None:
        """The change since the previous window of the same length, in the KPI's unit."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def trend_direction(self) -> str | None:
        """`better`, `worse` or `flat` in the KPI's direction."""
        change = self.trend
        if change is None:
            return None
        if abs(change) <= 1e-9 * max(1.0, abs(self.previous or 0)):
            return "flat"
        rising = change > 0
        return "better" if rising == (self.definition.direction != "down") else "worse"

    def as_contract(self) -> dict[str, Any]:
        """The `--json` shape documented in docs/kpis.md (plus name, previous and cadence)."""
        return {
            "id": self.definition.id,
            "name": self.definition.name,
            "value": self.value,
            "unit": self.definition.unit,
            "target": self.target,
            "status": self.status,
            "trend": self.trend,
            "trend_direction": self.trend_direction,
            "previous": self.previous,
            "kind": self.definition.kind,
            "cadence": self.definition.cadence,
            "sample_size": None if self.status == "hidden" else self.sample_size,
            **({"hidden_reason": HIDDEN_REASON} if self.status == "hidden" else {}),
        }


@dataclass(frozen=True)
class Series:
    """A KPI week by week (oldest first) for one group."""

    group: str
    points: list[tuple[Window, float | None, int]]


@dataclass
class Dashboard:
    """Every KPI for one window and filter, with its weekly series for sparklines."""

    window: Window
    cut: Cut
    results: list[KpiResult]
    weekly: dict[str, Series] = field(default_factory=dict)

    def contract(self) -> dict[str, Any]:
        """`pavedroad kpis --json`."""
        return {
            "window": self.window.as_dict(),
            "filters": {"team": self.cut.team, "service": self.cut.service},
            "kpis": [result.as_contract() for result in self.results],
        }


# --- the engine connection and the result cache ---------------------------------------------

_CACHE_SIZE = 20_000
# The same results assembled for a whole request (the warm path returns these as they are).
_ASSEMBLED_SIZE = 256
# KPI id -> (window index, group) -> cell
ByKpi = dict[str, dict[tuple[int, str], Cell]]


class KpiEngine:
    """The KPI engine of one store: its connection (DuckDB over SQLite, or PostgreSQL), opened
    on first use with the store's settings, and the results computed on it.

    Every engine made by `db.make_engine` keeps one (`db.Store`), closed when the engine is
    disposed, so a test's database, a CLI command and the server each have their own.
    """

    def __init__(self, settings: Settings) -> None:
        self.production_pattern = settings.production_pattern
        self.in_process_rows = settings.kpi_copy_in_process_rows
        self._backend: Backend | None = None
        self._backend_lock = threading.Lock()
        # (family, cut, window) -> entry, least recently used first
        self.cells: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()
        # (family, cut, windows) -> (stamp, results by KPI)
        self.assembled: dict[tuple[Any, ...], tuple[tuple[Any, ...], ByKpi | None]] = {}
        self.lock = threading.Lock()

    def backend(self, session: Session) -> Backend:
        """The connection for the session's database, opened once."""
        with self._backend_lock:
            if self._backend is None:
                url = session.get_bind().engine.url.render_as_string(hide_password=False)
                self._backend = _open_backend(
                    url,
                    production_pattern=self.production_pattern,
                    in_process_rows=self.in_process_rows,
                )
            return self._backend

    def forget_results(self) -> None:
        """Empty the result caches but keep the connection (its mirror and compiled queries)."""
        with self.lock:
            self.cells.clear()
            self.assembled.clear()

    def close(self) -> None:
        """Close the connection and forget every result; the next use opens it again."""
        with self._backend_lock:
            backend, self._backend = self._backend, None
        self.forget_results()
        if backend is not None:
            backend.close()


def kpi_engine(session: Session) -> KpiEngine:
    """The KPI engine of the session's store."""
    return store_of(session).keep("kpis", KpiEngine)


def backend_for(session: Session) -> Backend:
    """The KPI engine's connection for the session's store."""
    return kpi_engine(session).backend(session)


# The reference tables KPIs read, by the domain whose service writes bump its data version.
# (Event tables carry their own counters; a KPI reading any other table must be added here.)
DATA_TABLES: dict[str, Domain] = {
    "teams": "catalog",
    "services": "catalog",
    "initiatives": "backlog",
}


def _versions(session: Session) -> dict[str, tuple[Any, ...]]:
    """What each table looks like now, cheaply: event tables by their version counters,
    reference tables by the data version of the domain that writes them.

    The engine reads the committed store (on SQLite the columnar mirror is copied through its
    own connections; on PostgreSQL the queries run on the engine's own connection), so the
    stamps are read from the committed store too, on a connection of their own: a session that
    has written and not yet committed (a demo load, an import that then asks for KPIs) would
    otherwise file what the engine saw under stamps ahead of it, and keep that stale answer as
    current once it commits.
    """
    with Session(bind=session.get_bind()) as committed:
        return _stamps(committed)


def _stamps(session: Session) -> dict[str, tuple[Any, ...]]:
    stamps: dict[str, tuple[Any, ...]] = dict(ingest.event_versions(session=session))
    data = data_versions.current(session)
    for table, domain in DATA_TABLES.items():
        stamps[table] = (domain, data[domain])
    return stamps


@dataclass
class _Entry:
    """One family's cells for one window and cut, and the store state they were computed at."""

    seq: int
    stamp: tuple[Any, ...]
    cells: dict[str, dict[str, Cell]] | None  # group -> KPI -> cell; None: not applicable


def _still_valid(backend: Backend, family: str, entry: _Entry, window: Window) -> bool:
    """Whether only events outside this window's reach arrived since the entry was computed."""
    local = LOCAL_TABLES.get(family)
    if local is None:
        return False
    changes = backend.changes_since(entry.seq, READS[family])
    if changes is None:
        return False
    lookback = LOOKBACK_FROM_END_DAYS.get(family)
    start = window.end - timedelta(days=lookback) if lookback else window.start
    low, high = start.replace(tzinfo=None), window.end.replace(tzinfo=None)
    for change in changes:
        if change.table not in local or change.span is None:
            return False
        first, last = change.span
        if last >= low and first < high:
            return False
    return True


def _family_results(
    session: Session,
    family: str,
    windows: Sequence[Window],
    cut: Cut,
    versions: dict[str, tuple[Any, ...]],
) -> ByKpi | None:
    """A family's cells for every window, reusing each window that no change reached."""
    state = kpi_engine(session)
    backend = state.backend(session)
    stamp = tuple((name, versions.get(name)) for name in sorted(READS[family]))
    whole_key = (family, cut, tuple(windows))
    with state.lock:
        whole = state.assembled.get(whole_key)
        if whole is not None and whole[0] == stamp:
            return whole[1]
    backend.prepare(READS[family], versions)
    seq = backend.seq
    found: dict[int, dict[str, dict[str, Cell]] | None] = {}
    missing: list[int] = []
    with state.lock:
        for index, window in enumerate(windows):
            key = (family, cut, window)
            entry = state.cells.get(key)
            if entry is not None and (
                entry.stamp == stamp or _still_valid(backend, family, entry, window)
            ):
                entry.stamp, entry.seq = stamp, max(entry.seq, seq)
                state.cells.move_to_end(key)
                found[index] = entry.cells
            else:
                missing.append(index)
    if missing:
        asked = [windows[i] for i in missing]
        result = compute_family(backend, family, asked, cut)
        if family == SURVEY_FAMILY and result is not None:
            result = _anonymised(session, result, asked, cut, versions)
        with state.lock:
            for position, index in enumerate(missing):
                cells = (
                    None
                    if result is None
                    else {grp: c for (w, grp), c in result.items() if w == position}
                )
                found[index] = cells
                key = (family, cut, windows[index])
                state.cells[key] = _Entry(seq, stamp, cells)
                state.cells.move_to_end(key)
            while len(state.cells) > _CACHE_SIZE:
                state.cells.popitem(last=False)
    # Pivoted by KPI once here, so the warm path hands it out as it is.
    assembled: ByKpi | None = None
    if not any(cells is None for cells in found.values()):
        assembled = {}
        for index, cells in found.items():
            for grp, kpis in (cells or {}).items():
                for kpi, cell in kpis.items():
                    assembled.setdefault(kpi, {})[(index, grp)] = cell
    with state.lock:
        state.assembled[whole_key] = (stamp, assembled)
        while len(state.assembled) > _ASSEMBLED_SIZE:
            state.assembled.pop(next(iter(state.assembled)))
    return assembled


def _anonymised(
    session: Session,
    result: FamilyResult,
    windows: Sequence[Window],
    cut: Cut,
    versions: dict[str, tuple[Any, ...]],
) -> FamilyResult:
    """Survey cells with the anonymity rule applied before anything can cache or show them.

    A cell computed from fewer than MIN_SURVEY_RESPONDENTS answers is hidden. In a breakdown
    by team, when the hidden teams of a window hold fewer than that many answers together,
    the smallest shown teams are hidden too: otherwise the organisation's figure minus the
    shown teams would give the hidden answers away. A team filter shows a team only where
    the breakdown shows it, so no pair of requests undoes that."""
    safe: FamilyResult = {
        key: {
            kpi: HIDDEN if 0 < cell.sample_size < MIN_SURVEY_RESPONDENTS else cell
            for kpi, cell in cells.items()
        }
        for key, cells in result.items()
    }
    if cut.by == "team" and cut.team is None:
        answers = {key: max(c.sample_size for c in cells.values()) for key, cells in result.items()}
        for index in {w for w, _ in safe}:
            groups = {grp: n for (w, grp), n in answers.items() if w == index}
            hidden = {grp for grp, n in groups.items() if n < MIN_SURVEY_RESPONDENTS}
            shown = sorted((n, grp) for grp, n in groups.items() if grp not in hidden)
            while shown and 0 < sum(groups[g] for g in hidden) < MIN_SURVEY_RESPONDENTS:
                hidden.add(shown.pop(0)[1])
            for grp in hidden:
                safe[(index, grp)] = dict.fromkeys(safe[(index, grp)], HIDDEN)
    elif cut.team is not None:
        by_team = _family_results(session, SURVEY_FAMILY, windows, Cut(by="team"), versions)
        for (index, grp), cells in safe.items():
            breakdown = (by_team or {}).get("nps", {}).get((index, cut.team))
            if breakdown is not None and breakdown.hidden:
                safe[(index, grp)] = dict.fromkeys(cells, HIDDEN)
    return safe


def compute(
    *, session: Session, kpi_ids: Sequence[str], windows: Sequence[Window], cut: Cut
) -> dict[str, dict[tuple[int, str], Cell] | None]:
    """KPI id -> (window index, group) -> cell; None for a KPI the cut does not apply to."""
    unknown = [kpi for kpi in kpi_ids if kpi not in BY_ID]
    if unknown:
        raise NotFoundError(f"unknown KPI {unknown[0]!r}; known: {', '.join(KPI_IDS)}")
    out: dict[str, dict[tuple[int, str], Cell] | None] = {}
    versions = _versions(session)
    families = families_for(kpi_ids)
    # Every table the families read is brought up to date at once (one feeder process for
    # all the whole-table copies) before any family looks at its cache.
    tables = sorted({table for family in families for table in READS[family]})
    backend_for(session).prepare(tables, versions)
    for family in families:
        result = _family_results(session, family, windows, cut, versions)
        for kpi in kpi_ids:
            if kpi in out or family != FAMILY_OF[kpi]:
                continue
            out[kpi] = None if result is None else result.get(kpi, {})
    return out


# --- targets --------------------------------------------------------------------------------


def targets(*, session: Session) -> dict[str, float | None]:
    """Every KPI's target: the organisation's own where set, else the default."""
    own = {row.kpi_id: row.value for row in session.scalars(select(KpiTarget))}
    return {d.id: own.get(d.id, d.target) for d in DEFINITIONS}


def kpi_target(*, session: Session, kpi_id: str) -> float | None:
    """The organisation's target for a KPI (its default unless someone set one)."""
    definition = get_definition_or_raise(kpi_id)
    own = session.get(KpiTarget, kpi_id)
    return own.value if own is not None else definition.target


def set_target(*, session: Session, kpi_id: str, value: float, set_by: str = "") -> KpiTarget:
    """Set the organisation's target for a KPI, in the KPI's unit."""
    definition = get_definition_or_raise(kpi_id)
    if value != value or value in (float("inf"), float("-inf")):
        raise PavedroadError(f"target for {kpi_id} must be a finite number")
    if definition.unit == "fraction" and not 0 <= value <= 1:
        raise PavedroadError(
            f"target for {kpi_id} is a fraction between 0 and 1 (e.g. 0.8 for 80%), got {value}"
        )
    row = session.get(KpiTarget, kpi_id)
    if row is None:
        row = KpiTarget(kpi_id=kpi_id, value=value, set_by=set_by, set_at=utcnow())
        session.add(row)
    else:
        row.value, row.set_by, row.set_at = value, set_by, utcnow()
    session.flush()
    return row


def reset_target(*, session: Session, kpi_id: str) -> None:
    """Go back to the KPI's default target."""
    get_definition_or_raise(kpi_id)
    row = session.get(KpiTarget, kpi_id)
    if row is not None:
        session.delete(row)
        session.flush()


def get_definition_or_raise(kpi_id: str) -> KpiDefinition:
    """A KPI definition, or NotFoundError listing the ids that exist."""
    definition = BY_ID.get(kpi_id)
    if definition is None:
        raise NotFoundError(f"unknown KPI {kpi_id!r}; known: {', '.join(KPI_IDS)}")
    return definition


# --- results with status and trend ----------------------------------------------------------


def status_of(
    definition: KpiDefinition,
    value: float | None,
    previous: float | None,
    target: float | None,
) -> Status:
    """met / missed against a numeric target; without one, improving / worsening only when the
    value moved by more than `NOISE_SHARE` of the previous value (else steady)."""
    if value is None:
        return "no_data"
    if target is not None:
        return "met" if definition.meets(value, target) else "missed"
    if previous is None:
        return "steady"
    change = value - previous
    if abs(change) <= NOISE_SHARE * abs(previous) or abs(change) <= 1e-9:
        return "steady"
    return "improving" if (change > 0) == (definition.direction == "up") else "worsening"


def _result(
    definition: KpiDefinition,
    window: Window,
    group: str,
    cell: Cell | None,
    previous: Cell | None,
    target: float | None,
    *,
    applicable: bool = True,
) -> KpiResult:
    value = cell.value if cell else None
    before = previous.value if previous else None
    sample = cell.sample_size if cell else 0
    status: Status
    if not applicable:
        status = "not_applicable"
    elif cell is not None and cell.hidden:
        value, before, status = None, None, "hidden"
    else:
        status = status_of(definition, value, before, target)
    return KpiResult(definition, window, group, value, sample, target, before, status)


def _known_or_raise(session: Session, *, team: str | None, service: str | None) -> None:
    """A filter must name a team or service of the catalog (NotFoundError says which not)."""
    from pavedroad.catalog import service as catalog

    if team is not None:
        catalog.get_team_by_slug_or_raise(session=session, slug=team)
    if service is not None:
        catalog.get_service_by_name_or_raise(session=session, name=service)


def default_window() -> Window:
    """The last 30 whole days up to and including today."""
    return last_days(30)


def dashboard(
    *,
    session: Session,
    window: Window | None = None,
    team: str | None = None,
    service: str | None = None,
    weeks: int | None = None,
    kpi_ids: Sequence[str] | None = None,
    compare: Window | None = None,
) -> Dashboard:
    """Every KPI (or the ones asked) for a window, with trends against `compare` (default: the
    previous window of the same length) and `weeks` of weekly values (None: as many as
    `chart_weeks` gives the window)."""
    window = window or default_window()
    ids = list(kpi_ids or KPI_IDS)
    _known_or_raise(session, team=team, service=service)
    cut = Cut(team=team, service=service)
    weekly = weekly_windows(
        weeks if weeks is not None else chart_weeks(window), until=window.end.date()
    )
    windows = [window, compare or window.previous(), *weekly]
    cells = compute(session=session, kpi_ids=ids, windows=windows, cut=cut)
    goals = targets(session=session)
    board = Dashboard(window=window, cut=cut, results=[])
    for kpi in ids:
        definition = BY_ID[kpi]
        found = cells[kpi]
        if found is None:
            board.results.append(
                _result(definition, window, ALL, None, None, goals[kpi], applicable=False)
            )
            continue
        board.results.append(
            _result(definition, window, ALL, found.get((0, ALL)), found.get((1, ALL)), goals[kpi])
        )
        board.weekly[kpi] = Series(
            ALL,
            [
                (week, (cell.value if cell else None), (cell.sample_size if cell else 0))
                for index, week in enumerate(weekly, start=2)
                for cell in [found.get((index, ALL))]
            ],
        )
    return board


@dataclass
class KpiDetail:
    """One KPI: headline, weekly series overall and per group, and the groups' current values."""

    headline: KpiResult
    overall: Series
    by: str | None
    groups: list[KpiResult]
    group_series: dict[str, Series]

    def contract(self) -> dict[str, Any]:
        """`pavedroad kpis show ID --json` and `GET /api/v1/kpis/{id}`."""
        definition = self.headline.definition
        return {
            "kpi": {
                **self.headline.as_contract(),
                "direction": definition.direction,
                "definition": definition.semantics,
            },
            "window": self.headline.window.as_dict(),
            "weekly": [
                {"week": w.label, "start": w.start.isoformat(), "value": v, "sample_size": n}
                for w, v, n in self.overall.points
            ],
            "by": self.by,
            "groups": [
                {
                    "group": g.group,
                    **g.as_contract(),
                    "weekly": [v for _, v, _ in self.group_series[g.group].points],
                }
                for g in self.groups
            ],
        }


def kpi_detail(
    *,
    session: Session,
    kpi_id: str,
    window: Window | None = None,
    by: Literal["team", "service"] | None = None,
    weeks: int | None = None,
    team: str | None = None,
    service: str | None = None,
    compare: Window | None = None,
) -> KpiDetail:
    """A KPI overall and cut by team or service, with weekly series for its chart (trends
    against `compare`, default the previous window of the same length)."""
    definition = get_definition_or_raise(kpi_id)
    board = dashboard(
        session=session,
        window=window,
        team=team,
        service=service,
        weeks=weeks,
        kpi_ids=[kpi_id],
        compare=compare,
    )
    headline = board.results[0]
    overall = board.weekly.get(kpi_id, Series(ALL, []))
    groups: list[KpiResult] = []
    group_series: dict[str, Series] = {}
    if by is not None:
        window = board.window
        weekly = [point[0] for point in overall.points] or weekly_windows(
            weeks if weeks is not None else chart_weeks(window), until=window.end.date()
        )
        windows = [window, compare or window.previous(), *weekly]
        cut = Cut(by=by, team=team, service=service)
        found = compute(session=session, kpi_ids=[kpi_id], windows=windows, cut=cut)[kpi_id]
        target = kpi_target(session=session, kpi_id=kpi_id)
        if found is not None:
            names = sorted({group for _, group in found})
            for name in names:
                result = _result(
                    definition, window, name, found.get((0, name)), found.get((1, name)), target
                )
                if result.status == "no_data":
                    continue
                groups.append(result)
                points = []
                for index, week in enumerate(weekly, start=2):
                    cell = found.get((index, name))
                    shown = _result(definition, week, name, cell, None, target)
                    points.append((week, shown.value, cell.sample_size if cell else 0))
                group_series[name] = Series(name, points)
            groups.sort(key=lambda r: (r.value is None, -_badness(definition, r.value, target)))
            # The heat map draws its rows in this order too: worst first, the same as the table.
            group_series = {g.group: group_series[g.group] for g in groups}
    return KpiDetail(headline, overall, by, groups, group_series)


def _badness(definition: KpiDefinition, value: float | None, target: float | None) -> float:
    """How bad a value is by the KPI's own good direction: higher is worse."""
    if value is None:
        return 0.0
    if definition.direction == "down":
        return value
    if definition.direction == "up":
        return -value
    aim = target if target is not None else definition.target
    return abs(value - aim) if aim is not None else 0.0


# --- the interface other domains use --------------------------------------------------------


def window_values(
    *, session: Session, kpi_ids: Sequence[str], start: date, end: date
) -> dict[str, float | None]:
    """Each KPI's value over [start, end) for the whole organisation (None = no data)."""
    window = window_between(start, end)
    cells = compute(session=session, kpi_ids=kpi_ids, windows=[window], cut=Cut())
    values: dict[str, float | None] = {}
    for kpi in kpi_ids:
        found = cells[kpi]
        cell = found.get((0, ALL)) if found else None
        values[kpi] = cell.value if cell else None
    return values


def window_samples(
    *, session: Session, kpi_ids: Sequence[str], spans: Sequence[tuple[date, date]]
) -> list[dict[str, tuple[float | None, int]]]:
    """Per [start, end) span, each KPI's organisation-wide value and sample size (how many
    CI runs, incidents or new developers the value stands on); (None, 0) where no data."""
    windows = [window_between(start, end) for start, end in spans]
    cells = compute(session=session, kpi_ids=kpi_ids, windows=windows, cut=Cut())
    out: list[dict[str, tuple[float | None, int]]] = []
    for index in range(len(windows)):
        row: dict[str, tuple[float | None, int]] = {}
        for kpi in kpi_ids:
            found = cells[kpi]
            cell = found.get((index, ALL)) if found else None
            shown = cell is not None and not cell.hidden
            row[kpi] = (cell.value, cell.sample_size) if cell and shown else (None, 0)
        out.append(row)
    return out


def latest_values(
    *, session: Session, kpi_ids: Sequence[str], end: date
) -> dict[str, float | None]:
    """Each KPI over the 30 days before `end` (exclusive)."""
    return window_values(session=session, kpi_ids=kpi_ids, start=end - timedelta(days=30), end=end)


@dataclass(frozen=True)
class WaveValue:
    """A survey KPI in one wave: its value (None when hidden) and how many answered."""

    wave: str
    last_day: date
    value: float | None
    answers: int

    @property
    def hidden(self) -> bool:
        """Fewer than MIN_SURVEY_RESPONDENTS answers: no number is shown."""
        return self.answers < MIN_SURVEY_RESPONDENTS


def survey_waves(*, session: Session, kpi_id: str, window: Window) -> list[WaveValue]:
    """NPS or satisfaction per survey wave answered in `window` (by each wave's last answer),
    oldest first, over the whole organisation; a wave under five answers has no value."""
    if kpi_id not in SURVEY_KPIS:
        raise PavedroadError(
            f"{kpi_id} is not a survey KPI; per-wave values are for nps, satisfaction"
        )
    rows = ingest.survey_responses_between(
        session=session, start=window.start.date(), end=window.end.date()
    )
    return wave_values(
        [(r.wave, r.submitted_at, r.nps, r.satisfaction) for r in rows], kpi_id=kpi_id
    )


def wave_values(
    rows: Sequence[tuple[str, Any, int | None, int | None]], *, kpi_id: str
) -> list[WaveValue]:
    """Per wave (rows: wave, submitted day, NPS 0-10, satisfaction 1-5): the KPI as the engine
    defines it, hidden under MIN_SURVEY_RESPONDENTS answers. Pure, for tests with plain values."""
    by_wave: dict[str, list[tuple[Any, int | None, int | None]]] = {}
    for wave, day, nps_score, satisfied in rows:
        by_wave.setdefault(wave, []).append((day, nps_score, satisfied))
    out: list[WaveValue] = []
    for wave, answers in by_wave.items():
        last = max(a[0] for a in answers)
        last_day = last.date() if hasattr(last, "date") else last
        value: float | None = None
        if kpi_id == "nps":
            scores = [a[1] for a in answers if a[1] is not None]
            if scores:
                promoters = sum(1 for x in scores if x >= NPS_PROMOTER_FROM)
                detractors = sum(1 for x in scores if x <= NPS_DETRACTOR_UP_TO)
                value = (promoters - detractors) * 100 / len(scores)
        else:
            rated = [a[2] for a in answers if a[2] is not None]
            value = sum(rated) / len(rated) if rated else None
        shown = value if len(answers) >= MIN_SURVEY_RESPONDENTS else None
        out.append(WaveValue(wave, last_day, shown, len(answers)))
    return sorted(out, key=lambda w: (w.last_day, w.wave))


def has_events(*, session: Session) -> bool:
    """Whether any telemetry has been ingested (pages show how to start when not)."""
    return ingest.has_events(session=session)


EVIDENCE_PAGE_SIZE = 50  # events per page of a KPI's drill-down (the page and the API's default)
EVIDENCE_MAX_PAGE = 5000


@dataclass(frozen=True)
class EvidencePage:
    """One page of the events behind a KPI's number: `rows` (newest first) from `offset`, of
    `total` in the window."""

    rows: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts (None on the last page)."""
        following = self.offset + self.limit
        return following if following < self.total else None

    @property
    def previous_offset(self) -> int | None:
        """Where the previous page starts (None on the first page)."""
        return max(0, self.offset - self.limit) if self.offset > 0 else None


def evidence(
    *,
    session: Session,
    kpi_id: str,
    window: Window,
    team: str | None = None,
    service: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The events behind a KPI's number in a window (newest first, at most `limit`)."""
    return evidence_page(
        session=session,
        kpi_id=kpi_id,
        window=window,
        team=team,
        service=service,
        limit=limit,
        with_total=False,
    ).rows


def evidence_page(
    *,
    session: Session,
    kpi_id: str,
    window: Window,
    team: str | None = None,
    service: str | None = None,
    limit: int = EVIDENCE_PAGE_SIZE,
    offset: int = 0,
    with_total: bool = True,
) -> EvidencePage:
    """A page of the events behind a KPI's number in a window: `limit` rows after `offset`,
    newest first, with how many there are in all. A survey KPI with fewer than five answers
    shows none (its drill-down is the latest wave's score distribution, never one answer)."""
    from pavedroad.metrics.engine import COLUMNS
    from pavedroad.metrics.expressions import FAMILY_OF

    get_definition_or_raise(kpi_id)
    if not 1 <= limit <= EVIDENCE_MAX_PAGE:
        raise PavedroadError(f"limit must be from 1 to {EVIDENCE_MAX_PAGE}, got {limit}")
    if offset < 0:
        raise PavedroadError(f"offset must be 0 or more, got {offset}")
    cut = Cut(team=team, service=service)
    if kpi_id in SURVEY_KPIS:
        cells = compute(session=session, kpi_ids=[kpi_id], windows=[window], cut=cut)[kpi_id]
        shown = (cells or {}).get((0, ALL))
        if shown is None or shown.hidden:
            # no answers, or too few to show anything of them
            return EvidencePage([], 0, limit, offset)
    backend = backend_for(session)
    backend.prepare(COLUMNS, _versions(session))
    family = FAMILY_OF[kpi_id]
    rows = backend.run_evidence(family, window, cut, limit, offset)
    if not with_total:
        total = offset + len(rows)
    elif offset == 0 and len(rows) < limit:
        total = len(rows)  # the first page holds them all: no need to count
    else:
        total = backend.count_evidence(family, window, cut)
    return EvidencePage(rows, total, limit, offset)
