"""Shapes the research domain shares between its methods and with its callers."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

Method = Literal["shadowing", "interview", "survey"]
RULESETS = ("tickets", "comments", "friction")
Ruleset = Literal["tickets", "comments", "friction"]
InsightSource = Literal[
    "shadowing", "interview", "survey_wave", "survey_comment", "ticket_category", "usage"
]
Framing = Literal["pain", "solution"]


class Contact(BaseModel):
    """One research contact with a team: what coverage counts.

    `person` is who took part when the method knows it (never for survey answers, which are
    anonymous); `team` is the catalog slug, or None when the contact named no team.
    """

    model_config = ConfigDict(frozen=True)

    method: Method
    team: str | None
    person: str | None
    on: date
