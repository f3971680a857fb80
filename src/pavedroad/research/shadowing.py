"""Developer shadowing sessions: import notes, add from the form, list, show, export, contacts.

A session's identity is its `natural_key` (day, the developer or else the team, workflow):
importing the same notes again updates the session instead of adding one. Teams are resolved
through the catalog's services; friction themes come from the one rule mechanism
(`research.rules.categoriser`, rule set "friction").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pavedroad.catalog.service import developer_teams, find_teams, list_teams, team_slugs_by_id
from pavedroad.errors import ConflictError, InputProblem, InvalidInputError, NotFoundError
from pavedroad.metrics.windows import parse_window, quarter_of, today_utc
from pavedroad.research import timelog
from pavedroad.research.categorise import Categoriser
from pavedroad.research.models import ShadowingSession, TimeLogEntry
from pavedroad.research.notes import SessionNotes, read_notes, read_time_log, session_markdown
from pavedroad.research.rules import categoriser
from pavedroad.research.schemas import Contact
from pavedroad.research.shadowing_schemas import (
    FrictionOut,
    ImportProblemOut,
    ShadowingDetail,
    ShadowingImportOut,
    ShadowingIn,
    ShadowingList,
    ShadowingOut,
    ShadowingProgress,
    TimeLogLineOut,
)

# The practice: "Do this with 3 different teams per quarter."
AIM_TEAMS_PER_QUARTER = 3
_QUARTER = re.compile(r"^\d{4}-Q[1-4]$")


def natural_key(
    *, observed_on: date, developer: str | None, team: str | None, workflow: str
) -> str:
    """Same day + developer (or, anonymised, team) + workflow = the same session."""
    who = f"developer:{developer.strip().lower()}" if developer else f"team:{(team or '').lower()}"
    what = " ".join(workflow.lower().split())
    return hashlib.sha256(f"{observed_on.isoformat()}|{who}|{what}".encode()).hexdigest()


def check_quarter(quarter: str) -> str:
    """A quarter label such as 2026-Q3, upper-cased, or an input problem saying the form."""
    label = quarter.strip().upper()
    if not _QUARTER.match(label):
        raise InvalidInputError.because(
            "expected a quarter such as 2026-Q3", field="quarter", value=quarter[:40]
        )
    return label


# --- teams ------------------------------------------------------------------------------------


class _Teams:
    """The catalog's teams by slug and by name, asked once per import."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_name: dict[str, str] = {}
        for team in list_teams(session=session):
            self.by_name[team.slug.lower()] = team.slug
            self.by_name.setdefault(team.name.lower(), team.slug)
        self._ids: dict[str, int] = {}

    def slug_of(self, text: str | None) -> str | None:
        return self.by_name.get(" ".join(text.split()).lower()) if text else None

    def id_of(self, slug: str | None) -> int | None:
        if slug is None:
            return None
        if slug not in self._ids:
            found = find_teams(session=self.session, slugs=[slug])
            if slug in found:
                self._ids[slug] = found[slug].id
        return self._ids.get(slug)

    def resolve(
        self, developer: str | None, team: str | None
    ) -> tuple[str | None, str | None, str | None]:
        """Developer, team slug, and the reason when a named team is not in the catalog."""
        if team is None and developer is not None:
            if (slug := self.slug_of(developer)) is not None:
                return None, slug, None
            known = developer_teams(session=self.session, identities=[developer])
            return developer, known.get(developer), None
        if team is None:
            return developer, None, None
        slug = self.slug_of(team)
        if slug is None:
            return (
                developer,
                None,
                f"no team {team!r} in the catalog (`pavedroad catalog list teams`); "
                "the session was imported without a team",
            )
        return developer, slug, None


# --- writing ----------------------------------------------------------------------------------


def _by_key(session: Session, key: str) -> ShadowingSession | None:
    return session.scalar(select(ShadowingSession).where(ShadowingSession.natural_key == key))


def _fill(row: ShadowingSession, notes: SessionNotes, team_id: int | None, source: str) -> None:
    row.observed_on = notes.observed_on
    row.developer = notes.developer[:320] if notes.developer else None
    row.team_id = team_id
    row.workflow = notes.workflow[:500]
    row.tools = list(dict.fromkeys(t[:100] for t in notes.tools))
    row.friction_points = timelog.friction_points(notes.friction_points)
    row.wishes = timelog.wishes(notes.wishes, notes.log)
    row.stated_context_switches = notes.stated_context_switches
    row.stated_waiting_min = notes.stated_waiting_min
    row.notes = "\n".join(notes.notes)
    row.source = source[:500]
    row.log = [
        TimeLogEntry(position=n, offset_s=line.offset_s, text=line.text)
        for n, line in enumerate(notes.log, start=1)
    ]


