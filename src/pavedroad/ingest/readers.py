"""Stream rows out of CSV or NDJSON files (optionally gzipped) without loading them whole."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from pavedroad.lazy import lazy_module

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv
    import pyarrow.json as pa_json
else:
    pa = lazy_module("pyarrow")
    pa_csv = lazy_module("pyarrow.csv")
    pa_json = lazy_module("pyarrow.json")
    pc = lazy_module("pyarrow.compute")

from pavedroad.errors import InvalidInputError, printable
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
    raise InvalidInputError.because(
        "unknown file type; use .csv, .ndjson or .jsonl, optionally with .gz",
        source=path,
        unusable=True,
    )


def _open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, un-gzipped when it ends in `.gz`."""
    try:
        if path.suffix.lower() == ".gz":
            return cast(IO[bytes], gzip.open(path, "rb"))
        return path.open("rb")
    except OSError as exc:
        raise InvalidInputError.because(
            f"cannot open file: {exc.strerror or exc}", source=path, unusable=True
        ) from None


def _open_text(path: Path, *, offset: int = 0) -> IO[str]:
    """The file as text from byte `offset`; undecodable bytes become lone surrogates, so
    only the rows holding them are refused."""
    binary = _open_binary(path)
    if offset:
        binary.seek(offset)
    encoding = "utf-8" if offset else "utf-8-sig"
    return io.TextIOWrapper(binary, encoding=encoding, newline="", errors="surrogateescape")


def check_header(path: Path, kind: EventKind, columns: list[str]) -> None:
    """Every required column present, none unknown or repeated; else the file is unusable."""
    required = [c.name for c in kind.columns if c.required]
    known = set(kind.column_names)
    missing = [c for c in required if c not in columns]
    unknown = [c for c in columns if c not in known]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    problems = [
        f"header column {number} holds a NUL character"
        for number, column in enumerate(columns, start=1)
        if "\x00" in column
    ]
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(printable(c, 100) for c in unknown)}")
    if repeated:
        problems.append(f"repeated column(s) {', '.join(repeated)}")
    if problems:
        raise InvalidInputError.because(
            "; ".join(problems) + f"; expected columns {','.join(kind.column_names)}",
            source=path,
            line=1,
            unusable=True,
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
            raise InvalidInputError.because(
                f"cannot read file: {exc}", source=path, unusable=True
            ) from None


def _csv_rows(path: Path, handle: IO[str], kind: EventKind) -> Iterator[RawRow]:
    reader = csv.reader(handle, strict=True)
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InvalidInputError.because(
            f"unreadable header: {exc}", source=path, line=1, unusable=True
        ) from None
    if header is None:
        raise InvalidInputError.because(
            "file is empty; expected a header row", source=path, unusable=True
        )
    columns = [c.strip().lower() for c in header]
    check_header(path, kind, columns)
    yield from _csv_body(handle, columns, first_line=reader.line_num + 1)


def _capped_lines(handle: IO[str], overlong: set[int]) -> Iterator[str]:
    """The lines of `handle`, none held longer than MAX_LINE_CHARS: the rest of a longer line
    is read past in pieces and the line is handed on empty, its number noted in `overlong`."""
    count = 0
    while text := handle.readline(MAX_LINE_CHARS + 1):
        count += 1
        if len(text) > MAX_LINE_CHARS and not text.endswith("\n"):
            while text and not text.endswith("\n"):
                text = handle.readline(MAX_LINE_CHARS)
            overlong.add(count)
            yield "\n"
            continue
        yield text


def _csv_body(handle: IO[str], columns: list[str], *, first_line: int) -> Iterator[RawRow]:
    """The rows after the header; `first_line` is the file line `handle` starts on."""
    overlong: set[int] = set()
    reader = csv.reader(_capped_lines(handle, overlong), strict=True)
    width = len(columns)
    while True:
        line = first_line + reader.line_num
        read_before = reader.line_num
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
        if overlong and any(read_before < n <= reader.line_num for n in overlong):
            overlong.clear()
            yield RawRow(line, None, "", f"line is longer than {MAX_LINE_CHARS} characters")
            continue
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


def _ndjson_rows(handle: IO[str], *, first_line: int = 1) -> Iterator[RawRow]:
    line = first_line - 1
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
        row = _ndjson_row(line, text)
        if row is not None:
            yield row


def _ndjson_row(line: int, text: str) -> RawRow | None:
    """One NDJSON line read (None when it is blank)."""
    stripped = text.strip()
    if not stripped:
        return None
    if NOT_UTF8.search(stripped):
        return RawRow(line, None, _shown(stripped), NOT_UTF8_REASON)
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError) as exc:  # ValueError: also integers over 4,300 digits
        return RawRow(line, None, stripped, f"broken JSON: {getattr(exc, 'msg', exc)}")
    if not isinstance(value, dict):
        return RawRow(line, None, stripped, "expected a JSON object per line")
    return RawRow(line, {str(k).lower(): v for k, v in value.items()}, stripped)


