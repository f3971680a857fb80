"""Convert a block of CSV text columns in a few Arrow kernels instead of row by row.

The row path (`rows.convert_row`, `files.resolve_references`) stays the one definition of
what a value means. This path only takes the rows it can read with certainty in the plain
forms almost every export uses (ISO timestamps with `Z`, an offset or none, `true`/`false`,
digits, values without surrounding spaces, references the catalog knows). Every other row is
*deferred*: handed back to the row path, which accepts it or refuses it with its reason.
So a row gets the same stored values, hash and problem whichever path read it; the property
tests in `tests/ingest/test_bulk_paths.py` hold the two paths to that.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pavedroad.lazy import lazy_module

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
else:
    pa = lazy_module("pyarrow")
    pc = lazy_module("pyarrow.compute")

from pavedroad.ingest.kinds import Column, EventKind
from pavedroad.ingest.readers import Block
from pavedroad.ingest.rows import GENERATED_KEY, MAX_WHOLE, hash_text, hashed_columns
from pavedroad.ingest.writer import Prepared
from pavedroad.parsing import FALSE_WORDS, TRUE_WORDS

# Every character Python's str.strip() removes: a value starting or ending with one is left
# to the row path.
SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    chr(c) for c in range(0x2000, 0x200B)
)
_INT = r"^-?[0-9]{1,15}$"
# Years 1000-2999 only, so no offset can carry a time outside what Python's datetime holds.
_DAY = r"^[12][0-9]{3}-[0-9]{2}-[0-9]{2}$"
_TIMESTAMP = r"^[12][0-9]{3}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
_ZONED = _TIMESTAMP + r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
_NAIVE = _TIMESTAMP + r"$"
_CAST_PIECE = 1024
# Addresses every reading of the catalog's email rule accepts (a subset of it).
_PLAIN_EMAIL = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"


@cache
def _words(kind: str) -> pa.Array:
    """Value sets as Arrow arrays, built on first use."""
    words = {
        "spaces": list(SPACES),
        "true": sorted(TRUE_WORDS),
        "bool": sorted(TRUE_WORDS | FALSE_WORDS),
    }[kind]
    return pa.array(words, pa.string())


@dataclass
class Converted:
    """What a block gave: rows ready to write (with their lines) and rows for the row path."""

    lines: list[int]
    prepared: Prepared
    deferred: list[int]


@dataclass
class _Values:
    """One column of the block: its typed values, and the rows this path can vouch for."""

    typed: pa.Array
    ok: pa.Array


# Stored deployments among the ids asked, with their finish times.
KnownDeployments = Callable[[list[str]], Mapping[str, datetime | None]]


def convert_block(
    block: Block,
    kind: EventKind,
    *,
    tz: tzinfo,
    owners: dict[str, str],
    teams: set[str],
    known_deployments: KnownDeployments,
    sqlite: bool,
) -> Converted:
    """Rows of `block` this path reads with certainty, and the indices of all the others."""
    table = block.table
    size = table.num_rows
    if size == 0 or any(c.type == "float" for c in kind.columns):
        return Converted([], Prepared([], []), list(range(size)))
    values: dict[str, _Values] = {}
    for column in kind.columns:
        text = (
            table.column(column.name).combine_chunks()
            if column.name in table.column_names
            else pa.array([""] * size, pa.string())
        )
        values[column.name] = _column(column, text, tz)
    ok = _all(v.ok for v in values.values())
    # A time that must be clamped goes to the row path, which notes the warning.
    for earlier, later in (*kind.ordered, *kind.clamped):
        first, second = values[earlier].typed, values[later].typed
        ok = pc.and_(ok, pc.invert(pc.fill_null(pc.less(second, first), False)))
    accepted = pc.indices_nonzero(ok)
    typed = {name: pc.take(v.typed, accepted) for name, v in values.items()}
    referenced = _references_known(kind, typed, owners, teams, known_deployments)
    if referenced is not None:
        keep = pc.indices_nonzero(referenced)
        accepted = pc.take(accepted, keep)
        typed = {name: pc.take(array, keep) for name, array in typed.items()}
        # A row stays accepted where it was ok and its references resolve.
        ok = pc.replace_with_mask(ok, ok, referenced)
    if kind.name == "deployments":
        typed["team"] = _owners_filled(typed["team"], typed["service"], owners)
    deferred = pc.indices_nonzero(pc.invert(ok)).to_pylist()
    if len(accepted) == 0:
        return Converted([], Prepared([], []), deferred)
    hashes = _hashes(kind, typed)
    if kind.hashed_key:
        key = typed[kind.key]
        typed[kind.key] = pc.if_else(
            pc.is_null(key), pc.binary_join_element_wise(GENERATED_KEY, pa.array(hashes), ""), key
        )
    stored = [_stored(typed[c.name], c, sqlite) for c in kind.columns]
    columns = [*stored, hashes]
    keys = [str(k) for k in typed[kind.key].to_pylist()]
    first = block.first_line
    lines = [first + i for i in accepted.to_pylist()]
    return Converted(lines, Prepared(keys, columns), deferred)


def _all(arrays: Any) -> pa.Array:
    result = None
    for array in arrays:
        result = array if result is None else pc.and_(result, array)
    assert result is not None
    return result


def _column(column: Column, text: pa.Array, tz: tzinfo) -> _Values:
    """Typed values of one column; `ok` is false where the row path must decide."""
    missing = pc.equal(pc.utf8_length(text), 0)
    edges = pc.or_(
        pc.is_in(pc.utf8_slice_codeunits(text, 0, 1), value_set=_words("spaces")),
        pc.is_in(pc.utf8_slice_codeunits(text, -1, 2**31 - 1), value_set=_words("spaces")),
    )
    clean = pc.invert(edges)
    present = pc.and_(pc.invert(missing), clean)
    typed, valid = _typed(column, text, present, tz)
    ok = (
        pc.or_(pc.and_(present, valid), missing) if not column.required else pc.and_(present, valid)
    )
    if column.default is not None:
        typed = pc.if_else(missing, pa.scalar(column.default, typed.type), typed)
    return _Values(typed=typed, ok=pc.fill_null(ok, False))


def _typed(
    column: Column, text: pa.Array, present: pa.Array, tz: tzinfo
) -> tuple[pa.Array, pa.Array]:
    """Values of `column` (null where absent or unreadable) and where they were read."""
    if column.type == "text":
        valid = pc.and_(
            pc.less_equal(pc.utf8_length(text), column.max_length),
            pc.invert(pc.match_substring(text, "\x00")),
        )
        if column.email:
            # Plain ASCII addresses only; any other form is the row path's to judge.
            valid = pc.and_(valid, pc.match_substring_regex(text, _PLAIN_EMAIL))
        return pc.if_else(present, text, pa.scalar(None, pa.string())), valid
    if column.type in ("enum", "bool"):
        lowered = pc.ascii_lower(text)
        words = pa.array(column.choices) if column.type == "enum" else _words("bool")
        valid = pc.and_(pc.string_is_ascii(text), pc.is_in(lowered, value_set=words))
        kept = pc.if_else(pc.and_(present, valid), lowered, pa.scalar(None, pa.string()))
        if column.type == "enum":
            return kept, valid
        return _as_bool(kept), valid
    if column.type == "int":
        valid = pc.match_substring_regex(text, _INT)
        numbers = pc.cast(pc.if_else(valid, text, pa.scalar(None, pa.string())), pa.int64())
        if column.low is not None:
            valid = pc.and_(valid, pc.fill_null(pc.greater_equal(numbers, column.low), False))
        high = column.high if column.high is not None else MAX_WHOLE
        valid = pc.and_(valid, pc.fill_null(pc.less_equal(numbers, high), False))
        valid = pc.and_(valid, pc.fill_null(pc.greater_equal(numbers, -MAX_WHOLE), False))
        return pc.if_else(valid, numbers, pa.scalar(None, pa.int64())), valid
    if column.type == "day":
        return _cast_where(text, pc.match_substring_regex(text, _DAY), pa.date32())
    # Timestamps: with a zone as written; without one, in `tz` (the --tz of the import).
    zoned = pc.match_substring_regex(text, _ZONED)
    naive = pc.match_substring_regex(text, _NAIVE)
    if _is_utc(tz):
        text = pc.if_else(naive, pc.binary_join_element_wise(text, "Z", ""), text)
        return _cast_where(text, pc.or_(zoned, naive), pa.timestamp("us", "UTC"))
    instants, zoned_ok = _cast_where(text, zoned, pa.timestamp("us", "UTC"))
    local, _ = _cast_where(text, naive, pa.timestamp("us"))
    placed = _in_zone(local, tz)
    return pc.if_else(zoned_ok, instants, placed), pc.or_(zoned_ok, pc.invert(pc.is_null(placed)))


def _is_utc(tz: tzinfo) -> bool:
    return tz is UTC or (isinstance(tz, ZoneInfo) and tz.key in ("UTC", "Etc/UTC"))


def _in_zone(local: pa.Array, tz: tzinfo) -> pa.Array:
    """Wall-clock times in zone `tz` as UTC instants, null where the row path must decide.

    A time that occurs twice (clocks going back) is the earlier instant, as Python's `fold=0`
    reads it. A time in a gap (clocks going forward) is left to the row path: a piece of
    the block holding one is null.
    """
    key = getattr(tz, "key", None)
    utc = pa.timestamp("us", "UTC")
    if key is None:  # not an IANA zone Arrow knows
        return pa.nulls(len(local), utc)

    def place(piece: pa.Array) -> pa.Array:
        zoned = pc.assume_timezone(piece, timezone=key, ambiguous="earliest", nonexistent="raise")
        return pc.cast(zoned, utc)

    return _by_piece(local, utc, place)


def _as_bool(words: pa.Array) -> pa.Array:
    return pc.if_else(
        pc.is_null(words), pa.scalar(None, pa.bool_()), pc.is_in(words, value_set=_words("true"))
    )


def _cast_where(text: pa.Array, candidate: pa.Array, to: pa.DataType) -> tuple[pa.Array, pa.Array]:
    """`text` cast to `to` where `candidate`, and where that worked; a piece holding an
    impossible date (Feb 30) is left to the row path rather than failing the block."""
    source = pc.if_else(candidate, text, pa.scalar(None, pa.string()))
    cast = _by_piece(source, to, lambda piece: pc.cast(piece, to))
    return cast, pc.invert(pc.is_null(cast))


def _by_piece(
    array: pa.Array, to: pa.DataType, convert: Callable[[pa.Array], pa.Array]
) -> pa.Array:
    """`convert` applied to each 1,024 values; a piece Arrow refuses as a whole is null."""
    pieces: list[pa.Array] = []
    for start in range(0, len(array), _CAST_PIECE):
        piece = array.slice(start, _CAST_PIECE)
        try:
            pieces.append(convert(piece))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pieces.append(pa.nulls(len(piece), to))
    return pa.concat_arrays(pieces) if pieces else pa.nulls(0, to)


def _references_known(
    kind: EventKind,
    typed: dict[str, pa.Array],
    owners: dict[str, str],
    teams: set[str],
    known_deployments: KnownDeployments,
) -> pa.Array | None:
    """Where every reference of a row resolves (None when the kind has no references)."""
    result = None
    for column in kind.references:
        values = typed[column.name]
        if column.reference == "team":
            known = pa.array(sorted(teams), pa.string())
        elif column.reference == "service":
            known = pa.array(sorted(owners), pa.string())
        else:
            wanted = pc.unique(pc.drop_null(values)).to_pylist()
            finishes = known_deployments(wanted)
            known = pa.array(sorted(finishes), pa.string())
        resolves = pc.or_(pc.is_null(values), pc.is_in(values, value_set=known))
        if column.reference == "deployment" and "merged_at" in typed:
            # A change merged after its deployment finished goes to the row path, which
            # refuses it with the reason.
            carried = [
                m is None or d is None or (f := finishes.get(d)) is None or f >= m
                for d, m in zip(values.to_pylist(), typed["merged_at"].to_pylist(), strict=True)
            ]
            resolves = pc.and_(resolves, pa.array(carried, pa.bool_()))
        result = resolves if result is None else pc.and_(result, resolves)
    return result


def _owners_filled(team: pa.Array, service: pa.Array, owners: dict[str, str]) -> pa.Array:
    """A deployment without a team belongs to its service's owner."""
    names = sorted(owners)
    owner = pc.take(
        pa.array([owners[n] for n in names], pa.string()),
        pc.index_in(service, value_set=pa.array(names, pa.string())),
    )
    return pc.if_else(pc.is_null(team), owner, team)