def import_notes(
    session: Session, *, files: Sequence[tuple[str, bytes | str]]
) -> ShadowingImportOut:
    """Import every session of every file; unreadable lines are reported, the rest is written.

    `files` are (name, content). A file that cannot be read at all (too big, binary, no
    session header) refuses the whole import before anything is written (unusable input).
    """
    read = [(name, read_notes(content, source=name)) for name, content in files]
    teams = _Teams(session)
    problems: list[InputProblem] = []
    rows: list[ShadowingSession] = []
    for name, notes_read in read:
        problems += notes_read.problems
        for notes in notes_read.sessions:
            developer, slug, unknown = teams.resolve(notes.developer, notes.team)
            if unknown is not None:
                problems.append(InputProblem(source=name, line=notes.line, reason=unknown))
            notes.developer, notes.team = developer, slug
            key = natural_key(
                observed_on=notes.observed_on,
                developer=developer,
                team=slug if slug is not None else notes.team,
                workflow=notes.workflow,
            )
            team_id = teams.id_of(slug)
            row = _by_key(session, key)
            if row is None:
                row = ShadowingSession(natural_key=key)
                session.add(row)
            _fill(row, notes, team_id, name)
            session.flush()
            if row not in rows:
                rows.append(row)
    problems.sort(key=lambda p: (p.source, p.line or 0))
    slugs = _slugs(session, rows)
    return ShadowingImportOut(
        sessions=[session_out(row, slugs.get(row.team_id or 0)) for row in rows],
        problems=[
            ImportProblemOut(
                file=p.source,
                line=p.line,
                reason=p.reason + (f" (got {p.value!r})" if p.value else ""),
            )
            for p in problems
        ],
    )


def add_session(session: Session, *, data: ShadowingIn, source: str = "manual") -> ShadowingSession:
    """Add a session typed in the form or sent to the API; any unreadable log line refuses it."""
    log, problems = read_time_log(data.time_log, source="time_log")
    problems = [p.at(field="time_log") for p in problems]
    teams = _Teams(session)
    developer = data.developer.strip() if data.developer and data.developer.strip() else None
    team = data.team.strip() if data.team and data.team.strip() else None
    developer, slug, unknown = teams.resolve(developer, team)
    if unknown is not None:
        problems.append(InputProblem(reason=f"no team {team!r} in the catalog", field="team"))
    if problems:
        raise InvalidInputError(problems=problems)
    workflow = " ".join(data.workflow.split())
    key = natural_key(observed_on=data.date, developer=developer, team=slug, workflow=workflow)
    existing = _by_key(session, key)
    if existing is not None:
        raise ConflictError(
            f"session {existing.id} already records this day, developer and workflow; "
            "change it by importing its notes again"
        )
    notes = SessionNotes(
        source=source,
        line=0,
        observed_on=data.date,
        developer=developer,
        team=slug,
        workflow=workflow,
        log=log,
        friction_points=[p for p in data.friction_points if p.strip()],
        tools=[t.strip() for t in data.tools if t.strip()],
        stated_context_switches=data.context_switches,
        stated_waiting_min=data.waiting_min,
        wishes=[w for w in data.wishes if w.strip()],
        notes=[line for line in data.notes.splitlines() if line.strip()],
    )
    team_id = teams.id_of(slug)
    row = ShadowingSession(natural_key=key)
    _fill(row, notes, team_id, source)
    session.add(row)
    session.flush()
    return row


# --- reading ----------------------------------------------------------------------------------


def _slugs(session: Session, rows: Sequence[ShadowingSession]) -> dict[int, str]:
    return team_slugs_by_id(session=session, ids=[r.team_id for r in rows if r.team_id])


def _log(row: ShadowingSession) -> list[timelog.LogLine]:
    return [timelog.LogLine(offset_s=e.offset_s, text=e.text) for e in row.log]


def session_out(row: ShadowingSession, team: str | None) -> ShadowingOut:
    """A stored session with its derived figures, in the import contract's shape."""
    log = _log(row)
    tools = timelog.session_tools(row.tools, log)
    return ShadowingOut(
        id=row.id,
        date=row.observed_on,
        team=team,
        developer=row.developer,
        workflow=row.workflow,
        duration_min=timelog.duration_min(log),
        log_entries=timelog.log_entries(log),
        context_switches=timelog.context_switches(row.stated_context_switches, log, tools),
        context_switches_derived=timelog.context_switches_derived(log, tools),
        waiting_min=timelog.waiting_min(row.stated_waiting_min, log),
        friction_points=list(row.friction_points),
        wishes=list(row.wishes),
        tools=tools,
    )


def _detail(row: ShadowingSession, team: str | None, themes: Categoriser) -> ShadowingDetail:
    out = session_out(row, team)
    log = _log(row)
    candidates = timelog.tool_candidates(out.tools)
    categories = themes.categories_of(list(row.friction_points))
    return ShadowingDetail(
        **out.model_dump(),
        stated_context_switches=row.stated_context_switches,
        stated_waiting_min=row.stated_waiting_min,
        waiting_min_derived=timelog.waiting_min_derived(log),
        log=[
            TimeLogLineOut(
                at=timelog.stamp_text(line.offset_s),
                offset_s=line.offset_s,
                text=line.text,
                tool=timelog.tool_of(line.text, candidates),
                waiting=timelog.says_waiting(line.text),
            )
            for line in log
        ],
        friction=[
            FrictionOut(text=text, theme=theme)
            for text, theme in zip(row.friction_points, categories, strict=True)
        ],
        notes=row.notes,
        source=row.source,
    )


