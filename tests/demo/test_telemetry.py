"""The demo company's telemetry tells the war story when measured with the KPI definitions.

The numbers are computed here straight from the generated rows with small helpers (the KPI
engine proper lives elsewhere); each helper follows the definition in docs/kpis.md.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from pavedroad.comms.models import (
    Champion,
    ChangelogEntry,
    LaunchCriterion,
    LaunchItem,
    LaunchPlan,
    MarketingEvent,
    Pitch,
    TranslationRow,
)
from pavedroad.db import unit_of_work
from pavedroad.demo.company import (
    HISTORY_END,
    HISTORY_START,
    PM_HIRED,
    DemoCompany,
    build_company,
)
from pavedroad.demo.loader import STEPS, load_demo
from pavedroad.demo.story import CAPABILITIES, ROLLBACK_COMMAND, SURVEY, add_months
from pavedroad.demo.telemetry import Telemetry, generate_telemetry
from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.models import (
    Change,
    CiRun,
    Deployment,
    Incident,
    Onboarding,
    OrgFact,
    SurveyResponse,
    Ticket,
    UsageEvent,
)

Row = dict[str, Any]


@pytest.fixture(scope="module")
def company() -> DemoCompany:
    return build_company(7)


@pytest.fixture(scope="module")
def telemetry(company: DemoCompany) -> Telemetry:
    return generate_telemetry(company)


# --- small measuring helpers, one per KPI definition -------------------------------------------


def month(year: int, number: int) -> tuple[datetime, datetime]:
    start = datetime(year, number, 1, tzinfo=UTC)
    return start, add_months(start, 1)


def minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def within(rows: list[Row], field: str, window: tuple[datetime, datetime]) -> list[Row]:
    start, end = window
    return [r for r in rows if r[field] is not None and start <= r[field] < end]


def production(telemetry: Telemetry) -> list[Row]:
    return [d for d in telemetry.deployments if d["environment"] == "production"]


def ci_median(telemetry: Telemetry, window: tuple[datetime, datetime]) -> float:
    runs = within(telemetry.ci_runs, "finished_at", window)
    return statistics.median(minutes(r["started_at"], r["finished_at"]) for r in runs)


def eligible_teams(company: DemoCompany) -> set[str]:
    return {t.slug for t in company.teams if t.eligible}


def adoption(telemetry: Telemetry, company: DemoCompany, end: datetime) -> float:
    """Eligible teams with a successful via-platform production deploy or a use in 30 days."""
    window = (end - timedelta(days=30), end)
    used = {
        d["team"]
        for d in within(production(telemetry), "finished_at", window)
        if d["result"] == "success" and d["via_platform"]
    }
    used |= {u["team"] for u in within(telemetry.usage_events, "at", window)}
    eligible = eligible_teams(company)
    return len(used & eligible) / len(eligible)


def wave(telemetry: Telemetry, name: str) -> list[Row]:
    return [r for r in telemetry.survey_responses if r["wave"] == name]


def nps(responses: list[Row]) -> float:
    scores = [r["nps"] for r in responses]
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def availability(telemetry: Telemetry, window: tuple[datetime, datetime]) -> float:
    start, end = window
    down = sum(
        minutes(max(i["started_at"], start), min(i["resolved_at"], end))
        for i in telemetry.incidents
        if i["platform_caused"] and i["started_at"] < end and i["resolved_at"] > start
    )
    return 1 - down / minutes(start, end)


def change_failure_rate(telemetry: Telemetry, window: tuple[datetime, datetime]) -> float:
    prod = production(telemetry)
    causes = {i["caused_by_deployment_id"] for i in telemetry.incidents}
    by_service: dict[str, list[Row]] = defaultdict(list)
    for deploy in sorted(prod, key=lambda d: d["finished_at"]):
        by_service[deploy["service"]].append(deploy)
    rolled_back = {
        earlier["id"]
        for deploys in by_service.values()
        for earlier, later in itertools.pairwise(deploys)
        if later["is_rollback"]
    }
    base = [
        d
        for d in within(prod, "finished_at", window)
        if d["result"] == "success" and not d["is_rollback"]
    ]
    return sum(d["id"] in causes or d["id"] in rolled_back for d in base) / len(base)


def mttr_mean(telemetry: Telemetry, window: tuple[datetime, datetime]) -> float:
    resolved = within(telemetry.incidents, "resolved_at", window)
    return statistics.mean(minutes(i["started_at"], i["resolved_at"]) for i in resolved)


def lead_time_median_hours(telemetry: Telemetry, window: tuple[datetime, datetime]) -> float:
    shipped = {
        d["id"]: d["finished_at"]
        for d in within(production(telemetry), "finished_at", window)
        if d["result"] == "success"
    }
    return statistics.median(
        minutes(c["first_commit_at"], shipped[c["deployment_id"]]) / 60
        for c in telemetry.changes
        if c["deployment_id"] in shipped
    )


def deploys_per_week(telemetry: Telemetry, window: tuple[datetime, datetime]) -> float:
    shipped = within(production(telemetry), "finished_at", window)
    successes = sum(d["result"] == "success" for d in shipped)
    return successes / ((window[1] - window[0]).days / 7)


def self_service_ratio(telemetry: Telemetry, window: tuple[datetime, datetime]) -> float:
    requests = [t for t in within(telemetry.tickets, "opened_at", window) if t["kind"] == "request"]
    return sum(t["self_service"] for t in requests) / len(requests)


def onboarding_days(telemetry: Telemetry, window: tuple[datetime, datetime]) -> float:
    return statistics.median(
        minutes(o["started_at"], o["first_deploy_at"]) / 1440
        for o in within(telemetry.onboarding, "first_deploy_at", window)
    )


BEFORE = (HISTORY_START, PM_HIRED)
AFTER = (PM_HIRED, HISTORY_END)
MAY, NOVEMBER = month(2026, 5), month(2026, 11)
LAST_QUARTER = (add_months(HISTORY_END, -3), HISTORY_END)


# --- the war story ------------------------------------------------------------------------------


def test_ci_takes_about_18_minutes_before_and_about_6_after(telemetry):
    assert 16 <= ci_median(telemetry, MAY) <= 20
    assert 16 <= ci_median(telemetry, (HISTORY_START, add_months(PM_HIRED, 3))) <= 20
    assert 5 <= ci_median(telemetry, NOVEMBER) <= 7


def test_adoption_stalls_near_half_then_reaches_about_78_percent(telemetry, company):
    for months_before in (4, 2):
        assert 0.4 <= adoption(telemetry, company, add_months(PM_HIRED, -months_before)) <= 0.55
    assert 0.45 <= adoption(telemetry, company, PM_HIRED) <= 0.55
    assert 0.74 <= adoption(telemetry, company, HISTORY_END) <= 0.82


def test_nps_rises_from_12_to_48_and_satisfaction_with_it(telemetry, company):
    waves = sorted({r["wave"] for r in telemetry.survey_responses})
    assert waves == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert 8 <= nps(wave(telemetry, "2026-Q2")) <= 16
    assert 44 <= nps(wave(telemetry, "2026-Q4")) <= 52
    assert nps(wave(telemetry, "2026-Q2")) < nps(wave(telemetry, "2026-Q3"))
    satisfaction = {
        name: statistics.mean(r["satisfaction"] for r in wave(telemetry, name)) for name in waves
    }
    assert 2.9 <= satisfaction["2026-Q2"] <= 3.3
    assert 3.9 <= satisfaction["2026-Q4"] <= 4.3
    for name in waves:
        answers = wave(telemetry, name)
        opened = datetime.combine(min(r["submitted_at"] for r in answers), time(), UTC)
        staff = sum(1 for d in company.developers if d.started_at and d.started_at < opened)
        assert 0.35 * staff <= len(answers) <= 0.45 * staff
        assert all(r["survey"] == SURVEY and 0 <= r["nps"] <= 10 for r in answers)
        assert all(1 <= r["satisfaction"] <= 5 for r in answers)
        assert all(r["submitted_at"].strftime("%Y") == name[:4] for r in answers)


def test_survey_comments_echo_the_story(telemetry):
    before = " ".join(r["comments"] for r in wave(telemetry, "2026-Q2"))
    after = " ".join(r["comments"] for r in wave(telemetry, "2026-Q4"))
    for phrase in (
        "CI takes forever",
        "didn't know the platform could do that",
        "Rollback is scary",
    ):
        assert phrase.lower() in before.lower()
    for phrase in ("CI is so much faster", "changelog is great", "rollback"):
        assert phrase.lower() in after.lower()
    assert "CI takes forever" not in after


def test_support_tickets_fall_about_40_percent_and_self_service_rises(telemetry):
    may, november = (
        len(within(telemetry.tickets, "opened_at", MAY)),
        len(within(telemetry.tickets, "opened_at", NOVEMBER)),
    )
    assert 0.3 <= 1 - november / may <= 0.5
    assert self_service_ratio(telemetry, BEFORE) < 0.4
    assert self_service_ratio(telemetry, NOVEMBER) > 0.75
    kinds = {t["kind"] for t in telemetry.tickets}
    assert kinds == {"question", "request", "bug"}
    assert {"ci", "deploy", "access", "docs", "databases"} <= {
        t["category"] for t in telemetry.tickets
    }
    ci_share = [
        sum(t["category"] == "ci" for t in rows) / len(rows)
        for rows in (within(telemetry.tickets, "opened_at", w) for w in (MAY, NOVEMBER))
    ]
    assert ci_share[1] < ci_share[0] / 1.5


def test_rollback_is_rare_and_slow_until_the_one_command_rollback(telemetry):
    prod = production(telemetry)
    rollbacks = [d for d in prod if d["is_rollback"]]
    assert 0.01 <= len(rollbacks) / len(prod) <= 0.07
    manual = [d for d in rollbacks if d["started_at"] < ROLLBACK_COMMAND]
    assert statistics.median(minutes(d["started_at"], d["finished_at"]) for d in manual) > 45
    one_command = [
        d
        for d in within(rollbacks, "started_at", NOVEMBER)
        if d["via_platform"] and d["result"] == "success"
    ]
    assert one_command
    assert statistics.median(minutes(d["started_at"], d["finished_at"]) for d in one_command) < 10
    uses = [u for u in telemetry.usage_events if u["capability"] == "rollback"]
    assert uses and min(u["at"] for u in uses) >= ROLLBACK_COMMAND
    assert mttr_mean(telemetry, MAY) > 100
    assert mttr_mean(telemetry, NOVEMBER) < 0.6 * mttr_mean(telemetry, MAY)


def test_platform_availability_rises_from_99_8_to_99_95_percent(telemetry):
    assert 0.9975 <= availability(telemetry, BEFORE) <= 0.9985
    assert 0.9993 <= availability(telemetry, AFTER) <= 0.9997
    assert availability(telemetry, NOVEMBER) > 0.9995


def test_delivery_gets_faster_and_safer(telemetry):
    assert lead_time_median_hours(telemetry, NOVEMBER) < 0.75 * lead_time_median_hours(
        telemetry, MAY
    )
    assert deploys_per_week(telemetry, NOVEMBER) > 1.3 * deploys_per_week(telemetry, MAY)
    before, after = (
        change_failure_rate(telemetry, BEFORE),
        change_failure_rate(telemetry, LAST_QUARTER),
    )
    assert 0.03 <= after < before <= 0.15
    assert 7 <= onboarding_days(telemetry, BEFORE) <= 11
    assert onboarding_days(telemetry, NOVEMBER) <= 4.5


def test_usage_covers_the_capabilities_and_grows(telemetry):
    assert {u["capability"] for u in telemetry.usage_events} == set(CAPABILITIES)
    per_month = [len(within(telemetry.usage_events, "at", w)) for w in (MAY, NOVEMBER)]
    assert per_month[1] > 1.3 * per_month[0]


def test_org_facts_have_one_row_a_month(telemetry, company):
    facts = telemetry.org_facts
    assert [f["date"] for f in facts] == [add_months(HISTORY_START, n).date() for n in range(12)]
    assert 1300 <= facts[0]["customers"] < facts[-1]["customers"] <= 1700
    assert all(500 <= f["developers"] <= company.engineers for f in facts)
    assert facts[-1]["ops_hours"] < 0.8 * facts[0]["ops_hours"]
    assert all(f["compute_cost"] > 0 and f["hourly_rate"] > 0 for f in facts)


def test_the_scale_is_realistic_but_small(telemetry, company):
    sizes = {kind: len(rows) for kind, rows in telemetry.by_kind().items()}
    assert 10_000 <= sizes["deployments"] <= 20_000
    assert 15_000 <= sizes["changes"] <= 25_000
    assert 15_000 <= sizes["ci-runs"] <= 30_000
    assert 200 <= sizes["incidents"] <= 600
    assert 2_000 <= sizes["tickets"] <= 4_000
    assert 800 <= sizes["survey-responses"] <= 1_100
    assert 15_000 <= sizes["usage-events"] <= 40_000
    joined = [d for d in company.developers if d.started_at and d.started_at >= HISTORY_START]
    assert sizes["onboarding"] == len(joined)
    assert sizes["org-facts"] == 12


# --- integrity ----------------------------------------------------------------------------------


def test_every_change_was_committed_before_its_production_deployment_finished(telemetry):
    deployments = {d["id"]: d for d in telemetry.deployments}
    for change in telemetry.changes:
        deploy = deployments[change["deployment_id"]]
        assert deploy["environment"] == "production" and not deploy["is_rollback"]
        assert deploy["service"] == change["service"]
        assert change["first_commit_at"] <= change["merged_at"] < deploy["started_at"]
        assert change["first_commit_at"] < deploy["finished_at"]
    in_failed = [
        c for c in telemetry.changes if deployments[c["deployment_id"]]["result"] == "failed"
    ]
    assert 0 < len(in_failed) < 0.05 * len(telemetry.changes)


def test_references_resolve_to_the_catalog(telemetry, company):
    owners = {s.name: s.owner for s in company.services}
    teams = {t.slug for t in company.teams}
    emails = {d.email: d.team for d in company.developers}
    deployments = {d["id"] for d in telemetry.deployments}
    for deploy in telemetry.deployments:
        assert deploy["team"] == owners[deploy["service"]]
        assert deploy["environment"] in ("production", "staging")
    for rows in (telemetry.changes, telemetry.ci_runs):
        assert {r["service"] for r in rows} <= set(owners)
    for incident in telemetry.incidents:
        assert incident["team"] in teams
        if incident["service"] is not None:
            assert incident["team"] == owners[incident["service"]]
        if incident["caused_by_deployment_id"]:
            assert incident["caused_by_deployment_id"] in deployments
            assert not incident["platform_caused"]
    assert 0 < sum(i["platform_caused"] for i in telemetry.incidents) < 40
    for rows in (telemetry.tickets, telemetry.survey_responses, telemetry.usage_events):
        assert {r["team"] for r in rows} <= teams
    for use in telemetry.usage_events:
        assert use["developer"] is None or emails[use["developer"]] == use["team"]
    for row in telemetry.onboarding:
        assert emails[row["developer"]] == row["team"]


def test_ids_are_stable_unique_and_timestamps_utc(telemetry):
    for kind, rows in telemetry.by_kind().items():
        key = KINDS[kind].key
        assert len({r[key] for r in rows}) == len(rows), kind
        for row in rows:
            assert set(row) == set(KINDS[kind].column_names), kind
            for value in row.values():
                if isinstance(value, datetime):
                    assert value.utcoffset() == timedelta(0), kind
                    assert value < HISTORY_END, kind
    assert telemetry.deployments[0]["id"] == "demo-dep-000001"
    for row in telemetry.deployments + telemetry.ci_runs + telemetry.tickets:
        assert row.get("finished_at", row.get("opened_at")) >= HISTORY_START


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows(telemetry):
    assert generate_telemetry(build_company(7)) == telemetry
    other = generate_telemetry(build_company(8))
    assert other.deployments != telemetry.deployments
    # The story does not depend on the seed.
    assert 0.45 <= adoption(other, build_company(8), PM_HIRED) <= 0.55
    assert 44 <= nps(wave(other, "2026-Q4")) <= 52
    assert 5 <= ci_median(other, NOVEMBER) <= 7


# --- loading ------------------------------------------------------------------------------------

TABLES = (
    Deployment,
    Change,
    CiRun,
    Incident,
    Ticket,
    SurveyResponse,
    UsageEvent,
    Onboarding,
    OrgFact,
)


COMMS_TABLES = (
    ChangelogEntry,
    TranslationRow,
    Pitch,
    LaunchPlan,
    LaunchItem,
    LaunchCriterion,
    Champion,
    MarketingEvent,
)


def test_loading_twice_changes_nothing(engine, telemetry):
    steps: list[str] = []
    with unit_of_work(engine) as session:
        load_demo(session, on_step=steps.append)
    assert steps == [name for name, _ in STEPS] and "telemetry" in steps
    with unit_of_work(engine) as session:
        counts = [session.scalar(select(func.count()).select_from(t)) for t in TABLES]
        generated = [
            session.scalar(select(func.count()).select_from(t).where(t.channel == "demo"))
            for t in TABLES
        ]
        hosted = session.scalar(
            select(func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.channel == "hosted")
        )
        stored = session.execute(select(Deployment.id, Deployment.row_hash)).all()
    # Every generated row is stored; the survey step adds the open wave's hosted answers.
    assert generated == [len(rows) for rows in telemetry.by_kind().values()]
    assert hosted and sum(counts) == sum(generated) + hosted
    with unit_of_work(engine) as session:
        told = [session.scalar(select(func.count()).select_from(t)) for t in COMMS_TABLES]
    assert all(told), dict(zip([t.__tablename__ for t in COMMS_TABLES], told, strict=True))
    with unit_of_work(engine) as session:
        load_demo(session)
    with unit_of_work(engine) as session:
        assert [session.scalar(select(func.count()).select_from(t)) for t in TABLES] == counts
        # The ship-and-tell steps write their story once too.
        assert [session.scalar(select(func.count()).select_from(t)) for t in COMMS_TABLES] == told
        assert sorted(session.execute(select(Deployment.id, Deployment.row_hash)).all()) == sorted(
            stored
        )
        channels = session.scalars(select(Deployment.channel).distinct()).all()
        sample = session.get(SurveyResponse, telemetry.survey_responses[0]["id"])
    assert channels == ["demo"]
    assert sample is not None and sample.wave == "2026-Q1"
