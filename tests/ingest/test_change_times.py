"""A change must be merged before the deployment that ships it finished; a first commit authored
after the merge (rebased or amended author dates) is taken as the merge time, with a warning.
Through the file import (bulk CSV and row-by-row NDJSON paths) and the generic webhook."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad.ingest.files import import_file
from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.models import Change, RunReject
from tests.ingest.test_file_import import example_row, write_csv, write_ndjson
from tests.web.conftest import bearer

CHANGE = KINDS["changes"]
# The example deployment (gh-deploy-81723) finished at 2026-03-02T10:04:30Z.
DEPLOYED = datetime(2026, 3, 2, 10, 4, 30, tzinfo=UTC)


def _change(id: str, first: str, merged: str, deployment: str = "gh-deploy-81723") -> dict:
    return {
        **example_row(CHANGE),
        "id": id,
        "first_commit_at": first,
        "merged_at": merged,
        "deployment_id": deployment,
    }


@pytest.fixture
def deployed(engine, catalog, tmp_path) -> None:
    """The example deployment, which the example change references."""
    kind = KINDS["deployments"]
    import_file(engine, "deployments", write_csv(tmp_path / "d.csv", kind, [example_row(kind)]))


def _write(tmp_path, fmt: str, rows: list[dict]):
    if fmt == "csv":
        return write_csv(tmp_path / "changes.csv", CHANGE, rows)
    return write_ndjson(tmp_path / "changes.ndjson", rows)


def _stored(engine) -> dict[str, Change]:
    with Session(engine) as s:
        return {c.id: c for c in s.scalars(select(Change))}


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_a_change_merged_after_its_deployment_finished_is_refused_with_the_reason(
    engine, catalog, deployed, tmp_path, fmt
):
    rows = [
        _change("ok", "2026-03-01T15:20:00Z", "2026-03-02T09:10:00Z"),
        _change("late", "2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z"),
        _change("same-instant", "2026-03-02T09:00:00Z", "2026-03-02T10:04:30Z"),
    ]
    run = import_file(engine, "changes", _write(tmp_path, fmt, rows))
    assert (run.new, run.rejected) == (2, 1)
    assert set(_stored(engine)) == {"ok", "same-instant"}
    with Session(engine) as s:
        reject = s.scalars(select(RunReject).where(RunReject.run_id == run.id)).one()
    header = 1 if fmt == "csv" else 0
    assert reject.line == 2 + header and reject.field == "deployment_id"
    assert "before the change was merged" in reject.reason
    assert "2026-03-02T10:04:30" in reject.reason and "2026-03-02T11:00:00" in reject.reason


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_a_first_commit_after_the_merge_is_taken_as_the_merge_with_a_warning(
    engine, catalog, deployed, tmp_path, fmt
):
    rows = [
        _change("rebased", "2026-03-02T09:30:00Z", "2026-03-02T09:10:00Z"),
        _change("plain", "2026-03-01T15:20:00Z", "2026-03-02T09:10:00Z"),
    ]
    run = import_file(engine, "changes", _write(tmp_path, fmt, rows))
    assert (run.new, run.rejected, run.status) == (2, 0, "succeeded")
    stored = _stored(engine)
    assert stored["rebased"].first_commit_at == stored["rebased"].merged_at
    assert stored["plain"].first_commit_at == datetime(2026, 3, 1, 15, 20, tzinfo=UTC)
    assert len(run.errors) == 1
    line = 2 if fmt == "csv" else 1
    assert run.errors[0].startswith(f"line {line}: warning: field 'first_commit_at'")
    assert "taken as merged_at" in run.errors[0]


def test_many_changes_through_the_bulk_path_check_every_deployment(
    engine, catalog, deployed, tmp_path
):
    rows = [
        _change(f"c{i}", "2026-03-01T15:20:00Z", f"2026-03-02T{8 + i % 4:02d}:00:00Z")
        for i in range(4000)
    ]  # merged 08:00, 09:00, 10:00 (shipped) and 11:00 (after the deployment finished)
    run = import_file(engine, "changes", write_csv(tmp_path / "many.csv", CHANGE, rows))
    assert (run.new, run.rejected) == (3000, 1000)
    assert all(c.merged_at <= DEPLOYED for c in _stored(engine).values())


def test_the_generic_hook_refuses_a_change_its_deployment_could_not_carry_and_clamps_commits(
    engine, catalog, deployed, client, write_token
):
    late = _change("late", "2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z")
    refused = client.post("/api/v1/hooks/changes", json=late, headers=bearer(write_token))
    assert refused.status_code == 202
    assert refused.json()["status"] == "rejected"
    assert "before the change was merged" in refused.json()["reason"]
    rebased = _change("rebased", "2026-03-02T09:30:00Z", "2026-03-02T09:10:00Z")
    taken = client.post("/api/v1/hooks/changes", json=rebased, headers=bearer(write_token))
    assert taken.status_code == 200, taken.text
    assert taken.json()["warnings"] == [
        "changes: field 'first_commit_at': is after merged_at; taken as merged_at "
        "(got '2026-03-02 09:30:00+00:00')"
    ]
    stored = _stored(engine)
    assert set(stored) == {"rebased"}
    assert stored["rebased"].first_commit_at == stored["rebased"].merged_at
