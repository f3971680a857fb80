"""Research coverage and bias for one quarter: who was reached, by which method, and warnings.

Pure: the service hands in the eligible teams, the quarter's contacts (shadowing sessions,
interviews, survey answers), its insights and the heaviest platform users. A team counts as
researched when the quarter has a contact with it; tickets and usage are passive signals and
do not count. Every threshold of a warning is a named constant below, quoted in its message.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.research.schemas import Contact, Framing, Method

# The practice's cadences.
SHADOWING_TEAMS_PER_QUARTER = 3
INTERVIEWS_PER_MONTH = 5
SURVEY_WAVES_PER_QUARTER = 1

# selection_bias: over SELECTION_BIAS_SHARE of the insights come from at most
# SELECTION_BIAS_FEW of the teams (or people) reached.
SELECTION_BIAS_SHARE = 0.5
SELECTION_BIAS_FEW = 0.2
# Below this many insights (with a team, or a person) shares say nothing.
MIN_INSIGHTS_FOR_SHARES = 5
# silent_majority: over this share of the eligible teams had no research contact.
SILENT_MAJORITY_SHARE = 0.5
# solution_framing: over this share of the quarter's insights ask for a solution.
SOLUTION_FRAMING_SHARE = 0.5
# power_users_only: over this share of the named participants are among the heaviest users
# (the top POWER_USER_SHARE of developers by usage events in the quarter).
POWER_USERS_PARTICIPANT_SHARE = 0.5
POWER_USER_SHARE = 0.2
MIN_PARTICIPANTS = 3

METHODS: tuple[Method, ...] = ("shadowing", "interview", "survey")
# The contract's keys for `teams_reached` (one per method).
REACHED_KEYS: dict[Method, str] = {
    "shadowing": "shadowing",
    "interview": "interviews",
    "survey": "survey",
}
COVERAGE_KEYS = (
    "quarter",
    "teams_total",
    "teams_reached",
    "never_researched",
    "cadence",
    "warnings",
)
_QUARTER = re.compile(r"^\s*(\d{4})-[Qq]([1-4])\s*$")


@dataclass(frozen=True)
class InsightFacts:
    """What coverage needs of one insight: who it came from and how it is framed."""

    team: str | None
    person: str | None
    framing: Framing
    on: date


def quarter_bounds(label: str) -> tuple[date, date]:
    """The first day of quarter `label` (`2026-Q3`) and the first day after it."""
    match = _QUARTER.match(label)
    if not match or not 1 <= int(match.group(1)) <= 9998:
        raise InvalidInputError(
            [
                InputProblem(
                    source="quarter", reason="expected a quarter such as 2026-Q3", value=label
                )
            ]
        )
    year, number = int(match.group(1)), int(match.group(2))
    start = date(year, 3 * number - 2, 1)
    end = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return start, end


def quarter_label(label: str) -> str:
    """The quarter as the contract writes it (`2026-q3` -> `2026-Q3`)."""
    start, _ = quarter_bounds(label)
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def quarter_months(label: str) -> list[str]:
    """The three months of a quarter, as `2026-07`."""
    start, _ = quarter_bounds(label)
    return [f"{start.year}-{start.month + i:02d}" for i in range(3)]


def in_quarter(contacts: Iterable[Contact], label: str) -> list[Contact]:
    """The contacts that fall in the quarter."""
    start, end = quarter_bounds(label)
    return [c for c in contacts if start <= c.on < end]


def heat_map(
    eligible: Sequence[str], contacts: Iterable[Contact], *, min_answers: int
) -> list[dict[str, Any]]:
    """One row per eligible team: contacts per method, never-researched teams first.

    A team's survey answers below `min_answers` (the anonymity threshold) show as None with
    `survey_hidden` true: how many answered is itself a number of fewer than five answers.
    """
    counts: dict[str, Counter[str]] = {team: Counter() for team in eligible}
    for contact in contacts:
        if contact.team in counts:
            counts[contact.team][contact.method] += 1
    rows = [
        {
            "team": team,
            "shadowing": counts[team]["shadowing"],
            "interview": counts[team]["interview"],
            "survey": (
                counts[team]["survey"] if not 0 < counts[team]["survey"] < min_answers else None
            ),
            "survey_hidden": 0 < counts[team]["survey"] < min_answers,
            "total": sum(counts[team].values()),
        }
        for team in eligible
    ]
    return sorted(rows, key=lambda r: (r["total"] > 0, r["team"]))


def _percent(share: float) -> str:
    return f"{round(share * 100)}%"


_A_SOURCE_NAMING = {"teams": "a team", "people": "a person"}


def _concentration(
    sources: Sequence[str], population: int, what: str, rule_of: str
) -> dict[str, Any] | None:
    """The selection-bias finding over one kind of source (teams or people), or None."""
    if len(sources) < MIN_INSIGHTS_FOR_SHARES or population < 1:
        return None
    few = math.floor(population * SELECTION_BIAS_FEW)
    if few < 1:
        return None
    top = Counter(sources).most_common(few)
    covered = sum(n for _, n in top)
    share = covered / len(sources)
    if share <= SELECTION_BIAS_SHARE:
        return None
    message = (
        f"{_percent(share)} of the {len(sources)} insights that name {_A_SOURCE_NAMING[what]} come from "
        f"{len(top)} of {population} {what} (rule: over {_percent(SELECTION_BIAS_SHARE)} from at most "
        f"{_percent(SELECTION_BIAS_FEW)} of the {rule_of})"
    )
    return {
        "message": message,
        "evidence": {
            "by": what,
            "insights": len(sources),
            "share": round(share, 4),
            "sources": [name for name, _ in top],
            "of": population,
            "rule": {"share_over": SELECTION_BIAS_SHARE, "from_at_most": SELECTION_BIAS_FEW},
        },
    }


def selection_bias(
    insights: Sequence[InsightFacts], teams_reached: Iterable[str], people_reached: Iterable[str]
) -> dict[str, Any] | None:
    """Most insights come from a few teams or people (the rule is in the message)."""
    team_sources = [i.team for i in insights if i.team]
    person_sources = [i.person.strip().lower() for i in insights if i.person and i.person.strip()]
    teams = set(teams_reached) | set(team_sources)
    people = {p.strip().lower() for p in people_reached if p.strip()} | set(person_sources)
    found = [
        f
        for f in (
            _concentration(team_sources, len(teams), "teams", "teams reached"),
            _concentration(person_sources, len(people), "people", "people heard"),
        )
        if f is not None
    ]
    if not found:
        return None
    return {
        "id": "selection_bias",
        "message": "; ".join(f["message"] for f in found),
        "evidence": {"findings": [f["evidence"] for f in found]},
    }


def silent_majority(eligible: Sequence[str], never: Sequence[str]) -> dict[str, Any] | None:
    """Over half of the eligible teams had no research contact this quarter."""
    if not eligible:
        return None
    share = len(never) / len(eligible)
    if share <= SILENT_MAJORITY_SHARE:
        return None
    return {
        "id": "silent_majority",
        "message": (
            f"{len(never)} of {len(eligible)} eligible teams ({_percent(share)}) had no "
            f"shadowing, interview or survey answer this quarter (rule: over "
            f"{_percent(SILENT_MAJORITY_SHARE)} of the eligible teams); "
            "you hear the teams that talk, not the ones that left"
        ),
        "evidence": {
            "never_researched": len(never),
            "eligible": len(eligible),
            "share": round(share, 4),
            "rule": {"share_over": SILENT_MAJORITY_SHARE},
        },
    }


def solution_framing(insights: Sequence[InsightFacts]) -> dict[str, Any] | None:
    """Most of the quarter's insights ask for a solution instead of stating a pain."""
    if len(insights) < MIN_INSIGHTS_FOR_SHARES:
        return None
    solutions = sum(1 for i in insights if i.framing == "solution")
    share = solutions / len(insights)
    if share <= SOLUTION_FRAMING_SHARE:
        return None
    return {
        "id": "solution_framing",
        "message": (
            f"{solutions} of {len(insights)} insights ({_percent(share)}) are solution requests "
            f"(rule: over {_percent(SOLUTION_FRAMING_SHARE)}); ask what problem each would "
            "solve before building it"
        ),
        "evidence": {
            "solution_requests": solutions,
            "insights": len(insights),
            "share": round(share, 4),
            "rule": {"share_over": SOLUTION_FRAMING_SHARE},
        },
    }


