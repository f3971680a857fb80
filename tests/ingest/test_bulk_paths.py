"""The bulk paths of file import agree with the row path, row for row.

Plain CSV stretches are parsed by Arrow (`readers.read_chunks`) and converted column-wise
(`vectorised.convert_block`); large SQLite batches are written through a staging table
(`writer._write_staged`). Each test holds a bulk path to the row path it speeds up: same
rows, lines and problems read; same values, keys and hashes converted; same table written.
"""

from __future__ import annotations

import codecs
import gzip
import json
import random
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from pavedroad.db import unit_of_work
from pavedroad.ingest import files, readers, writer
from pavedroad.ingest.files import Catalog, import_file, resolve_references
from pavedroad.ingest.kinds import Column, kind_or_raise
from pavedroad.ingest.readers import Block, RawRow, read_chunks, read_rows
from pavedroad.ingest.rows import convert_row
from pavedroad.ingest.vectorised import SPACES, convert_block
from pavedroad.ingest.writer import prepare_rows

OWNERS = {"ledger-service": "payments", "search-api": "search"}
TEAMS = {"payments", "search"}
SLOW = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def test_the_space_set_is_what_python_strips() -> None:
    assert sorted(SPACES) == sorted(chr(c) for c in range(0x110000) if chr(c).isspace())


# --- reading -----------------------------------------------------------------------------


def _flattened(path: Path, kind_name: str, rows: int = 7) -> list[tuple[int, object, str | None]]:
    kind = kind_or_raise(kind_name)
    out: list[tuple[int, object, str | None]] = []
    for chunk in read_chunks(path, kind, rows):
        raw_rows = (
            chunk.raw_rows(list(range(chunk.table.num_rows))) if isinstance(chunk, Block) else chunk
        )
        out += [(r.line, r.values, r.problem) for r in raw_rows]
    return out


def _by_rows(path: Path, kind_name: str) -> list[tuple[int, object, str | None]]:
    return [(r.line, r.values, r.problem) for r in read_rows(path, kind_or_raise(kind_name))]


HEADER = b"id,at,capability,team,developer,source\n"
PLAIN = b"u-%d,2026-03-02T10:15:00Z,deploy,payments,ada@example.com,cli\n"
AWKWARD_LINES = [
    b"",  # blank line
    b"   ",  # whitespace only
    b'u-q,2026-03-02T10:15:00Z,"deploy, fast",payments,,cli',  # quoted comma
    b'u-m,2026-03-02T10:15:00Z,"two\nlines",payments,,cli',  # a value spanning lines
    b"u-s,2026-03-02T10:15:00Z,deploy,payments",  # too few values
    b"u-x,2026-03-02T10:15:00Z,deploy,payments,\xff\xfe,cli",  # not UTF-8
    b"u-n,2026-03-02T10:15:00Z,de\x00ploy,payments,,cli",  # NUL
    b"u-r,2026-03-02T10:15:00Z,deploy,payments,,cli\r",  # CRLF ending
    b'u-b,2026-03-02T10:15:00Z,"bad"quote,payments,,cli',  # broken quoting
    b"u-h,2026-03-02T10:15:00Z," + b"x" * 3_000_000 + b",payments,,cli",  # a 3 MB value
]


@pytest.mark.parametrize("awkward", AWKWARD_LINES)
@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_an_awkward_line_reads_the_same_in_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, awkward: bytes, suffix: str
) -> None:
    monkeypatch.setattr(readers, "BLOCK_BYTES", 200)  # a few rows per block
    body = b"".join(PLAIN % i for i in range(20)) + awkward + b"\n"
    body += b"".join(PLAIN % i for i in range(20, 40))
    path = tmp_path / f"usage{suffix}"
    data = HEADER + body
    if suffix.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    assert _flattened(path, "usage-events") == _by_rows(path, "usage-events")


