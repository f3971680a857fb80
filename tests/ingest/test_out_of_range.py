"""Values out of range are refused rows with their line, field and reason, the same on both
engines, never a crash halfway through an import or a 500 on a hook (issue 13)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pavedroad.ingest.files import import_file
from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.models import CiRun, OrgFact, RunReject, SurveyResponse
from tests.ingest.test_file_import import example_row, write_csv, write_ndjson
from tests.web.conftest import bearer

CI = KINDS["ci-runs"]
FACTS = KINDS["org-facts"]
SURVEY = KINDS["survey-responses"]


def _count(engine, model) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _rejects(engine, run_id: int) -> list[RunReject]:
    with Session(engine) as s:
        return list(s.scalars(select(RunReject).where(RunReject.run_id == run_id)))


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_a_timestamp_moved_out_of_range_by_its_offset_is_a_refused_row(
    engine, catalog, tmp_path, fmt
):
    good = example_row(CI)
    rows = [
        {**good, "id": "ok"},
        {**good, "id": "late", "finished_at": "9999-12-31T23:59:59-05:00"},
        {**good, "id": "early", "started_at": "0001-01-01T00:00:00+05:00"},
        {**good, "id": "ok-2"},
    ]
    path = (
        write_csv(tmp_path / "ci.csv", CI, rows)
        if fmt == "csv"
        else write_ndjson(tmp_path / "ci.ndjson", rows)
    )
    run = import_file(engine, "ci-runs", path)
    assert (run.new, run.rejected, run.status) == (2, 2, "partly_succeeded")
    reasons = {r.field: r.reason for r in _rejects(engine, run.id)}
    assert "out of range once moved to UTC" in reasons["finished_at"]
    assert "out of range once moved to UTC" in reasons["started_at"]


def test_a_local_time_moved_out_of_range_by_tz_is_a_refused_row(engine, catalog, tmp_path):
    from pavedroad.ingest.files import ImportOptions

    rows = [{**example_row(CI), "finished_at": "9999-12-31T23:30:00"}]
    run = import_file(
        engine,
        "ci-runs",
        write_csv(tmp_path / "ci.csv", CI, rows),
        ImportOptions(tz="Asia/Tokyo"),
    )
    assert (run.new, run.rejected) == (1, 0)  # 14:30 UTC that day: still in range
    run = import_file(
        engine,
        "ci-runs",
        write_csv(tmp_path / "ci2.csv", CI, [{**rows[0], "id": "ny"}]),
        ImportOptions(tz="America/New_York"),
    )
    assert (run.new, run.rejected) == (0, 1)  # in New York it is the year 10000 in UTC


@pytest.mark.parametrize(
    "value", ["2147483648", "9223372036854775808", "-2147483648", "1" * 5000, "1e400"]
)
def test_whole_numbers_past_32_bits_are_refused_on_both_engines(engine, catalog, tmp_path, value):
    rows = [{**example_row(FACTS), "date": "2026-03-01", "customers": value}]
    run = import_file(engine, "org-facts", write_csv(tmp_path / "f.csv", FACTS, rows))
    assert (run.new, run.rejected) == (0, 1)
    (reject,) = _rejects(engine, run.id)
    assert reject.field == "customers"
    largest = [{**rows[0], "customers": "2147483647"}]
    assert import_file(engine, "org-facts", write_csv(tmp_path / "g.csv", FACTS, largest)).new == 1
    assert _count(engine, OrgFact) == 1


def test_json_integers_of_thousands_of_digits_are_a_refused_line(engine, catalog, tmp_path):
    path = tmp_path / "f.ndjson"
    good = {**example_row(FACTS), "date": "2026-03-01"}
    path.write_text(
        json.dumps(good)
        + "\n"
        + json.dumps(good).replace('"1450"', "1" * 5000).replace('"2026-03-01"', '"2026-03-02"')
        + "\n"
    )
    run = import_file(engine, "org-facts", path)
    assert (run.new, run.rejected) == (1, 1)
    (reject,) = _rejects(engine, run.id)
    assert reject.line == 2 and "JSON" in reject.reason


@pytest.mark.parametrize(
    ("day", "stored"),
    [
        ("2030-03-04garbage", None),
        ("2026-03-04T23:30:00-05:00", "2026-03-05"),  # the UTC day
        ("2026-03-04", "2026-03-04"),
    ],
)
def test_a_day_is_a_whole_day_or_a_timestamp_never_its_first_ten_characters(
    engine, catalog, tmp_path, day, stored
):
    rows = [{**example_row(SURVEY), "submitted_at": day}]
    run = import_file(engine, "survey-responses", write_csv(tmp_path / "s.csv", SURVEY, rows))
    with Session(engine) as s:
        days = [d.isoformat() for d in s.scalars(select(SurveyResponse.submitted_at))]
    assert days == ([stored] if stored else [])
    assert run.rejected == (0 if stored else 1)


def test_the_generic_hook_refuses_out_of_range_values_instead_of_a_500(
    engine, catalog, client, write_token
):
    headers = bearer(write_token)
    late = {**example_row(CI), "finished_at": "9999-12-31T23:59:59-05:00"}
    answer = client.post("/api/v1/hooks/ci-runs", json=late, headers=headers)
    assert answer.status_code == 202 and answer.json()["status"] == "rejected"
    huge = {**example_row(FACTS), "customers": 10**30}
    answer = client.post("/api/v1/hooks/org-facts", json=huge, headers=headers)
    assert answer.status_code == 202 and answer.json()["status"] == "rejected"
    digits = b'{"id": "x", "customers": ' + b"1" * 5000 + b"}"
    answer = client.post(
        "/api/v1/hooks/org-facts",
        content=digits,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert _count(engine, CiRun) == 0 and _count(engine, OrgFact) == 0


@pytest.mark.parametrize("run_id", ["0", str(2**31), str(2**63), str(2**64)])
def test_ids_out_of_range_are_404_not_500(client, tokens, run_id):
    for path in (f"/api/v1/runs/{run_id}", f"/api/v1/runs/{run_id}/retry"):
        method = client.post if path.endswith("retry") else client.get
        answer = method(path, headers=bearer(tokens["admin"]))
        assert answer.status_code == 404, (path, answer.text)


@pytest.mark.parametrize("window", ["0001-01", "9999-12", "9999-W52", "0001-01-01..0001-02-01"])
def test_windows_at_the_edges_of_the_calendar_are_refused_with_a_reason(client, tokens, window):
    answer = client.get(f"/api/v1/kpis?window={window}", headers=bearer(tokens["read"]))
    assert answer.status_code == 400
    assert "outside the dates KPIs cover" in answer.json()["detail"]


def test_as_of_at_the_end_of_the_calendar_is_refused(client, tokens):
    answer = client.get("/api/v1/roadmap?as_of=9999-12-31", headers=bearer(tokens["read"]))
    assert answer.status_code == 422


def test_offsets_and_pages_past_any_row_are_refused_not_a_500(client, tokens, users):
    from tests.web.conftest import sign_in

    answer = client.get(f"/api/v1/developers?offset={2**63}", headers=bearer(tokens["read"]))
    assert answer.status_code == 422
    sign_in(client, users["read"])
    assert client.get(f"/catalog/developers?page={2**62}").status_code == 422


def test_a_nul_in_the_address_is_a_400_on_every_engine(client, tokens):
    for path in ("/api/v1/developers?team=%00", "/api/v1/kpis?team=a%00b", "/api/v1/runs/%00"):
        answer = client.get(path, headers=bearer(tokens["read"]))
        assert answer.status_code == 400, path
        assert "NUL" in answer.json()["detail"]
