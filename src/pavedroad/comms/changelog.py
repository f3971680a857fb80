"""Changelog service: add, edit, list and assemble entries by ISO week.

Keyword-only functions over a session (`week` and `recent` keep the positional signature the
reports and the public dashboard call); the caller owns the transaction. Capabilities are named
through `catalog.capabilities`, teams and personas through `catalog.service`, initiatives
through `backlog.service`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad.backlog import service as backlog
from pavedroad.catalog import capabilities as catalog_capabilities
from pavedroad.catalog import service as catalog
from pavedroad.comms.models import ChangelogEntry
from pavedroad.comms.schemas.changelog import (
    ChangelogEntryIn,
    ChangelogEntryOut,
    ChangelogEntryUpdate,
    ChangelogWeek,
)
from pavedroad.errors import InputProblem, InvalidInputError, NotFoundError
from pavedroad.metrics.windows import today_utc, week_start

MAX_LISTED = 5000
FEED_SIZE = 50
FIRST_YEAR, LAST_YEAR = 1900, 8999
_WEEK = re.compile(r"([0-9]{4})-W([0-9]{1,2})", re.IGNORECASE)


# ---- ISO weeks (pure) ----------------------------------------------------------------------


def weeks_in_year(year: int) -> int:
    """How many ISO weeks `year` has: 52, or 53 when it starts on a Thursday (or a leap year
    on a Wednesday); 28 December always lies in the last one."""
    return date(year, 12, 28).isocalendar().week


def week_label(day: date) -> str:
    """The ISO week holding `day`, as `2026-W05`."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def parse_week(text: str, *, source: str = "week") -> tuple[str, date, date]:
    """`2026-W40` -> (label, Monday, Sunday), or an input problem saying why not."""
    raw = text.strip()
    match = _WEEK.fullmatch(raw)
    if match is None:
        raise InvalidInputError.because(
            "expected an ISO week such as 2026-W40", source=source, value=text[:40]
        )
    year, number = int(match[1]), int(match[2])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInputError.because(
            f"expected a year from {FIRST_YEAR} to {LAST_YEAR}", source=source, value=text[:40]
        )
    if not 1 <= number <= weeks_in_year(year):
        last = weeks_in_year(year)
        raise InvalidInputError.because(
            f"{year} has no ISO week {number}; its weeks run from W01 to W{last:02d}",
            source=source,
            value=text[:40],
        )
    monday = date.fromisocalendar(year, number, 1)
    return f"{year}-W{number:02d}", monday, monday + timedelta(days=6)


def neighbour_weeks(label: str) -> tuple[str, str]:
    """The ISO weeks before and after `label` (a label `parse_week` accepts)."""
    _, monday, _ = parse_week(label)
    return week_label(monday - timedelta(days=7)), week_label(monday + timedelta(days=7))


# ---- reading entries -----------------------------------------------------------------------


def _outs(session: Session, rows: Sequence[ChangelogEntry]) -> list[ChangelogEntryOut]:
    capability_names = catalog_capabilities.capability_names_by_id(
        session=session, ids=[r.capability_id for r in rows if r.capability_id]
    )
    initiative_titles = (
        {i: ref.title for i, ref in backlog.initiative_refs(session=session).items()}
        if any(r.initiative_id for r in rows)
        else {}
    )
    return [
        ChangelogEntryOut(
            id=r.id,
            title=r.title,
            body=r.body,
            before=r.before,
            after=r.after,
            audience=list(r.audience or []),
            capability=capability_names.get(r.capability_id) if r.capability_id else None,
            initiative=initiative_titles.get(r.initiative_id) if r.initiative_id else None,
            date=r.published_on,
        )
        for r in rows
    ]


def entry_out(session: Session, entry: ChangelogEntry) -> ChangelogEntryOut:
    """One entry as the interfaces show it."""
    return _outs(session, [entry])[0]


def get_entry_or_raise(*, session: Session, entry_id: int) -> ChangelogEntry:
    """The entry with this id, or NotFoundError saying how to list them."""
    found = session.get(ChangelogEntry, entry_id) if 0 < entry_id < 2**31 else None
    if found is None:
        raise NotFoundError(f"no changelog entry {entry_id}; `pavedroad changelog list` lists them")
    return found


def list_entries(
    *,
    session: Session,
    since: date | None = None,
    until: date | None = None,
    capability: str | None = None,
    audience: str | None = None,
    limit: int = MAX_LISTED,
) -> list[ChangelogEntryOut]:
    """Entries newest first, optionally from `since` (inclusive) to `until` (inclusive), of
    one capability (by name) or speaking to one audience (a team slug or persona name; entries
    for everyone speak to every audience)."""
    query = select(ChangelogEntry).order_by(
        ChangelogEntry.published_on.desc(), ChangelogEntry.id.desc()
    )
    if since is not None:
        query = query.where(ChangelogEntry.published_on >= since)
    if until is not None:
        query = query.where(ChangelogEntry.published_on <= until)
    if capability:
        found = catalog_capabilities.find_capability(session=session, name=capability)
        if found is None:
            return []
        query = query.where(ChangelogEntry.capability_id == found.id)
    rows = list(session.scalars(query))
    if audience:
        wanted = audience.strip().casefold()
        rows = [r for r in rows if not r.audience or wanted in {a.casefold() for a in r.audience}]
    return _outs(session, rows[:limit])


