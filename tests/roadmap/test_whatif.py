"""What-if as a pure function: forcing work into Now says exactly what leaves Now or Next."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pavedroad.roadmap.planner import CATEGORIES, Budget, Candidate, plan_lanes
from pavedroad.roadmap.whatif import GoalRef, what_if

SPLIT = {"roadmap": 0.7, "platform": 0.2, "unplanned": 0.1}
NOW = Budget("2026-Q4", 10, SPLIT)
NEXT = Budget("2027-Q1", 10, SPLIT)
SPEED = GoalRef("Time to production halved", "lead_time_p50", 45, date(2027, 3, 31), 1)
INCIDENTS = GoalRef("Incidents down 30%", "incident_frequency", 2.1, date(2027, 3, 31), 2)

BACKLOG = [
    Candidate("Faster CI", 160, 3, "roadmap", goal_priority=1, reach=200, goals=(SPEED.title,)),
    Candidate(
        "One-command rollback",
        60,
        3,
        "roadmap",
        goal_priority=2,
        reach=150,
        goals=(INCIDENTS.title,),
    ),
    Candidate(
        "Service templates", 64, 4, "roadmap", goal_priority=1, reach=80, goals=(SPEED.title,)
    ),
    Candidate("Golden docs", 20, 3, "roadmap", reach=300),
]


def test_a_pet_project_forced_into_now_displaces_named_work_with_its_reach_and_goals():
    pet = Candidate("Multi-cloud abstraction", 1.67, 6, "roadmap", reach=40)
    answer = what_if(BACKLOG, pet, lane="now", now=NOW, next=NEXT, goals=[SPEED, INCIDENTS])
    # Baseline: Faster CI + Service templates in Now (7), rollback + docs in Next (6).
    assert answer.baseline.lane_of("Service templates") == "now"
    moves = {(d.title, d.from_lane, d.to_lane) for d in answer.displaced}
    assert moves == {
        ("Faster CI", "now", "next"),
        ("Service templates", "now", "next"),
        ("One-command rollback", "next", "later"),
        ("Golden docs", "next", "later"),
    }
    assert answer.reach_waiting == 200 + 80 + 150 + 300
    assert [g.goal.title for g in answer.goals_at_risk] == [SPEED.title, INCIDENTS.title]
    speed = answer.goals_at_risk[0]
    assert {d.title for d in speed.slipping} == {"Faster CI", "Service templates"}
    assert answer.scenario.lane_of("Multi-cloud abstraction") == "now"
    assert answer.was_lane is None


def test_an_initiative_already_in_now_displaces_nothing():
    answer = what_if(BACKLOG, BACKLOG[0], lane="now", now=NOW, next=NEXT, goals=[SPEED])
    assert answer.was_lane == "now"
    assert answer.displaced == ()
    assert answer.goals_at_risk == ()


def test_forcing_into_next_leaves_now_alone():
    small = Candidate("Status page", 5, 2, "roadmap")
    answer = what_if(BACKLOG, small, lane="next", now=NOW, next=NEXT)
    assert all(d.from_lane == "next" for d in answer.displaced)
    assert [d.title for d in answer.displaced] == ["Golden docs"]


def test_work_bigger_than_the_budget_reports_how_far_over_it_goes():
    answer = what_if([], Candidate("Rewrite everything", 0, 12, "roadmap"), now=NOW, next=NEXT)
    assert answer.over_budget == pytest.approx(12 - 7)


def test_lanes_other_than_now_and_next_are_refused():
    with pytest.raises(ValueError, match="now or next"):
        what_if(BACKLOG, BACKLOG[0], lane="later", now=NOW, next=NEXT)


backlogs = st.lists(
    st.builds(
        Candidate,
        title=st.sampled_from([f"I{n}" for n in range(30)]),
        rice=st.floats(0, 500, allow_nan=False),
        effort=st.floats(0.1, 8, allow_nan=False),
        category=st.sampled_from(CATEGORIES),
        status=st.sampled_from(["idea", "planned", "in_progress"]),
        confidence=st.sampled_from([0.5, 0.8, 1.0]),
        goal_priority=st.one_of(st.none(), st.integers(1, 3)),
    ),
    min_size=1,
    max_size=20,
    unique_by=lambda c: c.title,
)


@settings(max_examples=300, deadline=None)
@given(backlogs, st.floats(0, 30, allow_nan=False), st.data())
def test_what_if_of_an_initiative_the_plan_already_puts_in_now_displaces_nothing(items, pm, data):
    now = Budget("2026-Q4", pm, SPLIT)
    baseline = plan_lanes(items, now=now, next=NEXT)
    in_now = [c for c in items if baseline.lane_of(c.title) == "now"]
    if not in_now:
        return
    chosen = data.draw(st.sampled_from(in_now))
    answer = what_if(items, chosen, lane="now", now=now, next=NEXT)
    assert answer.displaced == ()
    assert {p.title: p.lane for p in answer.scenario.placements} == {
        p.title: p.lane for p in baseline.placements
    }


@settings(max_examples=200, deadline=None)
@given(backlogs, st.floats(0.1, 10, allow_nan=False))
def test_displaced_initiatives_only_ever_move_down_and_come_from_now_or_next(items, effort):
    answer = what_if(items, Candidate("Pet project", 1, effort, "roadmap"), now=NOW, next=NEXT)
    order = ["now", "next", "later", "exploring"]
    for d in answer.displaced:
        assert d.from_lane in ("now", "next")
        assert order.index(d.to_lane) > order.index(d.from_lane)


def test_a_finalised_now_set_by_hand_names_what_would_have_to_move():
    """Lanes set by hand are kept by the planner, so forcing work in cannot displace them by
    itself: the what-if names the committed work that would have to move, lowest RICE first,
    with its RICE, reach and the goals that slip (the VP scenario on a finalised roadmap)."""
    finalised = [
        Candidate(
            c.title,
            c.rice,
            c.effort,
            c.category,
            reach=c.reach,
            goals=c.goals,
            lane="now",
            locked=True,
        )
        for c in BACKLOG[:2]
    ] + [
        Candidate(
            "Service templates",
            64,
            1,
            "roadmap",
            reach=80,
            goals=(SPEED.title,),
            lane="now",
            locked=True,
        )
    ]
    pet = Candidate("Multi-cloud abstraction", 1.67, 4, "roadmap", reach=40)
    answer = what_if(finalised, pet, lane="now", now=NOW, next=NEXT, goals=[SPEED, INCIDENTS])
    named = [(d.title, d.by_hand, d.to_lane) for d in answer.displaced]
    assert named == [
        ("One-command rollback", True, "next"),
        ("Service templates", True, "next"),
    ]
    assert answer.over_budget == 4  # 7 person-months held by hand plus the 4 forced in
    assert [g.goal.title for g in answer.goals_at_risk] == [SPEED.title, INCIDENTS.title]
