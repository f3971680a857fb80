"""The demo company's impact map, capacity budget and roadmap tell the war story."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from pavedroad.backlog.models import Goal
from pavedroad.db import unit_of_work
from pavedroad.demo import roadmap as demo_roadmap
from pavedroad.demo.loader import load_demo
from pavedroad.metrics.service import window_values

AS_OF = demo_roadmap.AS_OF.isoformat()


@pytest.fixture
def demo(engine) -> None:
    with unit_of_work(engine) as session:
        load_demo(session)


def test_two_measurable_goals_against_the_pre_pm_baseline(demo, engine, cli):
    with unit_of_work(engine) as session:
        goals = list(session.scalars(select(Goal).order_by(Goal.priority)))
        start, end = demo_roadmap.BASELINE_WINDOW
        before = window_values(
            session=session, kpi_ids=["lead_time_p50", "incident_frequency"], start=start, end=end
        )
    assert [(g.title, g.kpi_id, g.due, g.priority) for g in goals] == [
        ("Time to production halved", "lead_time_p50", date(2027, 3, 31), 1),
        ("Incidents down 30%", "incident_frequency", date(2027, 3, 31), 2),
    ]
    # The targets are half and 70% of what the engine measures before the PM arrived.
    assert goals[0].target == pytest.approx(before["lead_time_p50"] / 2, abs=0.1)
    assert goals[1].target == pytest.approx(before["incident_frequency"] * 0.7, abs=0.01)
    found = json.loads(cli("map", "show", "--as-of", AS_OF, "--json").stdout)
    actors = {a["name"] for g in found["goals"] for a in g["actors"]}
    assert actors == {"Feature developers", "New joiners", "On-call engineers", "Team leads"}
    assert found["goals"][0]["current"] < before["lead_time_p50"]
    assert "Multi-cloud abstraction" in [d["title"] for d in found["flagged"]]


def test_the_roadmap_whatif_and_capacity_budget_tell_the_story(demo, cli):
    view = json.loads(cli("roadmap", "show", "--as-of", AS_OF, "--json").stdout)
    lanes = {lane["lane"]: [c["title"] for c in lane["cards"]] for lane in view["lanes"]}
    assert lanes["now"][0] == "Faster CI pipelines"
    assert set(lanes["now"]) | set(lanes["next"]) >= {
        "Faster CI pipelines",
        "Self-service environments",
        "Golden-path service templates",
    }
    assert "Multi-cloud abstraction" in lanes["later"] + lanes["exploring"]
    cards = {c["title"]: c for lane in view["lanes"] for c in lane["cards"]}
    assert cards["Faster CI pipelines"]["rice"] > 20 * cards["Multi-cloud abstraction"]["rice"]
    assert {c["title"] for c in view["done"]} >= {"One-command rollback", "Champions program"}
    now_roadmap = next(u for u in view["lanes"][0]["use"] if u["category"] == "roadmap")
    assert now_roadmap["used"] <= now_roadmap["available"]
    assert now_roadmap["spent"] == 2.5  # one-command rollback, done in November

    # The VP asks for the multi-cloud abstraction in Now.
    answer = json.loads(
        cli(
            "roadmap", "whatif", "--add", "Multi-cloud abstraction", "--as-of", AS_OF, "--json"
        ).stdout
    )
    assert answer["displaced"], "forcing it into Now must push developer work out"
    assert all(d["from_lane"] in ("now", "next") for d in answer["displaced"])
    assert answer["goals_at_risk"][0]["title"] == "Time to production halved"
    assert answer["reach_waiting"] > 0

    report = json.loads(cli("capacity", "show", "--as-of", AS_OF, "--json").stdout)
    assert [q["quarter"] for q in report] == list(demo_roadmap.QUARTERS)
    assert all(q["person_months"] == 20 and q["split_text"] == "70/20/10" for q in report)
    q1, q4 = report[0], report[3]
    # Before the PM, tickets are nearly all the team delivers; after, less so.
    assert q1["actual_shares"]["unplanned"] > q4["actual_shares"]["unplanned"]
    assert any("eating the roadmap" in w for w in q1["warnings"])
    assert "One-command rollback" in q4["initiatives_done"]


def test_loading_the_demo_twice_changes_nothing(demo, engine, cli):
    before = cli("roadmap", "show", "--as-of", AS_OF, "--json").stdout
    map_before = cli("map", "export", "--yaml").stdout
    with unit_of_work(engine) as session:
        load_demo(session)
    assert cli("roadmap", "show", "--as-of", AS_OF, "--json").stdout == before
    assert cli("map", "export", "--yaml").stdout == map_before
    assert json.loads(cli("roadmap", "plan", "--as-of", AS_OF, "--json").stdout)["changes"] == 0
