"""Champions shapes: `champions list --json` prints `ChampionsList`, `champions candidates
--json` prints `CandidatesOut`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pavedroad.inputs import StoredInput

Email = Annotated[str, Field(min_length=3, max_length=320)]
NoteText = Annotated[str, Field(min_length=1, max_length=300)]
MAX_NOTES = 50


def _clean_list(values: list[str] | None) -> list[str] | None:
    """Items stripped, blanks dropped, repeats kept once, in order."""
    if values is None:
        return None
    seen: list[str] = []
    for value in values:
        text = value.strip()
        if text and text not in seen:
            seen.append(text)
    return seen


class ChampionIn(StoredInput):
    """A champion to add: a catalog developer's email, since when, and what they take part in."""

    model_config = ConfigDict(str_strip_whitespace=True)

    developer: Email = Field(description="The developer's email, as in the catalog")
    since: date | None = Field(default=None, description="Default: today")
    early_access: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=MAX_NOTES, description="Catalog capability names"
    )
    design_reviews: list[Annotated[str, Field(max_length=300)]] = Field(
        default_factory=list, max_length=MAX_NOTES, description="Design reviews joined"
    )

    _lists = field_validator("early_access", "design_reviews", mode="after")(_clean_list)


class ChampionUpdate(StoredInput):
    """What `edit` / PATCH changes; a field left out stays as it is, a list replaces the list."""

    model_config = ConfigDict(str_strip_whitespace=True)

    since: date | None = None
    early_access: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None, max_length=MAX_NOTES
    )
    design_reviews: list[Annotated[str, Field(max_length=300)]] | None = Field(
        default=None, max_length=MAX_NOTES
    )
    recognition: list[Annotated[str, Field(max_length=320)]] | None = Field(
        default=None, max_length=MAX_NOTES
    )

    _lists = field_validator("early_access", "design_reviews", "recognition", mode="after")(
        _clean_list
    )


class RecognitionIn(StoredInput):
    """Recognition given to a champion: what for, and on which day (default: today)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    text: NoteText
    on: date | None = None


class ChampionOut(BaseModel):
    """One champion: the developer (email and name), their team and what they take part in.

    `recognition` items read `2026-09-14: text`."""

    id: int
    developer: str
    name: str | None
    team: str
    since: date
    early_access: list[str]
    design_reviews: list[str]
    recognition: list[str]


class ChampionsList(BaseModel):
    """Every champion by team, and the eligible teams that have none (the coverage gap)."""

    champions: list[ChampionOut]
    teams_without_champion: list[str] = Field(description="Slugs of eligible teams")


class Candidate(BaseModel):
    """A developer the data suggests as a champion, with the evidence as sentences."""

    developer: str = Field(description="The developer's email")
    team: str
    reasons: list[str]


class CandidatesOut(BaseModel):
    """Candidates, strongest evidence first."""

    candidates: list[Candidate]
