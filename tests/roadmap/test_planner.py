"""The planner as a pure function: goal priority then RICE, Now then Next within budget."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pavedroad.roadmap.planner import (
    CATEGORIES,
    LANES,
    PLANNED_LANES,
    Budget,
    Candidate,
    plan_lanes,
    planning_order,
)

SPLIT = {"roadmap": 0.7, "platform": 0.2, "unplanned": 0.1}
NOW = Budget("2026-Q4", 10, SPLIT)
NEXT = Budget("2027-Q1", 10, SPLIT)


def item(title: str, rice: float, effort: float, **kw: object) -> Candidate:
    return Candidate(title=title, rice=rice, effort=effort, category="roadmap", **kw)  # type: ignore[arg-type]


def test_goal_priority_orders_before_rice_and_no_goal_comes_last():
    ordered = planning_order(
        [
            item("no goal, top RICE", 500, 1),
            item("goal 2", 300, 1, goal_priority=2),
            item("goal 1 low", 10, 1, goal_priority=1),
            item("goal 1 high", 100, 1, goal_priority=1),
        ]
    )
    assert [c.title for c in ordered] == [
        "goal 1 high",
        "goal 1 low",
        "goal 2",
        "no goal, top RICE",
    ]


def test_now_then_next_then_later_within_the_category_budget():
    # Roadmap budget: 7 person-months a quarter.
    plan = plan_lanes(
        [item("A", 160, 4), item("B", 64, 3), item("C", 60, 4), item("D", 16, 5)],
        now=NOW,
        next=NEXT,
    )
    assert [(p.title, p.lane) for p in plan.placements] == [
        ("A", "now"),
        ("B", "now"),
        ("C", "next"),
        ("D", "later"),
    ]
    assert plan.placement("C").quarter == "2027-Q1"
    assert plan.placement("D").quarter is None
    assert "no room for 4 person-months" in plan.placement("C").reason


def test_first_fit_lets_a_smaller_initiative_use_the_room_left():
    plan = plan_lanes(
        [item("big", 100, 6), item("huge", 90, 5), item("small", 10, 1)], now=NOW, next=NEXT
    )
    assert plan.lane_of("big") == "now"
    assert plan.lane_of("huge") == "next"
    assert plan.lane_of("small") == "now"


def test_each_category_has_its_own_share_of_the_quarter():
    platform = Candidate("Upgrade Kubernetes", 20, 2, "platform")
    too_big = Candidate("Rewrite the runners", 30, 3, "platform")
    plan = plan_lanes([item("feature", 50, 7), platform, too_big], now=NOW, next=NEXT)
    assert plan.lane_of("feature") == "now"
    assert plan.lane_of("Upgrade Kubernetes") == "now"  # 2 of the 2 platform person-months
    assert plan.lane_of("Rewrite the runners") == "later"  # bigger than a quarter's 2


def test_unvalidated_ideas_go_to_exploring_whatever_their_score():
    plan = plan_lanes(
        [
            item("idea", 999, 1, status="idea", confidence=0.5),
            item("validated idea", 5, 1, status="idea", confidence=0.8),
        ],
        now=NOW,
        next=NEXT,
    )
    assert plan.lane_of("idea") == "exploring"
    assert plan.lane_of("validated idea") == "now"


def test_done_and_killed_initiatives_are_not_planned():
    plan = plan_lanes(
        [item("shipped", 200, 1, status="done"), item("stopped", 100, 1, status="killed")],
        now=NOW,
        next=NEXT,
    )
    assert plan.placements == ()
    assert plan.lane_of("shipped") is None


def test_a_quarter_without_a_capacity_plan_takes_nothing():
    empty = Budget("2027-Q1", 0, SPLIT, planned=False)
    plan = plan_lanes([item("A", 100, 7), item("B", 90, 1)], now=NOW, next=empty)
    assert plan.lane_of("A") == "now"
    assert plan.lane_of("B") == "later"


def test_locked_lanes_are_kept_consume_capacity_and_are_reported_when_the_plan_disagrees():
    plan = plan_lanes(
        [
            item("Faster CI", 160, 4, goal_priority=1),
            item("Rollback", 60, 2, goal_priority=1),
            item("Multi-cloud abstraction", 1.67, 5, lane="now", locked=True),
        ],
        now=NOW,
        next=NEXT,
    )
    assert plan.lane_of("Multi-cloud abstraction") == "now"
    assert plan.placement("Multi-cloud abstraction").locked
    # 5 of the 7 roadmap person-months are taken by hand, so Faster CI waits.
    assert plan.lane_of("Faster CI") == "next"
    assert plan.lane_of("Rollback") == "now"
    [disagreement] = plan.disagreements
    assert disagreement.title == "Multi-cloud abstraction"
    assert (disagreement.lane, disagreement.proposed) == ("now", "next")


def test_a_locked_lane_the_plan_agrees_with_is_no_disagreement():
    plan = plan_lanes([item("A", 100, 2, lane="now", locked=True)], now=NOW, next=NEXT)
    assert plan.disagreements == ()


def test_work_done_this_quarter_has_spent_part_of_nows_budget():
    now = Budget("2026-Q4", 10, SPLIT, spent={"roadmap": 4})
    plan = plan_lanes([item("A", 100, 2), item("B", 90, 2)], now=now, next=NEXT)
    assert (plan.lane_of("A"), plan.lane_of("B")) == ("now", "next")
    use = {(u.lane, u.category): u for u in plan.use}
    assert (use[("now", "roadmap")].used, use[("now", "roadmap")].spent) == (6, 4)


def test_lane_use_reports_used_and_available_person_months():
    plan = plan_lanes([item("A", 100, 4), item("B", 50, 6)], now=NOW, next=NEXT)
    use = {(u.lane, u.category): u for u in plan.use}
    assert use[("now", "roadmap")].used == 4
    assert use[("now", "roadmap")].available == 7
    assert use[("next", "roadmap")].used == 6
    assert use[("now", "platform")].available == 2


candidates = st.lists(
    st.builds(
        Candidate,
        title=st.text(min_size=1, max_size=8),
        rice=st.floats(min_value=0, max_value=1000, allow_nan=False),
        effort=st.floats(min_value=0.1, max_value=12, allow_nan=False),
        category=st.sampled_from(CATEGORIES),
        status=st.sampled_from(["idea", "planned", "in_progress", "done", "killed"]),
        confidence=st.sampled_from([0.5, 0.8, 1.0]),
        goal_priority=st.one_of(st.none(), st.integers(1, 3)),
        lane=st.one_of(st.none(), st.sampled_from(LANES)),
        locked=st.booleans(),
    ),
    max_size=25,
    unique_by=lambda c: c.title.casefold(),
)
budgets = st.builds(
    Budget,
    quarter=st.just("2026-Q4"),
    person_months=st.floats(min_value=0, max_value=40, allow_nan=False),
    shares=st.just(SPLIT),
    spent=st.dictionaries(st.sampled_from(CATEGORIES), st.floats(0, 10, allow_nan=False)),
)


@settings(max_examples=300, deadline=None)
@given(candidates, budgets, budgets)
def test_capacity_is_never_exceeded_except_by_locked_lanes(items, now, next_):
    next_ = Budget("2027-Q1", next_.person_months, SPLIT, spent=next_.spent)
    plan = plan_lanes(items, now=now, next=next_)
    by_title = {c.title: c for c in items}
    for lane, budget in (("now", now), ("next", next_)):
        for category in CATEGORIES:
            placed = [p for p in plan.in_lane(lane) if by_title[p.title].category == category]
            locked = sum(by_title[p.title].effort for p in placed if p.locked)
            planned = sum(by_title[p.title].effort for p in placed if not p.locked)
            spent = budget.spent.get(category, 0.0)
            assert planned <= max(0.0, budget.available(category) - locked - spent) + 1e-6
    # Every active initiative gets exactly one lane; locked ones keep theirs.
    active = [c for c in items if c.status in {"idea", "planned", "in_progress"}]
    assert sorted(p.title for p in plan.placements) == sorted(c.title for c in active)
    for c in active:
        if c.locked and c.lane:
            assert plan.lane_of(c.title) == c.lane
    assert all(p.lane in LANES for p in plan.placements)
    assert all(p.quarter for p in plan.placements if p.lane in PLANNED_LANES)
