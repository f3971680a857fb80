"""Run again: a file import re-reads its file; a webhook run reprocesses its stored payloads."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from pavedroad.db import session_factory
from pavedroad.errors import PavedroadError
from pavedroad.ingest import runs
from pavedroad.ingest.files import ImportOptions, file_fingerprint, import_file


def retry_run(engine: Engine, run_id: int) -> runs.RunOut:
    """Retry run `run_id` as a new run; the original's retry count goes up."""
    with session_factory(engine)() as session, session.begin():
        run = runs.get_run_or_raise(session=session, run_id=run_id)
        if run.status == "running":
            raise PavedroadError(f"run {run_id} is still running")
        channel, kind, source, options = run.channel, run.kind, run.source, dict(run.options or {})
        recorded = options.get("file")
        if (
            channel == "file"
            and recorded is not None
            and file_fingerprint(Path(source)) != recorded
        ):
            raise PavedroadError(
                f"{source} changed since run {run_id} read it (or is gone); a retry reads the "
                f"same file again, so import the new one as a new run: pavedroad import {kind} FILE"
            )
        run.retries += 1
    if channel == "file":
        rejects = options.get("rejects")
        return import_file(
            engine,
            kind,
            Path(source),
            ImportOptions(
                tz=str(options.get("tz") or "UTC"),
                strict=bool(options.get("strict")),
                rejects_path=Path(rejects) if rejects else None,
                create_missing=bool(options.get("create_missing")),
            ),
        )
    from pavedroad.ingest.webhooks.reprocessing import reprocess_run

    return reprocess_run(engine, run_id)
