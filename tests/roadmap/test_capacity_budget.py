"""The capacity budget's pure parts: the split, delivered effort, shares and the warning."""

from __future__ import annotations

import pytest

from pavedroad.errors import InvalidInputError
from pavedroad.roadmap.capacity import assess, delivered_effort, parse_split, shares_of, split_text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("70/20/10", {"roadmap": 0.7, "platform": 0.2, "unplanned": 0.1}),
        ("60/30/10", {"roadmap": 0.6, "platform": 0.3, "unplanned": 0.1}),
        ("0.5/0.25/0.25", {"roadmap": 0.5, "platform": 0.25, "unplanned": 0.25}),
        ("80%, 15%, 5%", {"roadmap": 0.8, "platform": 0.15, "unplanned": 0.05}),
        ("100/0/0", {"roadmap": 1.0, "platform": 0.0, "unplanned": 0.0}),
    ],
)
def test_a_split_reads_percentages_or_fractions(text, expected):
    assert parse_split(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("70/20", "add up to 100"),
        ("70/20/20", "add up to 110"),
        ("seventy/20/10", "add up to 100"),
        ("120/-10/-10", "between 0 and 100"),
        ("", "add up to 100"),
        ("nan/nan/nan", "between 0 and 100"),
    ],
)
def test_a_bad_split_names_the_field_and_the_form(text, reason):
    with pytest.raises(InvalidInputError) as caught:
        parse_split(text)
    [problem] = caught.value.problems
    assert problem.field == "split"
    assert reason in problem.reason


def test_split_text_round_trips():
    assert split_text(parse_split("70/20/10")) == "70/20/10"


def test_done_initiatives_weigh_their_effort_and_tickets_count_as_unplanned():
    effort = delivered_effort(
        [("roadmap", 4), ("platform", 1), ("roadmap", 2)], 160, ticket_effort=1 / 160
    )
    assert effort == {"roadmap": 6, "platform": 1, "unplanned": 1}
    assert shares_of(effort) == pytest.approx(
        {"roadmap": 0.75, "platform": 0.125, "unplanned": 0.125}
    )


def test_nothing_delivered_has_no_shares():
    assert shares_of({"roadmap": 0, "platform": 0, "unplanned": 0}) == {
        "roadmap": None,
        "platform": None,
        "unplanned": None,
    }


def test_unplanned_work_over_its_budget_share_is_a_warning():
    quarter = assess(
        "2026-Q1",
        person_months=24,
        planned_shares={"roadmap": 0.7, "platform": 0.2, "unplanned": 0.1},
        delivered={"roadmap": 3, "platform": 1, "unplanned": 6},
        tickets_resolved=900,
    )
    assert quarter.actual_shares["unplanned"] == pytest.approx(0.6)
    assert any("unplanned work took 60%" in w and "budget of 10%" in w for w in quarter.warnings)


def test_unplanned_work_within_budget_and_a_plan_set_carries_no_warning():
    quarter = assess(
        "2026-Q4",
        person_months=24,
        planned_shares=None,
        delivered={"roadmap": 14, "platform": 4, "unplanned": 2},
        tickets_resolved=10,
    )
    assert quarter.warnings == []
    assert quarter.planned_effort("roadmap") == pytest.approx(16.8)


def test_a_quarter_without_a_plan_says_how_to_set_one():
    quarter = assess(
        "2027-Q2", person_months=None, planned_shares=None, delivered={}, tickets_resolved=0
    )
    assert quarter.planned_effort("roadmap") is None
    assert quarter.warnings == [
        "no capacity plan for 2027-Q2; set one: pavedroad capacity set 2027-Q2 --person-months N"
    ]