def test_plain_files_are_read_in_blocks_with_their_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "BLOCK_BYTES", 1000)
    path = tmp_path / "usage.csv"
    path.write_bytes(HEADER + b"".join(PLAIN % i for i in range(100)))
    chunks = list(read_chunks(path, kind_or_raise("usage-events"), 50))
    assert all(isinstance(c, Block) for c in chunks)
    assert [line for c in chunks for line in c.lines] == list(range(2, 102))  # type: ignore[union-attr]


_CSV_PIECES = st.sampled_from(
    ["u-1", "deploy", "payments", "", " ", '"', '""', ",", "\n", "\r\n", "\r", "é", "\x00", "a b"]
)


@SLOW
@given(
    lines=st.lists(
        st.lists(st.lists(_CSV_PIECES, max_size=3).map("".join), min_size=1, max_size=8),
        max_size=40,
    ),
    quote_all=st.booleans(),
)
def test_random_csv_reads_the_same_in_blocks(
    tmp_path_factory: pytest.TempPathFactory, lines: list[list[str]], quote_all: bool
) -> None:
    import csv
    import io

    buffer = io.StringIO()
    out = csv.writer(buffer, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    out.writerow(["id", "at", "capability", "team", "developer", "source"])
    for values in lines:
        out.writerow(values)
    path = tmp_path_factory.mktemp("csv") / "usage.csv"
    path.write_text(buffer.getvalue(), newline="")
    readers_block = readers.BLOCK_BYTES
    readers.BLOCK_BYTES = 97
    try:
        assert _flattened(path, "usage-events", rows=3) == _by_rows(path, "usage-events")
    finally:
        readers.BLOCK_BYTES = readers_block


# --- converting ----------------------------------------------------------------------------

TIMESTAMPS = [
    "2026-03-02T10:15:00Z",
    "2026-03-02 10:15:00",
    "2026-03-02T10:15:00.5+02:00",
    "2026-03-02T10:15:00.123456-05:30",
    "2026-03-29T02:30:00",  # a gap in Europe/Berlin
    "2026-10-25T02:30:00",  # ambiguous in Europe/Berlin
    "2026-02-30T10:00:00Z",
    "2026-03-02T24:00:00Z",
    "2026-03-02T10:15:60Z",
    "2026-03-02T10:15:00+24:00",
    "2026-03-02",
    "0999-01-01T00:00:00Z",
    "2026-03-02t10:15:00z",
    " 2026-03-02T10:15:00Z",
    "yesterday",
    "",
]
WORDS = ["true", "false", "YES", "no", "1", "0", "T", "maybe", "", " true", "ｙes"]
INTS = ["0", "7", "10", "11", "-1", "+5", "007", "5.0", "1e1", "", "٣", " 4"]
TEXTS = [
    "ledger-service",
    "search-api",
    "unknown-service",
    "payments",
    "search",
    "nobody",
    "",
    " padded ",
    "x" * 201,
    "é" * 200,
    "a\x00b",
    "tab\t",
    "\u3000wide",
    "ok\x1f",
]
ENUMS = ["success", "FAILED", "Success", "cancelled", "succeß", "", "ſuccess"]


def _value_for(column: Column, draw: st.DrawFn) -> str:
    """Mostly values the bulk path should take, sometimes ones it must leave or refuse."""
    if draw(st.integers(0, 5)) == 0:
        pools = {
            "timestamp": TIMESTAMPS,
            "bool": WORDS,
            "int": INTS,
            "day": ["2026-03-02", "2026-02-30", "2026-03-02T10:00:00Z", "", "03/02/2026"],
            "enum": ENUMS,
            "text": TEXTS,
        }
        return draw(st.sampled_from(pools[column.type]))
    if column.reference == "service":
        return draw(st.sampled_from(sorted(OWNERS)))
    if column.reference == "team":
        return draw(st.sampled_from(sorted(TEAMS)))
    if column.reference == "deployment":
        return "dep-1"
    valid = {
        "timestamp": TIMESTAMPS[:6],
        "bool": WORDS[:7],
        "int": ["0", "3", "5", "4", "1"],
        "day": ["2026-03-02", "2026-03-05"],
        "enum": [*column.choices, *(c.upper() for c in column.choices)],
        "text": ["abc", "ada@example.com", "ééé", "k-1"],
    }
    return draw(st.sampled_from(valid[column.type]))


@st.composite
def _blocks(draw: st.DrawFn, kind_name: str) -> Block:
    kind = kind_or_raise(kind_name)
    count = draw(st.integers(min_value=1, max_value=25))
    columns: dict[str, list[str]] = {c.name: [] for c in kind.columns}
    for _ in range(count):
        for column in kind.columns:
            if column.name == kind.key and draw(st.booleans()):
                value = draw(st.sampled_from(["k-1", "k-2", f"k-{draw(st.integers(0, 99))}", ""]))
            else:
                value = _value_for(column, draw)
            columns[column.name].append(value)
    table = pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})
    return Block(first_line=2, table=table)


