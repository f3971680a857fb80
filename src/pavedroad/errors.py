"""The few exception types that the CLI, API and pages translate into messages and HTTP codes."""

from __future__ import annotations

from dataclasses import dataclass, field


class PavedroadError(Exception):
    """Base of every error a user can act on; the message says what to do."""


class NotFoundError(PavedroadError):
    """A named thing does not exist (HTTP 404)."""


class ConflictError(PavedroadError):
    """The request contradicts what is stored (HTTP 409)."""


class SchemaOutOfDateError(PavedroadError):
    """The database schema is behind (or ahead of) this version of pavedroad."""


class AuthenticationError(PavedroadError):
    """Credentials are missing or wrong (HTTP 401)."""


class PermissionDeniedError(PavedroadError):
    """Credentials are valid but their scope does not allow this (HTTP 403)."""


@dataclass(frozen=True)
class InputProblem:
    """One reason a piece of input was refused, located as precisely as the source allows."""

    source: str
    reason: str
    line: int | None = None
    field: str | None = None
    entity: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.entity:
            parts.append(self.entity)
        if self.field:
            parts.append(f"field {self.field!r}")
        text = ": ".join(parts) + f": {self.reason}"
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            text += f" (got {shown!r})"
        return text


@dataclass
class InvalidInputError(PavedroadError):
    """Input was refused as a whole; `problems` names each file, line, field and reason."""

    problems: list[InputProblem] = field(default_factory=list)
    unusable: bool = False

    def __post_init__(self) -> None:
        super().__init__(self.summary())

    def summary(self) -> str:
        """One line per problem, capped so a huge broken file stays readable."""
        shown = [str(p) for p in self.problems[:50]]
        if len(self.problems) > 50:
            shown.append(f"... and {len(self.problems) - 50} more problems")
        return "\n".join(shown)
