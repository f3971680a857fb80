"""Import an event file: stream, validate, resolve references, upsert in batches, as one run.

Each batch is its own transaction together with the run's counts, so a killed import leaves
whole batches only, and running it again converges on exactly the file's rows (upserts).
`--strict` reads the file twice: once to check every row, once to write.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from pavedroad.catalog.capabilities import capability_names, ensure_capabilities
from pavedroad.catalog.schemas import SLUG_PATTERN, ServiceIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch, service_owners, team_slugs
from pavedroad.db import session_factory
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.ingest import runs
from pavedroad.ingest.kinds import KINDS, EventKind, kind_or_raise
from pavedroad.ingest.models import Run
from pavedroad.ingest.readers import Block, Chunk, RawRow, file_format, read_chunks
from pavedroad.ingest.rows import KEPT, Row, convert_row, distinct_generated_keys
from pavedroad.ingest.vectorised import Converted, convert_block
from pavedroad.ingest.writer import (
    Prepared,
    deployment_finishes,
    prepare_rows,
    write_prepared,
)

BATCH_SIZE = 10_000
UNOWNED_TEAM = "unowned"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    """How to read and what to do with bad rows."""

    tz: str = "UTC"
    strict: bool = False
    rejects_path: Path | None = None
    create_missing: bool = False
    batch_size: int = BATCH_SIZE

    def as_dict(self) -> dict[str, Any]:
        return {
            "tz": self.tz,
            "strict": self.strict,
            "rejects": str(self.rejects_path.resolve()) if self.rejects_path else None,
            "create_missing": self.create_missing,
        }


@dataclass
class Reject:
    """A row that was refused and why."""

    raw: RawRow
    problems: list[InputProblem]

    @property
    def reason(self) -> str:
        return "; ".join(str(p) for p in self.problems)


@dataclass
class Catalog:
    """What references may point at: services with their owners, and teams."""

    owners: dict[str, str]
    teams: set[str]
    created_teams: list[str] = field(default_factory=list)
    created_services: list[str] = field(default_factory=list)
    # Capability names known to exist, so a batch only asks about the ones it adds.
    capabilities: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, session: Session) -> Catalog:
        return cls(
            owners=service_owners(session=session),
            teams=team_slugs(session=session),
            capabilities=capability_names(session=session),
        )


def file_fingerprint(path: Path) -> dict[str, int] | None:
    """Size and modification time of an imported file, so a retry can tell it changed."""
    try:
        found = path.stat()
    except OSError:
        return None  # the import itself says what is wrong with the path
    return {"size": found.st_size, "mtime_ns": found.st_mtime_ns}


def timezone_or_raise(name: str) -> ZoneInfo:
    """The zone for `--tz`, or an unusable-input error naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(
            [
                InputProblem(
                    source="--tz",
                    reason="unknown time zone; use an IANA name such as Europe/Berlin",
                    value=name,
                )
            ],
            unusable=True,
        ) from None


class _RejectsWriter:
    """Writes refused rows to `--rejects FILE` as they happen, in the input's format."""

    def __init__(self, path: Path, kind: EventKind, fmt: str, stack: ExitStack) -> None:
        self.fmt = fmt
        self.handle: IO[str] = stack.enter_context(path.open("w", encoding="utf-8", newline=""))
        if fmt == "csv":
            self.csv = csv.writer(self.handle)
            self.csv.writerow([*kind.column_names, "line", "reason"])
        self.columns = kind.column_names

    def write(self, reject: Reject) -> None:
        values = reject.raw.values or {}
        if self.fmt == "csv":
            cells = [values.get(c, "") for c in self.columns] + [reject.raw.line, reject.reason]
            self.csv.writerow([_inert(cell) for cell in cells])
        else:
            record: dict[str, Any] = dict(values) if values else {"raw": reject.raw.text}
            record.update({"line": reject.raw.line, "reason": reject.reason})
            self.handle.write(json.dumps(record, default=str) + "\n")


