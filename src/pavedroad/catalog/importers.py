"""Catalog imports: read CSV files and check references, then write all or nothing per file."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from pavedroad.catalog.schemas import DeveloperIn, ServiceIn, SystemIn, TeamIn
from pavedroad.catalog.service import (
    CatalogBatch,
    ImportReport,
    apply_batch,
    known_system_names,
    known_team_slugs,
)
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.parsing import parse_bool, parse_count, parse_optional_timestamp

CsvKind = Literal["teams", "developers", "services"]
CSV_KINDS: tuple[CsvKind, ...] = ("teams", "developers", "services")

# Columns each CSV kind accepts; the first group must be present in the header.
CSV_COLUMNS: dict[CsvKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "teams": (("slug", "name"), ("eligible", "headcount")),
    "developers": (("email", "name", "team"), ("started_at", "role")),
    "services": (
        ("name", "owner"),
        ("created_at", "onboarded_to_platform_at", "tier", "system", "repository"),
    ),
}
MAX_FIELD_BYTES = 64 * 1024
# Bytes that are not UTF-8 are read as lone surrogates (surrogateescape), so the row can be named.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")

Record = TypeVar("Record", bound=BaseModel)


@dataclass(frozen=True)
class Located(Generic[Record]):
    """A validated record with where it came from, so later checks can name the place."""

    record: Record
    source: str
    line: int | None
    entity: str | None = None
    # How the source names a record field, e.g. "team" is "spec.memberOf" in Backstage YAML.
    field_names: dict[str, str] | None = None

    def problem(
        self, reason: str, *, field: str | None = None, value: str | None = None
    ) -> InputProblem:
        return InputProblem(
            source=self.source,
            line=self.line,
            entity=self.entity,
            field=(self.field_names or {}).get(field, field) if field else None,
            reason=reason,
            value=value,
        )


@dataclass
class LocatedBatch:
    """Records of one input file before their references are checked."""

    source: str
    teams: list[Located[TeamIn]] = field(default_factory=list)
    systems: list[Located[SystemIn]] = field(default_factory=list)
    developers: list[Located[DeveloperIn]] = field(default_factory=list)
    services: list[Located[ServiceIn]] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    # What was imported differently from how the file says it, e.g. a dangling reference.
    notices: list[InputProblem] = field(default_factory=list)
    ignored: int = 0

    def to_batch(self) -> CatalogBatch:
        return CatalogBatch(
            teams=[x.record for x in self.teams],
            systems=[x.record for x in self.systems],
            developers=[x.record for x in self.developers],
            services=[x.record for x in self.services],
        )


@dataclass
class CatalogImportResult:
    """What an import wrote, and which files it refused with their problems."""

    report: ImportReport
    accepted: list[str]
    rejected: dict[str, list[InputProblem]]
    ignored: int = 0
    # Per accepted file: what was imported differently from how the file says it, and why.
    notices: dict[str, list[InputProblem]] = field(default_factory=dict)
    # Refused files that could not be read at all (broken YAML, not UTF-8, too large).
    unreadable: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected


def validation_problems(
    error: ValidationError,
    *,
    source: str,
    line: int | None,
    entity: str | None = None,
    field_names: dict[str, str] | None = None,
    raw: dict[str, Any] | None = None,
) -> list[InputProblem]:
    """Turn pydantic's errors into problems that name the field the user wrote."""
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else None
        shown = (field_names or {}).get(name or "", name)
        value = raw.get(name) if raw and name else None
        reason = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "missing":
            reason = "is required but missing"
        elif item["type"] == "string_pattern_mismatch":
            reason = "must be lowercase letters, digits, '.', '_' or '-' (at most 100 characters)"
        problems.append(
            InputProblem(
                source=source,
                line=line,
                entity=entity,
                field=shown,
                reason=reason,
                value=None if value is None else str(value),
            )
        )
    return problems


