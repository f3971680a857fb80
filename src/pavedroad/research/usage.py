"""Usage analytics per platform capability: who uses it, who stopped, who never started.

A passive research signal (it counts no contact with a team): uses come from `usage_events`
through the metrics domain, capabilities and eligible teams from the catalog.

- `teams`, `developers`, `events` and the weekly series count uses inside the window.
- `first_use` and `last_use` are the first and last use ever seen before the window ends.
- `abandoned`: teams that used the capability before the last 30 days of the window and
  not at all in those 30 days (tried it, then stopped).
- `never_used`: eligible teams with no use of it before the window ends (the teams to chase).
- `first_week_uses`: uses in the 7 days from its launch (null without a launch date, or
  when it launched before the first use on record: no telemetry covers that week).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from pavedroad.catalog import capabilities as catalog_capabilities
from pavedroad.catalog import service as catalog
from pavedroad.metrics import usage as metrics_usage
from pavedroad.metrics.usage import UsageDay
from pavedroad.metrics.windows import Window, last_days, week_start

ABANDONED_AFTER_DAYS = 30
FIRST_WEEK_DAYS = 7
DEFAULT_WINDOW_DAYS = 90
POWER_USER_SHARE = 0.2


def default_window() -> Window:
    """The last 90 whole days up to and including today: long enough to see teams stop."""
    return last_days(DEFAULT_WINDOW_DAYS)


@dataclass
class CapabilityUsage:
    """One capability's usage in a window (see the module docstring for each field)."""

    capability: str
    description: str = ""
    launched_at: date | None = None
    owner: str | None = None
    teams: list[str] = field(default_factory=list)
    developers: int = 0
    events: int = 0
    first_use: datetime | None = None
    last_use: datetime | None = None
    abandoned: list[str] = field(default_factory=list)
    first_week_uses: int | None = None
    never_used: list[str] = field(default_factory=list)
    weekly: list[tuple[date, int]] = field(default_factory=list)

    def as_contract(self) -> dict[str, Any]:
        """One entry of `capabilities` in `pavedroad usage report --json`."""
        return {
            "capability": self.capability,
            "description": self.description,
            "launched_at": self.launched_at.isoformat() if self.launched_at else None,
            "teams": len(self.teams),
            "developers": self.developers,
            "events": self.events,
            "first_use": self.first_use.isoformat() if self.first_use else None,
            "last_use": self.last_use.isoformat() if self.last_use else None,
            "abandoned": self.abandoned,
            "first_week_uses": self.first_week_uses,
            "never_used": self.never_used,
        }


def _weeks(window: Window) -> list[date]:
    """The Monday of every ISO week that overlaps the window."""
    first, last = week_start(window.start.date()), (window.end - timedelta(microseconds=1)).date()
    weeks: list[date] = []
    current = first
    while current <= last:
        weeks.append(current)
        current += timedelta(days=7)
    return weeks


def summarise(
    days: Iterable[UsageDay],
    *,
    window: Window,
    capabilities: Sequence[str],
    eligible: Sequence[str],
) -> dict[str, CapabilityUsage]:
    """Per capability: teams, events, weekly uses, abandoned and never-used teams (pure).

    `days` are uses per capability, team and UTC day before the window's end; capabilities
    named there but not in `capabilities` are reported too.
    """
    start, end = window.start.date(), window.end.date()
    recent_from = end - timedelta(days=ABANDONED_AFTER_DAYS)
    weeks = _weeks(window)
    in_window: dict[str, dict[str, int]] = defaultdict(dict)
    weekly: dict[str, dict[date, int]] = defaultdict(lambda: dict.fromkeys(weeks, 0))
    ever: dict[str, set[str]] = defaultdict(set)
    before_recent: dict[str, set[str]] = defaultdict(set)
    recent: dict[str, set[str]] = defaultdict(set)
    for cell in days:
        if cell.day >= end:
            continue
        ever[cell.capability].add(cell.team)
        if cell.day < recent_from:
            before_recent[cell.capability].add(cell.team)
        else:
            recent[cell.capability].add(cell.team)
        if cell.day >= start:
            teams = in_window[cell.capability]
            teams[cell.team] = teams.get(cell.team, 0) + cell.events
            bucket = weekly[cell.capability]
            monday = week_start(cell.day)
            bucket[monday] = bucket.get(monday, 0) + cell.events
    report: dict[str, CapabilityUsage] = {}
    for name in sorted({*capabilities, *ever}, key=lambda n: (n.lower(), n)):
        teams = in_window.get(name, {})
        report[name] = CapabilityUsage(
            capability=name,
            teams=sorted(teams),
            events=sum(teams.values()),
            abandoned=sorted(before_recent[name] - recent[name]),
            never_used=sorted(set(eligible) - ever[name]),
            weekly=sorted(weekly[name].items()) if name in weekly else [(w, 0) for w in weeks],
        )
    return report


def capability_usage(*, session: Session, window: Window) -> list[CapabilityUsage]:
    """Every capability's usage in `window`, by name: catalog details joined with the uses."""
    stored = {c.name: c for c in catalog_capabilities.list_capabilities(session=session)}
    report = summarise(
        metrics_usage.usage_days(session=session, end=window.end),
        window=window,
        capabilities=list(stored),
        eligible=catalog.eligible_team_slugs(session=session),
    )
    developers = metrics_usage.usage_developers(session=session, start=window.start, end=window.end)
    spans = metrics_usage.usage_spans(session=session, end=window.end)
    # A launch before the first use on record has no telemetry for its first week.
    recorded_from = min((first for first, _ in spans.values()), default=None)
    for name, usage in report.items():
        usage.developers = developers.get(name, 0)
        usage.first_use, usage.last_use = spans.get(name, (None, None))
        details = stored.get(name)
        if details is None:
            continue
        usage.description, usage.owner = details.description, details.owner
        if details.launched_at is not None:
            launched = details.launched_at
            usage.launched_at = launched.date()
            if recorded_from is None or launched < recorded_from:
                continue
            usage.first_week_uses = metrics_usage.count_usage(
                session=session,
                capability=name,
                start=launched,
                end=launched + timedelta(days=FIRST_WEEK_DAYS),
            )
    return list(report.values())


def report(*, session: Session, window: Window | None = None) -> dict[str, Any]:
    """`pavedroad usage report --json` and `GET /api/v1/research/usage`."""
    window = window or default_window()
    return {
        "window": window.as_dict(),
        "capabilities": [
            usage.as_contract() for usage in capability_usage(session=session, window=window)
        ],
    }


def _instant(moment: date | datetime) -> datetime:
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.combine(moment, time(), tzinfo=UTC)


def top_share(counts: dict[str, int], share: float) -> list[str]:
    """The keys with the most counts, the top `share` of them (at least one when any; pure)."""
    if not counts or share <= 0:
        return []
    ranked = sorted(counts, key=lambda key: (-counts[key], key))
    return ranked[: max(1, math.ceil(len(ranked) * min(share, 1.0)))]


def heaviest_users(
    *,
    session: Session,
    start: date | datetime,
    end: date | datetime,
    share: float = POWER_USER_SHARE,
) -> list[str]:
    """The developers with the most usage events in [start, end): the top `share` of them.

    Research coverage warns `power_users_only` when most participants are among these.
    """
    counts = metrics_usage.usage_by_developer(
        session=session, start=_instant(start), end=_instant(end)
    )
    return top_share(counts, share)