def _inert(cell: object) -> object:
    """A rejects cell a spreadsheet shows as text: one that starts like a formula (`=`, `+`,
    `-`, `@`, a tab or a carriage return) gets a leading apostrophe (OWASP's CSV advice)."""
    if isinstance(cell, str) and cell[:1] in FORMULA_STARTS:
        return "'" + cell
    return cell


FORMULA_STARTS = frozenset("=+-@\t\r")


def _check(
    kind: EventKind, raw: RawRow, tz: ZoneInfo, warnings: list[InputProblem]
) -> tuple[Row | None, list[InputProblem]]:
    if raw.values is None:
        return None, [InputProblem(reason=raw.problem or "unreadable row")]
    if not kind.column_set.issuperset(raw.values):
        unknown = next(k for k in raw.values if k not in kind.column_set)
        return None, [
            InputProblem(
                field=unknown, reason=f"unknown field; expected {', '.join(kind.column_names)}"
            )
        ]
    return convert_row(kind, raw.values, tz=tz, warnings=warnings)


def resolve_references(
    kind: EventKind,
    row: Row,
    *,
    catalog: Catalog,
    known_deployments: Mapping[str, datetime | None],
    create_missing: bool = False,
    hint: str = "add it to the catalog or use --create-missing",
) -> list[InputProblem]:
    """Problems with a row's references to the catalog and stored deployments (`hint`: the fix).

    `known_deployments` maps each stored deployment to its finish time: a change merged after
    its deployment finished cannot have shipped with it."""
    # With `create_missing`, unknown teams and services are noted on `catalog` for creation
    # instead; a resolved deployment without a team gets its service's owner.
    problems: list[InputProblem] = []
    for column in kind.columns:
        value = row.get(column.name)
        if column.reference is None or value is None or value is KEPT:
            continue
        known = catalog.teams if column.reference == "team" else catalog.owners
        if (
            create_missing
            and column.reference in ("team", "service")
            and value not in known
            and not _creatable(value)
        ):
            problems.append(InputProblem(field=column.name, reason=CANNOT_CREATE, value=value))
            continue
        if column.reference == "team" and value not in catalog.teams:
            if create_missing:
                catalog.teams.add(value)
                catalog.created_teams.append(value)
            else:
                problems.append(
                    InputProblem(field=column.name, reason=f"unknown team ({hint})", value=value)
                )
        elif column.reference == "service" and value not in catalog.owners:
            if create_missing:
                owner = row.get("team") or UNOWNED_TEAM
                if not _creatable(owner):
                    continue  # the team column is refused with its reason
                if owner not in catalog.teams:
                    catalog.teams.add(owner)
                    catalog.created_teams.append(owner)
                catalog.owners[value] = owner
                catalog.created_services.append(value)
            else:
                problems.append(
                    InputProblem(field=column.name, reason=f"unknown service ({hint})", value=value)
                )
        elif column.reference == "deployment" and value not in known_deployments:
            problems.append(
                InputProblem(
                    field=column.name,
                    reason="unknown deployment (import deployments first)",
                    value=value,
                )
            )
        elif column.reference == "deployment":
            finished, merged = known_deployments[value], row.get("merged_at")
            if finished is not None and merged is not None and finished < merged:
                problems.append(
                    InputProblem(
                        field=column.name,
                        reason=f"the deployment finished at {finished.isoformat()}, before the "
                        f"change was merged at {merged.isoformat()}, so it cannot have shipped it",
                        value=value,
                    )
                )
    if not problems and kind.name == "deployments" and row.get("team") is None:
        row["team"] = catalog.owners.get(row["service"])
    return problems


_SLUG = re.compile(SLUG_PATTERN)
CANNOT_CREATE = (
    "unknown, and --create-missing can only add names of lower-case letters, digits, "
    "'.', '_' and '-' (at most 100, starting with a letter or digit)"
)


def _creatable(name: object) -> bool:
    """Whether --create-missing may add a team or service of this name to the catalog."""
    return isinstance(name, str) and _SLUG.fullmatch(name) is not None