def check_duplicates(batches: list[LocatedBatch]) -> None:
    """A natural key defined twice, within a file or across files, is a problem where it repeats."""
    seen: dict[tuple[str, str], Located[Any]] = {}
    for batch in batches:
        for kind, items, key in (
            ("team", batch.teams, "slug"),
            ("system", batch.systems, "name"),
            ("developer", batch.developers, "key"),
            ("service", batch.services, "name"),
        ):
            for item in items:
                value = getattr(item.record, key)
                first = seen.setdefault((kind, value), item)
                if first is not item:
                    where = first.source + (f":{first.line}" if first.line else "")
                    shown = key
                    if key == "key":
                        # A developer is keyed by email, or (Backstage) by its entity reference.
                        shown = (
                            "email" if value == getattr(item.record, "email", None) else "identity"
                        )
                    batch.problems.append(
                        item.problem(
                            f"duplicate {kind} {shown}, first defined at {where}",
                            field=shown,
                            value=value,
                        )
                    )


def check_references(*, session: Session, batches: list[LocatedBatch]) -> list[LocatedBatch]:
    """Refuse files whose references do not resolve; repeat until the accepted set is stable.

    A file that names a team defined only in a refused file is refused too, so what is
    written never points at something that was not.
    """
    pending = [b for b in batches if not b.problems]
    while True:
        wanted_teams = {
            ref
            for b in pending
            for ref in [d.record.team for d in b.developers]
            + [s.record.owner for s in b.services]
            + [s.record.owner for s in b.systems if s.record.owner]
        }
        teams = known_team_slugs(session=session, slugs=wanted_teams) | {
            t.record.slug for b in pending for t in b.teams
        }
        wanted_systems = {s.record.system for b in pending for s in b.services if s.record.system}
        systems = known_system_names(session=session, names=wanted_systems) | {
            s.record.name for b in pending for s in b.systems
        }
        refused = False
        for batch in pending:
            for dev in batch.developers:
                if dev.record.team not in teams:
                    batch.problems.append(
                        dev.problem("unknown team", field="team", value=dev.record.team)
                    )
            for svc in batch.services:
                if svc.record.owner not in teams:
                    batch.problems.append(
                        svc.problem("unknown owner team", field="owner", value=svc.record.owner)
                    )
                if svc.record.system and svc.record.system not in systems:
                    batch.problems.append(
                        svc.problem("unknown system", field="system", value=svc.record.system)
                    )
            for system in batch.systems:
                if system.record.owner and system.record.owner not in teams:
                    batch.problems.append(
                        system.problem(
                            "unknown owner team", field="owner", value=system.record.owner
                        )
                    )
            refused = refused or bool(batch.problems)
        if not refused:
            return pending
        pending = [b for b in pending if not b.problems]


def import_batches(
    *, session: Session, batches: list[LocatedBatch], source: str
) -> CatalogImportResult:
    """Check duplicates and references, then write every file that passed in one transaction."""
    check_duplicates(batches)
    accepted = check_references(session=session, batches=batches)
    merged = CatalogBatch()
    for batch in accepted:
        part = batch.to_batch()
        merged.teams += part.teams
        merged.systems += part.systems
        merged.developers += part.developers
        merged.services += part.services
    report = apply_batch(session=session, batch=merged, source=source)
    return CatalogImportResult(
        report=report,
        accepted=[b.source for b in accepted],
        rejected={b.source: b.problems for b in batches if b.problems},
        ignored=sum(b.ignored for b in batches),
        notices={b.source: b.notices for b in accepted if b.notices},
    )