def week(session: Session, week: str | None = None, *, today: date | None = None) -> ChangelogWeek:
    """The changelog of ISO week `week` (`2026-W37`; None: the week of `today`)."""
    if week is None:
        monday = week_start(today or today_utc())
        label, start, end = week_label(monday), monday, monday + timedelta(days=6)
    else:
        label, start, end = parse_week(week)
    query = (
        select(ChangelogEntry)
        .where(ChangelogEntry.published_on >= start, ChangelogEntry.published_on <= end)
        .order_by(ChangelogEntry.published_on, ChangelogEntry.id)
    )
    return ChangelogWeek(
        week=label, start=start, end=end, entries=_outs(session, list(session.scalars(query)))
    )


def recent(session: Session, limit: int = 10) -> list[ChangelogEntryOut]:
    """The latest `limit` entries, newest first."""
    query = (
        select(ChangelogEntry)
        .order_by(ChangelogEntry.published_on.desc(), ChangelogEntry.id.desc())
        .limit(max(0, limit))
    )
    return _outs(session, list(session.scalars(query)))


def feed_entries(
    *, session: Session, limit: int = FEED_SIZE
) -> list[tuple[ChangelogEntryOut, datetime, datetime]]:
    """The latest entries for the Atom feed, each with when it was created and last changed."""
    query = (
        select(ChangelogEntry)
        .order_by(ChangelogEntry.published_on.desc(), ChangelogEntry.id.desc())
        .limit(limit)
    )
    rows = list(session.scalars(query))
    return [
        (out, row.created_at, row.updated_at)
        for out, row in zip(_outs(session, rows), rows, strict=True)
    ]


# ---- writing entries -----------------------------------------------------------------------


def _audience(session: Session, names: Sequence[str]) -> list[str]:
    """Team slugs (lower-cased) and persona names (as stored), or a problem naming the rest."""
    wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    teams = catalog.find_teams(session=session, slugs=[n.lower() for n in wanted])
    personas = catalog.find_personas(session=session, names=wanted)
    resolved: list[str] = []
    unknown: list[str] = []
    for name in wanted:
        if name.lower() in teams:
            resolved.append(name.lower())
        elif name.lower() in personas:
            resolved.append(personas[name.lower()].name)
        else:
            unknown.append(name)
    if unknown:
        raise InvalidInputError(
            [
                InputProblem(
                    source="input",
                    field="audience",
                    reason="not a team slug or persona name; `pavedroad catalog teams` and "
                    "`pavedroad catalog personas` list them",
                    value=name,
                )
                for name in unknown
            ]
        )
    return list(dict.fromkeys(resolved))


def _capability_id(session: Session, name: str | None) -> int | None:
    if not name:
        return None
    found = catalog_capabilities.find_capability(session=session, name=name)
    if found is None:
        raise InvalidInputError.because(
            "no capability of this name; `pavedroad catalog capabilities` lists them",
            source="input",
            field="capability",
            value=name,
        )
    return found.id


def _initiative_id(session: Session, title: str | None) -> int | None:
    if not title:
        return None
    try:
        return backlog.get_initiative_by_ref_or_raise(session=session, ref=title).id
    except NotFoundError:
        raise InvalidInputError.because(
            "no initiative of this title; `pavedroad initiatives list` lists them",
            source="input",
            field="initiative",
            value=title,
        ) from None


def add_entry(*, session: Session, data: ChangelogEntryIn) -> ChangelogEntry:
    """Store an entry; its audience, capability and initiative must name stored things."""
    entry = ChangelogEntry(
        title=data.title,
        body=data.body,
        before=data.before,
        after=data.after,
        audience=_audience(session, data.audience),
        capability_id=_capability_id(session, data.capability),
        initiative_id=_initiative_id(session, data.initiative),
        published_on=data.date or today_utc(),
    )
    session.add(entry)
    session.flush()
    return entry


def update_entry(
    *, session: Session, entry: ChangelogEntry, data: ChangelogEntryUpdate
) -> ChangelogEntry:
    """Change the fields given; null clears what may be empty."""
    given = data.model_fields_set
    if "title" in given:
        if not data.title:
            raise InvalidInputError.because("an entry needs a title", source="input", field="title")
        entry.title = data.title
    if "body" in given:
        if not data.body:
            raise InvalidInputError.because(
                "an entry needs a body: what changed", source="input", field="body"
            )
        entry.body = data.body
    if "before" in given:
        entry.before = data.before or ""
    if "after" in given:
        entry.after = data.after or ""
    if "audience" in given:
        entry.audience = _audience(session, data.audience or [])
    if "capability" in given:
        entry.capability_id = _capability_id(session, data.capability)
    if "initiative" in given:
        entry.initiative_id = _initiative_id(session, data.initiative)
    if "date" in given and data.date is not None:
        entry.published_on = data.date
    session.flush()
    return entry


def delete_entry(*, session: Session, entry: ChangelogEntry) -> None:
    """Remove an entry from the changelog (and its feed)."""
    session.delete(entry)
    session.flush()