def deployment_references(kind: EventKind, rows: Iterable[Row]) -> list[str]:
    """The deployment ids that rows of `kind` refer to, for one existence query."""
    names = [c.name for c in kind.columns if c.reference == "deployment"]
    return [row[n] for row in rows for n in names if row.get(n) not in (None, KEPT)]


def _resolve(
    kind: EventKind,
    checked: list[tuple[RawRow, Row]],
    *,
    catalog: Catalog,
    known_deployments: Mapping[str, datetime | None],
    create_missing: bool,
) -> tuple[list[tuple[int, Row]], list[Reject]]:
    """Refuse rows whose references do not resolve (or note what --create-missing must add).

    The good rows come back with their lines."""
    good: list[tuple[int, Row]] = []
    rejects: list[Reject] = []
    for raw, row in checked:
        problems = resolve_references(
            kind,
            row,
            catalog=catalog,
            known_deployments=known_deployments,
            create_missing=create_missing,
        )
        if problems:
            rejects.append(Reject(raw, problems))
        else:
            good.append((raw.line, row))
    return good, rejects


def _deployment_refs(kind: EventKind, rows: list[tuple[RawRow, Row]]) -> list[str]:
    return deployment_references(kind, (row for _, row in rows))


def _create_missing(session: Session, catalog: Catalog) -> None:
    if not (catalog.created_teams or catalog.created_services):
        return
    batch = CatalogBatch(
        teams=[
            TeamIn(slug=slug, name=slug, eligible=slug != UNOWNED_TEAM, headcount=0)
            for slug in catalog.created_teams
        ],
        services=[
            ServiceIn(name=name, owner=catalog.owners[name]) for name in catalog.created_services
        ],
    )
    apply_batch(session=session, batch=batch, source="auto")
    catalog.created_teams.clear()
    catalog.created_services.clear()


@dataclass
class _Read:
    """A chunk after the column-wise pass: what it converted and the rows left to check."""

    rows: int
    fast: Converted | None
    careful: list[RawRow]


def _convert(
    connection: Connection, kind: EventKind, chunk: Chunk, *, tz: ZoneInfo, catalog: Catalog
) -> _Read:
    """Convert a plain CSV block column-wise (`vectorised`); other chunks go row by row."""
    if not isinstance(chunk, Block):
        return _Read(len(chunk), None, chunk)
    fast = convert_block(
        chunk,
        kind,
        tz=tz,
        # Copies: the write stage may add to the catalog (--create-missing) meanwhile.
        owners=dict(catalog.owners),
        teams=set(catalog.teams),
        known_deployments=lambda refs: deployment_finishes(connection, refs),
        sqlite=connection.dialect.name == "sqlite",
    )
    return _Read(chunk.table.num_rows, fast, chunk.raw_rows(fast.deferred))


def _process_batch(
    session: Session,
    kind: EventKind,
    read: _Read,
    *,
    tz: ZoneInfo,
    catalog: Catalog,
    options: ImportOptions,
    write: bool,
    run: Run,
    seen: Counter[str] | None = None,
) -> list[Reject]:
    """Check the rows left by `_convert`; when `write`, upsert every good row of the chunk
    in file order and count them on the run (and note on it what was taken with a change,
    such as a clamped time). Returns the refused rows."""
    connection = session.connection()
    checked: list[tuple[RawRow, Row]] = []
    rejects: list[Reject] = []
    noted: list[str] = []
    for raw in read.careful:
        warnings: list[InputProblem] = []
        row, problems = _check(kind, raw, tz, warnings)
        if row is None:
            rejects.append(Reject(raw, problems))
        else:
            checked.append((raw, row))
            noted += [f"line {raw.line}: warning: {w}" for w in warnings]
    refs = _deployment_refs(kind, checked)
    known = deployment_finishes(connection, refs) if refs else {}
    good, unresolved = _resolve(
        kind,
        checked,
        catalog=catalog,
        known_deployments=known,
        create_missing=options.create_missing and write,
    )
    rejects += unresolved
    rejects.sort(key=lambda r: r.raw.line)
    if write:
        _create_missing(session, catalog)
        sqlite = connection.dialect.name == "sqlite"
        prepared = _in_file_order(kind, read.fast, good, sqlite=sqlite)
        if kind.hashed_key and seen is not None:
            _number_repeats(kind, prepared, seen)
        if kind.name == USAGE_KIND:
            runs.note_created_capabilities(run, new_capabilities(session, prepared, catalog))
        counts = write_prepared(connection, kind, prepared, channel="file", run_id=run.id)
        run.new += counts.new
        run.updated += counts.updated
        run.unchanged += counts.unchanged
        runs.add_errors(run, noted)
    return rejects


