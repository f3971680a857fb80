"""Launch plans: the practice's 90-day checklist and success criteria judged on live data.

Criteria follow the backlog's rule (`backlog.criteria.judging` / `judge`): until the judging
day has passed a criterion is provisional (`on_track` or `at_risk`) on the data up to today;
after it, final (`met` or `missed`) on the data up to that day. The judging day is 30 days
after the launch for every criterion (the practice's criteria read "within 30 days", and a
launch is judged while its post-launch weeks can still act on the answer); each is measured
from the launch day on. Before the launch, and
whenever the data says nothing, a criterion has `no_data`.

- `adopted_teams`: teams that used the plan's capability in the window (usage, through the
  metrics domain), >= the threshold;
- `satisfaction`: the organisation's survey satisfaction (1-5) in the window, through the
  metrics engine, which hides it under five answers (the anonymity threshold): `no_data`;
- `tickets_per_week`: support tickets whose category is the capability's name (without case),
  through research's ticket report, per week of the window (at least one week), <= threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from pavedroad.backlog.criteria import judge, judging
from pavedroad.catalog import capabilities as catalog_capabilities
from pavedroad.comms.launch_plan import adoption_due, plan_items
from pavedroad.comms.models import LaunchCriterion, LaunchItem, LaunchPlan
from pavedroad.comms.schemas.launches import (
    CRITERION_KINDS,
    CriterionKind,
    LaunchCriterionIn,
    LaunchCriterionOut,
    LaunchIn,
    LaunchItemOut,
    LaunchItemUpdate,
    LaunchList,
    LaunchOut,
    LaunchProgress,
    LaunchSummary,
)
from pavedroad.errors import ConflictError, InvalidInputError, NotFoundError
from pavedroad.metrics.windows import today_utc, window_between

COMPARATOR: dict[str, str] = {"adopted_teams": ">=", "satisfaction": ">=", "tickets_per_week": "<="}
UNIT: dict[str, str] = {
    "adopted_teams": "teams within 30 days",
    "satisfaction": "of 5 satisfaction",
    "tickets_per_week": "tickets/week",
}
LABEL: dict[str, str] = {
    "adopted_teams": "Teams adopted within 30 days",
    "satisfaction": "Developer satisfaction after launch",
    "tickets_per_week": "Support tickets per week",
}


# --- finding plans ----------------------------------------------------------------------------


def find_launch(*, session: Session, feature: str) -> LaunchPlan | None:
    """The plan of this feature (without case), or None."""
    wanted = " ".join(feature.split()).lower()
    return session.scalar(select(LaunchPlan).where(func.lower(LaunchPlan.feature) == wanted))


def get_launch_or_raise(*, session: Session, ref: str | int) -> LaunchPlan:
    """The plan with this id, or of this feature; NotFoundError saying how to list them."""
    plan: LaunchPlan | None = None
    text = str(ref).strip()
    if isinstance(ref, int) or (text.isdigit() and len(text) < 10):
        plan = session.get(LaunchPlan, int(text))
    if plan is None and not isinstance(ref, int):
        plan = find_launch(session=session, feature=text)
    if plan is None:
        raise NotFoundError(
            f"no launch plan {text!r} (an id or a feature); `pavedroad launch list` lists them"
        )
    return plan


# --- writing ----------------------------------------------------------------------------------


def create_launch(*, session: Session, data: LaunchIn) -> LaunchPlan:
    """A plan with the practice's dated checklist (owned by the plan's owner) and the default
    success criteria for the thresholds given (None leaves one out)."""
    if find_launch(session=session, feature=data.feature) is not None:
        raise ConflictError(
            f"a launch plan for {data.feature!r} exists; show it with: pavedroad launch show "
            f"{data.feature!r}"
        )
    capability_id = None
    if data.capability:
        capability_id = catalog_capabilities.get_capability_or_raise(
            session=session, name=data.capability
        ).id
    plan = LaunchPlan(
        feature=data.feature,
        launch_date=data.launch_date,
        capability_id=capability_id,
        owner=data.owner,
    )
    for position, item in enumerate(plan_items(data.launch_date)):
        plan.items.append(
            LaunchItem(
                position=position,
                phase=item.phase,
                title=item.title,
                due=item.due,
                owner=data.owner,
            )
        )
    thresholds: dict[str, float | None] = {
        "adopted_teams": data.adopted_teams,
        "satisfaction": data.satisfaction,
        "tickets_per_week": data.tickets_per_week,
    }
    for kind, threshold in thresholds.items():
        if threshold is not None:
            plan.criteria.append(
                LaunchCriterion(kind=kind, comparator=COMPARATOR[kind], threshold=threshold)
            )
    session.add(plan)
    session.flush()
    return plan


def _item(plan: LaunchPlan, item_id: int) -> LaunchItem:
    for item in plan.items:
        if item.id == item_id:
            return item
    raise NotFoundError(
        f"launch plan {plan.id} ({plan.feature!r}) has no item {item_id}; "
        f"`pavedroad launch show {plan.id}` lists its items"
    )


def update_item(
    *, session: Session, plan: LaunchPlan, item_id: int, data: LaunchItemUpdate, today: date
) -> LaunchItem:
    """Tick (done today) or untick an item, move it to a new due day, or reassign it."""
    item = _item(plan, item_id)
    if data.done is not None:
        if data.done and item.done_on is None:
            item.done_on = today
        elif not data.done:
            item.done_on = None
    if data.due is not None:
        item.due = data.due
    if data.owner is not None:
        item.owner = data.owner or None
    session.flush()
    return item


def delete_launch(*, session: Session, plan: LaunchPlan) -> None:
    """Drop a plan with its items and criteria; its calendar events stay, unlinked."""
    session.delete(plan)
    session.flush()


def add_criterion(
    *, session: Session, plan: LaunchPlan, data: LaunchCriterionIn
) -> LaunchCriterion:
    """Attach a criterion; a plan holds one criterion of each kind."""
    for existing in plan.criteria:
        if existing.kind == data.kind:
            raise ConflictError(
                f"{plan.feature!r} already has a {data.kind} criterion ({existing.id}); "
                f"remove it first: pavedroad launch criteria remove {plan.id} {existing.id}"
            )
    criterion = LaunchCriterion(
        kind=data.kind, comparator=COMPARATOR[data.kind], threshold=data.threshold
    )
    plan.criteria.append(criterion)
    session.flush()
    return criterion


def remove_criterion(*, session: Session, plan: LaunchPlan, criterion_id: int) -> None:
    """Drop one criterion of a plan."""
    for criterion in plan.criteria:
        if criterion.id == criterion_id:
            plan.criteria.remove(criterion)
            session.flush()
            return
    raise NotFoundError(f"{plan.feature!r} has no criterion {criterion_id}")


def criterion_kind(text: str) -> CriterionKind:
    """A criterion kind as typed, or an input problem naming the allowed ones."""
    for kind in CRITERION_KINDS:
        if text.strip().lower().replace("-", "_") == kind:
            return kind
    raise InvalidInputError.because(
        f"unknown criterion kind; use {', '.join(CRITERION_KINDS)}", field="kind", value=text
    )


# --- reading ----------------------------------------------------------------------------------


def target_text(kind: str, threshold: float) -> str:
    """A criterion's target as it reads: `>= 10 teams within 30 days`."""
    return f"{COMPARATOR.get(kind, '?')} {threshold:g} {UNIT.get(kind, '')}".strip()


