"""Changelog shapes: an entry as the API and `--json` give it, and one assembled ISO week."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


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
    date: date


class ChangelogWeek(BaseModel):
    """The weekly changelog: ISO week `2026-W37`, its Monday and Sunday, its entries by date."""

    week: str
    start: date
    end: date
    entries: list[ChangelogEntryOut]
