"""The one rule mechanism, pure: reading rules files, first match wins, whole words, regexes,
and patterns that cannot hang a command or the server."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pavedroad.errors import InvalidInputError
from pavedroad.research import categorise
from pavedroad.research.categorise import (
    MAX_MATCH_CHARS,
    MAX_RULES,
    Rule,
    compile_rules,
    pattern_problem,
    read_rules,
    rule_problems,
    rules_yaml,
)

RULES = """\
# ticket rules
- category: ci
  keywords: [ci, build pipeline]
  patterns: ['took \\d+ minutes']
- category: docs
  keywords: [docs, "can't find"]
- category: everything
  patterns: ['.']
"""


def _refused(text: str) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        read_rules(text, source="rules.yaml")
    return caught.value


def test_reads_rules_in_order_and_round_trips_through_export():
    rules = read_rules(RULES, source="rules.yaml")
    assert [r.category for r in rules] == ["ci", "docs", "everything"]
    assert rules[0] == Rule(
        "ci", keywords=("ci", "build pipeline"), patterns=(r"took \d+ minutes",)
    )
    assert read_rules(rules_yaml(rules), source="again") == rules
    assert read_rules("", source="empty") == []
    assert read_rules("rules:\n  - category: x\n    keywords: [y]\n", source="r") == [
        Rule("x", keywords=("y",))
    ]


def test_json_list_is_a_rules_file_too():
    text = '[{"category": "ci", "keywords": ["ci"], "patterns": []}]'
    assert read_rules(text, source="body") == [Rule("ci", keywords=("ci",))]


def test_first_match_wins():
    c = compile_rules(read_rules(RULES, source="r"))
    assert c.category_of("Docs for the CI are gone") == "ci"
    assert c.category_of("I can't find the docs") == "docs"
    assert c.category_of("anything at all") == "everything"
    assert c.category_of("") is None


def test_keywords_are_whole_words_and_phrases_case_insensitively():
    c = compile_rules([Rule("ci", keywords=("ci", "build pipeline"))])
    assert c.category_of("social media") is None
    assert c.category_of("the CIA called") is None
    assert c.category_of("CI is slow") == "ci"
    assert c.category_of("(ci) slow") == "ci"
    assert c.category_of("our Build\n  Pipeline broke") == "ci"
    assert c.category_of("rebuild pipelines") is None
    # Keywords are literal text, never a regex.
    assert compile_rules([Rule("x", keywords=("a.b",))]).category_of("axb") is None


def test_patterns_are_python_regexes():
    c = compile_rules([Rule("slow", patterns=(r"took \d+ minutes", r"^timed? ?out"))])
    assert c.category_of("CI took 25 minutes again") == "slow"
    assert c.category_of("Timeout on deploy") == "slow"
    assert c.category_of("took ages") is None


@pytest.mark.parametrize(
    ("text", "line", "field", "reason"),
    [
        ("- category: ci\n  patterns: ['(']\n", 2, "patterns", "not a regular expression"),
        ("- keywords: [ci]\n", 1, "category", "is required"),
        ("- category: ci\n", 1, "keywords", "needs keywords or patterns"),
        ("- category: ci\n  keywords: {a: 1}\n", 2, "keywords", "expected a list"),
        ("- category: ci\n  keywords: [ci]\n  colour: red\n", 3, "colour", "unknown field"),
        ("- ci\n", 1, None, "expected a mapping"),
        ("- category: ci\n  keywords: ['  ']\n", 2, "keywords", "empty keyword"),
        (
            "- category: ok\n  keywords: [x]\n- category: bad\n  patterns:\n    - fine\n"
            "    - '(a+)+$'\n",
            6,
            "patterns",
            "repeat inside a repeat",
        ),
    ],
)
def test_problems_name_the_file_line_field_and_reason(text, line, field, reason):
    problems = _refused(text).problems
    assert problems, text
    problem = problems[0]
    assert problem.source == "rules.yaml"
    assert problem.line == line
    assert problem.field == field
    assert reason in problem.reason
    assert problem.entity and problem.entity.startswith("rule ")


def test_not_a_list_and_broken_yaml_are_unusable():
    for text in ("category: ci\n", "42\n", "- [unclosed\n"):
        error = _refused(text)
        assert error.unusable
        assert error.problems[0].line in (1, 2)


def test_every_problem_is_reported_at_once():
    text = (
        "- category: a\n  patterns: ['[']\n- keywords: [x]\n- category: c\n  patterns: ['(.)\\1']\n"
    )
    problems = _refused(text).problems
    assert [p.entity for p in problems] == ["rule 1", "rule 2", "rule 3"]
    assert "back-references" in problems[2].reason


@pytest.mark.parametrize(
    "pattern",
    [r"(a+)+$", r"(a*)*b", r"(\w+\s?)*$", r"(a|ab)*c", r"(?:xy|x)+z", r"(.)\1", r"(a{1,20})+"],
)
def test_catastrophic_shapes_are_refused(pattern):
    assert pattern_problem(pattern) is not None


@pytest.mark.parametrize(
    "pattern", [r"ci.*slow", r"took \d+ minutes", r"roll(ed|ing)? ?back", r"\bdocs?\b", "[ab]+c"]
)
def test_ordinary_patterns_are_accepted(pattern):
    assert pattern_problem(pattern) is None


def test_too_many_open_ended_repeats_are_refused():
    assert "open-ended" in (pattern_problem(r"a.*b.*c.*d.*e") or "")


def test_patterns_see_only_the_start_of_a_huge_text():
    c = compile_rules([Rule("late", patterns=("needle",))])
    text = "x" * (MAX_MATCH_CHARS + 10) + "needle"
    assert c.category_of(text) is None
    assert c.categories_of([text, "needle"]) == [None, "late"]


def test_a_backtracking_pattern_that_passes_the_checks_is_stopped_in_time():
    # Three open-ended repeats are allowed, and are polynomial: slow on a hostile text.
    c = compile_rules([Rule("ok", keywords=("fine",)), Rule("slow", patterns=(r"\w*\w*\w*y",))])
    started = time.monotonic()
    with pytest.raises(InvalidInputError) as caught:
        c.categories_of(["fine", "a" * 5000], seconds=0.5)
    assert time.monotonic() - started < 5
    problem = caught.value.problems[0]
    assert problem.entity == "rule 2 (slow)"
    assert "text 2" in problem.reason


def test_keyword_only_rules_run_in_process(monkeypatch):
    def boom(*_args, **_kwargs):
        raise AssertionError("keyword-only rules need no child process")

    monkeypatch.setattr(categorise, "_bounded", boom)
    c = compile_rules([Rule("ci", keywords=("ci",))])
    assert c.count(["ci", "social", "CI!"]) == ({"ci": 2}, ["social"])


def test_huge_rules_files_are_refused_and_big_ones_are_fast():
    too_many = "".join(f"- category: c{i}\n  keywords: [k{i}]\n" for i in range(MAX_RULES + 1))
    assert "at most" in str(_refused(too_many))
    huge = "- category: x\n  keywords: [" + ", ".join(["word"] * 600_000) + "]\n"
    assert "MB" in str(_refused(huge)) or "at most" in str(_refused(huge))
    many = "".join(f"- category: c{i}\n  keywords: [k{i}, phrase {i}]\n" for i in range(MAX_RULES))
    started = time.monotonic()
    rules = read_rules(many, source="many")
    compiled = compile_rules(rules)
    assert compiled.category_of("this says phrase 499") == "c499"
    assert time.monotonic() - started < 10


def test_billion_laughs_is_refused_by_the_yaml_guard():
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
    for level in "bcdefghi":
        prev = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
    assert _refused(bomb).unusable


words = st.text(alphabet="abcdefghij", min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(keyword=words, before=words, after=words)
def test_a_keyword_never_matches_inside_a_longer_word(keyword, before, after):
    c = compile_rules([Rule("k", keywords=(keyword,))])
    assert c.category_of(f"{before} {keyword} {after}") == "k"
    assert c.category_of(f"{before}{keyword}{after}") is None or keyword in (
        f"{before}{keyword}{after}".split()
    )


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=60))
def test_any_pattern_text_is_either_refused_or_compiles(pattern):
    rules = [Rule("p", patterns=(pattern,))]
    if not rule_problems(rules):
        compile_rules(rules).category_of("some ticket text")


def test_nul_characters_and_lone_surrogates_are_refused():
    nul = _refused('[{"category": "x\\u0000", "keywords": ["a"]}]').problems[0]
    assert nul.field == "category" and "NUL" in nul.reason
    assert _refused('[{"\\ud800": null}]').unusable