def _row_path(
    kind_name: str, raw: RawRow, tz: object, sqlite: bool
) -> tuple[str, list[object]] | None:
    kind = kind_or_raise(kind_name)
    row, _ = convert_row(kind, raw.values or {}, tz=tz)  # type: ignore[arg-type]
    if row is None:
        return None
    catalog = Catalog(owners=dict(OWNERS), teams=set(TEAMS))
    if resolve_references(kind, row, catalog=catalog, known_deployments={"dep-1": None}):
        return None
    prepared = prepare_rows(kind, [row], sqlite=sqlite)
    return prepared.keys[0], [column[0] for column in prepared.columns]


def _check_block_against_rows(kind_name: str, block: Block, tz: object, sqlite: bool) -> None:
    kind = kind_or_raise(kind_name)
    converted = convert_block(
        block,
        kind,
        tz=tz,  # type: ignore[arg-type]
        owners=dict(OWNERS),
        teams=set(TEAMS),
        known_deployments=lambda refs: dict.fromkeys({"dep-1"} & set(refs)),
        sqlite=sqlite,
    )
    accepted = {line - block.first_line for line in converted.lines}
    assert accepted.isdisjoint(converted.deferred)
    assert accepted | set(converted.deferred) == set(range(block.table.num_rows))
    for position, index in enumerate(sorted(accepted)):
        expected = _row_path(kind_name, block.raw_rows([index])[0], tz, sqlite)
        assert expected is not None, (
            f"the bulk path took a row the row path refuses: {block.raw_rows([index])[0]}"
        )
        key, values = expected
        assert converted.prepared.keys[position] == key
        assert [column[position] for column in converted.prepared.columns] == values


KINDS_TO_CHECK = [
    "deployments",
    "usage-events",
    "survey-responses",
    "incidents",
    "changes",
    "tickets",
    "ci-runs",
    "onboarding",
]


@pytest.mark.parametrize("kind_name", KINDS_TO_CHECK)
@pytest.mark.parametrize("sqlite", [True, False])
@SLOW
@given(data=st.data())
def test_the_bulk_converter_agrees_with_the_row_path(
    kind_name: str, sqlite: bool, data: st.DataObject
) -> None:
    block = data.draw(_blocks(kind_name))
    tz = data.draw(st.sampled_from([UTC, ZoneInfo("UTC"), ZoneInfo("Europe/Berlin")]))
    _check_block_against_rows(kind_name, block, tz, sqlite)


