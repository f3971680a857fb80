"""Diagnoses of how work is chosen: research before building, RICE in context, pet projects,
the loudest voice, and projects that are never killed."""

from __future__ import annotations

from datetime import timedelta

from pavedroad.coach.diagnosis import Diagnosis, initiative_link, team_link
from pavedroad.coach.facts import Facts
from pavedroad.coach.practice import better_approach, practice_row

# The practice: "Interview 5+ developers before starting any major initiative".
MIN_DEVELOPERS = 5
# RICE is relative: fewer scored initiatives than this cannot rank anything.
MIN_SCORED = 3
# The bottom quarter of the scored backlog is where low-value work sits.
BOTTOM_SHARE = 0.25
# "Only solves a problem for 5 teams": reach this low or lower is a niche.
LOW_REACH_TEAMS = 5
# A missed or triggered criterion gets two weeks for a decision before it counts as ignored.
REVIEW_GRACE_DAYS = 14
# "A few teams": at most this many teams opening at least LOUD_SHARE of the tickets.
LOUD_TEAMS = 3
LOUD_SHARE = 0.5
# The backlog follows the loud teams when at least this share of committed work serves them
# while RICE ranks it below the top of the backlog.
FOLLOWS_SHARE = 0.5


def no_research_before_build(facts: Facts) -> list[Diagnosis]:
    """Initiatives in Now or in progress whose problems have evidence from under five developers."""
    found = []
    for initiative in facts.committed():
        if initiative.category == "unplanned":
            continue  # incidents and requests that could not wait are not researched first
        people = facts.people(initiative.id)
        if len(people) >= MIN_DEVELOPERS:
            continue
        where = "in progress" if initiative.status == "in_progress" else "in Now"
        found.append(
            Diagnosis(
                "no_research_before_build",
                "critical" if not people else "warning",
                f"“{initiative.title}” is {where} with evidence from {len(people)} "
                f"developer{'s' if len(people) != 1 else ''} "
                f"({len(facts.evidence.get(initiative.id, []))} linked problems); the practice "
                f"asks for {MIN_DEVELOPERS}+ before a major initiative.",
                {
                    "initiative": initiative.title,
                    "lane": initiative.lane,
                    "status": initiative.status,
                    "developers": len(people),
                    "methods": sorted(facts.methods(initiative.id)),
                    "needed": MIN_DEVELOPERS,
                },
                better_approach("no_research_before_build"),
                (initiative_link(initiative.id, initiative.title),),
                practice_row("no_research_before_build"),
            )
        )
    return found


def rice_out_of_context(facts: Facts) -> list[Diagnosis]:
    """A backlog with fewer than three scored initiatives: no RICE score means anything alone."""
    scored = facts.scored
    if len(scored) >= MIN_SCORED or not facts.active:
        return []
    return [
        Diagnosis(
            "rice_out_of_context",
            "info",
            f"Only {len(scored)} of {len(facts.active)} active initiatives have a RICE score: "
            f"RICE ranks work against other work, so score at least {MIN_SCORED} before using "
            "one to decide.",
            {"scored": len(scored), "active": len(facts.active), "needed": MIN_SCORED},
            better_approach("rice_out_of_context"),
            tuple(initiative_link(i.id, i.title) for i in scored),
            practice_row("rice_out_of_context"),
        )
    ]


def pet_project(facts: Facts) -> list[Diagnosis]:
    """Low-value work in Now or Next: a bottom-quarter RICE with low reach, or placed by hand
    above higher-scored work that waits in Later or Exploring."""
    scored = facts.scored
    if len(scored) < MIN_SCORED + 1:
        return []
    cut = scored[max(int(len(scored) * (1 - BOTTOM_SHARE)) - 1, 0)].rice
    waiting = [i for i in scored if i.lane in ("later", "exploring", None)]
    found = []
    for initiative in scored:
        if initiative.lane not in ("now", "next"):
            continue
        bottom = initiative.rice <= cut and len(initiative.teams) <= LOW_REACH_TEAMS
        delayed = [w for w in waiting if w.rice > initiative.rice]
        by_hand = initiative.lane_locked and bool(delayed)
        if not (bottom or by_hand):
            continue
        rank = scored.index(initiative) + 1
        found.append(
            Diagnosis(
                "pet_project",
                "warning",
                f"“{initiative.title}” is in {initiative.lane.title()} with RICE "
                f"{initiative.rice:g} (rank {rank} of {len(scored)}; the top scores "
                f"{scored[0].rice:g}) reaching {len(initiative.teams)} teams"
                + (
                    f", placed by hand ahead of {len(delayed)} higher-scored initiatives"
                    if by_hand
                    else ""
                )
                + ": ask for the business justification, a scope cap and success criteria, "
                "and show what it delays.",
                {
                    "initiative": initiative.title,
                    "lane": initiative.lane,
                    "rice": initiative.rice,
                    "rank": rank,
                    "of": len(scored),
                    "top_rice": scored[0].rice,
                    "teams": len(initiative.teams),
                    "placed_by_hand": initiative.lane_locked,
                    "delays": [{"title": w.title, "rice": w.rice, "lane": w.lane} for w in delayed],
                    "has_success_criteria": "no_success_criteria" not in initiative.flags,
                },
                better_approach("pet_project"),
                (
                    initiative_link(initiative.id, initiative.title),
                    *(initiative_link(w.id, w.title) for w in delayed[:5]),
                ),
                practice_row("pet_project"),
            )
        )
    return found