def criterion_due(kind: str, launch_date: date) -> date:
    """The day a criterion of this kind is judged for a launch on `launch_date`."""
    del kind  # every kind is judged on the same day today; kept for kinds that will differ
    return adoption_due(launch_date)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


class _Measures:
    """The live values criteria compare, read once per window across plans."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._usage: dict[date, dict[str, set[tuple[date, str]]]] = {}
        self._tickets: dict[tuple[date, date], dict[str, int]] = {}
        self._satisfaction: dict[tuple[date, date], float | None] = {}

    def adopted_teams(self, capability: str | None, start: date, end: date) -> float | None:
        if capability is None:
            return None
        if end not in self._usage:
            from pavedroad.metrics import usage as metrics_usage

            teams: dict[str, set[tuple[date, str]]] = {}
            for cell in metrics_usage.usage_days(session=self.session, end=_midnight(end)):
                teams.setdefault(cell.capability, set()).add((cell.day, cell.team))
            self._usage[end] = teams
        used = {team for day, team in self._usage[end].get(capability, set()) if day >= start}
        return float(len(used))

    def satisfaction(self, start: date, end: date) -> float | None:
        key = (start, end)
        if key not in self._satisfaction:
            from pavedroad.metrics import service as metrics

            value = metrics.window_values(
                session=self.session, kpi_ids=["satisfaction"], start=start, end=end
            )["satisfaction"]
            self._satisfaction[key] = None if value is None else round(value, 2)
        return self._satisfaction[key]

    def tickets_per_week(self, capability: str | None, start: date, end: date) -> float | None:
        if capability is None:
            return None
        key = (start, end)
        if key not in self._tickets:
            from pavedroad.research import tickets

            found = tickets.ticket_report(self.session, window=window_between(start, end))
            counts: dict[str, int] = {}
            for category in found.categories:
                name = category.category.lower()
                counts[name] = counts.get(name, 0) + category.count
            self._tickets[key] = counts
        weeks = max((end - start).days, 7) / 7
        return round(self._tickets[key].get(capability.lower(), 0) / weeks, 2)


def _criterion_out(
    criterion: LaunchCriterion,
    *,
    launch_date: date,
    capability: str | None,
    today: date,
    measures: _Measures,
) -> LaunchCriterionOut:
    plan = judging(criterion_due(criterion.kind, launch_date), today)
    value: float | None = None
    if plan.end > launch_date:
        if criterion.kind == "adopted_teams":
            value = measures.adopted_teams(capability, launch_date, plan.end)
        elif criterion.kind == "satisfaction":
            value = measures.satisfaction(launch_date, plan.end)
        elif criterion.kind == "tickets_per_week":
            value = measures.tickets_per_week(capability, launch_date, plan.end)
    return LaunchCriterionOut(
        id=criterion.id,
        kind=criterion.kind,
        target=target_text(criterion.kind, criterion.threshold),
        value=value,
        status=judge(
            kind="success",
            comparator=criterion.comparator,
            threshold=criterion.threshold,
            value=value,
            final=plan.final,
        ),
    )


def item_out(item: LaunchItem, *, today: date) -> LaunchItemOut:
    """One checklist item; overdue when it is open and its due day is before today."""
    return LaunchItemOut(
        id=item.id,
        phase=item.phase,
        title=item.title,
        due=item.due,
        owner=item.owner,
        done=item.done_on is not None,
        overdue=item.done_on is None and item.due < today,
    )


def _capability_names(session: Session, plans: Sequence[LaunchPlan]) -> dict[int, str]:
    return catalog_capabilities.capability_names_by_id(
        session=session, ids=[p.capability_id for p in plans if p.capability_id is not None]
    )


def _out(plan: LaunchPlan, *, names: dict[int, str], today: date, measures: _Measures) -> LaunchOut:
    capability = names.get(plan.capability_id) if plan.capability_id is not None else None
    items = sorted(plan.items, key=lambda i: (i.due, i.position, i.id))
    return LaunchOut(
        id=plan.id,
        feature=plan.feature,
        capability=capability,
        launch_date=plan.launch_date,
        owner=plan.owner,
        items=[item_out(i, today=today) for i in items],
        criteria=[
            _criterion_out(
                c,
                launch_date=plan.launch_date,
                capability=capability,
                today=today,
                measures=measures,
            )
            for c in plan.criteria
        ],
    )


def launch_out(*, session: Session, plan: LaunchPlan, today: date | None = None) -> LaunchOut:
    """A plan with its items in due order and its criteria judged on today's data."""
    day = today or today_utc()
    session.refresh(plan)
    return _out(
        plan, names=_capability_names(session, [plan]), today=day, measures=_Measures(session)
    )


