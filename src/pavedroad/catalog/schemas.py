"""Validated shapes of catalog records, shared by the importers, the API and the pages."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from pavedroad.inputs import StoredInput

SLUG_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"
# `owner/name`, or GitLab's `group/subgroup/name`: path segments of letters, digits, . _ -.
REPOSITORY_PATTERN = r"^[a-z0-9_.-]+(/[a-z0-9_.-]+)+$"
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TIERS = (1, 2, 3, 4)


def _require_utc_aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("timestamp needs a time zone offset, e.g. 2026-03-01T09:00:00Z")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_require_utc_aware)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class _CatalogRecord(StoredInput):
    """Base of catalog inputs."""


class TeamIn(_CatalogRecord):
    """A team as it comes in from a file, the API or a form."""

    model_config = ConfigDict(str_strip_whitespace=True)

    slug: Annotated[str, Field(pattern=SLUG_PATTERN)]
    name: Name
    eligible: bool = True
    headcount: Annotated[int, Field(ge=0, le=1_000_000)] = 0

    @field_validator("slug", mode="before")
    @classmethod
    def _lower_slug(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class DeveloperIn(_CatalogRecord):
    """A developer; `team` is the slug of their team.

    `identity` is the natural key and defaults to the email; a Backstage User is identified by
    its entity reference instead, since Backstage lets Users share an email or have none.
    """

    model_config = ConfigDict(str_strip_whitespace=True)

    email: Annotated[str, Field(max_length=320)] | None = None
    identity: Annotated[str, Field(min_length=1, max_length=400)] | None = None
    name: Name
    team: Annotated[str, Field(pattern=SLUG_PATTERN)]
    started_at: AwareDatetime | None = None
    role: Annotated[str, Field(min_length=1, max_length=100)] = "engineer"

    @field_validator("email", mode="before")
    @classmethod
    def _normalise_email(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().lower()
            if not EMAIL_PATTERN.match(value):
                raise ValueError("expected an email address such as ada@example.com")
        return value

    @field_validator("team", "identity", mode="before")
    @classmethod
    def _lower_team(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _identity_defaults_to_email(self) -> DeveloperIn:
        if self.identity is None:
            if self.email is None:
                raise ValueError("a developer needs an email (or, from Backstage, a User name)")
            self.identity = self.email
        return self

    @property
    def key(self) -> str:
        """The natural key the developer is stored under."""
        return self.identity or self.email or ""


class ServiceIn(_CatalogRecord):
    """A service; `owner` is the slug of the owning team."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: Annotated[str, Field(pattern=SLUG_PATTERN)]
    owner: Annotated[str, Field(pattern=SLUG_PATTERN)]
    created_at: AwareDatetime | None = None
    onboarded_to_platform_at: AwareDatetime | None = None
    tier: int | None = None
    system: Annotated[str, Field(pattern=SLUG_PATTERN)] | None = None
    # The code repository (`owner/name`; GitLab's `group/subgroup/name`), lower-cased: how the
    # GitHub and GitLab connectors find a repository's service.
    repository: Annotated[str, Field(max_length=300, pattern=REPOSITORY_PATTERN)] | None = None

    @field_validator("name", "owner", "system", mode="before")
    @classmethod
    def _lower_names(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("repository", mode="before")
    @classmethod
    def _lower_repository(cls, value: object) -> object:
        if isinstance(value, str):
            # A CSV cell left empty means no repository.
            return value.strip().strip("/").lower() or None
        return value

    @field_validator("tier", mode="before")
    @classmethod
    def _read_tier(cls, value: object) -> object:
        return parse_tier(value)


class SystemIn(_CatalogRecord):
    """A Backstage System grouping services."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: Annotated[str, Field(pattern=SLUG_PATTERN)]
    description: Annotated[str, Field(max_length=5000)] = ""
    owner: Annotated[str, Field(pattern=SLUG_PATTERN)] | None = None

    @field_validator("name", "owner", mode="before")
    @classmethod
    def _lower_names(cls, value: object) -> object:
        # Like ServiceIn: Backstage names are case-insensitive, and services refer in lower case.
        return value.strip().lower() if isinstance(value, str) else value


class PersonaIn(_CatalogRecord):
    """A persona and its jobs-to-be-done."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: Name
    description: Annotated[str, Field(max_length=5000)] = ""
    jobs: list[Annotated[str, Field(min_length=1, max_length=500)]] = []


class TeamOut(BaseModel):
    """A team with the size of what it owns."""

    slug: str
    name: str
    eligible: bool
    headcount: int
    developers: int
    services: int
    source: str


class DeveloperOut(BaseModel):
    """A developer as listed; `identity` is the email or, from Backstage, `user:namespace/name`."""

    identity: str
    email: str | None
    name: str
    team: str
    started_at: datetime | None
    role: str
    source: str


class ServiceOut(BaseModel):
    """A service as listed."""

    name: str
    owner: str
    system: str | None
    created_at: datetime | None
    onboarded_to_platform_at: datetime | None
    tier: int | None
    source: str
    repository: str | None = None


class PersonaOut(BaseModel):
    """A persona with its jobs."""

    name: str
    description: str
    builtin: bool
    jobs: list[str]


class TeamDetail(TeamOut):
    """A team with its people and services."""

    people: list[DeveloperOut]
    owned_services: list[ServiceOut]


def parse_tier(value: object) -> int | None:
    """Read a tier as 1-4 from `1`, `tier-1`, `tier1` or `t1`; empty means unknown."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("expected a tier from 1 to 4, such as 1 or tier-1")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().lower()
        if not text:
            return None
        match = re.fullmatch(r"(?:tier[-_ ]?|t)?([0-9]+)", text)
        if not match:
            raise ValueError("expected a tier from 1 to 4, such as 1 or tier-1")
        number = int(match.group(1))
    if number not in TIERS:
        raise ValueError("expected a tier from 1 to 4, such as 1 or tier-1")
    return number


CapabilityName = Annotated[str, Field(min_length=1, max_length=200)]


def _launch_moment(value: object) -> object:
    """A launch day or instant: `2026-06-01` is midnight UTC; an instant needs its offset."""
    from datetime import UTC, date

    from pavedroad.errors import InvalidInputError
    from pavedroad.parsing import parse_timestamp

    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return parse_timestamp(value)
        except InvalidInputError:
            raise ValueError("expected a day such as 2026-06-01 or an ISO 8601 instant") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


def _owner_slug(value: object) -> object:
    return (value.strip().lower() or None) if isinstance(value, str) else value


# A launch day (`2026-06-01`, midnight UTC) or an instant with its offset; empty clears it.
LaunchMoment = Annotated[AwareDatetime | None, BeforeValidator(_launch_moment)]
# A team slug in any case; empty clears it.
OwnerSlug = Annotated[
    Annotated[str, Field(pattern=SLUG_PATTERN)] | None, BeforeValidator(_owner_slug)
]


class CapabilityIn(_CatalogRecord):
    """A platform capability; `owner` is the slug of the team that runs it."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: CapabilityName
    description: Annotated[str, Field(max_length=5000)] = ""
    launched_at: LaunchMoment = None
    owner: OwnerSlug = None


class CapabilityUpdate(_CatalogRecord):
    """The fields of a capability to change; an empty `owner` or `launched_at` clears it."""

    model_config = ConfigDict(str_strip_whitespace=True)

    description: Annotated[str, Field(max_length=5000)] | None = None
    launched_at: LaunchMoment = None
    owner: OwnerSlug = None


class CapabilityOut(BaseModel):
    """A capability as listed: `source` is `usage` when a usage import named it first."""

    name: str
    description: str
    launched_at: datetime | None
    owner: str | None
    source: str
