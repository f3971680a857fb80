"""The KPIs through the CLI, the API and the pages: one engine, one answer everywhere."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pavedroad.metrics.diagnoses import captive_audience, worsening_run
from tests.conftest import Cli
from tests.metrics.conftest import add_events
from tests.web.conftest import bearer, csrf_of, sign_in

WEEK = "2026-03-02..2026-03-09"


def test_cli_json_is_the_contract(org, db_url):
    result = Cli(db_url)("kpis", "--window", WEEK, "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["window"] == {
        "start": "2026-03-02T00:00:00+00:00",
        "end": "2026-03-09T00:00:00+00:00",
    }
    assert document["filters"] == {"team": None, "service": None}
    by_id = {k["id"]: k for k in document["kpis"]}
    assert set(by_id["ci_duration_p50"]) >= {
        "id",
        "value",
        "unit",
        "target",
        "status",
        "trend",
        "kind",
        "sample_size",
    }
    assert by_id["ci_duration_p50"]["value"] == pytest.approx(7.0)
    assert by_id["ci_duration_p50"]["unit"] == "minutes"
    assert by_id["ci_duration_p50"]["kind"] == "leading"
    assert by_id["change_failure_rate"]["value"] == pytest.approx(0.5)


def test_cli_empty_window_gives_null_and_no_data(org, db_url):
    result = Cli(db_url)("kpis", "--window", "2024-Q1", "--json")
    kpis = json.loads(result.stdout)["kpis"]
    assert all(k["value"] is None and k["status"] == "no_data" for k in kpis)


def test_cli_table_groups_leading_and_lagging(org, db_url):
    result = Cli(db_url)("kpis", "--window", WEEK)
    assert result.exit_code == 0
    assert "Leading indicators" in result.stdout and "Lagging indicators" in result.stdout
    assert "CI duration" in result.stdout and "Adoption rate" in result.stdout


def test_cli_bad_window_names_the_forms(org, db_url):
    result = Cli(db_url)("kpis", "--window", "next-tuesday")
    assert result.exit_code == 1
    assert "2026-W14" in result.stderr


def test_cli_show_by_team(org, db_url):
    result = Cli(db_url)(
        "kpis",
        "show",
        "ci_duration_p50",
        "--window",
        WEEK,
        "--by",
        "team",
        "--weeks",
        "2",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["kpi"]["value"] == pytest.approx(7.0)
    assert {g["group"] for g in document["groups"]} == {"alpha", "beta"}
    assert len(document["weekly"]) == 2


def test_cli_unknown_kpi_lists_the_known_ones(org, db_url):
    result = Cli(db_url)("kpis", "show", "happiness")
    assert result.exit_code == 1
    assert "ci_duration_p50" in result.stderr


def test_cli_target_set_and_reset(org, db_url):
    cli = Cli(db_url)
    assert cli("kpis", "target", "set", "ci_duration_p50", "8").exit_code == 0
    status = {
        k["id"]: k for k in json.loads(cli("kpis", "--window", WEEK, "--json").stdout)["kpis"]
    }
    assert status["ci_duration_p50"]["target"] == 8 and status["ci_duration_p50"]["status"] == "met"
    refused = cli("kpis", "target", "set", "adoption_rate", "80")
    assert refused.exit_code == 1 and "between 0 and 1" in refused.stderr
    assert cli("kpis", "target", "reset", "ci_duration_p50").exit_code == 0
    targets = json.loads(cli("kpis", "target", "list", "--json").stdout)
    assert {"id": "ci_duration_p50", "target": 5.0} in targets


def test_cli_diagnose_finds_three_weeks_of_slower_ci(org, db_url):
    # Medians 3, 4, 5 in the three weeks before the week under test (7): worse three times.
    add_events(
        org,
        "ci-runs",
        [
            {
                "id": f"w{minutes}",
                "service": "api",
                "started_at": f"{day}T10:00:00Z",
                "finished_at": f"{day}T10:0{minutes}:00Z",
                "result": "success",
            }
            for day, minutes in (("2026-02-10", 3), ("2026-02-17", 4), ("2026-02-24", 5))
        ],
    )
    result = Cli(db_url)("kpis", "--diagnose", "--window", WEEK, "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document) == ["diagnoses"]
    for item in document["diagnoses"]:
        assert set(item) == {"id", "severity", "message", "evidence", "better_approach", "links"}
    declines = {
        d["evidence"]["kpi"]: d
        for d in document["diagnoses"]
        if d["id"] == "leading_indicator_decline"
    }
    weeks = declines["ci_duration_p50"]["evidence"]["weeks"]
    assert [w["value"] for w in weeks] == pytest.approx([3.0, 4.0, 5.0, 7.0])


def test_captive_audience_needs_high_adoption_and_low_satisfaction():
    from types import SimpleNamespace as R

    def results(adoption, satisfaction, nps):
        return {
            "adoption_rate": R(value=adoption),
            "satisfaction": R(value=satisfaction),
            "nps": R(value=nps),
        }

    assert [d.id for d in captive_audience(results(0.85, 2.9, 10))] == ["captive_audience"]
    assert [d.id for d in captive_audience(results(0.85, 3.5, -5))] == ["captive_audience"]
    assert captive_audience(results(0.85, 3.5, 5)) == []
    assert captive_audience(results(0.80, 2.0, -50)) == []  # "above 80%"
    assert captive_audience(results(None, 2.0, -50)) == []


@given(
    st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), max_size=30),
    st.sampled_from(["up", "down"]),
)
def test_worsening_run_counts_only_consecutive_wrong_way_moves(values, direction):
    run = worsening_run(values, direction)
    assert 0 <= run <= max(0, len(values) - 1)
    tail = values[len(values) - run - 1 :] if run else []
    for before, after in itertools.pairwise(tail):
        assert before is not None and after is not None
        assert (after < before) if direction == "up" else (after > before)
    # Maximal: the move just before the run (if there is one) did not go the wrong way.
    if run < len(values) - 1:
        before, after = values[-run - 2], values[-run - 1]
        wrong_way = (
            before is not None
            and after is not None
            and ((after < before) if direction == "up" else (after > before))
        )
        assert not wrong_way


def test_three_weeks_of_slower_ci_is_a_leading_decline():
    assert worsening_run([5, 6, 7, 8], "down") == 3
    assert worsening_run([5, 6, 7, 8], "up") == 0
    assert worsening_run([8, 6, None, 7, 8, 9], "down") == 2


def test_api_matches_the_cli(org, db_url, client, tokens):
    api = client.get(f"/api/v1/kpis?window={WEEK}", headers=bearer(tokens["read"]))
    assert api.status_code == 200
    cli = json.loads(Cli(db_url)("kpis", "--window", WEEK, "--json").stdout)
    assert api.json() == cli


def test_api_detail_events_and_targets(org, client, tokens):
    detail = client.get(
        f"/api/v1/kpis/change_failure_rate?window={WEEK}&by=service&weeks=2",
        headers=bearer(tokens["read"]),
    )
    assert detail.status_code == 200
    assert {g["group"]: g["value"] for g in detail.json()["groups"]} == {"api": 0.5, "web": 0.5}
    events = client.get(
        f"/api/v1/kpis/change_failure_rate/events?window={WEEK}", headers=bearer(tokens["read"])
    )
    assert {e["id"]: e["failed"] for e in events.json() if e["ok"] and not e["rollback"]} == {
        "d1": False,
        "d3": True,
        "d5": True,
        "d6": False,
    }
    refused = client.put(
        "/api/v1/kpis/ci_duration_p50/target", json={"value": 4}, headers=bearer(tokens["read"])
    )
    assert refused.status_code == 403
    done = client.put(
        "/api/v1/kpis/ci_duration_p50/target", json={"value": 4}, headers=bearer(tokens["write"])
    )
    assert done.status_code == 200
    assert client.get("/api/v1/kpis/nope", headers=bearer(tokens["read"])).status_code == 404
    assert client.get("/api/v1/kpis?window=soon", headers=bearer(tokens["read"])).status_code in {
        400,
        422,
    }


def test_dashboard_page_shows_tiles_and_empty_state(client, users, engine):
    sign_in(client, users["read"])
    empty = client.get("/kpis")
    assert empty.status_code == 200 and "No telemetry yet" in empty.text


def test_dashboard_and_kpi_pages(org, client, users):
    sign_in(client, users["write"])
    page = client.get(f"/kpis?window={WEEK}")
    assert page.status_code == 200
    assert "CI duration (median)" in page.text and "7.0 min" in page.text
    bad = client.get("/kpis?window=whenever")
    assert bad.status_code == 422 and 'value="whenever"' in bad.text
    kpi = client.get(f"/kpis/ci_duration_p50?window={WEEK}")
    assert kpi.status_code == 200 and "/vendor/vega-embed.js" in kpi.text and "r5" in kpi.text
    typed = client.post(
        "/kpis/adoption_rate/target", data={"value": "eighty", "csrf_token": csrf_of(kpi.text)}
    )
    assert (
        typed.status_code == 422 and 'value="eighty"' in typed.text and "not a number" in typed.text
    )
    ok = client.post(
        "/kpis/adoption_rate/target", data={"value": "75%", "csrf_token": csrf_of(kpi.text)}
    )
    assert ok.status_code == 303
    assert "≥ 75.0%" in client.get("/kpis/adoption_rate").text


def test_vega_embed_bundle_is_served_locally(client, users):
    response = client.get("/vendor/vega-embed.js")
    assert response.status_code == 200 and "vegaEmbed" in response.text
