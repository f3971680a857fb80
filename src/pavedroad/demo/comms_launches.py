"""Demo comms: the war story's launches and the internal marketing calendar.

The faster-CI launch lands as the CI work is done (CI_WORK_DONE, 2026-11-01): launch on
Monday 2026-11-02 on the deploy pipeline's capability, every item done by the history's end
but the last two post-launch ones (due in December); adoption within 30 days is met and the
satisfaction and ticket criteria, judged at the end of post-launch, are on track. Thresholds
follow the story: about 78% of the eligible teams on the platform (40 teams), satisfaction
4.1 after the work (>= 4), deploy tickets down about 40% from ~13 a week (<= 8).

The one-command rollback (ROLLBACK_COMMAND) is in flight: launched 2026-11-16 after a beta
since the command shipped, its migration guide overdue. Demo days run monthly from the PM's
month 2 with attendance growing, beside office hours, blog posts and announcements.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from pavedroad.comms import calendar, launches
from pavedroad.comms.schemas.calendar import MarketingEventIn
from pavedroad.comms.schemas.launches import LaunchIn, LaunchItemUpdate
from pavedroad.demo.company import DEMO_LOGIN, DemoCompany
from pavedroad.demo.story import CI_WORK_DONE, ROLLBACK_COMMAND

if TYPE_CHECKING:
    from pavedroad.comms.models import LaunchPlan

CI_LAUNCH = (CI_WORK_DONE + timedelta(days=1)).date()  # Monday 2026-11-02
ROLLBACK_LAUNCH = (ROLLBACK_COMMAND + timedelta(days=15)).date()  # Monday 2026-11-16
DEMO_DAY_HOUR = 16  # UTC
# (month, day, title, attendance); None: still to come.
DEMO_DAYS: tuple[tuple[int, int, str, int | None], ...] = (
    (8, 19, "Demo day #1: the weekly changelog and the champions program", 34),
    (9, 16, "Demo day #2: service template v2 and self-service secrets", 47),
    (10, 21, "Demo day #3: the faster-CI beta with the champion teams", 63),
    (11, 18, "Demo day #4: CI in 6 minutes and one-command rollback", 88),
    (12, 16, "Demo day #5: what the platform shipped this half", None),
)


def _at(day: date, hour: int = DEMO_DAY_HOUR, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _platform_engineers(company: DemoCompany) -> list[str]:
    return sorted(d.email for d in company.developers if d.team == "platform" and d.email)


def _follow(
    session: Session,
    plan: LaunchPlan,
    *,
    open_titles: set[str],
    owners: list[str],
    moves: dict[str, date],
) -> None:
    """Tick every item but `open_titles` (done on its due day), spread owners, move some."""
    for index, item in enumerate(sorted(plan.items, key=lambda i: i.position)):
        due = moves.get(item.title, item.due)
        owner = owners[index % len(owners)] if owners and item.phase != "launch" else None
        update = LaunchItemUpdate(
            done=item.title not in open_titles,
            due=due if due != item.due else None,
            owner=owner,
        )
        launches.update_item(session=session, plan=plan, item_id=item.id, data=update, today=due)


def _event(
    session: Session,
    *,
    kind: str,
    title: str,
    at: datetime,
    minutes: int = 60,
    audience: list[str] | None = None,
    attendance: int | None = None,
    location: str = "",
    notes: str = "",
    launch: LaunchPlan | None = None,
) -> None:
    calendar.add_event(
        session=session,
        data=MarketingEventIn.model_validate(
            {
                "kind": kind,
                "title": title,
                "starts_at": at,
                "duration_min": minutes,
                "audience": audience or [],
                "attendance": attendance,
                "location": location,
                "notes": notes,
                "launch_id": launch.id if launch else None,
            }
        ),
    )


def load_launches(session: Session, company: DemoCompany) -> None:
    """Write the demo's launches and marketing calendar (once: a second load changes nothing)."""
    if launches.find_launch(session=session, feature="Faster CI pipelines") is not None:
        return
    pm = DEMO_LOGIN[0]
    engineers = _platform_engineers(company)
    ci = launches.create_launch(
        session=session,
        data=LaunchIn(
            feature="Faster CI pipelines",
            launch_date=CI_LAUNCH,
            capability="deploy",
            owner=pm,
            adopted_teams=40,
            satisfaction=4.0,
            tickets_per_week=8,
        ),
    )
    _follow(
        session,
        ci,
        open_titles={
            "Champions help next wave of teams",
            "Retrospective: what worked, what didn't",
        },
        owners=engineers[:3],
        # Presented at the month's demo day rather than two days after the launch.
        moves={"Demo day presentation": date(2026, 11, 18)},
    )
    rollback = launches.create_launch(
        session=session,
        data=LaunchIn(
            feature="One-command rollback",
            launch_date=ROLLBACK_LAUNCH,
            capability="rollback",
            owner=pm,
            adopted_teams=20,
            satisfaction=4.0,
            tickets_per_week=None,
        ),
    )
    _follow(
        session,
        rollback,
        open_titles={
            "Migration guide ready",
            "Publish adoption metrics",
            "Champions help next wave of teams",
            "Retrospective: what worked, what didn't",
        },
        owners=engineers[3:6],
        moves={"Demo day presentation": date(2026, 11, 18)},
    )
    session.flush()

    for month, day, title, attendance in DEMO_DAYS:
        on = date(2026, month, day)
        _event(
            session,
            kind="demo_day",
            title=title,
            at=_at(on),
            minutes=45,
            attendance=attendance,
            location="Main auditorium and https://meet.brightwave.example/demo-day",
            notes="Monthly demo day: each platform engineer shows what changed, before and after.",
            launch=ci if month in (10, 11) else None,
        )
    _event(
        session,
        kind="announcement",
        title="Champions program: six developer advocates",
        at=_at(date(2026, 8, 3), 10),
        minutes=0,
        location="#engineering",
        notes="Six champions from product teams get early access and join design reviews.",
    )
    _event(
        session,
        kind="blog_post",
        title="Introducing the weekly platform changelog",
        at=_at(date(2026, 8, 10), 9),
        minutes=0,
        location="https://wiki.brightwave.example/platform/blog/weekly-changelog",
    )
    _event(
        session,
        kind="blog_post",
        title="CI in 6 minutes: how we cut the pipeline from 18",
        at=_at(CI_LAUNCH, 9),
        minutes=0,
        audience=["Feature engineers"],
        location="https://wiki.brightwave.example/platform/blog/ci-in-6-minutes",
        notes="Problem/solution narrative with the beta teams' numbers.",
        launch=ci,
    )
    _event(
        session,
        kind="announcement",
        title="Faster CI is live for every team",
        at=_at(CI_LAUNCH, 10),
        minutes=0,
        location="#engineering",
        notes="CI median 18 -> 6 minutes; 3 champion teams on it since the beta.",
        launch=ci,
    )
    _event(
        session,
        kind="office_hours",
        title="Office hours: faster CI for early adopters",
        at=_at(date(2026, 11, 10), 15),
        attendance=18,
        location="https://meet.brightwave.example/platform-office-hours",
        launch=ci,
    )
    _event(
        session,
        kind="blog_post",
        title="Rollback is one command now",
        at=_at(ROLLBACK_LAUNCH, 9),
        minutes=0,
        location="https://wiki.brightwave.example/platform/blog/one-command-rollback",
        notes="From the 7-step runbook to `paved rollback`.",
        launch=rollback,
    )
    _event(
        session,
        kind="announcement",
        title="One-command rollback for every service",
        at=_at(ROLLBACK_LAUNCH, 10),
        minutes=0,
        location="#engineering",
        launch=rollback,
    )
    _event(
        session,
        kind="office_hours",
        title="Office hours: one-command rollback",
        at=_at(date(2026, 11, 24), 15),
        attendance=14,
        location="https://meet.brightwave.example/platform-office-hours",
        launch=rollback,
    )
    _event(
        session,
        kind="office_hours",
        title="Office hours: rollback for on-call engineers",
        at=_at(date(2026, 12, 8), 15),
        location="https://meet.brightwave.example/platform-office-hours",
        launch=rollback,
    )
