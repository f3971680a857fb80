"""The baseline through the CLI (`pavedroad kpis baseline`) and the API
(`/api/v1/kpis/baseline`): show, set, move, clear; bad days, NUL and long labels refused with
the field named; reads need a read token, writes a write token; the demo sets "PM arrived"."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pavedroad.db import unit_of_work
from pavedroad.demo.baseline import load_baseline
from pavedroad.demo.company import PM_HIRED
from pavedroad.demo.loader import STEPS
from pavedroad.metrics.baseline import Baseline, get_baseline
from tests.web.conftest import bearer

URL = "/api/v1/kpis/baseline"


def test_the_cli_shows_sets_moves_and_clears_the_baseline(cli):
    shown = cli("kpis", "baseline")
    assert shown.exit_code == 0 and "No baseline" in shown.stdout
    assert json.loads(cli("kpis", "baseline", "--json").stdout) == {"day": None, "label": ""}
    done = cli("kpis", "baseline", "2026-06-01", "--label", "PM arrived")
    assert done.exit_code == 0 and "Baseline: 2026-06-01 (PM arrived)" in done.stdout
    cli("kpis", "baseline", "2026-07-01", "--label", "moved")
    assert json.loads(cli("kpis", "baseline", "--json").stdout) == {
        "day": "2026-07-01",
        "label": "moved",
    }
    cleared = cli("kpis", "baseline", "--clear", "--json")
    assert json.loads(cleared.stdout) == {"day": None, "label": ""}


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("2026-02-30",), "expected a date such as 2026-06-01"),
        (("yesterday",), "expected a date such as 2026-06-01"),
        (("1800-01-01",), "day"),
        (("2026-06-01", "--label", "x" * 201), "label"),
        (("2026-06-01", "--label", "PM\x00arrived"), "NUL"),
        (("2026-06-01", "--clear"), "not both"),
    ],
)
def test_the_cli_refuses_a_bad_baseline_and_says_why(cli, args, said):
    refused = cli("kpis", "baseline", *args)
    assert refused.exit_code != 0
    assert said in refused.stderr + refused.stdout
    assert json.loads(cli("kpis", "baseline", "--json").stdout)["day"] is None


def test_the_cli_help_explains_the_baseline(cli):
    shown = cli("kpis", "baseline", "--help", db=False)
    assert "north-star" in shown.stdout and "--label" in shown.stdout and "--clear" in shown.stdout


def test_the_api_reads_sets_and_clears_the_baseline(client, tokens):
    read, write = bearer(tokens["read"]), bearer(tokens["write"])
    assert client.get(URL, headers=read).json() == {"day": None, "label": ""}
    put = client.put(URL, json={"day": "2026-06-01", "label": "PM arrived"}, headers=write)
    assert put.status_code == 200 and put.json() == {"day": "2026-06-01", "label": "PM arrived"}
    assert client.get(URL, headers=read).json()["label"] == "PM arrived"
    gone = client.delete(URL, headers=write)
    assert gone.status_code == 200 and gone.json() == {"day": None, "label": ""}


def test_the_api_needs_a_token_of_the_right_scope(client, tokens):
    body = {"day": "2026-06-01"}
    assert client.get(URL).status_code == 401
    assert client.put(URL, json=body, headers=bearer(tokens["read"])).status_code == 403
    assert client.delete(URL, headers=bearer(tokens["read"])).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"day": "2026-02-30"}, "day"),
        ({"day": "1899-12-31"}, "day"),
        ({"day": "2026-06-01", "label": "x" * 201}, "label"),
        ({"day": "2026-06-01", "label": "PM\x00arrived"}, "label"),
        ({"day": "2026-06-01", "extra": 1}, "extra"),
        ({}, "day"),
    ],
)
def test_the_api_refuses_a_bad_baseline_naming_the_field(client, tokens, body, field):
    refused = client.put(URL, json=body, headers=bearer(tokens["write"]))
    assert refused.status_code == 422
    assert field in json.dumps(refused.json())
    assert client.get(URL, headers=bearer(tokens["read"])).json()["day"] is None


def test_the_api_documents_the_baseline_routes(client):
    spec = client.get("/api/openapi.json").json()
    paths = spec["paths"][URL]
    assert set(paths) >= {"get", "put", "delete"}
    assert "BaselineOut" in json.dumps(paths["get"]["responses"])
    assert "label" in json.dumps(spec["components"]["schemas"]["BaselineIn"])


def test_the_demo_sets_the_baseline_to_the_pms_first_day(engine):
    assert [name for name, _ in STEPS].index("baseline") == [name for name, _ in STEPS].index(
        "telemetry"
    ) + 1
    for _ in range(2):  # re-running it changes nothing
        with unit_of_work(engine) as s:
            load_baseline(s, None)  # type: ignore[arg-type]
    with unit_of_work(engine) as s:
        assert get_baseline(session=s) == Baseline(PM_HIRED.date(), "PM arrived")
    assert PM_HIRED.date() == date(2026, 6, 1)
