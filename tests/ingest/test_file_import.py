"""`pavedroad import KIND FILE`: every kind, both formats, rejections, strict mode, re-import."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pavedroad.catalog.models import Service, Team
from pavedroad.ingest.files import ImportOptions, import_file
from pavedroad.ingest.kinds import KINDS, EventKind
from pavedroad.ingest.models import Change, Deployment, Incident, Run, RunReject
from pavedroad.ingest.rows import convert_row


def example_row(kind: EventKind) -> dict[str, str]:
    return {c.name: c.example for c in kind.columns}


def write_csv(
    path: Path, kind: EventKind, rows: list[dict[str, str]], columns: list[str] | None = None
) -> Path:
    columns = columns or list(kind.column_names)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
    return path


def write_ndjson(path: Path, rows: list[dict[str, object]]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    return path


def count(engine, model) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def deployed(engine, catalog, tmp_path) -> None:
    """The example deployment, which the examples of changes and incidents reference."""
    kind = KINDS["deployments"]
    import_file(engine, "deployments", write_csv(tmp_path / "d.csv", kind, [example_row(kind)]))


@pytest.mark.parametrize("fmt", ["csv", "ndjson.gz"])
@pytest.mark.parametrize("kind_name", list(KINDS))
def test_every_kind_round_trips_and_reimport_changes_nothing(
    engine, deployed, tmp_path, kind_name, fmt
):
    kind = KINDS[kind_name]
    raw = example_row(kind)
    path = tmp_path / f"rows.{fmt}"
    if fmt == "csv":
        write_csv(path, kind, [raw])
    else:
        write_ndjson(path, [raw])

    first = import_file(engine, kind_name, path)
    again = import_file(engine, kind_name, path)

    expected, problems = convert_row(kind, raw, tz=UTC)
    assert problems == [] and expected is not None
    if kind_name == "deployments":
        assert (first.new, first.unchanged) == (0, 1)  # the fixture imported it already
    else:
        assert (first.status, first.read, first.new, first.rejected) == ("succeeded", 1, 1, 0)
    assert (again.new, again.updated, again.unchanged, again.rejected) == (0, 0, 1, 0)
    with Session(engine) as s:
        stored = s.get(kind.model, expected[kind.key])
        assert stored is not None
        for column in kind.column_names:
            value = getattr(stored, column)
            want = expected[column]
            if column == "team" and kind_name == "deployments":
                want = "payments"
            assert value == want, column


def test_a_changed_row_is_counted_as_updated(engine, catalog, tmp_path):
    kind = KINDS["deployments"]
    row = example_row(kind)
    import_file(engine, "deployments", write_csv(tmp_path / "a.csv", kind, [row]))
    row["result"] = "failed"
    result = import_file(engine, "deployments", write_csv(tmp_path / "b.csv", kind, [row]))
    assert (result.new, result.updated, result.unchanged) == (0, 1, 0)
    with Session(engine) as s:
        assert s.get(Deployment, row["id"]).result == "failed"


REJECTIONS = [
    ({"service": "nope"}, "service", "unknown service"),
    ({"team": "ghosts"}, "team", "unknown team"),
    ({"finished_at": ""}, "finished_at", "is required but empty"),
    ({"finished_at": "yesterday"}, "finished_at", "ISO 8601"),
    ({"result": "weird"}, "result", "expected one of success, failed"),
    ({"is_rollback": "maybe"}, "is_rollback", "expected a boolean"),
    ({"started_at": "2026-03-03T00:00:00Z"}, "finished_at", "is before started_at"),
]


@pytest.mark.parametrize(("change", "field", "reason"), REJECTIONS)
def test_each_bad_row_is_refused_with_its_line_field_and_reason(
    engine, catalog, tmp_path, change, field, reason
):
    kind = KINDS["deployments"]
    good = example_row(kind)
    bad = {**example_row(kind), "id": "bad-1", **change}
    path = write_csv(tmp_path / "d.csv", kind, [good, bad])

    result = import_file(engine, "deployments", path)

    assert (result.status, result.new, result.rejected) == ("partly_succeeded", 1, 1)
    with Session(engine) as s:
        (reject,) = s.scalars(select(RunReject).where(RunReject.run_id == result.id)).all()
    assert reject.line == 3 and reject.field == field and reason in reject.reason
    assert f"line 3: field '{field}'" in result.errors[0]
    assert count(engine, Deployment) == 1


def test_unknown_deployment_reference_is_refused(engine, catalog, tmp_path):
    kind = KINDS["changes"]
    result = import_file(
        engine, "changes", write_csv(tmp_path / "c.csv", kind, [example_row(kind)])
    )
    assert result.rejected == 1 and "unknown deployment" in result.errors[0]
    assert count(engine, Change) == 0


def test_ndjson_refuses_unknown_fields_non_objects_and_broken_lines(engine, catalog, tmp_path):
    good = example_row(KINDS["deployments"])
    path = tmp_path / "d.ndjson"
    path.write_text(
        json.dumps(good)
        + "\n"
        + json.dumps({**good, "id": "x", "colour": "red"})
        + "\n[1, 2]\n{broken\n\n"
    )
    result = import_file(engine, "deployments", path)
    assert (result.read, result.new, result.rejected) == (4, 1, 3)
    assert "field 'colour': unknown field" in result.errors[0]
    assert "expected a JSON object per line" in result.errors[1]
    assert "broken JSON" in result.errors[2]


def test_strict_writes_nothing_when_any_row_is_bad(engine, catalog, tmp_path):
    kind = KINDS["deployments"]
    rows = [{**example_row(kind), "id": f"d{i}"} for i in range(10)] + [
        {**example_row(kind), "id": "bad", "result": "?"}
    ]
    result = import_file(
        engine, "deployments", write_csv(tmp_path / "d.csv", kind, rows), ImportOptions(strict=True)
    )
    assert (result.status, result.new, result.rejected) == ("failed", 0, 1)
    assert count(engine, Deployment) == 0
    fixed = import_file(
        engine,
        "deployments",
        write_csv(tmp_path / "ok.csv", kind, rows[:10]),
        ImportOptions(strict=True),
    )
    assert (fixed.status, fixed.new) == ("succeeded", 10)


def test_rejects_file_holds_the_bad_rows_with_line_and_reason(engine, catalog, tmp_path):
    kind = KINDS["deployments"]
    rows = [example_row(kind), {**example_row(kind), "id": "bad", "service": "nope"}]
    out = tmp_path / "rejects.csv"
    import_file(
        engine,
        "deployments",
        write_csv(tmp_path / "d.csv", kind, rows),
        ImportOptions(rejects_path=out),
    )
    with out.open() as handle:
        written = list(csv.DictReader(handle))
    assert len(written) == 1
    assert (
        written[0]["id"] == "bad"
        and written[0]["line"] == "3"
        and "unknown service" in written[0]["reason"]
    )


def test_create_missing_adds_unknown_teams_and_services_to_the_catalog(engine, catalog, tmp_path):
    kind = KINDS["deployments"]
    rows = [
        {**example_row(kind), "id": "a", "service": "brand-new", "team": "newcomers"},
        {**example_row(kind), "id": "b", "service": "orphan-svc", "team": ""},
    ]
    result = import_file(
        engine,
        "deployments",
        write_csv(tmp_path / "d.csv", kind, rows),
        ImportOptions(create_missing=True),
    )
    assert (result.new, result.rejected) == (2, 0)
    with Session(engine) as s:
        owners = {
            row[0]: row[1] for row in s.execute(select(Service.name, Team.slug).join(Service.owner))
        }
        assert owners["brand-new"] == "newcomers" and owners["orphan-svc"] == "unowned"
        assert s.scalar(select(Team.eligible).where(Team.slug == "unowned")) is False
        assert s.get(Deployment, "b").team == "unowned"


def test_timestamps_without_offset_are_read_in_the_given_zone_and_stored_in_utc(
    engine, catalog, tmp_path
):
    kind = KINDS["deployments"]
    row = {
        **example_row(kind),
        "started_at": "2026-03-29 01:30",
        "finished_at": "2026-03-29T03:30:00",
    }
    import_file(
        engine,
        "deployments",
        write_csv(tmp_path / "d.csv", kind, [row]),
        ImportOptions(tz="Europe/Berlin"),
    )
    with Session(engine) as s:
        stored = s.get(Deployment, row["id"])
    # 01:30 is CET (UTC+1); 03:30 is after the switch to CEST (UTC+2).
    assert stored.started_at == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert stored.finished_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert stored.finished_at.astimezone(ZoneInfo("Europe/Berlin")).hour == 3


def test_midnight_in_another_zone_lands_on_the_previous_utc_day(engine, catalog, tmp_path):
    kind = KINDS["deployments"]
    row = {**example_row(kind), "started_at": "", "finished_at": "2026-03-02T00:00:00+05:30"}
    import_file(engine, "deployments", write_csv(tmp_path / "d.csv", kind, [row]))
    with Session(engine) as s:
        assert s.get(Deployment, row["id"]).finished_at == datetime(2026, 3, 1, 18, 30, tzinfo=UTC)


def test_survey_responses_without_id_get_a_stable_hash_id(engine, catalog, tmp_path):
    kind = KINDS["survey-responses"]
    row = {**example_row(kind), "id": ""}
    path = write_csv(tmp_path / "s.csv", kind, [row])
    first = import_file(engine, "survey-responses", path)
    again = import_file(engine, "survey-responses", path)
    assert (first.new, again.unchanged) == (1, 1)


def test_unknown_kind_wrong_header_and_missing_file_are_unusable(cli, catalog, tmp_path):
    bad_header = tmp_path / "d.csv"
    bad_header.write_text("id,servce,finished_at\n1,x,2026-01-01\n")
    result = cli("import", "deployments", str(bad_header))
    assert result.exit_code == 2
    assert "missing column(s) service, environment, result" in result.stderr
    assert "unknown column(s) servce" in result.stderr
    missing = cli("import", "deployments", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2 and "cannot open file" in missing.stderr
    wrong_type = cli("import", "deployments", str(tmp_path / "d.xlsx"))
    assert wrong_type.exit_code == 2 and "unknown file type" in wrong_type.stderr
    unknown_kind = cli("import", "deploys", str(bad_header))
    assert unknown_kind.exit_code == 2


def test_cli_exit_codes_and_json_run(cli, catalog, tmp_path):
    kind = KINDS["deployments"]
    good = write_csv(tmp_path / "good.csv", kind, [example_row(kind)])
    ok = cli("import", "deployments", str(good), "--json")
    assert ok.exit_code == 0, ok.stderr
    run = json.loads(ok.stdout)
    assert (run["status"], run["new"], run["kind"], run["channel"]) == (
        "succeeded",
        1,
        "deployments",
        "file",
    )
    again = cli("import", "deployments", str(good), "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["unchanged"] == 1
    bad = write_csv(tmp_path / "bad.csv", kind, [{**example_row(kind), "id": "z", "result": "?"}])
    refused = cli("import", "deployments", str(bad))
    assert refused.exit_code == 1 and "rejected 1" in refused.stdout
    listed = json.loads(cli("runs", "--json").stdout)
    assert [r["status"] for r in listed] == ["failed", "succeeded", "succeeded"]
    shown = json.loads(cli("runs", "show", str(listed[0]["id"]), "--json").stdout)
    assert shown["rejects"][0]["field"] == "result"


def test_template_prints_the_header_of_every_kind(cli):
    for name, kind in KINDS.items():
        result = cli("import", name, "--template", db=False)
        assert result.exit_code == 0 and result.stdout.strip() == ",".join(kind.column_names)


def test_retry_of_a_file_run_rereads_the_same_file_from_anywhere(
    cli, engine, catalog, tmp_path, monkeypatch
):
    from pavedroad.catalog.schemas import ServiceIn
    from pavedroad.catalog.service import CatalogBatch, apply_batch
    from pavedroad.db import unit_of_work

    kind = KINDS["deployments"]
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "d.csv", kind, [{**example_row(kind), "service": "later-svc"}])
    first = json.loads(cli("import", "deployments", "d.csv", "--json").stdout)
    assert first["rejected"] == 1
    assert first["source"] == str(tmp_path / "d.csv")  # stored absolute
    with unit_of_work(engine) as s:  # the fix: the service joins the catalog
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(services=[ServiceIn(name="later-svc", owner="payments")]),
        )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    retried = cli("runs", "retry", str(first["id"]), "--json")
    assert retried.exit_code == 0, retried.stderr
    assert json.loads(retried.stdout)["new"] == 1
    with Session(engine) as s:
        assert s.get(Run, first["id"]).retries == 1


def test_a_retry_of_a_file_that_changed_is_refused(cli, engine, catalog, tmp_path):
    kind = KINDS["deployments"]
    path = write_csv(tmp_path / "d.csv", kind, [{**example_row(kind), "service": "later-svc"}])
    first = json.loads(cli("import", "deployments", str(path), "--json").stdout)
    write_csv(path, kind, [example_row(kind), example_row(kind)])
    refused = cli("runs", "retry", str(first["id"]), "--json")
    assert refused.exit_code != 0
    assert "changed since run" in refused.stderr
    with Session(engine) as s:
        assert s.get(Run, first["id"]).retries == 0
        assert s.scalar(select(func.count()).select_from(Deployment)) == 0


def test_gzipped_csv_is_read(engine, catalog, tmp_path):
    kind = KINDS["ci-runs"]
    rows = [{**example_row(kind), "id": f"r{i}"} for i in range(50)]
    result = import_file(engine, "ci-runs", write_csv(tmp_path / "r.csv.gz", kind, rows))
    assert result.new == 50


def test_optional_free_text_left_empty_is_stored_as_empty_text(engine, catalog, tmp_path):
    tickets, survey = KINDS["tickets"], KINDS["survey-responses"]
    import_file(
        engine,
        "tickets",
        write_csv(tmp_path / "t.csv", tickets, [{**example_row(tickets), "text": ""}]),
    )
    import_file(
        engine,
        "survey-responses",
        write_csv(tmp_path / "s.csv", survey, [{**example_row(survey), "comments": ""}]),
    )
    from pavedroad.ingest.models import SurveyResponse, Ticket

    with Session(engine) as s:
        assert s.scalar(select(Ticket.text)) == ""
        assert s.scalar(select(SurveyResponse.comments)) == ""


def test_incident_rows_with_snapshot_at_keep_the_newest_snapshot_in_large_imports(
    engine, catalog, tmp_path
):
    """Large batches merge in the staged upsert (SQLite) or after COPY (PostgreSQL)."""
    kind = KINDS["incidents"]

    def rows(snapshot: str | None, severity: str, count: int = 600) -> list[dict[str, str]]:
        return [
            {
                **example_row(kind),
                "id": f"PD-{n}",
                "caused_by_deployment_id": "",
                "severity": severity,
                "snapshot_at": snapshot or "",
            }
            for n in range(count)
        ]

    first = import_file(
        engine,
        "incidents",
        write_csv(tmp_path / "a.csv", kind, rows("2026-03-02T12:00:00Z", "SEV2")),
    )
    older = rows("2026-03-02T11:30:00Z", "SEV4")
    newer = rows("2026-03-02T12:30:00Z", "SEV1")
    mixed = import_file(
        engine, "incidents", write_csv(tmp_path / "b.csv", kind, older[:300] + newer[300:])
    )
    assert (first.new, mixed.updated, mixed.unchanged) == (600, 300, 300)
    assert severities(engine) == {"SEV2": 300, "SEV1": 300}

    plain = import_file(
        engine, "incidents", write_csv(tmp_path / "c.csv", kind, rows(None, "SEV3"))
    )

    assert plain.updated == 600
    assert severities(engine) == {"SEV3": 600}
    with Session(engine) as s:
        assert s.scalar(select(func.count()).where(Incident.snapshot_at.is_not(None))) == 0


def severities(engine) -> dict[str | None, int]:
    with Session(engine) as s:
        found = s.execute(select(Incident.severity, func.count()).group_by(Incident.severity))
        return dict(found.all())


def test_incident_file_row_older_than_the_stored_snapshot_only_fills_an_unknown_start(
    engine, catalog, tmp_path
):
    kind = KINDS["incidents"]
    with Session(engine) as s, s.begin():
        s.add(
            Incident(
                id="PD-Q1",
                service="ledger-service",
                started_at=None,
                resolved_at=datetime(2026, 3, 2, 11, 42, tzinfo=UTC),
                severity="P1",
                platform_caused=False,
                snapshot_at=datetime(2026, 3, 2, 11, 42, tzinfo=UTC),
                channel="webhook:pagerduty",
                row_hash="from-a-webhook",
            )
        )
    row = {
        **example_row(kind),
        "id": "PD-Q1",
        "caused_by_deployment_id": "",
        "resolved_at": "",
        "severity": "SEV4",
        "snapshot_at": "2026-03-02T11:10:00Z",
    }

    run = import_file(engine, "incidents", write_csv(tmp_path / "i.csv", kind, [row]))

    assert run.updated == 1
    with Session(engine) as s:
        incident = s.get_one(Incident, "PD-Q1")
        assert incident.started_at == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
        assert (incident.resolved_at, incident.severity) == (
            datetime(2026, 3, 2, 11, 42, tzinfo=UTC),
            "P1",
        )