def _csv_rows(path: Path, kind: CsvKind) -> Iterator[tuple[int, dict[str, str] | None, str | None]]:
    """Check the header, then yield (line, row, problem) for each data row; stop on broken CSV.

    `line` is where the row starts, even when a quoted value spans several lines.
    """
    try:
        handle = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as exc:
        raise InvalidInputError.because(
            f"cannot open file: {exc.strerror}", source=path, unusable=True
        ) from None
    with handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise InvalidInputError.because(
                f"unreadable header: {exc}", source=path, line=1, unusable=True
            ) from None
        if header is None:
            raise InvalidInputError.because(
                "file is empty; expected a header row", source=path, unusable=True
            )
        if any(_NOT_UTF8.search(c) for c in header):
            raise InvalidInputError.because(
                "is not valid UTF-8", source=path, line=1, field="header", unusable=True
            )
        columns = [c.strip().lower() for c in header]
        _check_header(path, kind, columns)
        while True:
            line = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield line, None, f"broken CSV: {exc}"
                return
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(columns):
                yield (
                    line,
                    None,
                    f"expected {len(columns)} values like the header, found {len(values)}",
                )
                continue
            if any(len(v) > MAX_FIELD_BYTES for v in values):
                yield line, None, f"a value is longer than {MAX_FIELD_BYTES} characters"
                continue
            yield line, dict(zip(columns, values, strict=True)), None


def _check_header(path: Path, kind: CsvKind, columns: list[str]) -> None:
    required, optional = CSV_COLUMNS[kind]
    problems = []
    missing = [c for c in required if c not in columns]
    unknown = [c for c in columns if c not in required + optional]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if duplicated:
        problems.append(f"repeated column(s) {', '.join(duplicated)}")
    if problems:
        expected = ",".join(required + optional)
        raise InvalidInputError.because(
            "; ".join(problems) + f"; expected columns {expected}",
            source=path,
            line=1,
            field="header",
            unusable=True,
        )


def _convert(kind: CsvKind, raw: dict[str, str]) -> dict[str, Any]:
    """Turn CSV strings into typed values; raise InvalidInputError naming the field."""
    out: dict[str, Any] = {}
    required, _ = CSV_COLUMNS[kind]
    for name, text in raw.items():
        if _NOT_UTF8.search(text):
            shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            raise InvalidInputError.because("is not valid UTF-8", field=name, value=shown)
        if name in required and not text.strip():
            raise InvalidInputError.because("is required but empty", field=name, value=text)
        try:
            if name == "eligible":
                out[name] = parse_bool(text) if text.strip() else True
            elif name == "headcount":
                out[name] = parse_count(text) if text.strip() else 0
            elif name in ("started_at", "created_at", "onboarded_to_platform_at"):
                out[name] = parse_optional_timestamp(text)
            elif name in ("role", "tier", "system") and not text.strip():
                continue
            else:
                out[name] = text
        except InvalidInputError as exc:
            raise InvalidInputError([p.at(field=name, value=text) for p in exc.problems]) from None
        except OverflowError:
            raise InvalidInputError.because(
                "is outside the range of dates that can be stored", field=name, value=text
            ) from None
    return out


_SCHEMAS: dict[CsvKind, type[BaseModel]] = {
    "teams": TeamIn,
    "developers": DeveloperIn,
    "services": ServiceIn,
}


def read_catalog_csv(path: Path, kind: CsvKind) -> LocatedBatch:
    """Validate every row of a catalog CSV; problems name the line, field and reason."""
    source = str(path)
    batch = LocatedBatch(source=source)
    schema = _SCHEMAS[kind]
    for line, raw, problem in _csv_rows(path, kind):
        if problem or raw is None:
            batch.problems.append(
                InputProblem(source=source, line=line, reason=problem or "unreadable row")
            )
            continue
        try:
            record = schema.model_validate(_convert(kind, raw))
        except InvalidInputError as exc:
            batch.problems += [p.at(source=source, line=line) for p in exc.problems]
            continue
        except ValidationError as exc:
            batch.problems.extend(validation_problems(exc, source=source, line=line, raw=raw))
            continue
        getattr(batch, kind).append(Located(record=record, source=source, line=line))
    return batch


def import_catalog_csv(*, session: Session, path: Path, kind: CsvKind) -> CatalogImportResult:
    """Import one catalog CSV: every row is written, or none is."""
    return import_batches(session=session, batches=[read_catalog_csv(path, kind)], source="csv")


def csv_template(kind: CsvKind) -> str:
    """An empty CSV with the header of `kind`."""
    required, optional = CSV_COLUMNS[kind]
    buffer = io.StringIO()
    csv.writer(buffer).writerow(required + optional)
    return buffer.getvalue()
