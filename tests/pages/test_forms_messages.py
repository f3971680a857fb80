"""A refused form speaks plain words: every pydantic error type the forms meet, translated in
one function (`plain_message`), and the bad fields named for the page to mark beside them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError, field_validator

from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.web.pages.forms import FormErrors, field_label, plain_message, refused_input


class Sample(BaseModel):
    """One field per error type a page form can meet."""

    person_months: Annotated[float, Field(gt=0, le=100_000)] = 1
    share: Annotated[float, Field(ge=0, lt=1)] = 0.5
    title: Annotated[str, Field(max_length=10)] = "x"
    name: Annotated[str, Field(min_length=1)] = "x"
    code: Annotated[str, Field(min_length=3)] = "abc"
    due: date = date(2026, 1, 1)
    at: datetime = datetime(2026, 1, 1)
    count: int = 1
    status: Literal["idea", "done"] = "idea"
    quarter: str = "2026-Q1"
    ok: bool = True

    @field_validator("quarter")
    @classmethod
    def _quarter(cls, value: str) -> str:
        if not value.endswith(("Q1", "Q2", "Q3", "Q4")):
            raise ValueError("must look like 2026-Q3")
        return value


class Required(BaseModel):
    effort: float


def refused(**values: object) -> str:
    """The one plain message Sample gives for `values`."""
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(values)
    [error] = caught.value.errors()
    name = str(error["loc"][0])
    labels = {"person_months": "Person-months"}
    return plain_message(error, field_label(name, labels))


def test_greater_than_says_more_than() -> None:
    assert refused(person_months=0) == "Person-months must be more than 0"


def test_less_than_equal_says_or_less() -> None:
    assert refused(person_months=200_000) == "Person-months must be 100000 or less"


def test_greater_than_equal_and_less_than() -> None:
    assert refused(share=-1) == "Share must be 0 or more"
    assert refused(share=1) == "Share must be less than 1"


def test_string_too_long_counts_characters() -> None:
    assert refused(title="x" * 11) == "Title must be at most 10 characters"


def test_string_too_short_of_one_is_required_and_longer_counts() -> None:
    assert refused(name="") == "Name is required"
    assert refused(code="ab") == "Code must be at least 3 characters"


def test_missing_is_required() -> None:
    with pytest.raises(ValidationError) as caught:
        Required.model_validate({})
    assert refused_input(caught.value) == ["Effort is required"]


def test_date_parsing_shows_the_form_of_a_date() -> None:
    assert refused(due="2027-13-01") == "Due must be a date like 2026-12-31"
    assert refused(at="soon").startswith("At must be a date like 2026-12-31")


def test_float_and_int_parsing_say_what_a_number_looks_like() -> None:
    assert refused(person_months="lots") == "Person-months must be a valid number, like 2.5"
    assert refused(count="three") == "Count must be a whole number, like 3"


def test_literal_error_lists_the_allowed_values() -> None:
    assert refused(status="someday") == "Status must be one of 'idea' or 'done'"


def test_value_error_keeps_its_reason_without_the_prefix() -> None:
    assert refused(quarter="2027-Q5") == "Quarter must look like 2026-Q3"


def test_a_reason_that_names_its_field_is_not_prefixed_twice() -> None:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({"count": 1, "quarter": "x"})
    [error] = caught.value.errors()
    error = {**error, "msg": "Value error, quarter 'x' must look like 2026-Q3"}
    assert plain_message(error, "Quarter") == "Quarter 'x' must look like 2026-Q3"


def test_bool_parsing_says_yes_or_no() -> None:
    assert refused(ok="perhaps") == "Ok must be yes or no"


def test_no_message_is_validator_text() -> None:
    samples = [
        {"person_months": 0},
        {"title": "x" * 20},
        {"due": "x"},
        {"count": "x"},
        {"status": "x"},
        {"person_months": "x"},
    ]
    for values in samples:
        assert not refused(**values).startswith(("Input should", "Value error"))


def test_refused_input_names_each_bad_field_once_in_form_order() -> None:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({"title": "x" * 11, "person_months": 0})
    errors = refused_input(caught.value, {"person_months": "Person-months"})
    assert isinstance(errors, FormErrors) and isinstance(errors, list)
    assert set(errors.fields) == {"person_months", "title"}
    assert errors.first == "person_months"  # the model's field order, as the form shows them
    assert errors.fields["person_months"] == "Person-months must be more than 0"


def test_a_service_problem_keeps_its_words_and_finds_its_field() -> None:
    exc = InvalidInputError([InputProblem(reason="add up to 110, not 100", field="split")])
    errors = refused_input(exc)
    assert errors == ["split: add up to 110, not 100"]
    assert errors.fields == {"split": "split: add up to 110, not 100"}


def test_an_error_without_a_field_focuses_the_list() -> None:
    errors = refused_input(ValueError("the store is busy"))
    assert errors == ["the store is busy"] and errors.first is None


def test_field_labels_read_as_words() -> None:
    assert field_label("launched_at") == "Launched at"
    assert field_label("") == "This form"


@given(st.text(max_size=300))
def test_any_typed_text_gets_a_plain_message(text: str) -> None:
    try:
        Sample.model_validate({"person_months": text, "due": text, "status": text})
    except ValidationError as exc:
        errors = refused_input(exc)
        assert errors and all(isinstance(line, str) and line for line in errors)
        assert not any(line.startswith("Input should") for line in errors)
