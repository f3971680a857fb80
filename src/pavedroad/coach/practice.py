"""The practice's words for each diagnosis: where it comes from and the better approach.

From the practice's "Common mistakes" table and its quiz scenarios (../shared/practice), so the
coach page and `--json` say what the practice says, not a paraphrase made up per message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PracticeRow:
    mistake: str
    better_approach: str


PRACTICE: dict[str, PracticeRow] = {
    "no_research_before_build": PracticeRow(
        "Building features without user research",
        "Interview 5+ developers before starting any major initiative.",
    ),
    "output_without_outcome": PracticeRow(
        "Measuring success by features shipped",
        "Measure adoption rate, developer satisfaction, and time-to-production instead.",
    ),
    "silent_launch": PracticeRow(
        "Skipping internal marketing",
        "Treat every launch like a product launch: changelog, demo day, champions.",
    ),
    "unaware_teams": PracticeRow(
        "Skipping internal marketing (the war story: teams not even aware of the platform)",
        "Reach every eligible team: the changelog, a champion in the team, a demo day.",
    ),
    "unowned_product": PracticeRow(
        "No product manager on the platform team",
        "Hire or designate a PM; without one, engineering preferences drive priorities.",
    ),
    "loudest_voice": PracticeRow(
        "Treating all feedback equally",
        "Use RICE scoring to prioritize by reach, impact, confidence, and effort.",
    ),
    "power_users_only": PracticeRow(
        "Building for power users only",
        "Shadow average developers; the silent majority has different needs.",
    ),
    "pet_project": PracticeRow(
        "Roadmap driven by leadership pet projects",
        "Require concrete business justification and show trade-offs explicitly.",
    ),
    "never_killed": PracticeRow(
        "Never killing projects",
        "Set clear success criteria upfront; kill projects that do not meet them.",
    ),
    "captive_audience": PracticeRow(
        "Scenario: 90% adoption, satisfaction 2.5 of 5",
        "High adoption with low satisfaction is a captive audience: research why (interviews, "
        "shadowing) before adding features.",
    ),
    "leading_indicator_decline": PracticeRow(
        "Leading indicators predict the lagging ones",
        "Act on a leading indicator that keeps worsening before the lagging KPIs follow.",
    ),
    "survey_only_research": PracticeRow(
        "Scenario: a survey or two hours of shadowing?",
        "Shadow developers: it shows the friction they have normalised and no survey reports.",
    ),
    "rice_out_of_context": PracticeRow(
        "Scenario: should you commit to a feature on its RICE score alone?",
        "RICE is relative: compare the score with the rest of the scored backlog before "
        "committing.",
    ),
}


def better_approach(diagnosis_id: str) -> str:
    return PRACTICE[diagnosis_id].better_approach


def practice_row(diagnosis_id: str) -> str:
    return PRACTICE[diagnosis_id].mistake
