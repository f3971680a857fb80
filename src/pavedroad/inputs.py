"""The base of every input model: what any text must be before a store can hold it."""

from __future__ import annotations

from pydantic import BaseModel, field_validator


class StoredInput(BaseModel):
    """Input that will be stored: no text (or text in a list) may hold a NUL character,
    which PostgreSQL cannot store, so both engines accept the same values."""

    @field_validator("*", mode="after")
    @classmethod
    def _reject_nul(cls, value: object) -> object:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("must not contain NUL characters")
        return value