def power_users_only(participants: Iterable[str], heaviest: Iterable[str]) -> dict[str, Any] | None:
    """Most named research participants are among the heaviest platform users."""
    people = sorted({p.strip().lower() for p in participants if p and p.strip()})
    if len(people) < MIN_PARTICIPANTS:
        return None
    heavy = {h.strip().lower() for h in heaviest if h and h.strip()}
    among = [p for p in people if p in heavy]
    share = len(among) / len(people)
    if share <= POWER_USERS_PARTICIPANT_SHARE:
        return None
    return {
        "id": "power_users_only",
        "message": (
            f"{len(among)} of {len(people)} research participants ({_percent(share)}) are among "
            f"the top {_percent(POWER_USER_SHARE)} of developers by usage events (rule: over "
            f"{_percent(POWER_USERS_PARTICIPANT_SHARE)}); talk to light and non-users too"
        ),
        "evidence": {
            "participants": len(people),
            "power_users": len(among),
            "share": round(share, 4),
            "rule": {
                "share_over": POWER_USERS_PARTICIPANT_SHARE,
                "heaviest_share": POWER_USER_SHARE,
            },
        },
    }


def cadence(label: str, contacts: Sequence[Contact], survey_waves: int) -> dict[str, Any]:
    """Progress against the practice's cadences over the quarter's contacts."""
    shadowed = {c.team for c in contacts if c.method == "shadowing" and c.team}
    months = dict.fromkeys(quarter_months(label), 0)
    for contact in contacts:
        if contact.method == "interview":
            key = f"{contact.on.year}-{contact.on.month:02d}"
            if key in months:
                months[key] += 1
    return {
        "shadowing": {
            "teams": len(shadowed),
            "aim": SHADOWING_TEAMS_PER_QUARTER,
            "met": len(shadowed) >= SHADOWING_TEAMS_PER_QUARTER,
        },
        "interviews": {
            "per_month": months,
            "aim": INTERVIEWS_PER_MONTH,
            "months_met": sum(1 for n in months.values() if n >= INTERVIEWS_PER_MONTH),
        },
        "survey": {
            "waves": survey_waves,
            "aim": SURVEY_WAVES_PER_QUARTER,
            "met": survey_waves >= SURVEY_WAVES_PER_QUARTER,
        },
    }