def test_plain_rows_take_the_bulk_path() -> None:
    """The forms every export uses are converted column-wise, none left to the row path."""
    table = pa.table(
        {
            "id": ["dep-1", "dep-2", "dep-3"],
            "service": ["ledger-service", "search-api", "ledger-service"],
            "environment": ["production", "staging", "production"],
            "started_at": ["2026-03-02T10:00:00Z", "2026-03-02 10:00:00", ""],
            "finished_at": [
                "2026-03-02T10:05:00Z",
                "2026-03-02T12:05:00+02:00",
                "2026-03-02T10:05:00.25Z",
            ],
            "result": ["success", "failed", "SUCCESS"],
            "is_rollback": ["false", "true", ""],
            "team": ["", "search", ""],
            "via_platform": ["true", "no", "1"],
        }
    )
    block = Block(first_line=2, table=table)
    _check_block_against_rows("deployments", block, UTC, True)
    converted = convert_block(
        block,
        kind_or_raise("deployments"),
        tz=UTC,
        owners=dict(OWNERS),
        teams=set(TEAMS),
        known_deployments=lambda refs: {},
        sqlite=True,
    )
    assert converted.deferred == []
    assert converted.lines == [2, 3, 4]
    # The owner fills in a missing team; timestamps are stored as SQLite text in UTC.
    assert converted.prepared.columns[7] == ["payments", "search", "payments"]
    assert converted.prepared.columns[4][1] == "2026-03-02 10:05:00.000000"


# --- writing -------------------------------------------------------------------------------


def _deployment_rows(count: int, *, seed: int, failed_every: int = 0) -> str:
    rng = random.Random(seed)
    lines = ["id,service,environment,started_at,finished_at,result,is_rollback,team,via_platform"]
    for i in range(count):
        day = 1 + i % 28
        result = "failed" if failed_every and i % failed_every == 0 else "success"
        service = rng.choice(["ledger-service", "search-api"])
        lines.append(
            f"dep-{i},{service},production,2026-03-{day:02d}T10:00:00Z,"
            f"2026-03-{day:02d}T10:0{i % 10}:00Z,{result},false,,true"
        )
    return "\n".join(lines) + "\n"


def _table(engine: object) -> list[tuple[object, ...]]:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        return [
            tuple(r)
            for r in connection.execute(
                text(
                    "SELECT id, service, environment, started_at, finished_at, result, "
                    "is_rollback, team, via_platform, row_hash FROM deployments ORDER BY id"
                )
            )
        ]


def _row_path_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `import_file` read row by row and write row lookups, as before the bulk paths."""
    monkeypatch.setattr(
        files, "read_chunks", lambda path, kind, rows: readers._batched(read_rows(path, kind), rows)
    )
    monkeypatch.setattr(writer, "STAGE_FROM_ROWS", 10**9)


@pytest.mark.usefixtures("catalog")
def test_bulk_and_row_paths_store_the_same_rows_and_counts(
    engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file with bad rows mixed in, imported, then changed and imported again."""
    first = tmp_path / "first.csv"
    body = _deployment_rows(1500, seed=1)
    lines = body.splitlines()
    lines[10] = (
        "dep-bad,ledger-service,production,2026-03-02T10:00:00Z,yesterday,success,false,,true"
    )
    lines[700] = (
        '"dep-q",search-api,production,2026-03-02T10:00:00Z,2026-03-02T10:01:00Z,success,false,,true'
    )
    lines[900] = (
        "dep-u,no-such-service,production,2026-03-02T10:00:00Z,2026-03-02T10:01:00Z,success,false,,true"
    )
    lines.append(lines[5].replace(",false,,true", ",true,,true"))  # dep-4 again, changed: last wins
    first.write_text("\n".join(lines) + "\n")
    second = tmp_path / "second.csv"
    second.write_text(_deployment_rows(1600, seed=1, failed_every=7))

    bulk = [import_file(engine, "deployments", first), import_file(engine, "deployments", second)]
    bulk_table = _table(engine)
    with unit_of_work(engine) as session:
        session.execute(text("DELETE FROM deployments"))
    with monkeypatch.context() as patch:
        _row_path_only(patch)
        careful = [
            import_file(engine, "deployments", first),
            import_file(engine, "deployments", second),
        ]
    assert _table(engine) == bulk_table
    for fast, slow in zip(bulk, careful, strict=True):
        assert (fast.read, fast.new, fast.updated, fast.unchanged, fast.rejected) == (
            slow.read,
            slow.new,
            slow.updated,
            slow.unchanged,
            slow.rejected,
        )
        assert fast.errors == slow.errors
    assert (bulk[0].read, bulk[0].new, bulk[0].unchanged, bulk[0].rejected) == (1501, 1498, 1, 2)
    assert "line 11" in bulk[0].errors[0] and "finished_at" in bulk[0].errors[0]
    assert "line 901" in bulk[0].errors[1] and "unknown service" in bulk[0].errors[1]
    assert bulk[1].updated > 0 and bulk[1].new == 103


