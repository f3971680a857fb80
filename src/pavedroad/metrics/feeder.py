"""Whole tables of a SQLite store for the KPI engine, read in a short-lived process of their own.

DuckDB reads SQLite fastest through its sqlite scanner, but the scanner carries its own copy of
the SQLite library. In a process that also writes the store through Python's `sqlite3`,
closing the scanner's handle on the file drops the POSIX locks that process's own connection
holds (sqlite.org, "How To Corrupt An SQLite Database File", 2.2): another process then
believes it is alone, checkpoints and deletes the WAL, and writes the server already answered
2xx vanish. So the scanner runs only here, in a child that opens the store read-only, never
writes it, copies what it was asked and exits. The engine reads the child's Arrow streams from
a pipe; small tables and the rows added since a copy come through Python's own `sqlite3`, the
library every writer uses (`engine.Backend`).

Run as `python -m pavedroad.metrics.feeder` with a JSON request on stdin:
`{"store": PATH, "queries": [SQL, ...]}` (each query reads `store.<table>`). Every query's
rows follow on stdout as one Arrow IPC stream, in order; errors go to stderr with exit 1.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pavedroad.errors import PavedroadError

if TYPE_CHECKING:
    import pyarrow as pa

BATCH_ROWS = 1 << 17


def sqlite_scanner_path() -> Path:
    """The sqlite scanner extension file inside its PyPI wheel, for this DuckDB version."""
    import duckdb
    import duckdb_extension_sqlite_scanner as wheel

    folder = Path(wheel.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    found = sorted(folder.glob("sqlite_scanner.duckdb_extension"))
    if not found:
        raise PavedroadError(
            f"the DuckDB sqlite scanner for DuckDB {duckdb.__version__} is not installed "
            f"(looked in {folder}); install duckdb-extension-sqlite-scanner=={duckdb.__version__}"
        )
    return found[0]


def read_tables(
    store: str, queries: Sequence[str], consume: Callable[[int, pa.RecordBatchReader], None]
) -> None:
    """Run `queries` over the store in a feeder process; `consume` gets each one's rows."""
    import pyarrow as pa

    request = json.dumps({"store": store, "queries": list(queries)}).encode()
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(
            [sys.executable, "-m", "pavedroad.metrics.feeder"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        assert child.stdin is not None and child.stdout is not None
        failure: Exception | None = None
        try:
            child.stdin.write(request)
            child.stdin.close()
            for index in range(len(queries)):
                consume(index, pa.ipc.open_stream(child.stdout))
        except Exception as exc:  # the child's own reason, when it gave one, explains it
            failure = exc
        finally:
            child.stdout.close()
            code = child.wait()
        errors.seek(0)
        said = errors.read().decode(errors="replace").strip().splitlines()
    if code != 0 and (said or failure is None):
        reason = said[-1] if said else f"the feeder process exited with {code}"
        raise PavedroadError(f"the KPI engine could not copy the store {store}: {reason}")
    if failure is not None:
        raise failure


def _serve(request: dict[str, Any]) -> None:
    import duckdb
    import pyarrow as pa

    connection = duckdb.connect()
    connection.execute(f"LOAD '{sqlite_scanner_path()}'")
    quoted = str(request["store"]).replace("'", "''")
    connection.execute(f"ATTACH '{quoted}' AS store (TYPE sqlite, READ_ONLY)")
    out = sys.stdout.buffer
    for sql in request["queries"]:
        reader = connection.execute(sql).to_arrow_reader(BATCH_ROWS)
        with pa.ipc.new_stream(out, reader.schema) as stream:
            for batch in reader:
                stream.write_batch(batch)
    out.flush()
    connection.close()


def main() -> int:
    """The feeder process: answer one request, then exit."""
    try:
        _serve(json.loads(sys.stdin.buffer.read()))
    except BrokenPipeError:
        return 1
    except Exception as exc:  # reported to the engine through stderr and the exit code
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
