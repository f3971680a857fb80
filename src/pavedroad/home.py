"""What the PM opens every Monday: the north-star KPIs since the baseline, what needs them
(KPIs off target, initiatives proposed for killing, criteria due soon, lanes the plan disagrees
with, launches with overdue items) and the roadmap's lanes.

Each item links to the page of its object. The rules are the domains' own (a KPI's status, a
criterion's judging, the planner's disagreements, a launch item's `overdue`); this module only
gathers them through the domains' service functions, so the page only renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from pavedroad.backlog import service as backlog
from pavedroad.backlog.criteria import proposes_kill
from pavedroad.backlog.schemas import ACTIVE_STATUSES, CriterionOut
from pavedroad.comms import launches
from pavedroad.metrics import service as metrics
from pavedroad.metrics.northstar import NorthStar, north_star
from pavedroad.metrics.windows import last_days, today_utc
from pavedroad.roadmap.lanes import show_roadmap
from pavedroad.roadmap.schemas import LaneView, RoadmapView

DUE_DAYS = 30
OFF_TARGET = ("missed", "worsening")

Kind = Literal["kpi", "kill", "criterion", "disagreement", "launch"]


@dataclass(frozen=True)
class NeedsYouItem:
    """One thing to look at: what kind, a title, why, and the page to open."""

    kind: Kind
    title: str
    detail: str
    href: str


def off_target_kpis(board: metrics.Dashboard) -> list[NeedsYouItem]:
    """KPIs that missed their target or worsen past the noise threshold."""
    items = []
    for result in board.results:
        if result.status not in OFF_TARGET:
            continue
        definition = result.definition
        shown = definition.show(result.value)
        if result.status == "missed":
            detail = f"{shown}, target {definition.target_text(result.target)}"
        else:
            before = definition.show(result.previous)
            detail = f"worsening: {shown}, was {before} the previous 30 days"
        items.append(NeedsYouItem("kpi", definition.name, detail, f"/kpis/{definition.id}"))
    return items


def criteria_items(*, session: Session, today: date) -> list[NeedsYouItem]:
    """Initiatives proposed for killing, and criteria of active initiatives due within 30 days."""
    kills: list[NeedsYouItem] = []
    due: list[tuple[date, NeedsYouItem]] = []
    horizon = today + timedelta(days=DUE_DAYS)
    for initiative in backlog.judged_criteria(session=session, today=today):
        href = f"/initiatives/{initiative.id}"
        if initiative.kill_proposed:
            reasons = "; ".join(
                f"{c.kind} criterion {c.state}: {_words(c)} by {c.due.isoformat()}, "
                f"it was {c.value_text}"
                for c in initiative.criteria
                if proposes_kill(c)
            )
            kills.append(
                NeedsYouItem("kill", initiative.title, f"proposed for killing: {reasons}", href)
            )
        if initiative.status not in ACTIVE_STATUSES:
            continue
        for criterion in initiative.criteria:
            if today <= criterion.due <= horizon:
                state = criterion.state.replace("_", " ")
                detail = (
                    f"{criterion.kind} criterion due {criterion.due.isoformat()}: "
                    f"{_words(criterion)}, now {criterion.value_text} ({state})"
                )
                due.append(
                    (criterion.due, NeedsYouItem("criterion", initiative.title, detail, href))
                )
    return kills + [item for _, item in sorted(due, key=lambda pair: pair[0])]


def _words(criterion: CriterionOut) -> str:
    """A criterion in people's words: "CI duration (median) < 8.0 min"."""
    threshold = metrics.get_definition_or_raise(criterion.kpi_id).show(criterion.threshold)
    return f"{criterion.kpi_name} {criterion.comparator} {threshold}"


def disagreement_items(view: RoadmapView) -> list[NeedsYouItem]:
    """Lanes set by hand that the planner would not have chosen."""
    return [
        NeedsYouItem(
            "disagreement",
            d.title,
            f"in {d.lane}, the plan proposes {d.proposed}: {d.reason}",
            "/roadmap",
        )
        for d in view.disagreements
    ]


def launch_items(*, session: Session, today: date) -> list[NeedsYouItem]:
    """Launch plans with checklist items past their due day."""
    items = []
    for plan in launches.list_launches(session, today=today):
        overdue = [i for i in plan.items if i.overdue]
        if not overdue:
            continue
        first = overdue[0]
        detail = (
            f"{len(overdue)} overdue item{'s' if len(overdue) != 1 else ''}, first: "
            f"{first.title} (due {first.due.isoformat()})"
        )
        items.append(NeedsYouItem("launch", plan.feature, detail, f"/launches/{plan.id}"))
    return items


def needs_you(
    *,
    session: Session,
    board: metrics.Dashboard,
    roadmap: RoadmapView,
    today: date | None = None,
) -> list[NeedsYouItem]:
    """Everything that needs the PM, KPIs first, then the backlog, the roadmap and launches."""
    day = today or today_utc()
    return [
        *off_target_kpis(board),
        *criteria_items(session=session, today=day),
        *disagreement_items(roadmap),
        *launch_items(session=session, today=day),
    ]


@dataclass(frozen=True)
class HomeView:
    """Everything the home page shows."""

    north_star: NorthStar
    needs_you: list[NeedsYouItem]
    lanes: list[LaneView]


def home_view(*, session: Session, today: date | None = None) -> HomeView:
    """The north star since the baseline, what needs you, and the roadmap's lanes for `today`."""
    day = today or today_utc()
    roadmap = show_roadmap(session=session, as_of=day)
    board = metrics.dashboard(session=session) if day == today_utc() else _board(session, day)
    return HomeView(
        north_star=north_star(session=session, today=day),
        needs_you=needs_you(session=session, board=board, roadmap=roadmap, today=day),
        lanes=roadmap.lanes,
    )


def _board(session: Session, day: date) -> metrics.Dashboard:
    """Every KPI over the 30 days up to `day` (a day other than today, for tests and replays)."""
    return metrics.dashboard(session=session, window=last_days(30, until=day + timedelta(days=1)))