def _utc_text(array: pa.Array) -> pa.Array:
    """`2026-03-01 10:00:30.000000`: the UTC wall time as SQLite stores it. (Cast through a
    zone-less timestamp: Arrow formats zoned ones through the time zone database, 20x slower.)"""
    return pc.cast(pc.cast(array, pa.timestamp("us")), pa.string())


def _canonical(array: pa.Array) -> pa.Array:
    """Each value as `rows.value_hash` writes it into the text the row hash is taken over."""
    kind = array.type
    if pa.types.is_timestamp(kind):
        iso = pc.utf8_replace_slice(_utc_text(array), 10, 11, "T")
        whole = pc.ends_with(iso, ".000000")
        iso = pc.if_else(whole, pc.utf8_slice_codeunits(iso, 0, 19), iso)
        text = pc.binary_join_element_wise(iso, "+00:00", "")
    elif pa.types.is_boolean(kind):
        text = pc.if_else(array, "true", "false")
    else:
        text = pc.cast(array, pa.string())
    return pc.fill_null(text, "")


def _hashes(kind: EventKind, typed: dict[str, pa.Array]) -> list[str]:
    canonical = [_canonical(typed[name]) for name in hashed_columns(kind)]
    joined = pc.binary_join_element_wise(*canonical, "\x1f") if len(canonical) > 1 else canonical[0]
    return [hash_text(text) for text in joined.to_pylist()]


def _stored(array: pa.Array, column: Column, sqlite: bool) -> list[Any]:
    """Values as the driver stores them (see `writer._SQLITE_VALUE`)."""
    if sqlite and column.type == "timestamp":
        array = _utc_text(array)
    elif sqlite and column.type == "bool":
        array = pc.cast(array, pa.int64())
    elif sqlite and column.type == "day":
        array = pc.cast(array, pa.string())
    values: list[Any] = array.to_pylist()
    return values
