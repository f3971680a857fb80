"""The one YAML loader: plain values with their lines, and the guards every YAML input meets."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pavedroad.errors import InvalidInputError
from pavedroad.yamlfile import (
    MAX_ALIAS_VALUES,
    MAX_DEPTH,
    MAX_SCALAR_CHARS,
    load_document,
    load_documents,
)


def refusal(text: str) -> tuple[int | None, str]:
    """The line and reason of the one problem that refuses `text`, as unusable input."""
    with pytest.raises(InvalidInputError) as caught:
        load_documents(text, source="in.yaml")
    assert caught.value.unusable
    [problem] = caught.value.problems
    assert problem.source == "in.yaml"
    return problem.line, problem.reason


def billion_laughs() -> str:
    """Nine levels of nine aliases: 9**9 strings once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in itertools.pairwise("abcdefghi"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_values_come_with_the_line_each_starts_on():
    document = load_document(
        "goals:\n  - title: Faster\n    actors:\n      - name: Devs\n", source="map.yaml"
    )

    assert document.value == {"goals": [{"title": "Faster", "actors": [{"name": "Devs"}]}]}
    assert document.line_of(("goals", 0, "actors", 0, "name")) == 4
    assert document.line_of(("goals", 0, "title")) == 2
    # A path the document does not hold is placed at the nearest value that holds it.
    assert document.line_of(("goals", 0, "kpi")) == 2


def test_every_document_of_a_stream_is_read_with_its_first_line():
    documents = load_documents("kind: Group\n---\nkind: User\n", source="all.yaml")

    assert [(d.line, d.value) for d in documents] == [(1, {"kind": "Group"}), (3, {"kind": "User"})]


def test_one_document_is_required_where_a_file_holds_one():
    assert load_document("", source="empty.yaml").value is None
    with pytest.raises(InvalidInputError, match="broken YAML: but found another document"):
        load_document("a: 1\n---\nb: 2\n", source="two.yaml")


def test_keys_are_kept_as_written():
    assert load_document("on: yes\n1: x\n", source="k.yaml").value == {"on": True, "1": "x"}


def test_a_billion_laughs_stops_at_the_alias_budget_quickly():
    started = time.monotonic()

    line, reason = refusal(billion_laughs())

    assert time.monotonic() - started < 5
    assert reason == (
        f"document repeats more than {MAX_ALIAS_VALUES} values once its aliases are expanded"
    )
    assert line is not None


def test_merge_keys_are_counted_against_the_alias_budget():
    text = "a: &a {" + ", ".join(f"k{n}: {n}" for n in range(9)) + "}\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        text += f"{name}: &{name} {{<<: [" + ", ".join([f"*{previous}"] * 9) + "]}\n"

    assert "aliases are expanded" in refusal(text)[1]


def test_a_few_aliases_and_merges_are_fine():
    document = load_document(
        "base: &base {tier: '1', team: web}\nservice: {<<: *base, team: data}\nsame: *base\n",
        source="anchors.yaml",
    )

    assert document.value["service"] == {"team": "data", "tier": "1"}
    assert document.value["same"] == {"tier": "1", "team": "web"}


def test_an_alias_that_holds_itself_stops_at_the_depth_limit():
    assert refusal("loop: &a [*a]\n") == (
        1,
        f"document nests deeper than {MAX_DEPTH} levels once its aliases are expanded",
    )


def test_deep_nesting_is_refused_at_the_limit_or_before_python_recursion_gives_out():
    assert refusal("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n") == (
        1,
        f"document nests deeper than {MAX_DEPTH} levels",
    )
    assert load_document("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1), source="x")
    assert refusal("a: " + "[" * 5000 + "]" * 5000 + "\n") == (
        None,
        "broken YAML: nesting is too deep",
    )


def test_huge_scalars_and_keys_are_refused_with_their_line():
    huge = "x" * (MAX_SCALAR_CHARS + 1)

    assert refusal(f"ok: 1\nname: {huge}\n") == (
        2,
        f"a value is longer than {MAX_SCALAR_CHARS} characters",
    )
    assert (
        refusal(f"ok: 1\n? {huge}\n: 1\n")[1]
        == f"a key is longer than {MAX_SCALAR_CHARS} characters"
    )


def test_a_key_twice_in_one_mapping_is_refused_where_it_repeats():
    assert refusal("kind: Group\nmetadata: {name: web}\nkind: User\n") == (
        3,
        "broken YAML: the key 'kind' appears twice in one mapping",
    )


def test_a_key_that_is_not_plain_text_is_refused():
    assert refusal("? [a]\n: b\n") == (1, "broken YAML: a key must be plain text")


def test_tabs_for_indentation_are_broken_yaml_with_their_line():
    line, reason = refusal("kind: Group\n\tmetadata: {}\n")

    assert line == 2 and reason.startswith("broken YAML: found character '\\t'")


def test_binary_content_is_broken_yaml_naming_the_character_and_line():
    assert refusal("a: 1\nb: \x00\x01\n") == (
        2,
        "broken YAML: unacceptable character #x0000: special characters are not allowed",
    )


def test_tags_beyond_plain_values_are_refused():
    line, reason = refusal("a: 1\nb: !!python/object:os.system {}\n")

    assert line == 2 and "could not determine a constructor" in reason
    assert refusal("a: !!python/name:os.system ''\n")[1].startswith("broken YAML:")


def test_values_python_cannot_build_are_broken_yaml_at_their_line():
    assert refusal("a: 1\ndue: 2027-02-30\n") == (2, "broken YAML: day is out of range for month")


yaml_like = st.text(
    alphabet=st.sampled_from([*"ab1 :-[]{},&*!<>?|'\"\n\t#%@`\\.x", "\x00", "é"]),
    max_size=200,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(yaml_like, st.text(max_size=200)))
def test_the_loader_raises_nothing_but_invalid_input(text):
    try:
        documents = load_documents(text, source="fuzz.yaml")
    except InvalidInputError as exc:
        assert exc.unusable and exc.problems and exc.problems[0].source == "fuzz.yaml"
        return
    for document in documents:
        assert document.line >= 1