def _shown(text: str) -> str:
    """A row with undecodable bytes, printable: each bad byte becomes U+FFFD."""
    return NOT_UTF8.sub("\ufffd", text)


# Bulk reading. Most CSV files are one row per line with nothing to unquote: such stretches
# are parsed by Arrow's CSV reader in C++ into column blocks. Anything else (quotes, blank
# lines, bad rows, undecodable bytes) is read by the exact row reader above, so a row gets
# the same values, line and problem whichever way it was read.

BLOCK_BYTES = 1 << 20


@dataclass(frozen=True)
class Block:
    """Consecutive rows of a file, one per line from `first_line` on, as text columns.

    `source` holds an NDJSON block's bytes: its rows are read again from there when the
    bulk path leaves them to the row path (a CSV row is its text columns)."""

    first_line: int
    table: pa.Table
    source: bytes = b""

    @property
    def lines(self) -> range:
        return range(self.first_line, self.first_line + self.table.num_rows)

    def raw_rows(self, indices: list[int]) -> list[RawRow]:
        """Rows at `indices` as the row reader would have given them."""
        if not indices:
            return []
        if self.source:
            lines = self.source.split(b"\n")
            found = [
                _ndjson_row(self.first_line + i, lines[i].decode("utf-8", "surrogateescape"))
                for i in indices
            ]
            return [row for row in found if row is not None]
        picked = self.table.take(pa.array(indices, pa.int64())).to_pylist()
        return [
            RawRow(self.first_line + index, values, ",".join(values.values()))
            for index, values in zip(indices, picked, strict=True)
        ]


Chunk = Block | list[RawRow]


def read_chunks(path: Path, kind: EventKind, rows: int) -> Iterator[Chunk]:
    """The file as blocks of about `rows` rows where it is plain, else lists of raw rows."""
    chunks = _csv_chunks if file_format(path) == "csv" else _ndjson_chunks
    with _open_binary(path) as handle:
        try:
            yield from chunks(path, handle, kind, rows)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise InvalidInputError.because(
                f"cannot read file: {exc}", source=path, unusable=True
            ) from None


def _batched(raw: Iterator[RawRow], size: int) -> Iterator[list[RawRow]]:
    batch: list[RawRow] = []
    for row in raw:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _csv_chunks(path: Path, handle: IO[bytes], kind: EventKind, rows: int) -> Iterator[Chunk]:
    first = handle.readline(MAX_LINE_CHARS)
    try:
        header_text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        header_text = ""
    if not first.endswith(b"\n") or '"' in header_text or not header_text.strip():
        # An unusual header: the row reader reads the file (and says what is wrong with it).
        yield from _batched(read_rows(path, kind), rows)
        return
    columns = [c.strip().lower() for c in next(csv.reader([header_text]))]
    check_header(path, kind, columns)
    for offset, line, block in _line_blocks(handle, rows, offset=len(first), line=2):
        parsed = _plain_block(block, columns, line) if block is not None else None
        if parsed is None:
            # From here the row reader takes over: it knows quotes that span lines.
            yield from _batched(_csv_rows_from(path, columns, offset, line), rows)
            return
        yield parsed


def _line_blocks(
    handle: IO[bytes], rows: int, *, offset: int, line: int
) -> Iterator[tuple[int, int, bytes | None]]:
    """Blocks of whole lines, about 1 MB each, with the byte offset and line they start at.

    A line that runs past twice the longest row a reader takes gives `None` for a block and
    ends the blocks: the caller hands the rest of the file to the row reader, which refuses
    or reads that line without this reader holding it whole.
    """
    block_bytes = min(BLOCK_BYTES, max(64 << 10, rows * 256))
    pending = b""
    while True:
        data = handle.read(block_bytes)
        buffer = pending + data
        cut = buffer.rfind(b"\n") + 1 if data else len(buffer)
        if data and cut == 0:
            if len(buffer) > 2 * MAX_LINE_CHARS:
                yield offset, line, None
                return
            pending = buffer
            continue
        block, pending = buffer[:cut], buffer[cut:]
        if not block:
            return
        yield offset, line, block
        offset += len(block)
        line += block.count(b"\n") + (0 if block.endswith(b"\n") else 1)


