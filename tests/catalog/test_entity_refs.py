"""Backstage entity references and names, by Backstage's own rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pavedroad.catalog.entity_refs import EntityRef, name_problem, parse_entity_ref
from pavedroad.errors import InvalidInputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("team-a", EntityRef("group", "home", "team-a")),
        ("default/team-a", EntityRef("group", "default", "team-a")),
        ("group:default/team-a", EntityRef("group", "default", "team-a")),
        ("user:development/guest", EntityRef("user", "development", "guest")),
        ("User:Development/Guest", EntityRef("user", "development", "guest")),
        ("user:breanna.davison", EntityRef("user", "home", "breanna.davison")),
        ({"kind": "User", "name": "guest"}, EntityRef("user", "home", "guest")),
    ],
)
def test_references_take_the_fields_kind_and_the_writers_namespace_by_default(text, expected):
    assert parse_entity_ref(text, default_kind="group", default_namespace="home") == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "expected an entity reference"),
        ("group:default/", "has no name"),
        (":team-a", "invalid kind"),
        ("group:/team-a", "namespace '' is not a valid Backstage namespace"),
        ("group:Dev Team/a", "namespace 'Dev Team'"),
        ("a/b/c", "name 'b/c' is not a valid Backstage name"),
        ("team a", "name 'team a' is not a valid Backstage name"),
        ("x" * 64, "is not a valid Backstage name"),
        (["team-a"], "expected an entity reference"),
        ({"name": ["x"]}, "expected an entity reference"),
    ],
)
def test_invalid_references_say_what_is_wrong_and_show_the_reference(text, reason):
    with pytest.raises(InvalidInputError) as caught:
        parse_entity_ref(text, default_kind="group")
    assert reason in str(caught.value)


@pytest.mark.parametrize("name", ["a", "team-a", "breanna.davison", "A_b-C.d", "x" * 63])
def test_valid_names(name):
    assert name_problem(name) is None


@pytest.mark.parametrize("name", ["-a", "a-", "a--b", "a b", "ä", "a/b", "x" * 64, ""])
def test_invalid_names(name):
    assert name_problem(name) is not None


@given(st.text(max_size=80) | st.none() | st.integers())
def test_parsing_never_crashes_with_anything_but_a_value_problem(value):
    try:
        ref = parse_entity_ref(value, default_kind="group")
    except InvalidInputError:
        return
    assert ref.kind and ref.namespace and ref.name
    assert parse_entity_ref(str(ref), default_kind="user") == ref