@pytest.mark.usefixtures("catalog")
def test_a_staged_batch_counts_like_row_lookups(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    kind = kind_or_raise("deployments")
    rows = [
        convert_row(kind, dict(zip(kind.column_names, line.split(","), strict=True)), tz=UTC)[0]
        for line in _deployment_rows(800, seed=3).splitlines()[1:]
    ]
    for row in rows:
        assert row is not None
        row["team"] = OWNERS[row["service"]]
    counts = []
    for stage_from in (500, 10**9):
        monkeypatch.setattr(writer, "STAGE_FROM_ROWS", stage_from)
        with unit_of_work(engine) as session:
            session.execute(text("DELETE FROM deployments"))
        with unit_of_work(engine) as session:
            first = writer.upsert_rows(
                session.connection(), kind, rows[:600], channel="file", run_id=None
            )
        changed = [dict(row, result="failed") if i % 3 == 0 else row for i, row in enumerate(rows)]
        with unit_of_work(engine) as session:
            second = writer.upsert_rows(
                session.connection(), kind, changed + changed[:5], channel="file", run_id=1
            )
        counts.append(
            (
                (first.new, first.updated, first.unchanged),
                (second.new, second.updated, second.unchanged),
                _table(engine),
            )
        )
    assert counts[0] == counts[1]
    assert counts[0][0] == (600, 0, 0)
    assert counts[0][1] == (200, 200, 405)


# --- NDJSON ----------------------------------------------------------------------------------

JSON_PLAIN = (
    b'{"id": "u-%d", "at": "2026-03-02T10:15:00Z", "capability": "deploy", "team": "payments"}\n'
)
AWKWARD_JSON = [
    b"",  # blank line
    b"   ",
    b'{"id": "u-x", "ID": "u-y", "at": "2026-03-02T10:15:00Z", "capability": "d", "team": "search"}',
    b'{"id": "u-d", "id": "u-e", "at": "2026-03-02T10:15:00Z", "capability": "d", "team": "search"}',
    b'{"id": 7, "at": "2026-03-02T10:15:00Z", "capability": "d", "team": "search"}',
    b'{"id": "a"} {"id": "b"}',
    b"[1, 2]",
    b'{"id": "u-n", "at": NaN}',
    b'{"id": "u-z", "at": "2026-03-02T10:15:00Z", "capability": "d\\u0000", "team": "search"}',
    b'{"id": "u-s", "at": "2026-03-02T10:15:00Z", "capability": "\\ud800", "team": "search"}',
    b'{"id": "u-u", "at": "2026-03-02T10:15:00Z", "capability": "d", "team": "search"}\xff',
    b'{"id": "u-r", "at": "2026-03-02T10:15:00Z", "capability": "d", "team": "search"}\r',
    b"not json at all",
    b'{"id": "u-l", "capability": "' + b"x" * 1_100_000 + b'"}',
    b'{"id": "u-L", "capability": "' + b"y" * 2_500_000 + b'"}',  # read on by the row reader
]


@pytest.mark.parametrize("awkward", AWKWARD_JSON)
def test_an_awkward_json_line_reads_the_same_in_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, awkward: bytes
) -> None:
    monkeypatch.setattr(readers, "BLOCK_BYTES", 300)
    body = b"".join(JSON_PLAIN % i for i in range(20)) + awkward + b"\n"
    body += b"".join(JSON_PLAIN % i for i in range(20, 40))
    path = tmp_path / "usage.ndjson"
    path.write_bytes(codecs.BOM_UTF8 + body)
    assert _flattened(path, "usage-events") == _by_rows(path, "usage-events")


