"""Pure backlog logic: the practice's worked example, input scales, team order vs RICE,
sensitivity (property-tested), and how criteria are read and judged."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pavedroad.backlog.criteria import (
    criterion_text,
    judge,
    judging,
    parse_criterion,
    parse_threshold,
)
from pavedroad.backlog.disagreements import Prioritised, compare_orders, spearman
from pavedroad.backlog.rice import (
    CONFIDENCE_SCALE,
    IMPACT_SCALE,
    RiceInputs,
    rice_ranks,
    rice_score,
)
from pavedroad.backlog.schemas import CriterionIn, InitiativeIn
from pavedroad.backlog.sensitivity import (
    Scored,
    lower_confidence_to,
    lower_effort_below,
    order_sensitivity,
    pair_sensitivity,
    upper_confidence_to,
    upper_effort_above,
)
from pavedroad.errors import InvalidInputError
from tests.backlog.conftest import WORKED_EXAMPLE

# ---- the worked example and the scales -----------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "reach", "impact", "confidence", "effort", "rice"), WORKED_EXAMPLE
)
def test_the_practices_worked_example_scores(title, reach, impact, confidence, effort, rice):
    data = InitiativeIn(
        title=title, reach=reach, impact=impact, confidence=confidence, effort=effort
    )
    inputs = RiceInputs(data.reach, data.impact, data.confidence, data.effort)
    assert round(rice_score(inputs), 2) == rice


def test_the_worked_example_ranks_faster_ci_first_and_the_operator_last():
    scores = [row[-1] for row in WORKED_EXAMPLE]
    assert rice_ranks(scores) == [1, 2, 4, 5, 3]


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("impact", "4", "3 (massive), 2 (high), 1 (medium), 0.5 (low), 0.25 (minimal)"),
        ("impact", "huge", "3 (massive), 2 (high), 1 (medium), 0.5 (low), 0.25 (minimal)"),
        ("confidence", "70%", "100%, 80%, 50%"),
        ("confidence", "0.9", "100%, 80%, 50%"),
        ("effort", "0", "person-months above 0"),
        ("effort", "-2", "person-months above 0"),
        ("effort", "inf", "person-months above 0"),
        ("reach", "-1", "developers per quarter (0 or more)"),
        ("reach", "many", "developers per quarter (0 or more)"),
    ],
)
def test_inputs_off_the_scales_are_refused_with_the_allowed_values(field, value, allowed):
    fields = {"title": "X", "reach": 10, "impact": 1, "confidence": 1, "effort": 1, field: value}
    with pytest.raises(ValidationError) as caught:
        InitiativeIn.model_validate(fields)
    errors = caught.value.errors()
    assert [e["loc"] for e in errors] == [(field,)]
    assert allowed in errors[0]["msg"]


def test_inputs_read_what_people_type():
    data = InitiativeIn(
        title="X",
        reach="",
        impact="High",
        confidence="80",
        effort="1.5",
        status="In progress",
        category="Platform",
        lane="Now",
        priority="3",
    )
    assert (data.reach, data.impact, data.confidence, data.effort) == (None, 2, 0.8, 1.5)
    assert (data.status, data.category, data.lane, data.priority) == (
        "in_progress",
        "platform",
        "now",
        3,
    )


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("status", "finished", "'idea', 'planned', 'in_progress', 'done' or 'killed'"),
        ("category", "misc", "'roadmap', 'platform' or 'unplanned'"),
        ("lane", "soon", "'now', 'next', 'later' or 'exploring'"),
        ("priority", "0", "greater than or equal to 1"),
        ("title", "two\nlines", "one line"),
        ("title", "nul\x00", "NUL"),
        ("title", "x" * 301, "at most 300 characters"),
    ],
)
def test_other_fields_name_what_they_accept(field, value, expected):
    fields = {"title": "X", "reach": 1, "impact": 1, "confidence": 1, "effort": 1, field: value}
    with pytest.raises(ValidationError) as caught:
        InitiativeIn.model_validate(fields)
    assert expected in str(caught.value)


# ---- team order vs RICE ----------------------------------------------------------------------


def test_disagreements_list_the_largest_gaps_both_ways():
    report = compare_orders(
        [
            Prioritised("Multi-cloud abstraction", 1, 8),
            Prioritised("Service mesh", 2, 16.67),
            Prioritised("Self-service databases", 3, 64),
            Prioritised("Faster CI", 4, 160),
            Prioritised("No priority yet", None, 50),
        ]
    )
    assert [(d.title, d.team_rank, d.rice_rank, d.gap) for d in report.team_favours] == [
        ("Multi-cloud abstraction", 1, 4, 3),
        ("Service mesh", 2, 3, 1),
    ]
    assert [(d.title, d.gap) for d in report.rice_favours] == [
        ("Faster CI", -3),
        ("Self-service databases", -1),
    ]
    assert report.compared == 4 and report.agreement == -1.0
    assert report.without_priority == ["No priority yet"]


def test_identical_orders_agree_and_list_nothing():
    report = compare_orders(
        [Prioritised("a", 1, 30), Prioritised("b", 2, 20), Prioritised("c", 3, 10)]
    )
    assert report.team_favours == [] and report.rice_favours == [] and report.agreement == 1.0


def test_spearman_needs_two_values_and_some_spread():
    assert spearman([1.0], [1.0]) is None
    assert spearman([1.0, 1.0], [1.0, 2.0]) is None


@given(
    st.lists(
        st.tuples(st.integers(1, 20), st.floats(0, 1000, allow_nan=False)), min_size=0, max_size=30
    ),
    st.integers(1, 10),
)
def test_disagreements_are_consistent_for_any_backlog(rows, limit):
    items = [Prioritised(f"i{n}", priority, rice) for n, (priority, rice) in enumerate(rows)]
    report = compare_orders(items, limit=limit)
    assert report.compared == len(items)
    assert len(report.team_favours) <= limit and len(report.rice_favours) <= limit
    assert all(d.gap > 0 for d in report.team_favours)
    assert all(d.gap < 0 for d in report.rice_favours)
    gaps = [d.gap for d in report.team_favours]
    assert gaps == sorted(gaps, reverse=True)
    if report.agreement is not None:
        assert -1.0001 <= report.agreement <= 1.0001


# ---- sensitivity -------------------------------------------------------------------------------

impacts = st.sampled_from(sorted(IMPACT_SCALE))
confidences = st.sampled_from(sorted(CONFIDENCE_SCALE))
efforts = st.floats(0.1, 50, allow_nan=False)
reaches = st.floats(1, 5000, allow_nan=False)
rice_inputs = st.builds(RiceInputs, reaches, impacts, confidences, efforts)


def _ordered(a: RiceInputs, b: RiceInputs) -> tuple[RiceInputs, RiceInputs]:
    return (a, b) if rice_score(a) >= rice_score(b) else (b, a)


@settings(max_examples=300)
@given(rice_inputs, rice_inputs)
def test_moving_the_upper_ones_effort_past_its_breakeven_swaps_the_pair(a, b):
    upper, lower = _ordered(a, b)
    breakeven = upper_effort_above(upper, lower)
    assert breakeven is not None and breakeven >= upper.effort * (1 - 1e-9)
    assert rice_score(replace(upper, effort=breakeven * 1.001)) < rice_score(lower)
    if breakeven * 0.999 >= upper.effort:
        assert rice_score(replace(upper, effort=breakeven * 0.999)) > rice_score(lower)


@settings(max_examples=300)
@given(rice_inputs, rice_inputs)
def test_moving_the_lower_ones_effort_under_its_breakeven_swaps_the_pair(a, b):
    upper, lower = _ordered(a, b)
    breakeven = lower_effort_below(upper, lower)
    assert breakeven is not None and breakeven <= lower.effort * (1 + 1e-9)
    assert rice_score(replace(lower, effort=breakeven * 0.999)) > rice_score(upper)
    if breakeven * 1.001 <= lower.effort:
        assert rice_score(replace(lower, effort=breakeven * 1.001)) < rice_score(upper)


@settings(max_examples=300)
@given(rice_inputs, rice_inputs)
def test_a_confidence_step_is_reported_exactly_when_one_swaps_the_pair(a, b):
    upper, lower = _ordered(a, b)
    down = upper_confidence_to(upper, lower)
    swapping_down = [
        c
        for c in CONFIDENCE_SCALE
        if c < upper.confidence and rice_score(replace(upper, confidence=c)) < rice_score(lower)
    ]
    assert down == (max(swapping_down) if swapping_down else None)
    up = lower_confidence_to(upper, lower)
    swapping_up = [
        c
        for c in CONFIDENCE_SCALE
        if c > lower.confidence and rice_score(replace(lower, confidence=c)) > rice_score(upper)
    ]
    assert up == (min(swapping_up) if swapping_up else None)


@given(st.lists(rice_inputs, min_size=0, max_size=12))
def test_every_adjacent_pair_is_reported_in_order(items):
    ordered = sorted(items, key=rice_score, reverse=True)
    pairs = order_sensitivity([Scored(f"i{n}", x) for n, x in enumerate(ordered)])
    assert len(pairs) == max(len(ordered) - 1, 0)
    for pair in pairs:
        assert pair.upper_rice >= pair.lower_rice
        assert pair.effort_margin is None or 0 <= pair.effort_margin <= 1


def test_the_worked_examples_neighbours():
    ci = Scored("Faster CI", RiceInputs(200, 2, 0.8, 2))
    databases = Scored("Self-service databases", RiceInputs(80, 3, 0.8, 3))
    migrations = Scored("Database migrations", RiceInputs(150, 2, 0.8, 4))
    far = pair_sensitivity(ci, databases)
    assert (far.upper_effort_above, far.lower_effort_below) == (5.0, 1.2)
    assert far.upper_confidence_to is None and far.lower_confidence_to is None
    assert not far.fragile
    close = pair_sensitivity(databases, migrations)
    assert close.upper_confidence_to == 0.5 and close.lower_confidence_to == 1.0
    assert close.fragile and close.upper_effort_above == 3.2


def test_a_pair_that_cannot_swap_says_so():
    nothing = Scored("Nothing", RiceInputs(0, 1, 1, 1))
    something = Scored("Something", RiceInputs(10, 1, 1, 1))
    pair = pair_sensitivity(something, nothing)
    assert pair.upper_effort_above is None and pair.lower_effort_below is None
    assert pair.upper_confidence_to is None and pair.lower_confidence_to is None
    assert pair_sensitivity(nothing, Scored("Zero", RiceInputs(0, 1, 1, 2))).tied


# ---- criteria ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "kpi", "comparator", "threshold", "due"),
    [
        ("ci_duration_p50 < 5 by 2026-06-30", "success", "ci_duration_p50", "<", 5, "2026-06-30"),
        ("CI_duration_p50<5 min by 2026-06-30", "success", "ci_duration_p50", "<", 5, "2026-06-30"),
        ("adoption_rate >= 80% by 2026-12-31", "success", "adoption_rate", ">=", 0.8, "2026-12-31"),
        ("adoption_rate ≥ 0.8 by 2026-12-31", "success", "adoption_rate", ">=", 0.8, "2026-12-31"),
        ("kill if nps < 20 by 2027-01-31", "kill", "nps", "<", 20, "2027-01-31"),
        ("mttr_p50 <= 1.5e2 by 2026-07-01", "success", "mttr_p50", "<=", 150, "2026-07-01"),
    ],
)
def test_the_compact_form_reads(text, kind, kpi, comparator, threshold, due):
    data = parse_criterion(text)
    assert (data.kind, data.kpi_id, data.comparator, data.threshold, data.due) == (
        kind,
        kpi,
        comparator,
        threshold,
        date.fromisoformat(due),
    )
    again = parse_criterion(
        criterion_text(data.kind, data.kpi_id, data.comparator, data.threshold, data.due)
    )
    assert again == data


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("ci_duration < 5 by 2026-06-30", "kpi", "known: adoption_rate"),
        ("ci_duration_p50 = 5 by 2026-06-30", "criterion", "expected KPI COMPARISON"),
        ("ci_duration_p50 < 5 by 30/06/2026", "due", "2026-06-30"),
        ("ci_duration_p50 < 5 by 2026-02-30", "due", "2026-06-30"),
        ("ci_duration_p50 < 5 h by 2026-06-30", "threshold", "measured in minutes"),
        ("adoption_rate > 80 by 2026-06-30", "threshold", "write 0.8 or 80%"),
        ("nps > 40% by 2026-06-30", "threshold", "measured in score"),
        ("", "criterion", "expected KPI COMPARISON"),
    ],
)
def test_a_criterion_that_cannot_be_read_says_why(text, field, reason):
    with pytest.raises(InvalidInputError) as caught:
        parse_criterion(text)
    problem = caught.value.problems[0]
    assert problem.field == field and reason in problem.reason


def test_thresholds_are_in_the_kpis_unit():
    assert parse_threshold("adoption_rate", "75%") == 0.75
    assert parse_threshold("onboarding_time_p50", "3 days") == 3
    assert parse_threshold("ci_duration_p95", "12.5") == 12.5
    with pytest.raises(InvalidInputError):
        parse_threshold("ci_duration_p50", "five")


def test_criterion_input_refuses_unknown_kpis_with_the_known_ones():
    with pytest.raises(ValidationError, match="known: adoption_rate, lead_time_p50"):
        CriterionIn(kpi_id="speed", comparator="<", threshold=1, due=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="finite"):
        CriterionIn(kpi_id="nps", comparator="<", threshold=float("nan"), due=date(2026, 1, 1))


def test_a_criterion_is_judged_today_until_its_due_date_has_passed():
    due = date(2026, 6, 30)
    assert judging(due, date(2026, 6, 1)).end == date(2026, 6, 1)
    assert not judging(due, date(2026, 6, 30)).final
    after = judging(due, date(2026, 7, 1))
    assert after.final and after.end == date(2026, 7, 1)  # the window includes the due date
    assert judging(due, date(2027, 1, 1)).end == date(2026, 7, 1)


@pytest.mark.parametrize(
    ("kind", "comparator", "threshold", "value", "final", "state"),
    [
        ("success", "<", 5, 4.0, False, "on_track"),
        ("success", "<", 5, 6.0, False, "at_risk"),
        ("success", "<", 5, 4.0, True, "met"),
        ("success", "<", 5, 5.0, True, "missed"),
        ("success", "<=", 5, 5.0, True, "met"),
        ("success", ">", 0.8, 0.81, True, "met"),
        ("success", ">=", 0.8, 0.79, True, "missed"),
        ("success", "<", 5, None, True, "no_data"),
        ("kill", "<", 0.3, 0.2, False, "at_risk"),
        ("kill", "<", 0.3, 0.5, False, "on_track"),
        ("kill", "<", 0.3, 0.2, True, "triggered"),
        ("kill", "<", 0.3, 0.5, True, "cleared"),
        ("kill", "<", 0.3, None, False, "no_data"),
    ],
)
def test_criterion_states(kind, comparator, threshold, value, final, state):
    assert (
        judge(kind=kind, comparator=comparator, threshold=threshold, value=value, final=final)
        == state
    )