def _rows(
    session: Session, *, start: date | None = None, end: date | None = None
) -> list[ShadowingSession]:
    query = select(ShadowingSession).options(selectinload(ShadowingSession.log))
    if start is not None:
        query = query.where(ShadowingSession.observed_on >= start)
    if end is not None:
        query = query.where(ShadowingSession.observed_on < end)
    return list(session.scalars(query.order_by(ShadowingSession.observed_on, ShadowingSession.id)))


def _quarter_bounds(quarter: str) -> tuple[date, date]:
    window = parse_window(check_quarter(quarter))
    return window.start.date(), window.end.date()


def quarter_progress(session: Session, *, quarter: str | None = None) -> ShadowingProgress:
    """How many different teams were shadowed in the quarter (default: this one), of the aim."""
    label = check_quarter(quarter) if quarter else quarter_of(today_utc())
    start, end = _quarter_bounds(label)
    teams = {r.team_id for r in _rows(session, start=start, end=end) if r.team_id is not None}
    return ShadowingProgress(teams_shadowed=len(teams), aim=AIM_TEAMS_PER_QUARTER, quarter=label)


def progress_by_quarter(session: Session) -> list[ShadowingProgress]:
    """The progress of every quarter that has a session, latest first."""
    teams: dict[str, set[int]] = {}
    for row in _rows(session):
        shadowed = teams.setdefault(quarter_of(row.observed_on), set())
        if row.team_id is not None:
            shadowed.add(row.team_id)
    return [
        ShadowingProgress(teams_shadowed=len(ids), aim=AIM_TEAMS_PER_QUARTER, quarter=label)
        for label, ids in sorted(teams.items(), reverse=True)
    ]


def list_sessions(session: Session, *, quarter: str | None = None) -> ShadowingList:
    """The sessions by day (of one quarter when given) and that quarter's progress."""
    start = end = None
    if quarter:
        start, end = _quarter_bounds(quarter)
    rows = _rows(session, start=start, end=end)
    slugs = _slugs(session, rows)
    return ShadowingList(
        sessions=[session_out(r, slugs.get(r.team_id or 0)) for r in rows],
        progress=quarter_progress(session, quarter=quarter),
    )


def _row_or_raise(session: Session, session_id: int) -> ShadowingSession:
    row = session.get(ShadowingSession, session_id)
    if row is None:
        raise NotFoundError(
            f"no shadowing session {session_id}; `pavedroad research shadowing list` lists them"
        )
    return row


def get_session(session: Session, *, session_id: int) -> ShadowingDetail:
    """One session in full: its log, stated beside derived figures, friction themes."""
    row = _row_or_raise(session, session_id)
    slugs = _slugs(session, [row])
    return _detail(row, slugs.get(row.team_id or 0), categoriser(session, ruleset="friction"))


def export_session(session: Session, *, session_id: int) -> str:
    """The session as Markdown in the practice's template; importing it gives the same session."""
    row = _row_or_raise(session, session_id)
    team = _slugs(session, [row]).get(row.team_id or 0)
    log = _log(row)
    return session_markdown(
        observed_on=row.observed_on,
        developer=row.developer,
        team=team,
        workflow=row.workflow,
        log=log,
        friction_points=row.friction_points,
        tools=timelog.session_tools(row.tools, log),
        stated_context_switches=row.stated_context_switches,
        stated_waiting_min=row.stated_waiting_min,
        wishes=row.wishes,
        notes=row.notes,
    )


def contacts(session: Session, *, start: date, end: date) -> list[Contact]:
    """Each session in [start, end) as a research contact: method, team slug, developer, day."""
    rows = _rows(session, start=start, end=end)
    slugs = _slugs(session, rows)
    return [
        Contact(
            method="shadowing",
            team=slugs.get(r.team_id or 0),
            person=r.developer,
            on=r.observed_on,
        )
        for r in rows
    ]


def friction_points(
    session: Session, *, start: date, end: date
) -> list[tuple[int, str | None, str]]:
    """Every friction point of the sessions in [start, end): (session id, team slug, text)."""
    rows = _rows(session, start=start, end=end)
    slugs = _slugs(session, rows)
    return [(r.id, slugs.get(r.team_id or 0), text) for r in rows for text in r.friction_points]


def friction_themes(session: Session, *, quarter: str | None = None) -> list[tuple[str, int]]:
    """Friction points counted per theme of the friction rules, most first (unthemed last)."""
    start = end = None
    if quarter:
        start, end = _quarter_bounds(quarter)
    texts = [text for r in _rows(session, start=start, end=end) for text in r.friction_points]
    counts, unmatched = categoriser(session, ruleset="friction").count(texts)
    themed = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return themed + ([("no theme", len(unmatched))] if unmatched else [])