def _plain_block(block: bytes, columns: list[str], first_line: int) -> Block | None:
    """Arrow's parse of a block, when it reads exactly as the row reader would; else None."""
    lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    if (
        b'"' in block
        or b"\x00" in block
        or block.count(b"\r") != block.count(b"\r\n")
        or block.startswith(b"\n")
        or b"\n\n" in block
        or b"\n\r\n" in block
    ):
        return None
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(block),
            read_options=pa_csv.ReadOptions(
                column_names=columns, block_size=len(block) + 1, use_threads=False
            ),
            parse_options=pa_csv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(columns, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if table.num_rows != lines:
        return None
    return Block(first_line, table.combine_chunks())


def _ndjson_chunks(path: Path, handle: IO[bytes], kind: EventKind, rows: int) -> Iterator[Chunk]:
    """NDJSON in blocks: each line is a row, so a block Arrow cannot vouch for is read row by
    row on its own and the next block starts clean."""
    offset = len(codecs.BOM_UTF8)
    if handle.read(offset) != codecs.BOM_UTF8:
        handle.seek(0)
        offset = 0
    for start, line, block in _line_blocks(handle, rows, offset=offset, line=1):
        if block is None:
            with _open_text(path, offset=start) as rest:
                yield from _batched(_ndjson_rows(rest, first_line=line), rows)
            return
        parsed = _plain_json_block(block, kind, line)
        if parsed is not None:
            yield parsed
        else:
            text = io.StringIO(block.decode("utf-8", "surrogateescape"), newline="")
            yield from _batched(_ndjson_rows(text, first_line=line), rows)


_BLANK_LINE = re.compile(rb"(?:^|\n)[ \t]*\n")


def _plain_json_block(block: bytes, kind: EventKind, first_line: int) -> Block | None:
    """Arrow's parse of an NDJSON block, when it reads exactly as the row reader would.

    Text, timestamps, days and choices must be JSON strings; booleans and whole numbers may
    be JSON booleans, integers or strings; every key is a column name in lower case, each line
    one object. Otherwise the row reader reads the block."""
    lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    if (
        (len(block) > MAX_LINE_CHARS and max(map(len, block.split(b"\n"))) > MAX_LINE_CHARS)
        or b"\r" in block
        or _BLANK_LINE.search(block)
        or (not block.rsplit(b"\n", 1)[-1].strip(b" \t") and not block.endswith(b"\n"))
        or any(c.type == "float" for c in kind.columns)
    ):
        return None
    # Text-like columns must be JSON strings; Arrow infers booleans and whole numbers, which
    # the row path also reads from JSON numbers, booleans or strings.
    inferred = {"bool", "int"}
    schema = pa.schema([(c.name, pa.string()) for c in kind.columns if c.type not in inferred])
    try:
        table = pa_json.read_json(
            pa.BufferReader(block),
            read_options=pa_json.ReadOptions(use_threads=False, block_size=len(block) + 1),
            parse_options=pa_json.ParseOptions(
                explicit_schema=schema, unexpected_field_behavior="infer", newlines_in_values=False
            ),
        )
    except pa.ArrowInvalid:
        return None
    if table.num_rows != lines or not kind.column_set.issuperset(table.column_names):
        return None
    columns = {}
    for column in kind.columns:
        if column.name not in table.column_names:
            columns[column.name] = pa.nulls(lines, pa.string())
            continue
        values = table.column(column.name).combine_chunks()
        if pa.types.is_boolean(values.type):
            values = pc.if_else(values, "true", "false")
        elif pa.types.is_int64(values.type) or pa.types.is_null(values.type):
            values = pc.cast(values, pa.string())
        elif not pa.types.is_string(values.type):
            return None
        columns[column.name] = values
    columns = {name: pc.fill_null(values, "") for name, values in columns.items()}
    return Block(first_line, pa.table(columns), source=block)


def _csv_rows_from(path: Path, columns: list[str], offset: int, line: int) -> Iterator[RawRow]:
    """The row reader over the rest of the file, from byte `offset` (line `line`) on."""
    with _open_text(path, offset=offset) as text:
        yield from _csv_body(text, columns, first_line=line)
