"""Interview notes and the synthesis template, as people really write them."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from pavedroad.research.interview_notes import (
    MAX_ITEM_CHARS,
    MAX_NOTES_CHARS,
    PRACTICE_SCRIPT,
    Answer,
    Assumption,
    PainPoint,
    assumption_of,
    pain_point_of,
    parse_notes,
    synthesis_markdown,
)

TEMPLATE = """Interview Synthesis - 2026-06-03
════════════════════════════
Top 3 pain points mentioned:
1. "CI takes 18 minutes" — said while describing the last deploy
2. "Rollback is seven steps in a wiki" — the last incident
3. [quote + context]
Surprises (things I didn't expect):
1. Nobody knew about the service templates
2.
Assumptions validated:
[+] Developers want faster CI — confirmed by three stories of waiting
[-] Developers read the docs — contradicted by "I ask in Slack instead"
Actions:
1. [what to investigate further]
2. Measure CI per team
"""

HANDWRITTEN = """# Notes from the call with Sam

Developer: sam.lee@example.com
Team: Web-App
Interviewer: Priya

## Opening (5 min)
### "Tell me about the last time you deployed something to production."
* Friday, forty minutes, CI flaked twice
* "I just rerun it until it's green"
walk me through your typical day when you’re building a new feature
1) mostly waiting

**Exploration**
- What do you spend time on that you think should be automated?
- rollbacks, by far
### Do you use the portal?
- never heard of it

