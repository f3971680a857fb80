"""Catalog CSV imports: teams, developers and services, through the library and the CLI.

Every file is written as a whole or not at all; problems name the file, the line, the field
and the reason. Re-importing a file changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from pavedroad.catalog.importers import (
    MAX_FIELD_BYTES,
    CatalogImportResult,
    CsvKind,
    csv_template,
    import_catalog_csv,
    read_catalog_csv,
)
from pavedroad.catalog.models import Developer, System
from pavedroad.catalog.schemas import DeveloperIn, ServiceIn, SystemIn, TeamIn
from pavedroad.catalog.service import (
    CatalogBatch,
    apply_batch,
    list_developers,
    list_services,
    list_teams,
)
from pavedroad.db import unit_of_work
from pavedroad.errors import InputProblem, InvalidInputError

HEADERS: dict[CsvKind, str] = {
    "teams": "slug,name,eligible,headcount",
    "developers": "email,name,team,started_at,role",
    "services": "name,owner,created_at,onboarded_to_platform_at,tier,system,repository",
}


# --- helpers ---------------------------------------------------------------------------------


def write(directory: Path, text: str, name: str = "catalog.csv") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def write_bytes(directory: Path, data: bytes, name: str = "catalog.csv") -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def run_import(engine: Engine, path: Path, kind: CsvKind) -> CatalogImportResult:
    with unit_of_work(engine) as session:
        return import_catalog_csv(session=session, path=path, kind=kind)


def seed(engine: Engine, batch: CatalogBatch) -> None:
    with unit_of_work(engine) as session:
        apply_batch(session=session, batch=batch, source="manual")


def seed_baseline(engine: Engine) -> None:
    """A small stored catalog that refused imports must leave exactly as it is."""
    seed(
        engine,
        CatalogBatch(
            teams=[
                TeamIn(slug="payments", name="Payments", eligible=True, headcount=5),
                TeamIn(slug="finance", name="Finance", eligible=False, headcount=2),
            ],
            systems=[SystemIn(name="checkout", description="Checkout flow", owner="payments")],
            developers=[DeveloperIn(email="ada@example.com", name="Ada", team="payments")],
            services=[
                ServiceIn(name="ledger", owner="payments", tier=1, system="checkout"),
            ],
        ),
    )


def snapshot(engine: Engine) -> dict[str, Any]:
    """Everything the catalog holds, to compare before and after a refused import."""
    with Session(engine) as session:
        return {
            "teams": [t.model_dump() for t in list_teams(session=session)],
            "developers": [d.model_dump() for d in list_developers(session=session)],
            "services": [s.model_dump() for s in list_services(session=session)],
            "systems": sorted(
                (s.name, s.description, s.owner_team_id, s.source)
                for s in session.scalars(select(System))
            ),
        }


def teams_by_slug(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        return {t.slug: t for t in list_teams(session=session)}


def developers_by_email(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        return {d.email: d for d in list_developers(session=session)}


def services_by_name(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        return {s.name: s for s in list_services(session=session)}


def only_problem(result: CatalogImportResult, path: Path) -> InputProblem:
    """The single problem of a refused file; also checks that nothing at all was written."""
    assert result.accepted == []
    assert result.report.as_dict() == {}
    assert list(result.rejected) == [str(path)]
    [problem] = result.rejected[str(path)]
    return problem


def read_problem(path: Path, kind: CsvKind) -> InputProblem:
    """The single problem found by reading a file, before any database is involved."""
    batch = read_catalog_csv(path, kind)
    [problem] = batch.problems
    return problem


def assert_names(problem: InputProblem, path: Path, line: int, field: str | None) -> None:
    """The problem names the file, the line and the field, also in the text users see."""
    assert (problem.source, problem.line, problem.field) == (str(path), line, field)
    text = str(problem)
    assert text.startswith(f"{path}:{line}: ")
    if field is not None:
        assert f"field {field!r}" in text


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- templates -------------------------------------------------------------------------------


def test_template_prints_the_header_of_each_kind(cli):
    for kind, header in HEADERS.items():
        result = cli("import", kind, "--template")

        assert result.exit_code == 0
        assert result.stdout.splitlines() == [header]
        assert csv_template(kind).splitlines() == [header]


def test_a_template_without_rows_imports_nothing_and_succeeds(cli, engine, tmp_path):
    before = snapshot(engine)
    for kind in HEADERS:
        path = write(tmp_path, csv_template(kind), f"{kind}.csv")

        result = cli("import", kind, str(path), "--json")

        assert result.exit_code == 0
        assert json.loads(result.stdout)["counts"] == {}
        assert json.loads(result.stdout)["accepted_files"] == [str(path)]
    assert snapshot(engine) == before


# --- teams -----------------------------------------------------------------------------------


def test_teams_csv_stores_every_column_exactly(engine, tmp_path):
    path = write(
        tmp_path,
        "slug,name,eligible,headcount\n"
        "payments,Payments,true,12\n"
        "Platform-Core,  Platform core  ,no,0\n"
        'support,"Support, tier 1 & 2",1,7\n',
    )

    result = run_import(engine, path, "teams")

    assert result.ok
    assert result.report.as_dict() == {"teams": {"created": 3, "updated": 0, "unchanged": 0}}
    stored = {
        slug: (t.name, t.eligible, t.headcount, t.source)
        for slug, t in teams_by_slug(engine).items()
    }
    assert stored == {
        "payments": ("Payments", True, 12, "csv"),
        "platform-core": ("Platform core", False, 0, "csv"),
        "support": ("Support, tier 1 & 2", True, 7, "csv"),
    }


def test_eligible_reads_true_false_yes_no_and_one_zero_in_any_case(engine, tmp_path):
    words = {
        "true": True,
        "FALSE": False,
        "Yes": True,
        "no": False,
        "1": True,
        "0": False,
        " yes ": True,
    }
    rows = "".join(f"team-{i},Team {i},{word},1\n" for i, word in enumerate(words))
    path = write(tmp_path, "slug,name,eligible,headcount\n" + rows)

    result = run_import(engine, path, "teams")

    assert result.ok
    stored = teams_by_slug(engine)
    assert [stored[f"team-{i}"].eligible for i in range(len(words))] == list(words.values())


def test_empty_eligible_and_headcount_mean_eligible_with_no_headcount(engine, tmp_path):
    path = write(tmp_path, "slug,name,eligible,headcount\nmobile,Mobile,,\n")

    assert run_import(engine, path, "teams").ok

    team = teams_by_slug(engine)["mobile"]
    assert (team.eligible, team.headcount) == (True, 0)


def test_columns_may_come_in_any_order_in_any_case_after_a_bom(engine, tmp_path):
    path = write_bytes(
        tmp_path, "\ufeff Headcount ,NAME,Slug\r\n3,Data,data\r\n".encode(), "teams.csv"
    )

    result = run_import(engine, path, "teams")

    assert result.ok
    team = teams_by_slug(engine)["data"]
    assert (team.name, team.eligible, team.headcount) == ("Data", True, 3)


def test_reimporting_the_same_file_reports_every_row_unchanged(engine, tmp_path):
    path = write(tmp_path, "slug,name,eligible,headcount\na,A,yes,1\nb,B,no,2\n")
    assert run_import(engine, path, "teams").ok
    first = snapshot(engine)

    result = run_import(engine, path, "teams")

    assert result.report.as_dict() == {"teams": {"created": 0, "updated": 0, "unchanged": 2}}
    assert snapshot(engine) == first


def test_import_updates_changed_rows_creates_new_ones_and_counts_each(engine, tmp_path):
    first = write(
        tmp_path, "slug,name,eligible\npayments,Payments,yes\nfinance,Finance,no\n", "a.csv"
    )
    assert run_import(engine, first, "teams").ok
    path = write(
        tmp_path,
        "slug,name,eligible,headcount\n"
        "payments,Payments,true,0\n"  # as stored
        "FINANCE,Finance and legal,false,0\n"  # renamed; slug in another case
        "growth,Growth,true,4\n",  # new
        "b.csv",
    )

    result = run_import(engine, path, "teams")

    assert result.report.as_dict() == {"teams": {"created": 1, "updated": 1, "unchanged": 1}}
    stored = {slug: (t.name, t.eligible, t.headcount) for slug, t in teams_by_slug(engine).items()}
    assert stored == {
        "payments": ("Payments", True, 0),
        "finance": ("Finance and legal", False, 0),
        "growth": ("Growth", True, 4),
    }


def test_bad_boolean_refuses_the_file_naming_line_field_and_value(engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    path = write(
        tmp_path,
        "slug,name,eligible,headcount\npayments,Renamed,true,9\nnew,New,maybe,1\n",
    )

    result = run_import(engine, path, "teams")

    problem = only_problem(result, path)
    assert_names(problem, path, 3, "eligible")
    assert "boolean" in problem.reason
    assert problem.value == "maybe"
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("headcount", "reason"),
    [("-1", "zero or more"), ("twelve", "whole number"), ("2.5", "whole number")],
)
def test_headcount_that_is_not_a_count_is_a_problem(tmp_path, headcount, reason):
    path = write(tmp_path, f"slug,name,headcount\nok,Ok,1\nbad,Bad,{headcount}\n")

    problem = read_problem(path, "teams")

    assert_names(problem, path, 3, "headcount")
    assert reason in problem.reason
    assert problem.value == headcount


def test_headcount_above_a_million_is_a_problem(tmp_path):
    path = write(tmp_path, "slug,name,headcount\nbig,Big,1000001\n")

    assert_names(read_problem(path, "teams"), path, 2, "headcount")


@pytest.mark.parametrize("slug", ["has space", "-leading-dash", "x" * 101, "ünïcode", "a/b"])
def test_slug_that_is_not_a_slug_is_a_problem(tmp_path, slug):
    path = write(tmp_path, f"slug,name\n{slug},Team\n")

    problem = read_problem(path, "teams")

    assert_names(problem, path, 2, "slug")
    assert "lowercase letters" in problem.reason


def test_name_longer_than_200_characters_is_a_problem(tmp_path):
    path = write(tmp_path, f"slug,name\nlong,{'n' * 201}\n")

    problem = read_problem(path, "teams")

    assert_names(problem, path, 2, "name")
    assert "200" in problem.reason


def test_empty_required_value_refuses_the_whole_file(engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    path = write(tmp_path, "slug,name\nfine,Fine\nempty,   \n")

    problem = only_problem(run_import(engine, path, "teams"), path)

    assert_names(problem, path, 3, "name")
    assert problem.reason == "is required but empty"
    assert snapshot(engine) == before


def test_duplicate_slug_in_the_file_refuses_it_and_points_at_the_first(engine, tmp_path):
    path = write(tmp_path, "slug,name\ncore,Core\nother,Other\nCORE,Core again\n")

    problem = only_problem(run_import(engine, path, "teams"), path)

    assert_names(problem, path, 4, "slug")
    assert problem.reason == f"duplicate team slug, first defined at {path}:2"
    assert teams_by_slug(engine) == {}


def test_every_bad_row_is_reported_not_only_the_first(tmp_path):
    path = write(
        tmp_path,
        "slug,name,eligible,headcount\na,A,perhaps,1\nb,B,yes,many\nc,C,yes,1\n,D,yes,1\n",
    )

    batch = read_catalog_csv(path, "teams")

    assert [(p.line, p.field) for p in batch.problems] == [
        (2, "eligible"),
        (3, "headcount"),
        (5, "slug"),
    ]
    assert [t.record.slug for t in batch.teams] == ["c"]


def test_blank_lines_are_skipped_and_lines_keep_their_numbers_in_the_file(tmp_path):
    path = write(tmp_path, "slug,name,eligible\n\nok,Ok,yes\n ,  , \n\nbad,Bad,sometimes\n")

    problem = read_problem(path, "teams")

    assert_names(problem, path, 6, "eligible")


def test_problem_names_the_line_where_a_multiline_quoted_row_starts(tmp_path):
    path = write(
        tmp_path,
        'slug,name,eligible\nok,"A name\nover two lines",yes\nbad,"Also\nsplit",never\n',
    )

    problem = read_problem(path, "teams")

    assert_names(problem, path, 4, "eligible")


def test_a_multiline_quoted_name_is_stored_with_its_line_break(engine, tmp_path):
    path = write(tmp_path, 'slug,name\nok,"First line\r\nsecond line"\n')

    assert run_import(engine, path, "teams").ok

    assert teams_by_slug(engine)["ok"].name == "First line\r\nsecond line"


# --- developers ------------------------------------------------------------------------------


def test_developers_csv_links_each_developer_to_a_team_by_slug(engine, tmp_path):
    seed_baseline(engine)
    path = write(
        tmp_path,
        "email,name,team,started_at,role\n"
        "Grace.Hopper@Example.COM,Grace Hopper,FINANCE,2024-03-01,staff engineer\n"
        "linus@example.com,Linus,payments,,\n",
    )

    result = run_import(engine, path, "developers")

    assert result.report.as_dict() == {"developers": {"created": 2, "updated": 0, "unchanged": 0}}
    stored = developers_by_email(engine)
    grace = stored["grace.hopper@example.com"]
    assert (grace.name, grace.team, grace.role, grace.source) == (
        "Grace Hopper",
        "finance",
        "staff engineer",
        "csv",
    )
    assert grace.started_at == utc(2024, 3, 1)
    linus = stored["linus@example.com"]
    assert (linus.team, linus.role, linus.started_at) == ("payments", "engineer", None)


def test_developer_email_is_the_key_whatever_its_case(engine, tmp_path):
    seed_baseline(engine)
    moved = write(tmp_path, "email,name,team\nADA@EXAMPLE.COM,Ada,finance\n", "moved.csv")
    same = write(tmp_path, "email,name,team\nAda@Example.com,Ada,finance\n", "same.csv")

    assert run_import(engine, moved, "developers").report.as_dict() == {
        "developers": {"created": 0, "updated": 1, "unchanged": 0}
    }
    assert run_import(engine, same, "developers").report.as_dict() == {
        "developers": {"created": 0, "updated": 0, "unchanged": 1}
    }
    stored = developers_by_email(engine)
    assert list(stored) == ["ada@example.com"]
    assert stored["ada@example.com"].team == "finance"


def test_developer_with_unknown_team_refuses_the_whole_file(engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    path = write(
        tmp_path,
        "email,name,team\n"
        "ada@example.com,Ada Lovelace,finance\n"  # an update that must not happen
        "new@example.com,New,payments\n"  # a row that must not be created
        "lost@example.com,Lost,nowhere\n",
    )

    problem = only_problem(run_import(engine, path, "developers"), path)

    assert_names(problem, path, 4, "team")
    assert problem.reason == "unknown team"
    assert problem.value == "nowhere"
    assert snapshot(engine) == before


def test_duplicate_email_differing_only_in_case_refuses_the_file(engine, tmp_path):
    seed_baseline(engine)
    path = write(
        tmp_path, "email,name,team\nbo@example.com,Bo,payments\nBO@example.com,Bo 2,payments\n"
    )

    problem = only_problem(run_import(engine, path, "developers"), path)

    assert_names(problem, path, 3, "email")
    assert "duplicate developer email" in problem.reason
    assert "bo@example.com" not in developers_by_email(engine)


@pytest.mark.parametrize("email", ["not-an-email", "two@@example.com", "no@tld", "a b@c.de"])
def test_invalid_email_is_a_problem(tmp_path, email):
    path = write(tmp_path, f"email,name,team\n{email},Someone,payments\n")

    problem = read_problem(path, "developers")

    assert_names(problem, path, 2, "email")
    assert "email address" in problem.reason


def test_invalid_email_refuses_the_whole_file(engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    path = write(
        tmp_path, "email,name,team\nok@example.com,Ok,payments\nnot-an-email,No,payments\n"
    )

    problem = only_problem(run_import(engine, path, "developers"), path)

    assert_names(problem, path, 3, "email")
    assert snapshot(engine) == before


def test_timestamps_are_iso_8601_without_offset_meaning_utc_and_come_back_utc(engine, tmp_path):
    seed_baseline(engine)
    path = write(
        tmp_path,
        "email,name,team,started_at\n"
        "d1@example.com,Date only,payments,2024-03-01\n"
        "d2@example.com,No offset,payments,2024-03-01T09:30:00\n"
        "d3@example.com,Zulu,payments,2024-03-01T09:30:00Z\n"
        "d4@example.com,Offset,payments,2024-03-01T09:30:00+02:00\n"
        "d5@example.com,Behind UTC,payments,2024-02-29T23:15:00-05:00\n",
    )

    assert run_import(engine, path, "developers").ok

    stored = developers_by_email(engine)
    expected = {
        "d1@example.com": utc(2024, 3, 1),
        "d2@example.com": utc(2024, 3, 1, 9, 30),
        "d3@example.com": utc(2024, 3, 1, 9, 30),
        "d4@example.com": utc(2024, 3, 1, 7, 30),
        "d5@example.com": utc(2024, 3, 1, 4, 15),
    }
    assert {email: stored[email].started_at for email in expected} == expected
    with Session(engine) as session:
        rows = session.scalars(select(Developer).where(Developer.email.in_(expected))).all()
        assert len(rows) == 5
        for row in rows:
            assert row.started_at is not None
            assert row.started_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "started_at", ["yesterday", "2024-13-01", "01/03/2024", "2024-02-30", "2024-03-01T25:00"]
)
def test_timestamp_that_is_not_iso_8601_is_a_problem(tmp_path, started_at):
    path = write(tmp_path, f"email,name,team,started_at\nx@example.com,X,payments,{started_at}\n")

    problem = read_problem(path, "developers")

    assert_names(problem, path, 2, "started_at")
    assert "ISO 8601" in problem.reason


def test_bad_timestamp_refuses_the_whole_file(engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    path = write(
        tmp_path,
        "name,owner,created_at\nfine,payments,2024-01-01\nbad,payments,last tuesday\n",
    )

    problem = only_problem(run_import(engine, path, "services"), path)

    assert_names(problem, path, 3, "created_at")
    assert snapshot(engine) == before


@pytest.mark.parametrize("started_at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_timestamp_beyond_the_calendar_in_utc_is_a_problem_not_a_crash(tmp_path, started_at):
    path = write(tmp_path, f"email,name,team,started_at\nx@example.com,X,payments,{started_at}\n")

    problem = read_problem(path, "developers")

    assert_names(problem, path, 2, "started_at")
    assert "range" in problem.reason


def test_developer_role_longer_than_100_characters_is_a_problem(tmp_path):
    path = write(tmp_path, f"email,name,team,role\nx@example.com,X,payments,{'r' * 101}\n")

    assert_names(read_problem(path, "developers"), path, 2, "role")


# --- services --------------------------------------------------------------------------------


def test_services_csv_stores_owner_dates_tier_and_system(engine, tmp_path):
    seed_baseline(engine)
    path = write(
        tmp_path,
        "name,owner,created_at,onboarded_to_platform_at,tier,system\n"
        "Billing,PAYMENTS,2023-01-15,2024-06-01T12:00:00+01:00,tier-2,checkout\n"
        "reports,finance,,,,\n",
    )

    result = run_import(engine, path, "services")

    assert result.report.as_dict() == {"services": {"created": 2, "updated": 0, "unchanged": 0}}
    stored = services_by_name(engine)
    billing = stored["billing"]
    assert (billing.owner, billing.tier, billing.system, billing.source) == (
        "payments",
        2,
        "checkout",
        "csv",
    )
    assert billing.created_at == utc(2023, 1, 15)
    assert billing.onboarded_to_platform_at == utc(2024, 6, 1, 11, 0)
    reports = stored["reports"]
    assert (reports.owner, reports.tier, reports.system) == ("finance", None, None)
    assert (reports.created_at, reports.onboarded_to_platform_at) == (None, None)


def test_system_column_is_optional(engine, tmp_path):
    seed_baseline(engine)
    path = write(
        tmp_path,
        "name,owner,created_at,onboarded_to_platform_at,tier\nsearch,payments,2024-01-01,,1\n",
    )

    assert run_import(engine, path, "services").ok

    search = services_by_name(engine)["search"]
    assert (search.owner, search.tier, search.system) == ("payments", 1, None)


@pytest.mark.parametrize(("written", "tier"), [("1", 1), ("tier-3", 3), ("Tier4", 4), ("t2", 2)])
def test_tier_reads_plain_and_prefixed_numbers(tmp_path, written, tier):
    path = write(tmp_path, f"name,owner,tier\napi,payments,{written}\n")

    batch = read_catalog_csv(path, "services")

    assert batch.problems == []
    assert [s.record.tier for s in batch.services] == [tier]


@pytest.mark.parametrize("tier", ["0", "5", "gold", "tier-one"])
def test_tier_outside_one_to_four_is_a_problem(tmp_path, tier):
    path = write(tmp_path, f"name,owner,tier\nfine,payments,1\napi,payments,{tier}\n")

    problem = read_problem(path, "services")

    assert_names(problem, path, 3, "tier")
    assert "tier from 1 to 4" in problem.reason


def test_service_with_unknown_owner_refuses_the_whole_file(engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    path = write(
        tmp_path,
        "name,owner,tier\nledger,finance,2\nnew-one,payments,1\norphan,ghosts,1\n",
    )

    problem = only_problem(run_import(engine, path, "services"), path)

    assert_names(problem, path, 4, "owner")
    assert problem.reason == "unknown owner team"
    assert problem.value == "ghosts"
    assert snapshot(engine) == before


def test_service_in_unknown_system_refuses_the_whole_file(engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    path = write(tmp_path, "name,owner,system\nok,payments,checkout\nlost,payments,nowhere\n")

    problem = only_problem(run_import(engine, path, "services"), path)

    assert_names(problem, path, 3, "system")
    assert problem.reason == "unknown system"
    assert snapshot(engine) == before


def test_service_moved_to_another_owner_is_updated_and_stays_one_service(engine, tmp_path):
    seed_baseline(engine)
    path = write(tmp_path, "name,owner,tier,system\nLEDGER,finance,1,checkout\n")

    result = run_import(engine, path, "services")

    assert result.report.as_dict() == {"services": {"created": 0, "updated": 1, "unchanged": 0}}
    stored = services_by_name(engine)
    assert list(stored) == ["ledger"]
    assert stored["ledger"].owner == "finance"


# --- unusable files: the whole command stops, exit 2 -----------------------------------------


def test_missing_file_is_unusable_and_named(tmp_path):
    path = tmp_path / "nope.csv"

    with pytest.raises(InvalidInputError) as caught:
        read_catalog_csv(path, "teams")

    assert caught.value.unusable
    [problem] = caught.value.problems
    assert problem.source == str(path)
    assert "No such file" in problem.reason


@pytest.mark.parametrize(
    ("kind", "header", "expected"),
    [
        ("teams", "slug,eligible", "missing column(s) name"),
        ("developers", "email,name", "missing column(s) team"),
        ("services", "name,tier", "missing column(s) owner"),
        ("teams", "slug,name,colour", "unknown column(s) colour"),
        ("services", "name,owner,system,System", "repeated column(s) system"),
        ("teams", "slug,name,name", "repeated column(s) name"),
    ],
)
def test_wrong_header_is_unusable_and_says_which_columns(tmp_path, kind, header, expected):
    path = write(tmp_path, header + "\nx,y,z\n")

    with pytest.raises(InvalidInputError) as caught:
        read_catalog_csv(path, kind)

    assert caught.value.unusable
    [problem] = caught.value.problems
    assert (problem.source, problem.line, problem.field) == (str(path), 1, "header")
    assert expected in problem.reason
    assert f"expected columns {HEADERS[kind]}" in problem.reason


def test_repeated_column_refuses_the_file_instead_of_keeping_the_last_value(cli, engine, tmp_path):
    first = write(tmp_path, "slug,name\ncore,Core\n", "first.csv")
    assert cli("import", "teams", str(first)).exit_code == 0
    path = write(tmp_path, "slug,name,name\ncore,Core,Other name\n")

    result = cli("import", "teams", str(path))

    assert result.exit_code == 2
    assert "repeated column(s) name" in result.stderr
    assert teams_by_slug(engine)["core"].name == "Core"


def test_cli_missing_file_exits_2_naming_it(cli, tmp_path):
    path = tmp_path / "absent.csv"

    result = cli("import", "developers", str(path))

    assert result.exit_code == 2
    assert str(path) in result.stderr
    assert "cannot open file" in result.stderr
    assert result.stdout == ""


def test_cli_empty_file_exits_2(cli, tmp_path):
    path = write(tmp_path, "")

    result = cli("import", "teams", str(path))

    assert result.exit_code == 2
    assert f"{path}: file is empty; expected a header row" in result.stderr


def test_cli_wrong_header_exits_2_and_writes_nothing(cli, engine, tmp_path):
    before = snapshot(engine)
    path = write(tmp_path, "slug,title\nx,X\n")

    result = cli("import", "teams", str(path))

    assert result.exit_code == 2
    assert f"{path}:1: field 'header': missing column(s) name" in result.stderr
    assert "unknown column(s) title" in result.stderr
    assert snapshot(engine) == before


def test_cli_without_file_or_template_is_a_usage_error(cli):
    result = cli("import", "services")

    assert result.exit_code == 2
    assert "--template" in result.stderr


# --- the command line ------------------------------------------------------------------------


def test_cli_json_reports_counts_and_a_second_run_changes_nothing(cli, tmp_path):
    path = write(tmp_path, "slug,name,eligible,headcount\na,A,yes,1\nb,B,no,2\n")

    first = cli("import", "teams", str(path), "--json")
    second = cli("import", "teams", str(path), "--json")

    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout) == {
        "counts": {"teams": {"created": 2, "updated": 0, "unchanged": 0}},
        "ignored": 0,
        "accepted_files": [str(path)],
        "rejected_files": {},
        "notices": {},
    }
    assert second.exit_code == 0
    assert json.loads(second.stdout)["counts"] == {
        "teams": {"created": 0, "updated": 0, "unchanged": 2}
    }


def test_cli_table_output_shows_counts(cli, tmp_path):
    path = write(tmp_path, "slug,name\na,A\n")

    result = cli("import", "teams", str(path))

    assert result.exit_code == 0
    [row] = [line for line in result.stdout.splitlines() if "teams" in line]
    assert [cell.strip() for cell in row.split("│") if cell.strip()] == ["teams", "1", "0", "0"]


def test_cli_refused_file_exits_1_and_names_line_field_and_reason(cli, engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    path = write(tmp_path, "email,name,team\nok@example.com,Ok,payments\nx@example.com,X,mars\n")

    result = cli("import", "developers", str(path))

    assert result.exit_code == 1
    assert "Nothing was written." in result.stdout
    assert f"refused {path}: 1 problem(s), nothing from this file was written" in result.stderr
    assert f"{path}:3: field 'team': unknown team (got 'mars')" in result.stderr
    assert snapshot(engine) == before


def test_cli_json_lists_the_problems_of_a_refused_file(cli, tmp_path):
    path = write(tmp_path, "slug,name,eligible\nok,Ok,yes\nbad,Bad,nope\n")

    result = cli("import", "teams", str(path), "--json")

    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "counts": {},
        "ignored": 0,
        "accepted_files": [],
        "rejected_files": {
            str(path): [
                {
                    "line": 3,
                    "entity": None,
                    "field": "eligible",
                    "reason": "expected a boolean: true/false, yes/no or 1/0",
                    "value": "nope",
                }
            ]
        },
        "notices": {},
    }


def test_cli_caps_a_long_list_of_problems(cli, tmp_path):
    rows = "".join(f"t{i},T,never\n" for i in range(60))
    path = write(tmp_path, "slug,name,eligible\n" + rows)

    result = cli("import", "teams", str(path))

    assert result.exit_code == 1
    assert "refused" in result.stderr
    assert f"{path}:51: field 'eligible'" in result.stderr
    assert f"{path}:52:" not in result.stderr
    assert "... and 10 more" in result.stderr


# --- hostile and huge input ------------------------------------------------------------------


def test_invalid_utf8_in_a_row_refuses_the_file_naming_that_line(cli, engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    path = write_bytes(tmp_path, b"slug,name\nok,Fine\nbad,\xff\xfename\nalso,Fine\n")

    result = cli("import", "teams", str(path), "--json")

    assert result.exit_code == 1
    [problem] = json.loads(result.stdout)["rejected_files"][str(path)]
    assert (problem["line"], problem["field"], problem["reason"]) == (
        3,
        "name",
        "is not valid UTF-8",
    )
    assert snapshot(engine) == before


def test_invalid_utf8_far_into_a_large_file_is_found_on_its_line(tmp_path):
    rows = b"".join(b"t%d,Team %d\n" % (i, i) for i in range(5000))
    path = write_bytes(tmp_path, b"slug,name\n" + rows + b"late,caf\xe9\n")

    problem = read_problem(path, "teams")

    assert_names(problem, path, 5002, "name")
    assert problem.reason == "is not valid UTF-8"
    assert problem.value == "caf\ufffd"


def test_invalid_utf8_in_the_header_is_unusable(cli, tmp_path):
    path = write_bytes(tmp_path, b"slug,n\xe4me\nok,Ok\n")

    result = cli("import", "teams", str(path))

    assert result.exit_code == 2
    assert f"{path}:1: field 'header': is not valid UTF-8" in result.stderr


def test_utf8_names_are_stored_as_written(engine, tmp_path):
    path = write(tmp_path, "slug,name\nzurich,Zürich Ωmega 東京 🚀\n")

    assert run_import(engine, path, "teams").ok

    assert teams_by_slug(engine)["zurich"].name == "Zürich Ωmega 東京 🚀"


def test_nul_byte_in_a_value_refuses_the_file_on_every_database(engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    path = write_bytes(tmp_path, b"slug,name\nok,Fine\nnul,Bad\x00Name\n")

    problem = only_problem(run_import(engine, path, "teams"), path)

    assert_names(problem, path, 3, "name")
    assert "NUL" in problem.reason
    assert snapshot(engine) == before


def test_ragged_rows_are_each_named_and_refuse_the_file(engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    path = write(tmp_path, "slug,name,eligible\nshort,Short\nok,Ok,yes\nlong,Long,yes,extra\n")

    result = run_import(engine, path, "teams")

    problems = result.rejected[str(path)]
    assert [(p.line, p.reason) for p in problems] == [
        (2, "expected 3 values like the header, found 2"),
        (4, "expected 3 values like the header, found 4"),
    ]
    assert result.report.as_dict() == {}
    assert snapshot(engine) == before


def test_a_one_megabyte_field_is_a_problem_on_its_line(cli, engine, tmp_path):
    path = write(tmp_path, f'slug,name\nok,Ok\nhuge,"{"x" * 1_000_000}"\n')

    result = cli("import", "teams", str(path), "--json")

    assert result.exit_code == 1
    [problem] = json.loads(result.stdout)["rejected_files"][str(path)]
    assert problem["line"] == 3
    # Which check trips depends on csv.field_size_limit, which other modules may raise.
    assert "65536 characters" in problem["reason"] or "field limit" in problem["reason"]
    assert len(result.stderr) < 2000
    assert teams_by_slug(engine) == {}


def test_a_field_over_the_value_limit_is_a_problem_on_its_line(tmp_path):
    path = write(tmp_path, f"slug,name\nok,Ok\nbig,{'x' * (MAX_FIELD_BYTES + 1)}\n")

    problem = read_problem(path, "teams")

    assert (problem.line, problem.reason) == (3, "a value is longer than 65536 characters")


def test_unterminated_quote_is_broken_csv_named_at_its_line(tmp_path):
    path = write(tmp_path, 'slug,name\nok,Ok\nbad,"never closed\nmore,More\n')

    problem = read_problem(path, "teams")

    assert problem.line == 3
    assert problem.reason.startswith("broken CSV:")


def test_twenty_thousand_rows_import_correctly_and_reimport_unchanged(engine, tmp_path):
    seed(engine, CatalogBatch(teams=[TeamIn(slug=f"team-{i}", name=f"T{i}") for i in range(10)]))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS["developers"].split(","))
    for i in range(20_000):
        day = 1 + i % 28
        writer.writerow(
            [
                f"Dev{i}@Example.com",
                f"Developer {i}",
                f"team-{i % 10}",
                f"2024-02-{day:02}",
                "engineer",
            ]
        )
    path = write(tmp_path, buffer.getvalue())

    first = run_import(engine, path, "developers")
    again = run_import(engine, path, "developers")

    assert first.report.as_dict() == {
        "developers": {"created": 20_000, "updated": 0, "unchanged": 0}
    }
    assert again.report.as_dict() == {
        "developers": {"created": 0, "updated": 0, "unchanged": 20_000}
    }
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Developer)) == 20_000
        last = session.scalars(
            select(Developer).where(Developer.email == "dev19999@example.com")
        ).one()
        assert (last.name, last.team.slug, last.started_at) == (
            "Developer 19999",
            "team-9",
            utc(2024, 2, 1 + 19_999 % 28),
        )
        per_team = dict(
            session.execute(
                select(Developer.team_id, func.count()).group_by(Developer.team_id)
            ).all()
        )
        assert sorted(per_team.values()) == [2_000] * 10


# --- properties ------------------------------------------------------------------------------

HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

BOOLEAN_WORDS = {
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
    "TRUE": True,
    "No": False,
}

# Names as stored: any text without NUL that does not begin or end with white space.
team_names = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    min_size=1,
    max_size=200,
).filter(lambda name: name.strip() == name)

team_rows = st.lists(
    st.tuples(
        st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9._-]{0,30}", fullmatch=True),
        team_names,
        st.sampled_from(sorted(BOOLEAN_WORDS)),
        st.integers(min_value=0, max_value=1_000_000),
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda row: row[0].lower(),
)


@HYPOTHESIS
@given(rows=team_rows)
def test_random_valid_team_rows_round_trip_exactly(engine, rows):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "teams.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["slug", "name", "eligible", "headcount"])
            writer.writerows(rows)
        result = run_import(engine, path, "teams")

    assert result.ok, result.rejected
    counts = result.report.as_dict()["teams"]
    assert sum(counts.values()) == len(rows)
    stored = teams_by_slug(engine)
    for slug, name, word, headcount in rows:
        team = stored[slug.lower()]
        assert (team.name, team.eligible, team.headcount, team.source) == (
            name,
            BOOLEAN_WORDS[word],
            headcount,
            "csv",
        )


VALID_ROWS: dict[CsvKind, dict[str, str]] = {
    "teams": {"slug": "fuzz-team", "name": "Fuzz", "eligible": "yes", "headcount": "3"},
    "developers": {
        "email": "fuzz@example.com",
        "name": "Fuzz",
        "team": "core",
        "started_at": "2024-01-01",
        "role": "engineer",
    },
    "services": {
        "name": "fuzz-service",
        "owner": "core",
        "created_at": "2024-01-01",
        "onboarded_to_platform_at": "2024-06-01T10:00:00Z",
        "tier": "2",
        "system": "",
    },
}

garbage = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=40),
    st.sampled_from(
        ["", " ", '"', '"unclosed', "a,b", "\n", "\r\n", "\x00", "true", "-1", "tier-9", "T"]
    ),
)


@settings(HYPOTHESIS, max_examples=30)
@given(data=st.data())
def test_garbage_in_a_field_is_accepted_or_refused_with_a_line_and_nothing_written(
    cli, engine, data
):
    seed(engine, CatalogBatch(teams=[TeamIn(slug="core", name="Core")]))
    kind = data.draw(st.sampled_from(sorted(VALID_ROWS)), label="kind")
    row = VALID_ROWS[kind]
    column = data.draw(st.sampled_from(sorted(row)), label="column")
    value = data.draw(garbage, label="value")
    quoted = data.draw(st.booleans(), label="quoted")
    # Quoted text tests value checks; raw bytes may also break the CSV structure.
    if quoted and isinstance(value, str):
        buffer = io.StringIO()
        csv.writer(buffer).writerow([value if c == column else row[c] for c in row])
        line = buffer.getvalue().encode("utf-8", "surrogatepass")
    else:
        raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
        line = b",".join(raw if c == column else row[c].encode() for c in row) + b"\n"
    before = snapshot(engine)

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"{kind}.csv"
        path.write_bytes(",".join(row).encode() + b"\n" + line)
        result = cli("import", kind, str(path), "--json")

    assert result.exit_code in (0, 1), result.stderr
    output = json.loads(result.stdout)
    if result.exit_code == 0:
        assert output["accepted_files"] == [str(path)]
        assert sum(sum(c.values()) for c in output["counts"].values()) >= 1
    else:
        problems = output["rejected_files"][str(path)]
        assert problems
        assert all(isinstance(p["line"], int) and p["line"] >= 2 for p in problems)
        assert all(p["reason"] for p in problems)
        assert output["counts"] == {}
        assert snapshot(engine) == before
