"""The practice's 90-day launch plan as dated checklist items (pure).

Pre-launch weeks 1-4 fall due at the end of each of the four weeks in the 30 days before the
launch date; the launch-week items are due on the launch day (the demo day two days later,
within the same ISO week); post-launch weeks 1-2 to 7-8 fall due at the end of each fortnight
in the 60 days after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

PRE_LAUNCH_DAYS = 30
POST_LAUNCH_DAYS = 60
ADOPTION_DAYS = 30


@dataclass(frozen=True)
class PlannedItem:
    """One item of the template: its phase, title and due day."""

    phase: str
    title: str
    due: date


def _week_end(day: date) -> date:
    """The Sunday of the ISO week holding `day`."""
    return day + timedelta(days=6 - day.weekday())


def plan_items(launch_date: date) -> list[PlannedItem]:
    """The practice's checklist for a launch on `launch_date`, in the template's order."""
    first = launch_date - timedelta(days=PRE_LAUNCH_DAYS)
    pre = [
        "Identify 3 champion teams for beta",
        "Beta launch with champions",
        "Collect feedback, iterate",
        "Create success story from beta team",
    ]
    items = [
        PlannedItem("pre_launch", title, first + timedelta(days=7 * week - 1))
        for week, title in enumerate(pre, 1)
    ]
    demo_day = min(launch_date + timedelta(days=2), _week_end(launch_date))
    items += [
        PlannedItem("launch", "Blog post with problem/solution narrative", launch_date),
        PlannedItem("launch", "Demo day presentation", demo_day),
        PlannedItem("launch", "Slack announcement with key metrics", launch_date),
        PlannedItem("launch", "Documentation published", launch_date),
        PlannedItem("launch", "Migration guide ready", launch_date),
    ]
    post = [
        "Office hours for early adopters",
        "Publish adoption metrics",
        "Champions help next wave of teams",
        "Retrospective: what worked, what didn't",
    ]
    items += [
        PlannedItem("post_launch", title, launch_date + timedelta(days=14 * fortnight))
        for fortnight, title in enumerate(post, 1)
    ]
    return items


def adoption_due(launch_date: date) -> date:
    """The day adoption is judged: 30 days after the launch."""
    return launch_date + timedelta(days=ADOPTION_DAYS)
