"""`pavedroad initiatives import FILE`: initiatives from CSV or YAML, all or nothing.

Fields: title, reach, impact, confidence, effort, category, goal, lane, priority, and optionally
description, owner, status, teams, problems, done_at. A field the file does not carry keeps the
stored value (or the default for a new initiative). Rows are upserted by title, so importing
the same file twice changes nothing. Any problem (with its file, line, field and reason)
refuses the whole file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pavedroad import versions
from pavedroad.backlog.models import Goal, Initiative, Problem
from pavedroad.backlog.schemas import ImportCounts, InitiativeIn
from pavedroad.backlog.service import apply_values
from pavedroad.catalog.importers import validation_problems
from pavedroad.catalog.service import find_teams
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.yamlfile import YamlPath, load_document

if TYPE_CHECKING:
    from pavedroad.catalog.models import Team

FIELDS: tuple[str, ...] = (
    "title",
    "reach",
    "impact",
    "confidence",
    "effort",
    "category",
    "goal",
    "lane",
    "priority",
    "description",
    "owner",
    "status",
    "teams",
    "problems",
    "done_at",
)
REQUIRED: tuple[str, ...] = ("title", "impact", "confidence", "effort")
LIST_FIELDS = frozenset({"teams", "problems"})
# An empty cell of these keeps what is stored (or the default); other empty cells clear.
KEEP_WHEN_EMPTY = frozenset({"status", "category"})
MAX_FILE_BYTES = 20 * 2**20
MAX_ROWS = 10_000
MAX_FIELD_CHARS = 64 * 1024
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_CHUNK = 500
FileKind = Literal["csv", "yaml"]


@dataclass
class ImportRow:
    """One initiative as read, with the line it starts on."""

    line: int
    raw: dict[str, Any]
    record: InitiativeIn | None = None


@dataclass
class ReadFile:
    """The rows of a file, the fields it carries, and what is wrong with it."""

    source: str
    columns: set[str]
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)


def _names(value: object) -> list[str]:
    """A list field: a YAML list, or text with `;` between the names."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    items = value if isinstance(value, list) else [value]
    return [str(item) for item in items if item is not None]


def _csv_rows(source: str, text: str) -> ReadFile:
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InvalidInputError.because(
            f"unreadable header: {exc}", source=source, line=1, unusable=True
        ) from None
    if header is None:
        raise InvalidInputError.because(
            "file is empty; expected a header row", source=source, unusable=True
        )
    if any(_NOT_UTF8.search(c) for c in header):
        raise InvalidInputError.because(
            "the header is not valid UTF-8", source=source, line=1, unusable=True
        )
    columns = [c.strip().lower() for c in header]
    _check_columns(source, columns, line=1)
    read = ReadFile(source=source, columns=set(columns))
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            read.problems.append(
                InputProblem(source=source, line=line, reason=f"broken CSV: {exc}")
            )
            break
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            read.problems.append(
                InputProblem(
                    source=source,
                    line=line,
                    reason=f"expected {len(columns)} values like the header, found {len(values)}",
                )
            )
            continue
        read.rows.append(ImportRow(line=line, raw=dict(zip(columns, values, strict=True))))
        if len(read.rows) > MAX_ROWS:
            raise InvalidInputError.because(
                f"file holds more than {MAX_ROWS} initiatives", source=source, unusable=True
            )
    return read


def _check_columns(source: str, columns: list[str], *, line: int | None) -> None:
    problems = []
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [c for c in dict.fromkeys(columns) if c not in FIELDS]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if missing:
        problems.append(f"missing field(s) {', '.join(missing)}")
    if unknown:
        shown = ", ".join(u if len(u) <= 40 else u[:37] + "..." for u in unknown[:10])
        problems.append(f"unknown field(s) {shown}")
    if repeated:
        problems.append(f"repeated field(s) {', '.join(repeated)}")
    if problems:
        raise InvalidInputError.because(
            "; ".join(problems) + f"; fields are {', '.join(FIELDS)}",
            source=source,
            line=line,
            field="header",
            unusable=True,
        )


