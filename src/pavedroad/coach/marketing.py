"""Diagnoses of internal marketing: launches nobody heard of and teams never reached.

Reads the comms domain (changelog, launch plans, the marketing calendar, champions) and
research's usage report (who used each capability) through their services."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from pavedroad.coach.diagnosis import Diagnosis, Link, initiative_link, team_link
from pavedroad.coach.facts import LOOKBACK_DAYS, Facts
from pavedroad.coach.practice import better_approach, practice_row

# Teams shown by name in a message; the evidence lists all of them.
NAMED_TEAMS = 8
# A launch is judged once this many days have passed: teams need a week to hear of it.
SETTLE_DAYS = 7


def _capability_link(name: str) -> Link:
    return Link("capability", name, "/api/v1/usage", "/usage")


def silent_launch(session: Session, facts: Facts) -> list[Diagnosis]:
    """A capability launched, or an initiative shipped, in the lookback with no changelog
    entry, no launch plan and no demo, while teams have never used it."""
    reach = facts.reach
    start = facts.today - timedelta(days=LOOKBACK_DAYS)
    settled = facts.today - timedelta(days=SETTLE_DAYS)
    found = []
    for cap in facts.capabilities:
        if cap.launched_at is None or not start <= cap.launched_at <= settled:  # judged later
            continue
        told = (
            cap.capability in reach.changelog_everyone
            or cap.capability in reach.changelog_teams
            or cap.capability in reach.launch_plans
            or cap.capability in reach.demoed
        )
        if told or not cap.never_used:
            continue
        found.append(
            Diagnosis(
                "silent_launch",
                "warning",
                f"{cap.capability} launched on {cap.launched_at:%Y-%m-%d} with no changelog "
                f"entry, launch plan or demo, and {len(cap.never_used)} eligible teams have "
                "never used it: treat it as a launch, tell people.",
                {
                    "capability": cap.capability,
                    "launched_at": cap.launched_at.isoformat(),
                    "never_used": cap.never_used,
                    "changelog": False,
                    "launch_plan": False,
                    "demo": False,
                },
                better_approach("silent_launch"),
                (_capability_link(cap.capability),),
                practice_row("silent_launch"),
            )
        )
    for initiative in facts.initiatives:
        done = initiative.done_at.date() if initiative.done_at else None
        if initiative.status != "done" or done is None or not start <= done <= settled:
            continue
        if initiative.category == "unplanned":
            continue
        if (
            initiative.title in reach.initiatives_in_changelog
            or initiative.title in reach.launch_plans
            or initiative.title in reach.demoed
        ):
            continue
        found.append(
            Diagnosis(
                "silent_launch",
                "warning",
                f"“{initiative.title}” shipped on {done:%Y-%m-%d} with no changelog entry, "
                "launch plan or demo: the teams it was built for may not know it exists.",
                {
                    "initiative": initiative.title,
                    "done_at": done.isoformat(),
                    "teams": initiative.teams,
                    "changelog": False,
                    "launch_plan": False,
                    "demo": False,
                },
                better_approach("silent_launch"),
                (initiative_link(initiative.id, initiative.title),),
                practice_row("silent_launch"),
            )
        )
    return found


def unaware_teams(session: Session, facts: Facts) -> list[Diagnosis]:
    """Eligible teams that never used a launched capability and that nothing reached: no
    changelog entry spoke to them, no champion sits in them, no demo day was for them. One
    diagnosis, with the teams per capability."""
    reach = facts.reach
    if reach.demo_everyone:
        return []  # a demo day for everyone reached every team
    per_capability: dict[str, list[str]] = {}
    for cap in facts.capabilities:
        if cap.launched_at is None or cap.launched_at > facts.today or not cap.never_used:
            continue
        if cap.capability in reach.changelog_everyone:
            continue  # everyone was told; teams that still do not use it are not unaware
        told = reach.changelog_teams.get(cap.capability, set())
        unaware = sorted(
            t
            for t in cap.never_used
            if t not in told and t not in reach.champion_teams and t not in reach.demo_teams
        )
        if unaware:
            per_capability[cap.capability] = unaware
    if not per_capability:
        return []
    teams = sorted({t for found in per_capability.values() for t in found})
    named = ", ".join(teams[:NAMED_TEAMS]) + (
        f" and {len(teams) - NAMED_TEAMS} more" if len(teams) > NAMED_TEAMS else ""
    )
    widest = max(per_capability, key=lambda c: len(per_capability[c]))
    return [
        Diagnosis(
            "unaware_teams",
            "warning",
            f"{len(teams)} eligible teams have never used at least one launched capability and "
            f"nothing reached them (no changelog entry for them, no champion, no demo day): "
            f"{named}. {widest} alone has {len(per_capability[widest])} such teams; they may "
            "not even know it exists.",
            {
                "teams": teams,
                "capabilities": dict(sorted(per_capability.items())),
            },
            better_approach("unaware_teams"),
            (
                *(_capability_link(c) for c in sorted(per_capability)),
                *(team_link(t) for t in teams[:NAMED_TEAMS]),
            ),
            practice_row("unaware_teams"),
        )
    ]
