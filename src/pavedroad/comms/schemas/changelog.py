"""Changelog shapes: an entry as the API and `--json` give it, and one assembled ISO week;
the input shapes for adding and editing an entry."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from pavedroad.inputs import StoredInput

MAX_TITLE = 300
MAX_TEXT = 20_000
MAX_AUDIENCE = 50

EntryTitle = Annotated[str, Field(min_length=1, max_length=MAX_TITLE)]
EntryText = Annotated[str, Field(max_length=MAX_TEXT)]
AudienceName = Annotated[str, Field(min_length=1, max_length=200)]
Reference = Annotated[str, Field(min_length=1, max_length=300)]


class ChangelogEntryOut(BaseModel):
    """One entry (`changelog week --format json` lists these under `entries`)."""

    id: int
    title: str
    body: str
    before: str
    after: str
    audience: list[str]
    capability: str | None
    initiative: str | None
    date: dt.date


class ChangelogWeek(BaseModel):
    """The weekly changelog: ISO week `2026-W37`, its Monday and Sunday, its entries by date."""

    week: str
    start: dt.date
    end: dt.date
    entries: list[ChangelogEntryOut]


class ChangelogEntryIn(StoredInput):
    """A change developers should know about.

    `audience` holds team slugs or persona names (empty: everyone), `capability` a catalog
    capability's name, `initiative` a backlog initiative's title; `date` left out is today.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: EntryTitle
    body: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    before: EntryText = ""
    after: EntryText = ""
    audience: Annotated[list[AudienceName], Field(max_length=MAX_AUDIENCE)] = []
    capability: Reference | None = None
    initiative: Reference | None = None
    date: dt.date | None = None


class ChangelogEntryUpdate(StoredInput):
    """Fields to change on an entry; fields left out stay as they are. Null (or an empty
    text) clears `before`, `after`, `capability` and `initiative`; `audience: []` is everyone."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: EntryTitle | None = None
    body: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)] | None = None
    before: EntryText | None = None
    after: EntryText | None = None
    audience: Annotated[list[AudienceName], Field(max_length=MAX_AUDIENCE)] | None = None
    capability: Annotated[str, Field(max_length=300)] | None = None
    initiative: Annotated[str, Field(max_length=300)] | None = None
    date: dt.date | None = None