def _yaml_scalar(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _yaml_rows(source: str, text: str) -> ReadFile:
    document = load_document(text, source=source)
    data = document.value
    where: YamlPath = ()
    if isinstance(data, dict):
        if set(data) != {"initiatives"}:
            raise InvalidInputError.because(
                "expected a list of initiatives, or `initiatives:` with one",
                source=source,
                line=1,
                unusable=True,
            )
        data, where = data["initiatives"], ("initiatives",)
    if data is None:
        data = []
    if not isinstance(data, list):
        raise InvalidInputError.because(
            "expected a list of initiatives, or `initiatives:` with one",
            source=source,
            line=1,
            unusable=True,
        )
    if len(data) > MAX_ROWS:
        raise InvalidInputError.because(
            f"file holds more than {MAX_ROWS} initiatives", source=source, unusable=True
        )
    lines = [document.lines[(*where, index)] for index in range(len(data))]
    columns: set[str] = set()
    read = ReadFile(source=source, columns=columns)
    for line, item in zip(lines, data, strict=True):
        if not isinstance(item, dict):
            read.problems.append(
                InputProblem(source=source, line=line, reason="expected a mapping of fields")
            )
            continue
        unknown = [k for k in item if k.strip().lower() not in FIELDS]
        if unknown:
            read.problems.append(
                InputProblem(
                    source=source,
                    line=line,
                    field=unknown[0][:40],
                    reason=f"unknown field; fields are {', '.join(FIELDS)}",
                )
            )
            continue
        raw = {k.strip().lower(): _yaml_scalar(v) for k, v in item.items()}
        missing = [name for name in REQUIRED if name not in raw]
        if missing:
            read.problems.append(
                InputProblem(
                    source=source,
                    line=line,
                    field=missing[0],
                    reason="is required but missing",
                )
            )
            continue
        columns.update(raw)
        read.rows.append(ImportRow(line=line, raw=raw))
    return read


def _field_problem(source: str, line: int, name: str, value: Any) -> InputProblem | None:
    """Shapes that must be refused before validation, without printing a huge value."""
    if name in LIST_FIELDS:
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str | int | float) for v in items if v is not None):
            return InputProblem(
                source=source, line=line, field=name, reason="expected a list of names"
            )
        return None
    if isinstance(value, list | dict):
        return InputProblem(source=source, line=line, field=name, reason="expected a single value")
    if isinstance(value, str):
        if _NOT_UTF8.search(value):
            return InputProblem(source=source, line=line, field=name, reason="is not valid UTF-8")
        if len(value) > MAX_FIELD_CHARS:
            return InputProblem(
                source=source,
                line=line,
                field=name,
                reason=f"is longer than {MAX_FIELD_CHARS} characters",
            )
    return None


def _validate(read: ReadFile) -> None:
    for row in read.rows:
        shaped: dict[str, Any] = {}
        bad = False
        for name, value in row.raw.items():
            problem = _field_problem(read.source, row.line, name, value)
            if problem:
                read.problems.append(problem)
                bad = True
                continue
            if name in LIST_FIELDS:
                value = _names(value)
            elif name in KEEP_WHEN_EMPTY and (value is None or str(value).strip() == ""):
                continue
            elif value is None:
                value = "" if name in ("title", "description", "owner") else None
            elif name in ("title", "description", "owner", "goal") and not isinstance(value, str):
                value = str(value)
            shaped[name] = value
        if bad:
            continue
        try:
            row.record = InitiativeIn.model_validate(shaped)
        except ValidationError as exc:
            read.problems.extend(
                validation_problems(
                    exc,
                    source=read.source,
                    line=row.line,
                    raw={k: v for k, v in shaped.items() if not isinstance(v, list)},
                )
            )


def read_initiatives_file(path: Path) -> ReadFile:
    """Read and validate every initiative of a CSV or YAML file (by its extension)."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise InvalidInputError.because(
            "expected a .csv, .yaml or .yml file", source=source, unusable=True
        )
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInputError.because(
                f"file is larger than {MAX_FILE_BYTES // 2**20} MB", source=source, unusable=True
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError.because(
            f"cannot read file: {exc.strerror}", source=source, unusable=True
        ) from None
    return read_initiatives(data, source=source, kind="csv" if suffix == ".csv" else "yaml")


def read_initiatives(data: bytes, *, source: str, kind: FileKind) -> ReadFile:
    """Read and validate every initiative of CSV or YAML bytes; `source` names them in problems."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInputError.because(
            f"file is larger than {MAX_FILE_BYTES // 2**20} MB", source=source, unusable=True
        )
    if kind == "csv":
        text = data.decode("utf-8-sig", errors="surrogateescape")
        if "\x00" in text:
            raise InvalidInputError.because(
                "file holds NUL bytes; is it really CSV?", source=source, unusable=True
            )
        read = _csv_rows(source, text)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInputError.because(
                "file is not valid UTF-8", source=source, unusable=True
            ) from None
        read = _yaml_rows(source, text)
    _validate(read)
    return read


def _check_duplicates(read: ReadFile) -> None:
    first: dict[str, int] = {}
    for row in read.rows:
        if row.record is None:
            continue
        seen = first.setdefault(row.record.title, row.line)
        if seen != row.line:
            read.problems.append(
                InputProblem(
                    source=read.source,
                    line=row.line,
                    field="title",
                    reason=f"duplicate title, first at line {seen}",
                    value=row.record.title,
                )
            )


