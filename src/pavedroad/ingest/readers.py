"""Stream rows out of CSV or NDJSON files (optionally gzipped) without loading them whole."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.ingest.kinds import EventKind

MAX_LINE_CHARS = 1_000_000
NOT_UTF8 = re.compile("[\udc80-\udcff]")
NOT_UTF8_REASON = "the row is not valid UTF-8"
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class RawRow:
    """One row as read: its line, its values by column, or why it could not be read."""

    line: int
    values: dict[str, Any] | None
    text: str
    problem: str | None = None


def file_format(path: Path) -> str:
    """`csv` or `ndjson`, from the extension (a trailing `.gz` means gzipped)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last == ".csv":
        return "csv"
    if last in (".ndjson", ".jsonl"):
        return "ndjson"
    raise _unusable(path, "unknown file type; use .csv, .ndjson or .jsonl, optionally with .gz")


def _unusable(path: Path, reason: str, line: int | None = None) -> InvalidInputError:
    return InvalidInputError(
        [InputProblem(source=str(path), line=line, reason=reason)], unusable=True
    )


def _open_text(path: Path) -> IO[str]:
    try:
        if path.suffix.lower() == ".gz":
            return io.TextIOWrapper(
                gzip.open(path, "rb"), encoding="utf-8-sig", newline="", errors="surrogateescape"
            )
        # Undecodable bytes become lone surrogates, so only the rows holding them are refused.
        return path.open(encoding="utf-8-sig", newline="", errors="surrogateescape")
    except OSError as exc:
        raise _unusable(path, f"cannot open file: {exc.strerror or exc}") from None


def check_header(path: Path, kind: EventKind, columns: list[str]) -> None:
    """Every required column present, none unknown or repeated; else the file is unusable."""
    required = [c.name for c in kind.columns if c.required]
    known = set(kind.column_names)
    missing = [c for c in required if c not in columns]
    unknown = [c for c in columns if c not in known]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if repeated:
        problems.append(f"repeated column(s) {', '.join(repeated)}")
    if problems:
        raise _unusable(
            path, "; ".join(problems) + f"; expected columns {','.join(kind.column_names)}", line=1
        )


def read_rows(path: Path, kind: EventKind) -> Iterator[RawRow]:
    """Rows of the file in order; a broken row is yielded with its problem, not raised."""
    fmt = file_format(path)
    handle = _open_text(path)
    with handle:
        try:
            if fmt == "csv":
                yield from _csv_rows(path, handle, kind)
            else:
                yield from _ndjson_rows(handle)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise _unusable(path, f"cannot read file: {exc}") from None


def _csv_rows(path: Path, handle: IO[str], kind: EventKind) -> Iterator[RawRow]:
    reader = csv.reader(handle, strict=True)
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise _unusable(path, f"unreadable header: {exc}", line=1) from None
    if header is None:
        raise _unusable(path, "file is empty; expected a header row")
    columns = [c.strip().lower() for c in header]
    check_header(path, kind, columns)
    width = len(columns)
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            yield RawRow(line, None, "", "the file is not valid UTF-8 from here on")
            return
        except csv.Error as exc:
            yield RawRow(line, None, "", f"broken CSV: {exc}")
            return
        if not values or (len(values) == 1 and not values[0].strip()):
            continue
        text = ",".join(values)
        if NOT_UTF8.search(text):
            yield RawRow(line, None, _shown(text), NOT_UTF8_REASON)
            continue
        if len(values) != width:
            yield RawRow(
                line,
                None,
                text,
                f"expected {width} values like the header, found {len(values)}",
            )
            continue
        # A quoted value may span lines: a row is named by the line it starts on.
        yield RawRow(line, dict(zip(columns, values, strict=True)), text)


def _ndjson_rows(handle: IO[str]) -> Iterator[RawRow]:
    line = 0
    while True:
        line += 1
        try:
            text = handle.readline(MAX_LINE_CHARS + 1)
        except UnicodeDecodeError:
            yield RawRow(line, None, "", "the file is not valid UTF-8 from here on")
            return
        if not text:
            return
        if len(text) > MAX_LINE_CHARS and not text.endswith("\n"):
            # Skip the rest of an overlong line so the next row starts cleanly.
            while text and not text.endswith("\n"):
                text = handle.readline(MAX_LINE_CHARS)
            yield RawRow(line, None, "", f"line is longer than {MAX_LINE_CHARS} characters")
            continue
        stripped = text.strip()
        if not stripped:
            continue
        if NOT_UTF8.search(stripped):
            yield RawRow(line, None, _shown(stripped), NOT_UTF8_REASON)
            continue
        try:
            value = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield RawRow(line, None, stripped, f"broken JSON: {getattr(exc, 'msg', exc)}")
            continue
        if not isinstance(value, dict):
            yield RawRow(line, None, stripped, "expected a JSON object per line")
            continue
        yield RawRow(line, {str(k).lower(): v for k, v in value.items()}, stripped)


def _shown(text: str) -> str:
    """A row with undecodable bytes, printable: each bad byte becomes U+FFFD."""
    return NOT_UTF8.sub("\ufffd", text)
