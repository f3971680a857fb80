"""What every page write shares: the posted form checked for CSRF and scope, and the answer
to refused input (roll back, show the same form again with what was typed and why)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from pavedroad.auth.service import BrowserSession
from pavedroad.errors import InvalidInputError
from pavedroad.web.deps import Browser, check_form_csrf, require_page_scope
from pavedroad.web.pages.backlog_forms import FORM_ERRORS, form_errors


@dataclass(frozen=True)
class PostedForm:
    """A form posted by a signed-in browser whose CSRF token and role were checked."""

    browser: BrowserSession
    data: FormData

    def text(self, name: str, default: str = "") -> str:
        """One field as typed (`default` when it was not sent or is a file)."""
        value = self.data.get(name, default)
        return value if isinstance(value, str) else default


def posted_form(needed: str) -> Callable[[Request, BrowserSession], Awaitable[PostedForm]]:
    """Page writes: the form must echo the session's CSRF token and the role allow `needed`."""

    async def dependency(request: Request, browser: Browser) -> PostedForm:
        data = await request.form()
        check_form_csrf(browser, str(data.get("csrf_token", "")))
        require_page_scope(browser, needed)
        return PostedForm(browser=browser, data=data)

    return dependency


WriteForm = Annotated[PostedForm, Depends(posted_form("write"))]


class FormErrors(list[str]):
    """The messages of a refused form, one a line as every page lists them, and each bad
    field's own message (`fields`, in the form's order) for the field that shows it beside it."""

    def __init__(self, messages: Iterable[str] = (), fields: Mapping[str, str] | None = None):
        super().__init__(messages)
        self.fields: dict[str, str] = dict(fields or {})

    @property
    def first(self) -> str | None:
        """The first bad field: the one the page focuses, so the person lands on it."""
        return next(iter(self.fields), None)


def field_label(name: str, labels: Mapping[str, str] | None = None) -> str:
    """A field's name as a person reads it (`person_months` -> `Person months`)."""
    if labels and name in labels:
        return labels[name]
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "This form"


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def plain_message(error: Mapping[str, Any], label: str) -> str:
    """One pydantic error in plain words about `label` ("Person-months must be more than 0"),
    not validator text ("Input should be greater than 0")."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    msg = str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "greater_than":
        return f"{label} must be more than {_number(ctx.get('gt'))}"
    if kind == "greater_than_equal":
        return f"{label} must be {_number(ctx.get('ge'))} or more"
    if kind == "less_than":
        return f"{label} must be less than {_number(ctx.get('lt'))}"
    if kind == "less_than_equal":
        return f"{label} must be {_number(ctx.get('le'))} or less"
    if kind in {"missing", "string_too_short"} and ctx.get("min_length", 1) <= 1:
        return f"{label} is required"
    if kind == "string_too_short":
        return f"{label} must be at least {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"{label} must be at most {ctx.get('max_length')} characters"
    if kind == "too_long":
        return f"{label} may have at most {ctx.get('max_length')} entries"
    if kind in {
        "date_parsing",
        "date_from_datetime_parsing",
        "date_type",
        "date_from_datetime_inexact",
    }:
        return f"{label} must be a date like 2026-12-31"
    if kind in {"datetime_parsing", "datetime_from_date_parsing", "datetime_type"}:
        return f"{label} must be a date like 2026-12-31, or a date and time like 2026-12-31T09:00"
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type"}:
        return f"{label} must be a valid number, like 2.5"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"{label} must be a whole number, like 3"
    if kind == "finite_number":
        return f"{label} must be a finite number"
    if kind in {"bool_parsing", "bool_type"}:
        return f"{label} must be yes or no"
    if kind in {"literal_error", "enum"}:
        return f"{label} must be one of {ctx.get('expected', 'the listed values')}"
    if kind == "string_pattern_mismatch":
        return f"{label} is not in the expected form ({ctx.get('pattern')})"
    if kind == "extra_forbidden":
        return f"{label} is not a field of this form"
    if kind in {"url_parsing", "url_scheme", "url_type"}:
        return f"{label} must be a web address like https://example.com"
    if kind in {"value_error", "assertion_error"} and msg.lower().startswith(
        (label.lower(), label.lower().replace(" ", "_"))
    ):
        return msg[:1].upper() + msg[1:]  # the reason names its field already
    if kind in {"value_error", "assertion_error"}:
        return f"{label} {msg}" if msg.startswith(("must ", "is ", "may ")) else f"{label}: {msg}"
    return f"{label}: {msg}"


def refused_input(exc: Exception, labels: Mapping[str, str] | None = None) -> FormErrors:
    """What was wrong with a form in plain words, one line per problem, and per bad field."""
    if isinstance(exc, ValidationError):
        messages: list[str] = []
        fields: dict[str, str] = {}
        for error in exc.errors():
            named = [str(part) for part in error["loc"] if isinstance(part, str)]
            name = named[0] if named else ""
            message = plain_message(error, field_label(name, labels))
            messages.append(message)
            if name:
                fields.setdefault(name, message)
        return FormErrors(messages, fields)
    if isinstance(exc, InvalidInputError):
        # Reasons written for people already; they keep their words, and find their field.
        messages = form_errors(exc)
        fields = {}
        for problem, message in zip(exc.problems, messages, strict=True):
            if problem.field:
                fields.setdefault(problem.field, message)
        return FormErrors(messages, fields)
    return FormErrors(form_errors(exc))


def submit(
    session: Session,
    change: Callable[[], Response],
    refused: Callable[[list[str]], Response],
    *,
    errors: tuple[type[Exception], ...] = FORM_ERRORS,
    labels: Mapping[str, str] | None = None,
) -> Response:
    """Run one change and answer with its response; on refused input (`errors`) roll the change
    back and answer `refused(messages)`, the same page with what was typed and the errors (a
    `FormErrors`: the messages in plain words, and each bad field's own, in `fields`).
    `labels` names the fields as the form does ("Person-months")."""
    try:
        return change()
    except errors as exc:
        session.rollback()
        return refused(refused_input(exc, labels))
