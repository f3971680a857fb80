"""The capacity budget end to end: plans per quarter against initiatives done and tickets resolved."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from pavedroad.backlog.models import Initiative
from pavedroad.db import unit_of_work
from pavedroad.metrics.definitions import TICKET_EFFORT_PERSON_MONTHS
from pavedroad.parsing import parse_timestamp
from pavedroad.roadmap.models import CapacityPlan


def finish(engine, title: str, day: str, category: str | None = None) -> None:
    with unit_of_work(engine) as session:
        initiative = session.scalar(select(Initiative).where(Initiative.title == title))
        initiative.status = "done"
        initiative.done_at = parse_timestamp(day)
        if category:
            initiative.category = category


def tickets_file(tmp_path, resolved: int, *, on: str = "2026-10-15") -> str:
    rows = ["id,team,opened_at,resolved_at,category,kind,self_service,text"]
    rows += [f"T-{n},,{on}T08:00:00Z,{on}T12:00:00Z,ci,request,false,help" for n in range(resolved)]
    rows.append("T-open,,2026-10-15T08:00:00Z,,ci,question,false,still open")
    path = tmp_path / "tickets.csv"
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def report(cli, *args: str) -> list[dict]:
    result = cli("capacity", "show", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_set_stores_person_months_and_the_split(cli, engine):
    assert cli("capacity", "set", "2026-q4", "--person-months", "24").exit_code == 0
    result = cli("capacity", "set", "2027-Q1", "--person-months", "30", "--split", "60/30/10")
    assert result.exit_code == 0
    assert "60% roadmap / 30% platform / 10% unplanned" in result.stdout
    with unit_of_work(engine) as session:
        plans = {p.quarter: p for p in session.scalars(select(CapacityPlan))}
    assert (plans["2026-Q4"].person_months, plans["2026-Q4"].roadmap_share) == (24, 0.7)
    assert (plans["2027-Q1"].platform_share, plans["2027-Q1"].unplanned_share) == (0.3, 0.1)
    # Setting it again replaces it.
    assert (
        cli("capacity", "set", "2026-Q4", "--person-months", "20", "--split", "50/30/20").exit_code
        == 0
    )
    [q4] = report(cli, "--quarter", "2026-Q4")
    assert (q4["person_months"], q4["split_text"]) == (20, "50/30/20")
    assert q4["planned"] == pytest.approx({"roadmap": 10, "platform": 6, "unplanned": 4})


@pytest.mark.parametrize(
    "args, message",
    [
        (["2026-Q5", "--person-months", "10"], "must look like 2026-Q3"),
        (["2026-Q4", "--person-months", "0"], "greater than 0"),
        (["2026-Q4", "--person-months", "10", "--split", "70/20/20"], "add up to 110, not 100"),
        (["2026-Q4", "--person-months", "10", "--split", "70-20-10"], "ROADMAP/PLATFORM/UNPLANNED"),
    ],
)
def test_set_refuses_bad_input_and_writes_nothing(cli, engine, args, message):
    result = cli("capacity", "set", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    with unit_of_work(engine) as session:
        assert session.scalar(select(CapacityPlan)) is None


def test_delivered_effort_by_category_against_the_plan(cli, engine, backlog, tmp_path):
    assert cli("capacity", "set", "2026-Q4", "--person-months", "24").exit_code == 0
    finish(engine, "Faster CI pipelines", "2026-10-20")  # roadmap, 2 person-months
    finish(engine, "Self-service databases", "2026-11-03", category="platform")  # 3
    finish(engine, "Service mesh", "2026-09-30")  # done in Q3: not counted in Q4
    resolved = 160  # at 2/160 person-months each: 2 person-months of unplanned work
    assert cli("import", "tickets", tickets_file(tmp_path, resolved)).exit_code == 0
    [q4] = report(cli, "--quarter", "2026-Q4")
    unplanned = resolved * TICKET_EFFORT_PERSON_MONTHS
    assert q4["delivered"] == pytest.approx({"roadmap": 2, "platform": 3, "unplanned": unplanned})
    assert q4["tickets_resolved"] == resolved
    assert q4["initiatives_done"] == ["Faster CI pipelines", "Self-service databases"]
    total = 2 + 3 + unplanned
    # The shares are the metrics engine's capacity KPIs over the quarter.
    assert q4["actual_shares"] == pytest.approx(
        {"roadmap": 2 / total, "platform": 3 / total, "unplanned": unplanned / total}
    )
    assert any("unplanned work took" in w and "over its budget of 10%" in w for w in q4["warnings"])


def test_a_killed_initiative_delivered_nothing(cli, engine, backlog):
    finish(engine, "Faster CI pipelines", "2026-10-20")
    with unit_of_work(engine) as session:
        session.scalar(
            select(Initiative).where(Initiative.title == "Faster CI pipelines")
        ).status = "killed"
    [q4] = report(cli, "--quarter", "2026-Q4")
    assert q4["delivered_total"] == 0
    assert q4["actual_shares"] == {"roadmap": None, "platform": None, "unplanned": None}


def test_within_budget_there_is_no_warning(cli, engine, backlog):
    assert cli("capacity", "set", "2026-Q4", "--person-months", "24").exit_code == 0
    finish(engine, "Faster CI pipelines", "2026-10-20")
    [q4] = report(cli, "--quarter", "2026-Q4")
    assert q4["actual_shares"]["roadmap"] == pytest.approx(1.0)
    assert q4["warnings"] == []


def test_show_lists_every_planned_quarter_and_the_current_one(cli):
    for quarter in ("2026-Q1", "2026-Q2"):
        assert cli("capacity", "set", quarter, "--person-months", "24").exit_code == 0
    quarters = [q["quarter"] for q in report(cli, "--as-of", "2026-11-23")]
    assert quarters == ["2026-Q1", "2026-Q2", "2026-Q4"]
    current = report(cli, "--as-of", "2026-11-23")[-1]
    assert current["person_months"] is None
    assert "no capacity plan for 2026-Q4" in current["warnings"][0]
    text = cli("capacity", "show", "--as-of", "2026-11-23")
    assert "not set" in text.stdout and "nothing delivered" in text.stdout