def coverage_report(
    *,
    quarter: str,
    eligible: Sequence[str],
    contacts: Iterable[Contact],
    insights: Iterable[InsightFacts],
    heaviest: Iterable[str] = (),
    survey_waves: int = 0,
) -> dict[str, Any]:
    """The contract of `pavedroad research coverage --json` for one quarter."""
    label = quarter_label(quarter)
    start, end = quarter_bounds(label)
    eligible = sorted(set(eligible))
    eligible_set = set(eligible)
    seen = in_quarter(contacts, label)
    quarter_insights = [i for i in insights if start <= i.on < end]
    reached: dict[str, set[str]] = {key: set() for key in REACHED_KEYS.values()}
    for contact in seen:
        if contact.team in eligible_set:
            reached[REACHED_KEYS[contact.method]].add(contact.team)
    researched = set().union(*reached.values())
    never = [team for team in eligible if team not in researched]
    participants = [c.person for c in seen if c.person and c.method != "survey"]
    warnings = [
        w
        for w in (
            selection_bias(quarter_insights, {c.team for c in seen if c.team}, participants),
            silent_majority(eligible, never),
            solution_framing(quarter_insights),
            power_users_only(participants, heaviest),
        )
        if w is not None
    ]
    return {
        "quarter": label,
        "teams_total": len(eligible),
        "teams_reached": {key: len(teams) for key, teams in reached.items()},
        "never_researched": never,
        "cadence": cadence(label, seen, survey_waves),
        "warnings": warnings,
    }
