"""ROI on both engines: each term's arithmetic asserted by hand on a small store, the
assumptions derived from data, edited and reset, the JSON contract, bad quarters and values
refused clearly, the API's scopes and the page's forms (typed values kept, text inert)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pavedroad.comms import roi, roi_assumptions
from pavedroad.db import unit_of_work
from pavedroad.demo.loader import contract_row
from pavedroad.errors import InvalidInputError
from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.writer import upsert_rows
from tests.web.conftest import bearer, client, csrf_of, sign_in, small_catalog, tokens, users

WEB_FIXTURES = (client, tokens, users, small_catalog)
QUARTER = "2026-Q1"
# Weekdays of 2026-Q1: January 22, February 20, March 22.
WORKING_HOURS = 64 * 8


def _add(engine, kind_name: str, events: list[dict[str, object]]) -> None:
    kind = KINDS[kind_name]
    with unit_of_work(engine) as s:
        rows = [contract_row(kind, e) for e in events]
        upsert_rows(s.connection(), kind, rows, channel="test", run_id=None)


def _run(id: str, day: str, minutes: int) -> dict[str, object]:
    return {
        "id": id,
        "service": "ledger",
        "started_at": f"{day}T10:00:00Z",
        "finished_at": f"{day}T10:{minutes:02d}:00Z",
        "result": "success",
        "queued_at": None,
    }


def _incident(id: str, day: str, minutes: int) -> dict[str, object]:
    return {
        "id": id,
        "service": "ledger",
        "team": "payments",
        "started_at": f"{day}T10:00:00Z",
        "resolved_at": f"{day}T{10 + minutes // 60:02d}:{minutes % 60:02d}:00Z",
        "severity": "sev2",
        "caused_by_deployment_id": None,
        "platform_caused": True,
    }


@pytest.fixture
def store(engine, small_catalog) -> None:
    """2025-Q4 (the baseline): CI 20 min, onboarding 10 days, an incident of 120 min.
    2026-Q1: three CI runs of 8 min, two new hires in 4 days, incidents of 30 and 50 min;
    org facts with 10 developers at 100 an hour."""
    _add(
        engine,
        "ci-runs",
        [
            _run("b1", "2025-11-03", 20),
            _run("b2", "2025-11-04", 20),
            _run("q1", "2026-01-05", 8),
            _run("q2", "2026-02-05", 8),
            _run("q3", "2026-03-05", 8),
        ],
    )
    _add(
        engine,
        "onboarding",
        [
            {
                "developer": "ada@example.com",
                "team": "payments",
                "started_at": "2025-11-01T09:00:00Z",
                "first_deploy_at": "2025-11-11T09:00:00Z",
            },
            {
                "developer": "alan@example.com",
                "team": "payments",
                "started_at": "2026-01-05T09:00:00Z",
                "first_deploy_at": "2026-01-09T09:00:00Z",
            },
            {
                "developer": "grace@example.com",
                "team": "corp-it",
                "started_at": "2026-02-02T09:00:00Z",
                "first_deploy_at": "2026-02-06T09:00:00Z",
            },
        ],
    )
    _add(
        engine,
        "incidents",
        [
            _incident("i0", "2025-12-01", 120),
            _incident("i1", "2026-01-20", 30),
            _incident("i2", "2026-02-20", 50),
        ],
    )
    _add(
        engine,
        "org-facts",
        [
            {
                "date": "2025-10-01",
                "customers": 100,
                "developers": 10,
                "compute_cost": None,
                "ops_hours": None,
                "hourly_rate": 100.0,
            }
        ],
    )


def _json(result):
    assert result.exit_code == 0, result.stderr or result.stdout
    return json.loads(result.stdout)


def _terms(report) -> dict[str, dict]:
    return {t["id"]: t for t in report["terms"]}


def test_each_term_is_the_formula_over_values_from_data(cli, store):
    assert cli("roi", "set", "adopting_developers", "10").exit_code == 0
    report = _json(cli("roi", "--quarter", QUARTER, "--json"))
    assert {
        "quarter",
        "terms",
        "hours_saved",
        "hourly_rate",
        "value",
        "platform_cost",
        "roi",
    } <= set(report)
    assert report["quarter"] == QUARTER and report["complete"] is True
    terms = _terms(report)
    assert set(terms) == {"ci", "onboarding", "incidents"}  # no shadowing: no waiting term
    for term in terms.values():
        assert {"id", "hours", "assumptions"} <= set(term)
    assert terms["ci"]["assumptions"] == {
        "ci_baseline_minutes": 20.0,
        "ci_minutes": 8.0,
        "ci_runs": 3.0,
    }
    assert terms["ci"]["hours"] == pytest.approx((20 - 8) * 3 / 60)
    assert terms["ci"]["baseline_quarter"] == "2025-Q4"
    onboarding = terms["onboarding"]["assumptions"]
    assert onboarding == {
        "onboarding_baseline_days": pytest.approx(10.0),
        "onboarding_days": pytest.approx(4.0),
        "new_hires": 2.0,
        "hours_per_day": 8.0,
    }
    assert terms["onboarding"]["hours"] == pytest.approx((10 - 4) * 2 * 8)
    assert terms["incidents"]["assumptions"] == {
        "incident_baseline_minutes": pytest.approx(120.0),
        "incident_minutes": pytest.approx(40.0),
        "incidents": 2.0,
        "responders": 3.0,
    }
    assert terms["incidents"]["hours"] == pytest.approx((120 - 40) * 2 * 3 / 60)
    hours = 0.6 + 96 + 8
    assert report["hours_saved"] == pytest.approx(hours)
    assert report["hourly_rate"] == 100.0
    assert report["value"] == pytest.approx(hours * 100)
    assert report["platform_cost"] == pytest.approx(8 * WORKING_HOURS * 100)
    assert report["roi"] == pytest.approx(
        (hours * 100 - 8 * WORKING_HOURS * 100) / (8 * WORKING_HOURS * 100)
    )
    gain = report["productivity_gain"]
    assert gain["percent"] == pytest.approx(100 * hours / (10 * WORKING_HOURS))
    assert gain["formula"] == "hours_saved / (adopting_developers x working_hours)"
    assert report["currency"] == "USD"


def test_edited_assumption_changes_its_term_until_reset(cli, store):
    assert cli("roi", "set", "responders", "5").exit_code == 0
    edited = _json(cli("roi", "--quarter", QUARTER, "--json"))
    assert _terms(edited)["incidents"]["hours"] == pytest.approx(80 * 2 * 5 / 60)
    shown = {a["key"]: a for a in edited["assumptions"]}
    assert shown["responders"]["source"] == "edited" and shown["responders"]["derived"] == 3.0
    assert shown["ci_runs"]["source"] == "data"
    reset = cli("roi", "reset", "responders")
    assert reset.exit_code == 0 and "Reset responders" in reset.stdout
    assert "was not edited" in cli("roi", "reset", "responders").stdout
    back = _json(cli("roi", "--quarter", QUARTER, "--json"))
    assert _terms(back)["incidents"]["hours"] == pytest.approx(8.0)


def test_waiting_term_appears_when_both_shares_are_known(cli, store):
    cli("roi", "set", "waiting_baseline_share", "0.25")
    cli("roi", "set", "waiting_share", "0.15")
    cli("roi", "set", "adopting_developers", "10")
    terms = _terms(_json(cli("roi", "--quarter", QUARTER, "--json")))
    assert terms["waiting"]["hours"] == pytest.approx((0.25 - 0.15) * 10 * WORKING_HOURS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--quarter", "2026-Q5"), "expected a quarter such as 2026-Q3"),
        (("--quarter", "last year"), "expected a quarter such as 2026-Q3"),
        (("--quarter", "8999-Q4"), "has not begun yet"),
        (("set", "responders", "-1"), "from 0 to 10000"),
        (("set", "responders", "many"), "expected a number"),
        (("set", "responders", "nan"), "from 0 to 10000"),
        (("set", "vibes", "1"), "unknown assumption"),
        (("reset", "vibes"), "unknown assumption"),
    ],
)
def test_bad_quarters_and_values_are_refused_clearly(cli, args, message):
    result = cli("roi", *args)
    assert result.exit_code != 0
    assert message in result.stderr


def test_roi_help_and_table_output(cli, store):
    helped = cli("roi", "--help", db=False)
    assert helped.exit_code == 0 and "set" in helped.stdout and "--quarter" in helped.stdout
    table = cli("roi", "--quarter", QUARTER)
    assert table.exit_code == 0 and "ROI 2026-Q1" in table.stdout and "hours saved" in table.stdout


def test_without_data_the_terms_say_what_is_missing(cli):
    report = _json(cli("roi", "--quarter", QUARTER, "--json"))
    assert report["hours_saved"] == 0 and report["value"] is None and report["roi"] is None
    ci = _terms(report)["ci"]
    assert ci["hours"] is None and "ci_runs" in ci["missing"]


def test_default_quarter_is_the_current_one_to_date():
    today = date(2026, 12, 4)
    asked = roi_assumptions.parse_quarter(None, today=today)
    assert (asked.label, asked.start, asked.end, asked.complete) == (
        "2026-Q4",
        date(2026, 10, 1),
        date(2026, 12, 5),
        False,
    )
    with pytest.raises(InvalidInputError):
        roi_assumptions.parse_quarter("2027-Q1", today=today)


def test_pure_roi_arithmetic():
    values = {key: a.fallback for key, a in roi.ASSUMPTIONS.items()}
    values.update(
        ci_baseline_minutes=18,
        ci_minutes=6,
        ci_runs=1000,
        hourly_rate=100,
        working_hours=500,
        adopting_developers=20,
        platform_engineers=1,
    )
    result = roi.compute_roi(values)
    ci = next(t for t in result.terms if t.id == "ci")
    assert ci.hours == pytest.approx(200)
    assert result.hours_saved == pytest.approx(200)
    assert result.value == pytest.approx(20_000)
    assert result.platform_cost == pytest.approx(50_000)
    assert result.roi == pytest.approx(-0.6)
    assert result.productivity_gain == pytest.approx(200 / (20 * 500))
    assert roi.working_days(date(2026, 1, 1), date(2026, 4, 1)) == 64


def test_api_reads_and_edits_with_scoped_tokens(client, tokens, store):
    read, write = bearer(tokens["read"]), bearer(tokens["write"])
    got = client.get(f"/api/v1/roi?quarter={QUARTER}", headers=read)
    assert got.status_code == 200 and got.json()["quarter"] == QUARTER
    assert client.get("/api/v1/roi?quarter=2026-Q9", headers=read).status_code == 422
    assert client.get("/api/v1/roi").status_code == 401
    url = "/api/v1/roi/assumptions/responders"
    assert client.put(url, json={"value": 4}, headers=read).status_code == 403
    put = client.put(url, json={"value": 4}, headers=write)
    assert put.status_code == 200 and put.json() == {"key": "responders", "value": 4.0}
    incidents = _terms(client.get(f"/api/v1/roi?quarter={QUARTER}", headers=read).json())
    assert incidents["incidents"]["hours"] == pytest.approx(80 * 2 * 4 / 60)
    assert client.put(url, json={"value": -2}, headers=write).status_code == 422
    assert client.put(url, json={"value": "x"}, headers=write).status_code == 422
    unknown = client.put("/api/v1/roi/assumptions/vibes", json={"value": 1}, headers=write)
    assert unknown.status_code == 422
    assert client.delete(url, headers=write).json() == {"key": "responders", "value": None}


def test_page_shows_terms_and_keeps_a_refused_value(client, users, store):
    sign_in(client, users["write"])
    page = client.get(f"/roi?quarter={QUARTER}")
    assert page.status_code == 200
    assert "(ci_baseline_minutes - ci_minutes) x ci_runs / 60" in page.text
    assert '"$schema"' in page.text  # the hours-per-term chart
    csrf = csrf_of(page.text)
    hostile = "<script>alert(1)</script>"
    refused = client.post(
        "/roi/assumptions/responders",
        data={"csrf_token": csrf, "value": hostile, "quarter": QUARTER},
    )
    assert refused.status_code == 422
    assert "type a number" in refused.text and "<script>alert(1)" not in refused.text
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in refused.text
    out_of_range = client.post(
        "/roi/assumptions/responders", data={"csrf_token": csrf, "value": "-3", "quarter": ""}
    )
    assert out_of_range.status_code == 422 and 'value="-3"' in out_of_range.text
    saved = client.post(
        "/roi/assumptions/responders", data={"csrf_token": csrf, "value": "6", "quarter": QUARTER}
    )
    assert saved.status_code == 303
    assert "edited" in client.get(f"/roi?quarter={QUARTER}").text
    bad_quarter = client.get("/roi?quarter=2026-Q7")
    assert bad_quarter.status_code == 422 and "expected a quarter" in bad_quarter.text


def test_waiting_shares_come_from_shadowing_time_logs(cli, engine, store):
    from pavedroad.research import shadowing
    from pavedroad.research.shadowing_schemas import ShadowingIn

    log = "00:00 - Opened the deploy guide\n01:40 - Deployed"
    with unit_of_work(engine) as s:
        for day, waiting in ((date(2025, 11, 10), 25.0), (date(2026, 2, 10), 10.0)):
            shadowing.add_session(
                s,
                data=ShadowingIn(
                    date=day, team="payments", workflow="deploy", time_log=log, waiting_min=waiting
                ),
            )
    cli("roi", "set", "adopting_developers", "10")
    report = _json(cli("roi", "--quarter", QUARTER, "--json"))
    waiting = _terms(report)["waiting"]
    assert waiting["assumptions"]["waiting_baseline_share"] == pytest.approx(0.25)
    assert waiting["assumptions"]["waiting_share"] == pytest.approx(0.10)
    assert waiting["baseline_quarter"] == "2025-Q4"
    assert waiting["hours"] == pytest.approx(0.15 * 10 * WORKING_HOURS)


def test_a_chosen_baseline_quarter_gives_every_baseline(cli, store):
    chosen = _json(cli("roi", "--quarter", QUARTER, "--baseline", "2025-Q4", "--json"))
    assert _terms(chosen)["ci"]["baseline_quarter"] == "2025-Q4"
    assert _terms(chosen)["ci"]["hours"] == pytest.approx(0.6)
    empty = _json(cli("roi", "--quarter", QUARTER, "--baseline", "2025-Q3", "--json"))
    assert _terms(empty)["ci"]["hours"] is None
    assert "ci_baseline_minutes" in _terms(empty)["ci"]["missing"]
    for bad in ("2026-Q1", "2026-Q2", "soon"):
        result = cli("roi", "--quarter", QUARTER, "--baseline", bad)
        assert result.exit_code != 0 and "baseline" in result.stderr, bad
