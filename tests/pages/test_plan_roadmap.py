"""Roadmap and capacity pages: the kill proposal on the card and in the plan, the per-card
lane form (the keyboard path), and the capacity form refusing bad input beside each field."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from pavedroad.backlog.criteria import add_criterion
from pavedroad.backlog.schemas import CriterionIn
from pavedroad.backlog.service import get_initiative_by_ref_or_raise
from pavedroad.db import unit_of_work
from pavedroad.roadmap.models import CapacityPlan
from pavedroad.roadmap.planner import (
    KILL_PROPOSED_REASON,
    LANES,
    Budget,
    Candidate,
    plan_lanes,
)
from pavedroad.web import charts
from pavedroad.web.pages.roadmap import capacity_field_errors
from tests.backlog.conftest import ci_runs
from tests.backlog.conftest import teams as teams
from tests.roadmap.conftest import AS_OF
from tests.roadmap.conftest import backlog as backlog
from tests.roadmap.conftest import capacity as capacity
from tests.web.conftest import bearer, csrf_of, sign_in

SPLIT = {"roadmap": 0.7, "platform": 0.2, "unplanned": 0.1}
NOW = Budget("2026-Q4", 10, SPLIT)
NEXT = Budget("2027-Q1", 10, SPLIT)


def item(title: str, rice: float, effort: float, **kw: object) -> Candidate:
    return Candidate(title=title, rice=rice, effort=effort, category="roadmap", **kw)  # type: ignore[arg-type]


# ---- the planner, pure --------------------------------------------------------------------


def test_the_plan_never_moves_a_kill_proposed_initiative_forward():
    plan = plan_lanes(
        [item("Top but failing", 500, 1, kill_proposed=True, lane="later"), item("B", 60, 3)],
        now=NOW,
        next=NEXT,
    )
    assert plan.lane_of("Top but failing") == "later"
    assert plan.placement("Top but failing").reason == KILL_PROPOSED_REASON
    assert plan.lane_of("B") == "now"


def test_a_kill_proposed_initiative_in_now_is_proposed_to_leave_it_and_exploring_stays():
    plan = plan_lanes(
        [
            item("Failing in now", 500, 1, kill_proposed=True, lane="now"),
            item("Failing idea", 400, 1, kill_proposed=True, lane="exploring", status="idea"),
        ],
        now=NOW,
        next=NEXT,
    )
    assert plan.lane_of("Failing in now") == "later"
    assert plan.lane_of("Failing idea") == "exploring"
    # Its budget is free for the others: nothing of Now is used.
    assert all(u.used == 0 for u in plan.use if u.lane == "now")


def test_a_kill_proposed_lane_set_by_hand_stays_and_the_plan_says_it_disagrees():
    plan = plan_lanes(
        [item("Pet project", 500, 1, kill_proposed=True, lane="now", locked=True)],
        now=NOW,
        next=NEXT,
    )
    assert plan.lane_of("Pet project") == "now"
    [disagreement] = plan.disagreements
    assert disagreement.proposed == "later" and disagreement.reason == KILL_PROPOSED_REASON


candidates = st.lists(
    st.builds(
        Candidate,
        title=st.uuids().map(str),
        rice=st.floats(0, 1000),
        effort=st.floats(0.1, 12),
        category=st.sampled_from(["roadmap", "platform", "unplanned"]),
        status=st.sampled_from(["idea", "planned", "in_progress"]),
        confidence=st.sampled_from([0.5, 0.8, 1.0]),
        lane=st.sampled_from([None, *LANES]),
        kill_proposed=st.booleans(),
    ),
    max_size=12,
)


@given(candidates)
@settings(max_examples=150, deadline=None)
def test_no_kill_proposed_initiative_is_ever_planned_into_now_or_next(items):
    plan = plan_lanes(items, now=NOW, next=NEXT)
    for c in items:
        if c.kill_proposed:
            lane = plan.lane_of(c.title)
            assert lane not in ("now", "next")
            if c.lane in ("later", "exploring"):
                assert lane == c.lane


# ---- the roadmap page ---------------------------------------------------------------------


@pytest.fixture
def failing_ci(engine, backlog, capacity, teams, client, users) -> None:
    """Faster CI pipelines in Now (the plan applied), then its kill criterion triggers: CI
    stayed at 18 minutes all autumn and the kill line was 15 by 1 November."""
    sign_in(client, users["write"])
    token = csrf_of(client.get(f"/roadmap?as_of={AS_OF}").text)
    assert client.post("/roadmap/plan", data={"csrf_token": token, "as_of": AS_OF}).is_redirect
    day, days = date(2026, 9, 1), {}
    while day <= date(2026, 11, 20):
        days[day.isoformat()] = 18
        day += timedelta(days=1)
    ci_runs(engine, days)
    with unit_of_work(engine) as session:
        add_criterion(
            session=session,
            initiative=get_initiative_by_ref_or_raise(session=session, ref="Faster CI pipelines"),
            data=CriterionIn(
                kind="kill",
                kpi_id="ci_duration_p50",
                comparator=">",
                threshold=15,
                due=date(2026, 11, 1),
            ),
        )


def _card(page: str, title: str) -> str:
    start = page.index(f'data-title="{title}"')
    return page[start : page.index("</article>", start)]


def test_the_roadmap_card_shows_the_kill_proposal_and_the_plan_takes_it_out_of_now(
    client, failing_ci, tokens
):
    page = client.get(f"/roadmap?as_of={AS_OF}").text
    card = _card(page, "Faster CI pipelines")
    assert "kill proposed" in card and "decides kill or continue" in card
    assert "kill proposed" not in _card(page, "Self-service databases")
    plan = page.split('id="plan"')[1].split("</section>")[0]
    row = re.search(r"<tr><td>Faster CI pipelines</td>(.*?)</tr>", plan)
    assert row, plan
    assert "<strong>Later</strong>" in row.group(1) and "kill criteria" in row.group(1)
    api = client.get(f"/api/v1/roadmap?as_of={AS_OF}", headers=bearer(tokens["read"])).json()
    cards = {c["title"]: c for lane in api["lanes"] for c in lane["cards"]}
    assert cards["Faster CI pipelines"]["kill_proposed"] is True
    assert "kill_proposed" in cards["Faster CI pipelines"]["flags"]
    planned = client.get(
        f"/api/v1/roadmap/plan?as_of={AS_OF}", headers=bearer(tokens["read"])
    ).json()
    lanes = {p["title"]: p["lane"] for p in planned["placements"]}
    assert lanes["Faster CI pipelines"] == "later"


def test_every_card_has_a_move_form_that_sets_its_lane(client, users, backlog, capacity):
    sign_in(client, users["write"])
    token = csrf_of(client.get(f"/roadmap?as_of={AS_OF}").text)
    client.post("/roadmap/plan", data={"csrf_token": token, "as_of": AS_OF})
    page = client.get(f"/roadmap?as_of={AS_OF}").text
    card = _card(page, "Self-service databases")
    assert 'action="/roadmap/lane"' in card and 'aria-label="Move Self-service databases' in card
    moved = client.post(
        "/roadmap/lane",
        data={"csrf_token": token, "title": "Self-service databases", "lane": "exploring",
              "as_of": AS_OF},
    )  # fmt: skip
    assert moved.status_code == 303
    after = client.get(f"/roadmap?as_of={AS_OF}").text
    exploring = after.split('data-lane="exploring" data-label="Exploring"')[1].split("</section>")[
        0
    ]
    assert "Self-service databases" in exploring and "by hand" in _card(
        after, "Self-service databases"
    )


def test_a_reader_sees_no_move_forms_and_cards_are_not_draggable(client, users, backlog):
    sign_in(client, users["read"])
    page = client.get(f"/roadmap?as_of={AS_OF}").text
    assert 'class="card-move"' not in page and 'draggable="true"' not in page


def test_titles_are_inert_on_cards_and_in_the_drag_data(client, users, engine, capacity):
    hostile = '<script>alert(1)</script>" onmouseover="x'
    sign_in(client, users["write"])
    token = csrf_of(client.get("/backlog/new").text)
    created = client.post(
        "/initiatives",
        data={"csrf_token": token, "title": hostile, "reach": "10", "impact": "1",
              "confidence": "80%", "effort": "1", "status": "planned"},
    )  # fmt: skip
    assert created.status_code == 303, created.text
    page = client.get(f"/roadmap?as_of={AS_OF}").text
    assert "<script>alert(1)</script>" not in page
    assert 'onmouseover="x' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;" in page


# ---- the capacity page --------------------------------------------------------------------


def test_capacity_refuses_quarter_5_and_a_split_over_100_beside_each_field(client, users, engine):
    sign_in(client, users["write"])
    token = csrf_of(client.get("/capacity").text)
    refused = client.post(
        "/capacity",
        data={"csrf_token": token, "quarter": "2027-Q5", "person_months": "20",
              "split": "80/30/10"},
    )  # fmt: skip
    assert refused.status_code == 422
    page = refused.text
    quarter = re.search(r'<input name="quarter"[^>]*>', page, re.S).group(0)
    split = re.search(r'<input name="split"[^>]*>', page, re.S).group(0)
    months = re.search(r'<input name="person_months"[^>]*>', page, re.S).group(0)
    assert 'aria-invalid="true"' in quarter and "autofocus" in quarter
    assert 'aria-invalid="true"' in split and "autofocus" not in split
    assert "aria-invalid" not in months
    assert 'value="2027-Q5"' in quarter and 'value="80/30/10"' in split
    assert "Quarter must be a year and Q1 to Q4, like 2026-Q3" in page
    assert "add up to 120, not 100" in page
    assert 'action="/capacity"' in page
    with unit_of_work(engine) as session:
        assert session.scalars(select(CapacityPlan)).all() == []


@pytest.mark.parametrize(
    ("months", "message"),
    [
        ("0", "Person-months must be more than 0"),
        ("-3", "Person-months must be more than 0"),
        ("lots", "Person-months must be a number, like 24 or 12.5"),
        ("nan", "Person-months must be more than 0"),
        ("1e9", "Person-months must be at most 100,000"),
    ],
)
def test_capacity_person_months_in_plain_words(months, message):
    assert capacity_field_errors("2026-Q4", months, "70/20/10") == {"person_months": message}


@given(st.text(max_size=40), st.text(max_size=40), st.text(max_size=40))
@settings(max_examples=200, deadline=None)
def test_capacity_checks_never_crash_on_any_text(quarter, months, split):
    problems = capacity_field_errors(quarter, months, split)
    assert set(problems) <= {"quarter", "person_months", "split"}


def test_a_good_capacity_is_saved_and_hostile_text_comes_back_inert(client, users, engine):
    sign_in(client, users["write"])
    token = csrf_of(client.get("/capacity").text)
    hostile = '"><script>alert(1)</script>'
    refused = client.post(
        "/capacity",
        data={"csrf_token": token, "quarter": hostile, "person_months": "20", "split": hostile},
    )
    assert refused.status_code == 422 and "<script>alert(1)</script>" not in refused.text
    saved = client.post(
        "/capacity",
        data={"csrf_token": token, "quarter": "2026-q4", "person_months": "20",
              "split": "60/30/10"},
    )  # fmt: skip
    assert saved.status_code == 303
    page = client.get("/capacity").text
    assert 'id="capacity-spec"' in page and "/vendor/vega-embed.js" in page


def test_the_capacity_chart_is_one_stacked_bar_per_quarter_inside_its_plan():
    spec = charts.capacity_chart(
        [
            ("2026-Q3", 20.0, {"roadmap": 10.0, "platform": 3.0, "unplanned": 4.0}),
            ("2026-Q4", None, {"roadmap": 1.0, "platform": 0.0, "unplanned": 2.0}),
        ]
    )
    outline, fill = spec["layer"]
    assert outline["mark"]["fillOpacity"] == 0 and outline["mark"]["type"] == "bar"
    assert outline["data"]["values"] == [{"quarter": "2026-Q3", "plan": 20.0}]
    assert fill["encoding"]["y"]["stack"] == "zero"
    assert fill["encoding"]["color"]["field"] == "category"
    assert {v["quarter"] for v in fill["data"]["values"]} == {"2026-Q3", "2026-Q4"}