## Interview Synthesis -- 2026-06-04
### Top 3 pain points
- CI is slow -- every push
* "docs are nowhere", asked in Slack
## Surprises
- the team runs its own Postgres
## Assumptions
- [+] CI is the top pain -- confirmed by the opening story
* [−] teams know the portal -- contradicted by never heard of it
- [x] rollback is rare, confirmed by nothing
- rollback is rare
## Next steps
1. tell web-app what the platform offers
"""


def test_the_practice_template_is_read_into_its_parts() -> None:
    notes = parse_notes(TEMPLATE, source="n.md")
    assert notes.held_on == date(2026, 6, 3)
    assert notes.pain_points == [
        PainPoint("CI takes 18 minutes", "said while describing the last deploy"),
        PainPoint("Rollback is seven steps in a wiki", "the last incident"),
    ]
    assert notes.surprises == ["Nobody knew about the service templates"]
    assert notes.assumptions == [
        Assumption("Developers want faster CI", True, "three stories of waiting"),
        Assumption("Developers read the docs", False, '"I ask in Slack instead"'),
    ]
    assert notes.actions == ["Measure CI per team"]
    assert notes.problems == []


def test_hand_written_notes_with_headings_bullets_and_dashes_are_read() -> None:
    notes = parse_notes(HANDWRITTEN, source="sam.md")
    assert (notes.developer, notes.team, notes.interviewer) == (
        "sam.lee@example.com",
        "web-app",
        "Priya",
    )
    assert notes.held_on == date(2026, 6, 4)
    by_question = {a.question: a for a in notes.answers}
    first = by_question["Tell me about the last time you deployed something to production."]
    assert first.section == "opening"
    assert first.notes.splitlines() == [
        "Friday, forty minutes, CI flaked twice",
        '"I just rerun it until it\'s green"',
    ]
    typical = by_question["Walk me through your typical day when you're building a new feature."]
    assert typical.notes == "mostly waiting"
    assert by_question["What do you spend time on that you think should be automated?"].notes == (
        "rollbacks, by far"
    )
    own = by_question["Do you use the portal?"]
    assert (own.section, own.notes) == ("exploration", "never heard of it")
    assert notes.quotes == ["I just rerun it until it's green"]
    assert notes.pain_points == [
        PainPoint("CI is slow", "every push"),
        PainPoint("docs are nowhere", "asked in Slack"),
    ]
    assert notes.surprises == ["the team runs its own Postgres"]
    assert notes.assumptions == [
        Assumption("CI is the top pain", True, "the opening story"),
        Assumption("teams know the portal", False, "never heard of it"),
        Assumption("rollback is rare", True, "nothing"),
    ]
    assert notes.actions == ["tell web-app what the platform offers"]
    assert [(p.source, p.line) for p in notes.problems] == [("sam.md", 30)]
    assert "[+]" in notes.problems[0].reason
    assert "Notes from the call with Sam" in notes.notes


def test_an_unreadable_date_is_reported_and_the_rest_kept() -> None:
    notes = parse_notes("# Interview Synthesis - sometime in June\nActions:\n1. call back\n")
    assert notes.held_on is None
    assert notes.problems[0].line == 1
    assert notes.actions == ["call back"]
    assert parse_notes("Date: 3 June 2026\n").held_on == date(2026, 6, 3)
    assert parse_notes("Date: yesterday\n").problems[0].line == 1


def test_hostile_markup_is_kept_as_text() -> None:
    hostile = "<script>alert('x')</script>"
    notes = parse_notes(f"Top 3 pain points:\n1. {hostile} -- <img src=x onerror=alert(1)>\n")
    assert notes.pain_points == [PainPoint(hostile, "<img src=x onerror=alert(1)>")]


def test_huge_notes_are_cut_and_reported_not_held_whole() -> None:
    long_line = "Surprises:\n- " + "a" * (MAX_ITEM_CHARS * 3) + "\n"
    notes = parse_notes(long_line)
    assert len(notes.surprises[0]) <= MAX_ITEM_CHARS
    assert notes.problems[0].line == 2
    many = "Actions:\n" + "- do it\n" * 5_000
    assert len(parse_notes(many).actions) == 200
    huge = parse_notes(("word " * 999 + "\n") * (MAX_NOTES_CHARS // 4995 + 2))
    assert huge.problems and "longer than" in huge.problems[0].reason


def test_pain_points_and_assumptions_read_their_separators() -> None:
    assert pain_point_of("“I wait” -- always") == PainPoint("I wait", "always")
    assert pain_point_of("I wait – always") == PainPoint("I wait", "always")
    assert pain_point_of('"I wait", context: standup') == PainPoint("I wait", "standup")
    assert pain_point_of("just words") == PainPoint("just words")
    assert assumption_of("[ - ] x contradicted by y") == Assumption("x", False, "y")
    assert assumption_of("[+] x") == Assumption("x", True, "")
    assert assumption_of("x — confirmed by y") is None


def test_every_question_of_the_practice_script_is_recognised() -> None:
    questions = [q for _, listed in PRACTICE_SCRIPT for q in listed]
    text = "\n".join(f"- {q}\n  - noted" for q in questions)
    notes = parse_notes(text)
    assert [a.question for a in notes.answers] == questions
    assert {a.notes for a in notes.answers} == {"noted"}


plain = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=40,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(
        lambda s: (
            s
            and s[0].isalpha()
            and not s[0].isdigit()
            and ":" not in s
            and " — " not in s
            and " -- " not in s
            and " – " not in s
            and " - " not in s
            and "confirmed by" not in s.lower()
            and "contradicted by" not in s.lower()
            and s[-1] not in "\"“”'"
        )
    )
)


@given(
    pains=st.lists(st.tuples(plain, plain), max_size=4),
    surprises=st.lists(plain, max_size=3),
    assumptions=st.lists(st.tuples(plain, st.booleans(), plain), max_size=3),
    actions=st.lists(plain, max_size=3),
)
@settings(max_examples=80, deadline=None)
def test_an_exported_synthesis_reads_back_the_same(pains, surprises, assumptions, actions) -> None:
    # A quote holding double quotes of its own cannot say where it ends: left out here.
    pain_points = [PainPoint(q, c) for q, c in pains if not set(q) & set('"“”')]
    checked = [Assumption(a, v, e) for a, v, e in assumptions]
    text = synthesis_markdown(
        held_on=date(2026, 6, 3),
        developer="sam@example.com",
        team="web-app",
        interviewer="Priya",
        talk_ratio=0.25,
        answers=[Answer("opening", PRACTICE_SCRIPT[0][1][0], "took forty minutes")],
        quotes=[],
        pain_points=pain_points,
        surprises=surprises,
        assumptions=checked,
        actions=actions,
        notes="",
    )
    back = parse_notes(text)
    assert back.problems == []
    assert back.held_on == date(2026, 6, 3)
    assert back.pain_points == pain_points
    assert back.surprises == surprises
    assert back.assumptions == checked
    assert back.actions == actions
    assert back.answers == [Answer("opening", PRACTICE_SCRIPT[0][1][0], "took forty minutes")]


@given(st.text(max_size=3000))
@settings(max_examples=150, deadline=None)
def test_any_text_is_read_without_an_exception(text: str) -> None:
    notes = parse_notes(text)
    assert all(p.line is not None for p in notes.problems)
    assert len(notes.problems) <= 100
