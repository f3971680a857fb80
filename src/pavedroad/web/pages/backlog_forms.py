"""What the backlog's forms share: which errors a form shows, and how they read."""

from __future__ import annotations

import re

from pydantic import ValidationError

from pavedroad.errors import ConflictError, InvalidInputError

# Errors a form shows next to what was typed (status 422); anything else is an error page.
FORM_ERRORS = (ValidationError, InvalidInputError, ConflictError)


def form_errors(exc: Exception) -> list[str]:
    """What was wrong with a form, one line per field, in words a person can act on."""
    if isinstance(exc, ValidationError):
        return [
            f"{'.'.join(map(str, e['loc'])) or 'form'}: "
            f"{str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
    if isinstance(exc, InvalidInputError):
        return [
            f"{p.field or 'form'}: {p.reason}" + (f" ({p.value})" if p.value else "")
            for p in exc.problems
        ]
    return [str(exc)]


def split_names(text: str) -> list[str]:
    """Slugs typed into one field, separated by commas or spaces."""
    return [part for part in re.split(r"[,\s]+", text) if part]
