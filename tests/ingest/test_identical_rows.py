"""Identical survey answers (and usage events) without an id are distinct rows: the same day,
team and scores with no comment is common, and collapsing them undercounted NPS and the sample
sizes the anonymity rule depends on. Re-importing the same file still changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pavedroad.ingest.files import ImportOptions, import_file
from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.models import SurveyResponse
from tests.ingest.test_file_import import example_row, write_csv, write_ndjson
from tests.web.conftest import bearer

SURVEY = KINDS["survey-responses"]


def _answers(engine) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(SurveyResponse)) or 0


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_identical_answers_without_an_id_are_all_kept_and_a_reimport_changes_nothing(
    engine, catalog, tmp_path, fmt
):
    same = {**example_row(SURVEY), "id": "", "comments": ""}
    other = {**same, "nps": "3"}
    rows = [same, same, other, same, other] * 3  # across batches of four rows
    path = (
        write_csv(tmp_path / "s.csv", SURVEY, rows)
        if fmt == "csv"
        else write_ndjson(tmp_path / "s.ndjson", rows)
    )
    options = ImportOptions(batch_size=4)
    first = import_file(engine, "survey-responses", path, options)
    again = import_file(engine, "survey-responses", path, options)
    assert (first.new, first.rejected) == (15, 0)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 15)
    assert _answers(engine) == 15
    longer = write_csv(tmp_path / "more.csv", SURVEY, [*rows, same])
    assert import_file(engine, "survey-responses", longer).new == 1  # the 10th `same`


def test_rows_with_ids_keep_their_ids_and_repeat_ids_still_upsert(engine, catalog, tmp_path):
    row = {**example_row(SURVEY), "id": "r-1"}
    path = write_csv(tmp_path / "s.csv", SURVEY, [row, row])
    assert import_file(engine, "survey-responses", path).new == 1
    with Session(engine) as s:
        assert s.scalars(select(SurveyResponse.id)).all() == ["r-1"]


def test_identical_answers_in_one_delivery_or_two_are_kept(engine, catalog, client, write_token):
    answer = {**example_row(SURVEY), "id": None, "comments": ""}
    headers = bearer(write_token)
    batch = client.post(
        "/api/v1/hooks/survey-responses",
        json={"rows": [answer, answer]},
        headers={**headers, "Idempotency-Key": "a"},
    )
    single = client.post(
        "/api/v1/hooks/survey-responses", json=answer, headers={**headers, "Idempotency-Key": "b"}
    )
    again = client.post(
        "/api/v1/hooks/survey-responses", json=answer, headers={**headers, "Idempotency-Key": "b"}
    )
    assert (batch.status_code, single.status_code) == (200, 200), batch.text
    assert again.json()["status"] == "duplicate"
    assert _answers(engine) == 3
