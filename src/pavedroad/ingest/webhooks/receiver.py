"""Receive webhook deliveries (placeholder until the receivers land)."""

from __future__ import annotations

from sqlalchemy import Engine

from pavedroad.errors import PavedroadError
from pavedroad.ingest.runs import RunOut


def reprocess_run(engine: Engine, run_id: int) -> RunOut:
    """Reprocess the stored payloads of a webhook run."""
    raise PavedroadError(
        f"run {run_id} is a webhook run; reprocessing webhook runs is not available yet"
    )
