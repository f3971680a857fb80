"""The few exception types that the CLI, API and pages translate into messages and HTTP codes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from os import PathLike


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


@dataclass(frozen=True, kw_only=True)
class InputProblem:
    """One reason a piece of input was refused, located as precisely as the source allows.

    A reader that knows only the reason (a value parser) leaves the place empty; the caller
    that knows the file, line, field or entity adds them with `at`."""

    reason: str
    source: str = ""
    line: int | None = None
    field: str | None = None
    entity: str | None = None
    value: str | None = None

    def at(
        self,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
        entity: str | None = None,
        value: str | None = None,
    ) -> InputProblem:
        """This problem placed where the caller found it; what it already names is kept."""
        return replace(
            self,
            source=self.source or source or "",
            line=self.line if self.line is not None else line,
            field=self.field or field,
            entity=self.entity or entity,
            value=self.value if self.value is not None else value,
        )

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
        parts = [where] if where else []
        if self.entity:
            parts.append(self.entity)
        if self.field:
            parts.append(f"field {self.field!r}")
        text = ": ".join([*parts, self.reason])
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            text += f" (got {shown!r})"
        return text


@dataclass
class InvalidInputError(PavedroadError):
    """Input was refused as a whole; `problems` names each file, line, field and reason.

    `unusable` input could not be read at all (a missing file, a wrong header, broken YAML):
    the interfaces exit 2 rather than 1."""

    problems: list[InputProblem] = field(default_factory=list)
    unusable: bool = False

    def __post_init__(self) -> None:
        super().__init__(self.summary())

    @classmethod
    def because(
        cls,
        reason: str,
        *,
        source: str | PathLike[str] = "",
        line: int | None = None,
        field: str | None = None,
        entity: str | None = None,
        value: str | None = None,
        unusable: bool = False,
    ) -> InvalidInputError:
        """Input refused for one reason, located as far as the raiser knows."""
        problem = InputProblem(
            reason=reason,
            source=str(source),
            line=line,
            field=field,
            entity=entity,
            value=value,
        )
        return cls([problem], unusable=unusable)

    def summary(self) -> str:
        """One line per problem, capped so a huge broken file stays readable."""
        shown = [str(p) for p in self.problems[:50]]
        if len(self.problems) > 50:
            shown.append(f"... and {len(self.problems) - 50} more problems")
        return "\n".join(shown)


def printable(text: str, limit: int | None = None) -> str:
    """Text safe to print and to store: a NUL (which PostgreSQL refuses and a terminal hides)
    and lone surrogates (from undecodable bytes or YAML escapes such as "\\udc80") become
    backslash escapes; cut to `limit` characters when given."""
    safe = text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    return safe if limit is None else safe[:limit]