def test_plain_ndjson_is_read_in_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "BLOCK_BYTES", 1000)
    path = tmp_path / "usage.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(JSON_PLAIN % i for i in range(100))))
    chunks = list(read_chunks(path, kind_or_raise("usage-events"), 50))
    assert all(isinstance(c, Block) for c in chunks)
    assert [line for c in chunks for line in c.lines] == list(range(1, 101))  # type: ignore[union-attr]


_JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.sampled_from([1.5, 5.0, 10**16]),
    st.sampled_from(TIMESTAMPS + WORDS + INTS + TEXTS + ENUMS),
)


@st.composite
def _json_blocks(draw: st.DrawFn, kind_name: str) -> Block | None:
    kind = kind_or_raise(kind_name)
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        record = {}
        for column in kind.columns:
            if draw(st.integers(0, 9)) == 0:
                continue  # key left out
            if draw(st.integers(0, 24)) == 0:
                record[column.name] = draw(_JSON_VALUES)
            elif column.type == "bool":
                record[column.name] = draw(st.booleans())
            elif column.type == "int":
                record[column.name] = draw(st.integers(-1, 11))
            else:
                record[column.name] = _value_for(column, draw)
        lines.append(json.dumps(record).encode())
    return readers._plain_json_block(b"\n".join(lines) + b"\n", kind, 1)


@pytest.mark.parametrize("kind_name", KINDS_TO_CHECK)
@SLOW
@given(data=st.data())
def test_the_bulk_converter_agrees_with_the_row_path_on_json(
    kind_name: str, data: st.DataObject
) -> None:
    block = data.draw(_json_blocks(kind_name))
    if block is None:
        return  # Arrow refused the block: the row reader reads it (see the tests above)
    tz = data.draw(st.sampled_from([UTC, ZoneInfo("Europe/Berlin")]))
    _check_block_against_rows(kind_name, block, tz, data.draw(st.booleans()))


@pytest.mark.usefixtures("catalog")
def test_an_ndjson_import_stores_what_the_row_path_stores(
    engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(5)
    lines = []
    for i in range(1200):
        record: dict[str, object] = {
            "id": f"dep-{i}",
            "service": rng.choice(["ledger-service", "search-api"]),
            "environment": "production",
            "finished_at": f"2026-03-{1 + i % 28:02d}T10:00:00Z",
            "result": rng.choice(["success", "failed"]),
            "is_rollback": i % 9 == 0,
        }
        if i % 97 == 0:
            record["is_rollback"] = "yes"  # a string where a boolean was: the row path reads it
        if i % 301 == 0:
            record["result"] = "weird"
        lines.append(json.dumps(record))
    path = tmp_path / "deployments.ndjson"
    path.write_text("\n".join(lines) + "\n")
    bulk = import_file(engine, "deployments", path)
    bulk_table = _table(engine)
    with unit_of_work(engine) as session:
        session.execute(text("DELETE FROM deployments"))
    with monkeypatch.context() as patch:
        _row_path_only(patch)
        careful = import_file(engine, "deployments", path)
    assert _table(engine) == bulk_table
    assert (bulk.read, bulk.new, bulk.rejected, bulk.errors) == (
        careful.read,
        careful.new,
        careful.rejected,
        careful.errors,
    )
    assert (bulk.read, bulk.rejected) == (1200, 4)
