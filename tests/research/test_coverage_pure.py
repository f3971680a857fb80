"""Research coverage maths: teams reached, the never researched, cadences, and each bias
warning firing and not firing, with its rule and numbers in the message."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pavedroad.errors import InvalidInputError
from pavedroad.research import coverage as cov
from pavedroad.research.coverage import InsightFacts, coverage_report
from pavedroad.research.framing import suggest_framing
from pavedroad.research.schemas import Contact

Q = "2026-Q2"
DAY = date(2026, 6, 3)
TEAMS = [f"team-{n:02d}" for n in range(10)]


def contact(method, team, person=None, on=DAY):
    return Contact(method=method, team=team, person=person, on=on)


def facts(team=None, person=None, framing="pain", on=DAY):
    return InsightFacts(team=team, person=person, framing=framing, on=on)


def report(**kw):
    kw.setdefault("quarter", Q)
    kw.setdefault("eligible", TEAMS)
    kw.setdefault("contacts", [])
    kw.setdefault("insights", [])
    return coverage_report(**kw)


def ids(result):
    return [w["id"] for w in result["warnings"]]


def test_the_report_has_exactly_the_contract_keys():
    result = report()
    assert tuple(result) == cov.COVERAGE_KEYS
    assert set(result["teams_reached"]) == {"shadowing", "interviews", "survey"}
    assert set(result["cadence"]) == {"shadowing", "interviews", "survey"}
    for warning in report(contacts=[]).get("warnings"):
        assert set(warning) == {"id", "message", "evidence"}


def test_teams_reached_count_each_method_and_only_eligible_teams_in_the_quarter():
    contacts = [
        contact("shadowing", "team-00", "a@x"),
        contact("interview", "team-00", "b@x"),
        contact("interview", "team-01", "c@x"),
        contact("interview", "team-01", "d@x"),
        contact("survey", "team-02"),
        contact("survey", None),
        contact("interview", "corp-it", "e@x"),  # not eligible
        contact("interview", "team-03", "f@x", on=date(2026, 7, 1)),  # next quarter
        contact("shadowing", "team-04", "g@x", on=date(2026, 3, 31)),  # last quarter
    ]
    result = report(contacts=contacts)
    assert result["quarter"] == Q
    assert result["teams_total"] == 10
    assert result["teams_reached"] == {"shadowing": 1, "interviews": 2, "survey": 1}
    assert result["never_researched"] == [f"team-{n:02d}" for n in range(3, 10)]


def test_tickets_and_usage_insights_do_not_count_as_contact():
    insights = [facts(team="team-05") for _ in range(3)]
    result = report(insights=insights)
    assert "team-05" in result["never_researched"]


def test_the_quarter_is_read_in_either_case_and_refused_when_malformed():
    assert report(quarter="2026-q2")["quarter"] == "2026-Q2"
    for bad in ("2026-Q5", "2026", "Q2-2026", "", "2026-Q2; drop table", "0000-Q1"):
        with pytest.raises(InvalidInputError):
            report(quarter=bad)
    assert cov.quarter_bounds("2026-Q4") == (date(2026, 10, 1), date(2027, 1, 1))


def test_cadence_counts_teams_shadowed_interviews_per_month_and_survey_waves():
    contacts = [contact("shadowing", t, f"{t}@x") for t in ("team-00", "team-01", "team-02")]
    contacts += [contact("shadowing", "team-00", "again@x")]
    contacts += [contact("interview", "team-03", f"p{n}@x", on=date(2026, 6, 1)) for n in range(5)]
    contacts += [contact("interview", "team-04", "q@x", on=date(2026, 4, 9))]
    result = report(contacts=contacts, survey_waves=1)
    cadence = result["cadence"]
    assert cadence["shadowing"] == {"teams": 3, "aim": 3, "met": True}
    assert cadence["interviews"]["per_month"] == {"2026-04": 1, "2026-05": 0, "2026-06": 5}
    assert cadence["interviews"]["aim"] == 5 and cadence["interviews"]["months_met"] == 1
    assert cadence["survey"] == {"waves": 1, "aim": 1, "met": True}
    empty = report()["cadence"]
    assert empty["shadowing"]["met"] is False and empty["survey"]["met"] is False


def test_silent_majority_fires_when_most_eligible_teams_had_no_contact():
    few = [contact("interview", t, f"{t}@x") for t in TEAMS[:4]]
    result = report(contacts=few)
    warning = next(w for w in result["warnings"] if w["id"] == "silent_majority")
    assert "6 of 10 eligible teams (60%)" in warning["message"]
    assert "rule: over 50%" in warning["message"]
    assert warning["evidence"]["never_researched"] == 6


def test_silent_majority_does_not_fire_when_half_or_more_were_reached():
    half = [contact("interview", t, f"{t}@x") for t in TEAMS[:5]]
    assert "silent_majority" not in ids(report(contacts=half))
    assert "silent_majority" not in ids(report(eligible=[]))


def test_selection_bias_names_the_rule_and_its_numbers():
    contacts = [contact("interview", t, f"{t}@x") for t in TEAMS]
    insights = [facts(team="team-00", person=f"p{n}") for n in range(6)]
    insights += [facts(team=t, person=f"{t}@x") for t in TEAMS[1:5]]
    result = report(contacts=contacts, insights=insights)
    warning = next(w for w in result["warnings"] if w["id"] == "selection_bias")
    # 10 teams reached: at most 20% is 2 teams; team-00 (6) + one more (1) = 7 of 10 = 70%.
    assert "70% of the 10 insights that name a team come from 2 of 10 teams" in warning["message"]
    assert "rule: over 50% from at most 20% of the teams reached" in warning["message"]
    assert warning["evidence"]["findings"][0]["sources"][0] == "team-00"


def test_selection_bias_by_people_fires_when_one_person_says_most():
    contacts = [contact("interview", t, f"{t}@x") for t in TEAMS]
    insights = [facts(team=TEAMS[n], person="Loud@X") for n in range(8)]
    insights += [facts(team="team-08", person="b"), facts(team="team-09", person="c")]
    result = report(contacts=contacts, insights=insights)
    warning = next(w for w in result["warnings"] if w["id"] == "selection_bias")
    assert "people" in warning["message"] and "teams" not in warning["message"].split(";")[0]


def test_selection_bias_does_not_fire_on_spread_or_too_few_insights():
    contacts = [contact("interview", t, f"{t}@x") for t in TEAMS]
    spread = [facts(team=t, person=f"{t}@x") for t in TEAMS]
    assert "selection_bias" not in ids(report(contacts=contacts, insights=spread))
    few = [facts(team="team-00", person="a")] * (cov.MIN_INSIGHTS_FOR_SHARES - 1)
    assert "selection_bias" not in ids(report(contacts=contacts, insights=few))


def test_solution_framing_fires_over_half_and_not_at_half():
    six = [facts(framing="solution")] * 4 + [facts()] * 2
    warning = next(w for w in report(insights=six)["warnings"] if w["id"] == "solution_framing")
    assert "4 of 6 insights (67%) are solution requests" in warning["message"]
    even = [facts(framing="solution")] * 3 + [facts()] * 3
    assert "solution_framing" not in ids(report(insights=even))


def test_insights_outside_the_quarter_do_not_count():
    old = [facts(framing="solution", on=date(2026, 3, 1))] * 10
    assert "solution_framing" not in ids(report(insights=old))


def test_power_users_only_fires_when_most_participants_are_heavy_users():
    people = ["a@x", "b@x", "c@x", "d@x"]
    contacts = [contact("interview", "team-00", p) for p in people]
    result = report(contacts=contacts, heaviest=["A@x", "b@x", "c@x", "zz@x"])
    warning = next(w for w in result["warnings"] if w["id"] == "power_users_only")
    assert "3 of 4 research participants (75%)" in warning["message"]
    assert "top 20% of developers by usage events" in warning["message"]


def test_power_users_only_does_not_fire_on_a_mix_or_few_people_or_survey_answers():
    people = ["a@x", "b@x", "c@x", "d@x"]
    contacts = [contact("interview", "team-00", p) for p in people]
    assert "power_users_only" not in ids(report(contacts=contacts, heaviest=["a@x", "b@x"]))
    two = [contact("interview", "team-00", p) for p in people[:2]]
    assert "power_users_only" not in ids(report(contacts=two, heaviest=people))
    anonymous = [contact("survey", "team-00")] * 10
    assert "power_users_only" not in ids(report(contacts=anonymous, heaviest=people))


def test_the_heat_map_lists_never_researched_teams_first_with_counts_per_method():
    contacts = [contact("interview", "team-01", "a"), contact("survey", "team-01")]
    contacts += [contact("shadowing", "team-02", "b")]
    contacts += [contact("survey", "team-02")] * 5
    rows = cov.heat_map(["team-01", "team-02", "team-03"], contacts, min_answers=5)
    assert [r["team"] for r in rows] == ["team-03", "team-01", "team-02"]
    assert rows[1] == {
        "team": "team-01",
        "shadowing": 0,
        "interview": 1,
        "survey": None,  # one answer: hidden by the anonymity rule
        "survey_hidden": True,
        "total": 2,
    }
    assert rows[2]["survey"] == 5 and rows[2]["survey_hidden"] is False
    assert rows[0]["survey"] == 0 and rows[0]["survey_hidden"] is False


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["shadowing", "interview", "survey"]),
            st.one_of(st.none(), st.sampled_from([*TEAMS, "other"])),
            st.integers(min_value=-120, max_value=120),
        ),
        max_size=80,
    )
)
def test_researched_and_never_researched_partition_the_eligible_teams(raw):
    contacts = [contact(m, t, f"{t}-{d}", on=DAY + timedelta(days=d)) for m, t, d in raw]
    result = report(contacts=contacts)
    never = set(result["never_researched"])
    reached = {c.team for c in cov.in_quarter(contacts, Q) if c.team in TEAMS}
    assert never == set(TEAMS) - reached
    assert all(0 <= n <= len(TEAMS) for n in result["teams_reached"].values())
    assert max(result["teams_reached"].values(), default=0) <= len(reached)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I need a bigger database", "solution"),
        ("We should build a portal for this", "solution"),
        ("Add a button to roll back", "solution"),
        ("Give us preview environments", "solution"),
        ("I’d like a faster pipeline", "solution"),
        ("My queries are slow", "pain"),
        ("CI takes 18 minutes, so I batch my changes", "pain"),
        ("The address field is broken", "pain"),  # "add" inside a word is not a request
        ("", "pain"),
    ],
)
def test_the_framing_heuristic_suggests_solution_requests(text, expected):
    assert suggest_framing(text) == expected


def test_the_framing_heuristic_reads_the_quote_too_and_survives_huge_text():
    assert suggest_framing("Rollback", quote="give us a rollback button") == "solution"
    assert suggest_framing("slow " * 200_000) == "pain"