USAGE_KIND = "usage-events"


def new_capabilities(session: Session, prepared: Prepared, catalog: Catalog) -> list[str]:
    """Create the capabilities a batch of usage rows names that the catalog lacks.

    Only the batch's distinct names not already known to `catalog` reach the database."""
    column = prepared.columns[KINDS[USAGE_KIND].column_names.index("capability")]
    unseen = set(column) - catalog.capabilities
    if not unseen:
        return []
    created = ensure_capabilities(session=session, names=unseen)
    catalog.capabilities |= unseen
    return created


def _in_file_order(
    kind: EventKind, fast: Converted | None, slow: list[tuple[int, Row]], *, sqlite: bool
) -> Prepared:
    """Rows of both paths as one batch in line order (a repeated key's last row wins)."""
    careful = prepare_rows(kind, [row for _, row in slow], sqlite=sqlite)
    if fast is None or not fast.lines:
        return careful
    if not slow:
        return fast.prepared
    lines = fast.lines + [line for line, _ in slow]
    return (fast.prepared + careful).pick(sorted(range(len(lines)), key=lines.__getitem__))


def _number_repeats(kind: EventKind, prepared: Prepared, seen: Counter[str]) -> None:
    """Identical rows without an id stay apart: the n-th repeat in the file gets `KEY#n`."""
    keys = distinct_generated_keys(prepared.keys, seen)
    prepared.keys[:] = keys
    prepared.columns[kind.column_names.index(kind.key)][:] = keys


def _rows_in(chunk: Chunk) -> int:
    return chunk.table.num_rows if isinstance(chunk, Block) else len(chunk)


def _record(session: Session, run: Run, rejects: list[Reject], read: int) -> None:
    run.read += read
    if rejects:
        runs.keep_rejects(
            session=session,
            run=run,
            rejects=[(r.raw.line, r.problems[0].field, r.reason, r.raw.text) for r in rejects],
        )
        runs.add_errors(run, [f"line {r.raw.line}: {r.reason}" for r in rejects])
    run.rejected += len(rejects)


def import_file(
    engine: Engine,
    kind_name: str,
    path: Path,
    options: ImportOptions | None = None,
    *,
    on_progress: Progress | None = None,
) -> runs.RunOut:
    """Import one CSV or NDJSON file of `kind_name` as a run; see the module docstring."""
    options = options or ImportOptions()
    kind = kind_or_raise(kind_name)
    tz = timezone_or_raise(options.tz)
    fmt = file_format(path)
    make_session = session_factory(engine)
    with make_session() as session, session.begin():
        runs.close_abandoned_runs(session=session)
        run = runs.start_run(
            session=session,
            kind=kind.name,
            channel="file",
            source=str(path.resolve()),
            options={**options.as_dict(), "file": file_fingerprint(path)},
        )
        run_id = run.id
    with ExitStack() as stack:
        rejects_out = (
            _RejectsWriter(options.rejects_path, kind, fmt, stack) if options.rejects_path else None
        )
        try:
            if options.strict:
                _strict_check(engine, kind, path, tz, options, run_id, rejects_out, on_progress)
            with make_session() as session:
                catalog = Catalog.load(session)
            if not _refused_in_strict_check(engine, run_id):
                _write_all(
                    engine, kind, path, tz, catalog, options, run_id, rejects_out, on_progress
                )
        except InvalidInputError as exc:
            _finish(engine, run_id, failed=True, error=exc.summary())
            raise
        except BaseException as exc:
            _finish(engine, run_id, failed=True, error=f"{type(exc).__name__}: {exc}")
            raise
    return _finish(engine, run_id)


