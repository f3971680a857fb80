"""Every KPI against values computed by hand, on SQLite (through DuckDB) and on PostgreSQL.

The organisation is in conftest.py; the week under test is 2026-03-02 (Mon) .. 2026-03-09.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pavedroad.metrics import service
from pavedroad.metrics.windows import parse_window
from tests.metrics.conftest import add_events

WEEK = parse_window("2026-03-02..2026-03-09")
TICKET = 2 / 160

EXPECTED = {
    # d1, d3, d4, d5, d6 (d7 is staging, d8 at the exclusive end, d9 before the start)
    "deploy_frequency": (5.0, 6),
    # d4 of d1..d6
    "rollback_rate": (1 / 6, 6),
    # d3 (rolled back by d4) and d5 (named by two incidents, counted once) of d1, d3, d5, d6
    "change_failure_rate": (0.5, 4),
    # c5 30, c4 30, c1 60, c2 1560 (its first deployment d2 failed; d3 shipped it)
    "lead_time_p50": (45.0, 4),
    "lead_time_p95": (60 + 0.85 * 1500, 4),
    # api created 03-03 10:00, first deployed 12:00; svc-new never deployed
    "time_to_first_deploy_p50": (2.0, 1),
    # alpha (via-platform d1) and beta (usage 02-10) of alpha, beta, delta (gamma not eligible;
    # delta's use on 02-06 23:00 is before the 30 days)
    "adoption_rate": (2 / 3, 3),
    # i1, i2, i4, i5 started in the week
    "incident_frequency": (4.0, 4),
    # resolved in the week: i1 60, i2 120, i3 120 (started before the week)
    "mttr_mean": (100.0, 3),
    "mttr_p50": (120.0, 3),
    # i3 overlaps 60 min; i4 (open) and i5 overlap each other: 60 merged minutes
    "availability": (1 - 120 / 10080, 6),
    # r2 4, r3 6, r5 8 (00:30+01:00), r1 10; r4 ends at the exclusive end
    "ci_duration_p50": (7.0, 4),
    "ci_duration_p95": (8 + 0.85 * 2, 4),
    # queue time where the provider gave it: r2 1, r1 2, r5 5 (r3 has none; r4 ends at the end)
    "ci_queue_p50": (2.0, 3),
    # latest wave 2026-03b: 10, 9, 8, 6 (b5 has no score): (2 - 1) / 4
    "nps": (25.0, 5),
    "satisfaction": (19 / 5, 5),
    # t1 self-served of requests t1, t2
    "self_service_ratio": (0.5, 3),
    # a: 3 days; b: 11.5 days; c has not deployed
    "onboarding_time_p50": (7.25, 2),
    # t1, t2, t3 opened in the week
    "tickets_per_month": (3 / (7 / 30.4375), 3),
    "tickets_per_1k_customers": (3 / (7 / 30.4375) * 1000 / 1500, 3),
    "tickets_per_100_developers": (3 / (7 / 30.4375) * 100 / 60, 3),
    # resolved in the week: t1 2 h, t2 24 h, t4 72 h
    "ticket_resolution_p50": (24.0, 3),
    # the 2026-03-05 facts: (3000 + 20 x 50) / 1500 (since issue 16: the latest facts dated
    # before the window end, one month's cost, so a window without a facts date is not empty)
    "cost_to_serve_per_customer": (4000 / 1500, 1),
    # Faster CI 2 (roadmap), Upgrade 1 (platform), 3 resolved tickets (unplanned); killed excluded
    "capacity_roadmap_share": (2 / (3 + 3 * TICKET), 5),
    "capacity_platform_share": (1 / (3 + 3 * TICKET), 5),
    "capacity_unplanned_share": (3 * TICKET / (3 + 3 * TICKET), 5),
}


def _board(engine: Engine, **kwargs: object) -> dict[str, service.KpiResult]:
    kwargs.setdefault("window", WEEK)
    with Session(engine) as session:
        board = service.dashboard(session=session, weeks=2, **kwargs)  # type: ignore[arg-type]
    return {result.definition.id: result for result in board.results}


def test_every_kpi_is_covered_by_the_hand_computed_fixture() -> None:
    from pavedroad.metrics.definitions import KPI_IDS

    assert set(EXPECTED) == set(KPI_IDS)


def test_every_kpi_matches_the_hand_computed_value(org: Engine) -> None:
    results = _board(org)
    for kpi, (value, sample) in EXPECTED.items():
        result = results[kpi]
        assert result.value == pytest.approx(value, rel=1e-9), kpi
        assert result.sample_size == sample, kpi


def test_an_empty_window_is_no_data_never_zero(org: Engine) -> None:
    results = _board(org, window=parse_window("2025-01"))
    for kpi, result in results.items():
        assert result.value is None, kpi
        assert result.status == "no_data", kpi


def test_a_single_event_has_its_own_value_as_median_and_p95(engine: Engine) -> None:
    add_events(
        engine,
        "ci-runs",
        [
            {
                "id": "only",
                "service": "x",
                "started_at": "2026-03-03T10:00:00Z",
                "finished_at": "2026-03-03T10:03:30Z",
                "result": "success",
            },
        ],
    )
    results = _board(engine, kpi_ids=["ci_duration_p50", "ci_duration_p95"])
    assert results["ci_duration_p50"].value == pytest.approx(3.5)
    assert results["ci_duration_p95"].value == pytest.approx(3.5)
    assert results["ci_duration_p50"].sample_size == 1


def test_ties_in_a_median_of_an_odd_count(engine: Engine) -> None:
    add_events(
        engine,
        "ci-runs",
        [
            {
                "id": f"r{i}",
                "service": "x",
                "started_at": "2026-03-03T10:00:00Z",
                "finished_at": f"2026-03-03T10:{minutes:02d}:00Z",
                "result": "success",
            }
            for i, minutes in enumerate([5, 5, 5, 9, 1])
        ],
    )
    results = _board(engine, kpi_ids=["ci_duration_p50", "ci_duration_p95"])
    assert results["ci_duration_p50"].value == pytest.approx(5.0)
    # sorted 1 5 5 5 9: position 0.95 x 4 = 3.8 -> 5 + 0.8 x 4
    assert results["ci_duration_p95"].value == pytest.approx(8.2)


def test_status_against_targets_and_directions(org: Engine) -> None:
    results = _board(org)
    assert results["ci_duration_p50"].status == "missed"  # 7 min against < 5
    assert results["change_failure_rate"].status == "missed"  # 50% against < 15%
    assert results["adoption_rate"].status == "missed"  # 67% against > 80%
    assert results["ticket_resolution_p50"].target is None
    assert results["capacity_unplanned_share"].status == "met"  # 1% within a 10% budget


def test_an_organisation_target_changes_the_status(org: Engine) -> None:
    with Session(org) as session:
        service.set_target(session=session, kpi_id="ci_duration_p50", value=8, set_by="pm")
        session.commit()
    results = _board(org)
    assert results["ci_duration_p50"].target == 8
    assert results["ci_duration_p50"].status == "met"


def test_trend_compares_with_the_previous_window_of_the_same_length(org: Engine) -> None:
    results = _board(org)
    # The week before holds d9 only: one successful production deployment.
    deploys = results["deploy_frequency"]
    assert deploys.previous == pytest.approx(1.0)
    assert deploys.trend == pytest.approx(4.0)
    assert deploys.trend_direction == "better"


def test_team_cut_resolves_the_owner_of_the_service(org: Engine) -> None:
    with Session(org) as session:
        detail = service.kpi_detail(
            session=session, kpi_id="ci_duration_p50", window=WEEK, by="team", weeks=2
        )
    values = {result.group: result.value for result in detail.groups}
    assert values == {"alpha": pytest.approx(7.0), "beta": pytest.approx(7.0)}


def test_team_cut_of_a_survey_below_five_respondents_is_hidden(org: Engine) -> None:
    with Session(org) as session:
        detail = service.kpi_detail(session=session, kpi_id="nps", window=WEEK, by="team", weeks=2)
    assert {result.group: result.status for result in detail.groups} == {
        "alpha": "hidden",
        "beta": "hidden",
    }
    assert all(result.value is None for result in detail.groups)


def test_filter_by_service(org: Engine) -> None:
    results = _board(
        org, service="api", kpi_ids=["deploy_frequency", "change_failure_rate", "tickets_per_month"]
    )
    assert results["deploy_frequency"].value == pytest.approx(3.0)  # d1, d3, d4
    assert results["change_failure_rate"].value == pytest.approx(0.5)  # d3 of d1, d3
    assert results["tickets_per_month"].status == "not_applicable"


def test_adoption_by_team(org: Engine) -> None:
    with Session(org) as session:
        detail = service.kpi_detail(
            session=session, kpi_id="adoption_rate", window=WEEK, by="team", weeks=2
        )
    # delta is eligible and used nothing in the 30 days: it is at 0%, first (issue 16: teams
    # without use were left out of the breakdown, though they are the ones to chase).
    assert {r.group: r.value for r in detail.groups} == {"alpha": 1.0, "beta": 1.0, "delta": 0.0}
    assert detail.groups[0].group == "delta"


def test_new_events_invalidate_cached_results(org: Engine) -> None:
    first = _board(org, kpi_ids=["ci_duration_p50"])["ci_duration_p50"]
    add_events(
        org,
        "ci-runs",
        [
            {
                "id": "r6",
                "service": "api",
                "started_at": "2026-03-06T10:00:00Z",
                "finished_at": "2026-03-06T10:30:00Z",
                "result": "success",
            },
        ],
    )
    second = _board(org, kpi_ids=["ci_duration_p50"])["ci_duration_p50"]
    assert first.value == pytest.approx(7.0)
    assert second.value == pytest.approx(8.0)  # 4 6 8 10 30
    assert second.sample_size == 5


def test_window_values_for_other_domains(org: Engine) -> None:
    from datetime import date

    with Session(org) as session:
        values = service.window_values(
            session=session,
            kpi_ids=["ci_duration_p50", "nps"],
            start=date(2026, 3, 2),
            end=date(2026, 3, 9),
        )
        assert values == {"ci_duration_p50": pytest.approx(7.0), "nps": pytest.approx(25.0)}
        latest = service.latest_values(
            session=session, kpi_ids=["deploy_frequency"], end=date(2025, 6, 1)
        )
        assert latest == {"deploy_frequency": None}


def test_an_updated_event_replaces_the_old_one_in_every_engine(org: Engine) -> None:
    first = _board(org, kpi_ids=["ci_duration_p50"])["ci_duration_p50"]
    # r1 (10 min) is re-imported as a 2-minute run: an update, not a new row.
    add_events(
        org,
        "ci-runs",
        [
            {
                "id": "r1",
                "service": "api",
                "started_at": "2026-03-03T10:00:00Z",
                "finished_at": "2026-03-03T10:02:00Z",
                "result": "success",
            },
        ],
    )
    second = _board(org, kpi_ids=["ci_duration_p50"])["ci_duration_p50"]
    assert first.value == pytest.approx(7.0)
    assert second.value == pytest.approx(5.0)  # 2 4 6 8
    assert second.sample_size == 4


def test_new_events_in_one_window_leave_the_other_windows_right(org: Engine) -> None:
    february = parse_window("2026-02-02..2026-02-09")
    before = _board(org, window=february, kpi_ids=["ci_duration_p50"])["ci_duration_p50"]
    _board(org, kpi_ids=["ci_duration_p50"])
    add_events(
        org,
        "ci-runs",
        [
            {
                "id": "feb",
                "service": "api",
                "started_at": "2026-02-03T10:00:00Z",
                "finished_at": "2026-02-03T10:12:00Z",
                "result": "success",
            },
        ],
    )
    march = _board(org, kpi_ids=["ci_duration_p50"])["ci_duration_p50"]
    after = _board(org, window=february, kpi_ids=["ci_duration_p50"])["ci_duration_p50"]
    assert before.value is None
    assert march.value == pytest.approx(7.0) and march.sample_size == 4
    assert after.value == pytest.approx(12.0) and after.sample_size == 1