def list_launches(session: Session, *, today: date | None = None) -> list[LaunchOut]:
    """Every launch plan, by launch date."""
    day = today or today_utc()
    plans = list(
        session.scalars(
            select(LaunchPlan)
            .options(selectinload(LaunchPlan.items), selectinload(LaunchPlan.criteria))
            .order_by(LaunchPlan.launch_date, LaunchPlan.id)
        )
    )
    names = _capability_names(session, plans)
    measures = _Measures(session)
    return [_out(p, names=names, today=day, measures=measures) for p in plans]


def launch_days(session: Session) -> list[tuple[date, str]]:
    """Every launch's day and feature, by launch date: what a chart marks, without judging
    the plans' criteria as `list_launches` does."""
    rows = session.execute(
        select(LaunchPlan.launch_date, LaunchPlan.feature).order_by(
            LaunchPlan.launch_date, LaunchPlan.id
        )
    )
    return [(day, feature) for day, feature in rows]


def summary_of(launch: LaunchOut) -> LaunchSummary:
    """A plan as `launch list` shows it: progress, the next open item, criteria."""
    open_items = [i for i in launch.items if not i.done]
    return LaunchSummary(
        id=launch.id,
        feature=launch.feature,
        capability=launch.capability,
        launch_date=launch.launch_date,
        owner=launch.owner,
        progress=LaunchProgress(
            done=len(launch.items) - len(open_items),
            total=len(launch.items),
            overdue=sum(1 for i in open_items if i.overdue),
        ),
        next_item=open_items[0] if open_items else None,
        criteria=launch.criteria,
    )


def launch_list(session: Session, *, today: date | None = None) -> LaunchList:
    """`pavedroad launch list --json`: every plan with its progress and criteria."""
    return LaunchList(launches=[summary_of(x) for x in list_launches(session, today=today)])


def launch_dates(session: Session) -> list[tuple[int, str, date, datetime]]:
    """(id, feature, launch date, created) of every plan, by date: the calendar's key dates."""
    rows = session.execute(
        select(
            LaunchPlan.id, LaunchPlan.feature, LaunchPlan.launch_date, LaunchPlan.created_at
        ).order_by(LaunchPlan.launch_date, LaunchPlan.id)
    )
    return [(r.id, r.feature, r.launch_date, r.created_at) for r in rows]