def _write_all(
    engine: Engine,
    kind: EventKind,
    path: Path,
    tz: ZoneInfo,
    catalog: Catalog,
    options: ImportOptions,
    run_id: int,
    rejects_out: _RejectsWriter | None,
    on_progress: Progress | None,
) -> None:
    """Read, convert and write the file, each chunk in its own transaction with the run's counts.

    Two stages overlap: while a thread writes chunk N (SQLite and the driver mostly run
    without the GIL), this thread reads and converts chunk N+1.
    """
    make_session = session_factory(engine)
    totals = [0, 0]
    seen: Counter[str] = Counter()  # generated keys so far, in file order

    def write(chunk_read: _Read) -> None:
        with make_session() as session, session.begin():
            run = runs.get_run_or_raise(session=session, run_id=run_id)
            rejects = _process_batch(
                session,
                kind,
                chunk_read,
                tz=tz,
                catalog=catalog,
                options=options,
                write=True,
                run=run,
                seen=seen,
            )
            _record(session, run, rejects, chunk_read.rows)
        if rejects_out:
            for reject in rejects:
                rejects_out.write(reject)
        totals[0] += chunk_read.rows
        totals[1] += len(rejects)
        if on_progress:
            on_progress(totals[0], totals[1])

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer") as writer:
        pending: Future[None] | None = None
        try:
            with engine.connect() as connection:
                for chunk in read_chunks(path, kind, options.batch_size):
                    chunk_read = _convert(connection, kind, chunk, tz=tz, catalog=catalog)
                    connection.rollback()  # end the read, so the writer's commits stay visible
                    if pending is not None:
                        pending.result()
                    pending = writer.submit(write, chunk_read)
            if pending is not None:
                pending.result()
        finally:
            if pending is not None:
                wait([pending])


def _refused_in_strict_check(engine: Engine, run_id: int) -> bool:
    with session_factory(engine)() as session:
        run = runs.get_run_or_raise(session=session, run_id=run_id)
        return bool(run.options.get("strict")) and run.rejected > 0


def _strict_check(
    engine: Engine,
    kind: EventKind,
    path: Path,
    tz: ZoneInfo,
    options: ImportOptions,
    run_id: int,
    rejects_out: _RejectsWriter | None,
    on_progress: Progress | None,
) -> None:
    """First pass of --strict: check every row, write nothing; record the refused rows."""
    make_session = session_factory(engine)
    with make_session() as session:
        catalog = Catalog.load(session)
    all_rejects: list[Reject] = []
    read = 0
    for batch in read_chunks(path, kind, options.batch_size):
        with make_session() as session:
            run = runs.get_run_or_raise(session=session, run_id=run_id)
            chunk_read = _convert(session.connection(), kind, batch, tz=tz, catalog=catalog)
            rejects = _process_batch(
                session,
                kind,
                chunk_read,
                tz=tz,
                catalog=catalog,
                options=options,
                write=False,
                run=run,
            )
            session.rollback()
        read += _rows_in(batch)
        if rejects_out:
            for reject in rejects:
                rejects_out.write(reject)
        all_rejects += rejects[: runs.KEPT_REJECTS]
        del all_rejects[runs.KEPT_REJECTS :]
        if on_progress:
            on_progress(read, len(all_rejects))
        if rejects:
            # Count every refused row but keep only the first ones.
            with make_session() as session, session.begin():
                run = runs.get_run_or_raise(session=session, run_id=run_id)
                _record(session, run, rejects, 0)
    if all_rejects:
        with make_session() as session, session.begin():
            run = runs.get_run_or_raise(session=session, run_id=run_id)
            run.read = read
            runs.add_errors(run, ["--strict: nothing was written because some rows were refused"])


def _finish(
    engine: Engine, run_id: int, *, failed: bool = False, error: str | None = None
) -> runs.RunOut:
    with session_factory(engine)() as session, session.begin():
        run = runs.get_run_or_raise(session=session, run_id=run_id)
        if run.status == "running":
            runs.finish_run(run, failed=failed, error=error)
        return runs.run_out(run)