def _lookup(session: Session, model: Any, column: Any, keys: set[str]) -> dict[str, Any]:
    wanted = sorted(keys)
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), _CHUNK):
        for row in session.scalars(select(model).where(column.in_(wanted[start : start + _CHUNK]))):
            found[getattr(row, column.key)] = row
    return found


def _references(
    session: Session, read: ReadFile
) -> tuple[dict[str, Team], dict[str, Problem], dict[str, Goal]]:
    records = [row for row in read.rows if row.record is not None]
    teams = find_teams(session=session, slugs={t for r in records for t in r.record.teams})  # type: ignore[union-attr]
    problems = _lookup(
        session,
        Problem,
        Problem.title,
        {p for r in records for p in r.record.problems},  # type: ignore[union-attr]
    )
    goals = _lookup(session, Goal, Goal.title, {r.record.goal for r in records if r.record.goal})  # type: ignore[union-attr]
    for row in records:
        record = row.record
        assert record is not None
        for slug in record.teams:
            if slug not in teams:
                read.problems.append(
                    InputProblem(
                        source=read.source,
                        reason="unknown team",
                        line=row.line,
                        field="teams",
                        value=slug,
                    )
                )
        for title in record.problems:
            if title not in problems:
                read.problems.append(
                    InputProblem(
                        source=read.source,
                        reason="unknown problem; add it first with pavedroad problems add",
                        line=row.line,
                        field="problems",
                        value=title,
                    )
                )
        if record.goal and record.goal not in goals:
            read.problems.append(
                InputProblem(
                    source=read.source,
                    reason="unknown goal of the impact map",
                    line=row.line,
                    field="goal",
                    value=record.goal,
                )
            )
    return teams, problems, goals


def _sort_key(problem: InputProblem) -> tuple[int, str]:
    return (problem.line or 0, problem.field or "")


def import_initiatives(*, session: Session, path: Path) -> ImportCounts:
    """Upsert every initiative of the file by title, or write nothing and raise its problems."""
    return write_initiatives(session=session, read=read_initiatives_file(path))


def write_initiatives(*, session: Session, read: ReadFile) -> ImportCounts:
    """Upsert the initiatives read, or write nothing and raise every problem with its line."""
    _check_duplicates(read)
    teams, problems, goals = _references(session, read)
    if read.problems:
        raise InvalidInputError(sorted(read.problems, key=_sort_key))
    counts = ImportCounts()
    existing = _existing(session, {row.record.title for row in read.rows if row.record})
    unreached: list[InputProblem] = []
    for row in read.rows:
        record = row.record
        assert record is not None
        given = record.model_fields_set
        values = {
            name: getattr(record, name)
            for name in given
            if name not in LIST_FIELDS and name != "goal"
        }
        initiative = existing.get(record.title)
        if initiative is None:
            initiative = Initiative(
                title=record.title,
                impact=record.impact,
                confidence=record.confidence,
                effort=record.effort,
                status="idea",
                category="roadmap",
                lane_locked=False,
                teams=[],
                problems=[],
                impacts=[],
                criteria=[],
                decisions=[],
            )
            session.add(initiative)
            outcome = "created"
        else:
            outcome = "unchanged"
        changed = apply_values(
            initiative,
            values,
            teams=[teams[t] for t in record.teams] if "teams" in given else None,
            problems=[problems[p] for p in record.problems] if "problems" in given else None,
            goal=(goals[record.goal] if record.goal else None) if "goal" in given else "keep",
            empty_lane_keeps=True,
        )
        if initiative.reach is None and not initiative.teams:
            unreached.append(
                InputProblem(
                    source=read.source,
                    reason="give a reach or the teams it targets (their headcount is then its reach)",
                    line=row.line,
                    field="reach",
                )
            )
        if outcome == "created":
            counts.created += 1
        elif changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    if unreached:
        # Raising rolls back the caller's unit of work, so nothing of the file is written.
        raise InvalidInputError(unreached)
    session.flush()
    if counts.created or counts.updated:
        versions.bump(session, "backlog")
    return counts


def _existing(session: Session, titles: set[str]) -> dict[str, Initiative]:
    wanted = sorted(titles)
    found: dict[str, Initiative] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = (
            select(Initiative)
            .options(selectinload(Initiative.teams), selectinload(Initiative.problems))
            .where(Initiative.title.in_(wanted[start : start + _CHUNK]))
        )
        found.update({i.title: i for i in session.scalars(query)})
    return found


def iter_template() -> Iterator[str]:
    """The CSV header of an initiatives file."""
    yield ",".join(FIELDS)