def never_killed(facts: Facts) -> list[Diagnosis]:
    """Active initiatives whose success criteria were missed or kill criteria triggered, with
    no decision two weeks past the due date."""
    found = []
    for item in facts.criteria:
        if item.status not in ("idea", "planned", "in_progress"):
            continue
        overdue = [
            c
            for c in item.criteria
            if c.state in ("missed", "triggered")
            and c.answered_on is None
            and facts.today > c.due + timedelta(days=REVIEW_GRACE_DAYS)
        ]
        if not overdue:
            continue
        first = min(overdue, key=lambda c: c.due)
        days = (facts.today - first.due).days
        found.append(
            Diagnosis(
                "never_killed",
                "critical",
                f"“{item.title}” is still {item.status.replace('_', ' ')} {days} days after "
                f"its {first.kind} criterion on {first.kpi_name} (due {first.due:%Y-%m-%d}) was "
                f"{'missed' if first.state == 'missed' else 'triggered'} at {first.value_text}: "
                "decide to kill it or record why it continues.",
                {
                    "initiative": item.title,
                    "status": item.status,
                    "criteria": [
                        {
                            "text": c.text,
                            "state": c.state,
                            "due": c.due.isoformat(),
                            "value": c.value,
                        }
                        for c in overdue
                    ],
                    "days_past_due": days,
                    "grace_days": REVIEW_GRACE_DAYS,
                },
                better_approach("never_killed"),
                (initiative_link(item.id, item.title),),
                practice_row("never_killed"),
            )
        )
    return found


def _loud_teams(facts: Facts) -> tuple[list[str], float]:
    """The fewest teams that opened LOUD_SHARE of the tickets, and their share."""
    total = sum(facts.tickets_by_team.values())
    if not total:
        return [], 0.0
    loud: list[str] = []
    share = 0.0
    for team, count in facts.tickets_by_team.most_common():
        loud.append(team)
        share += count / total
        if share >= LOUD_SHARE:
            break
    return loud, share


def loudest_voice(facts: Facts) -> list[Diagnosis]:
    """Committed work serving the few teams that open most tickets while RICE ranks it lower."""
    loud, share = _loud_teams(facts)
    teams_with_tickets = len(facts.tickets_by_team)
    if not loud or len(loud) > LOUD_TEAMS or teams_with_tickets <= 2 * len(loud):
        return []
    committed = facts.committed(("now", "next"))
    scored = facts.scored
    if len(committed) < 2 or len(scored) < MIN_SCORED:
        return []
    top = {i.id for i in scored[: len(committed)]}
    following = [
        i for i in committed if set(i.teams) & set(loud) and i.id not in top and i.rice > 0
    ]
    followed = len(following) / len(committed)
    if followed < FOLLOWS_SHARE:
        return []
    return [
        Diagnosis(
            "loudest_voice",
            "warning",
            f"{len(following)} of {len(committed)} initiatives in Now and Next serve "
            f"{', '.join(loud)}, the {len(loud)} of {teams_with_tickets} teams that opened "
            f"{share:.0%} of the tickets in the last 90 days, while RICE ranks them below the "
            "top of the backlog: the backlog follows the loudest teams, not impact.",
            {
                "loud_teams": loud,
                "ticket_share": round(share, 3),
                "teams_with_tickets": teams_with_tickets,
                "following": [
                    {"title": i.title, "rice": i.rice, "rank": i.rank} for i in following
                ],
                "committed": len(committed),
            },
            better_approach("loudest_voice"),
            tuple(initiative_link(i.id, i.title) for i in following)
            + tuple(team_link(t) for t in loud),
            practice_row("loudest_voice"),
        )
    ]
