"""The contract of every event kind: its columns, their types, the natural key and references.

One declaration per kind drives the file importer, the `--template` header, the webhook
mappers' validation and the column tables of docs/data-contracts.md, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from pavedroad.db import Base
from pavedroad.ingest.models import (
    Change,
    CiRun,
    Deployment,
    Incident,
    Onboarding,
    OrgFact,
    SurveyResponse,
    Ticket,
    UsageEvent,
)

FieldType = Literal["text", "timestamp", "day", "bool", "int", "float", "enum"]
Reference = Literal["service", "team", "deployment"]


@dataclass(frozen=True)
class Column:
    """One column of an event kind."""

    name: str
    type: FieldType
    required: bool
    description: str
    example: str
    choices: tuple[str, ...] = ()
    reference: Reference | None = None
    low: float | None = None
    high: float | None = None
    default: object = None
    max_length: int = 200
    # Text that must be an email address (the catalog's rule: `catalog.schemas.EMAIL_PATTERN`).
    email: bool = False


@dataclass(frozen=True)
class Snapshots:
    """Rows of a kind that may be snapshots of something that changes, stamped with the time
    of the event that produced them (a webhook delivery), merged with the stored row by the
    upsert: a snapshot replaces the stored row only when it is at least as new, a row without
    a time (a file row) is taken as it is, and an older snapshot only fills what is unknown."""

    # The column holding the snapshot's event time.
    at: str
    # Columns a snapshot may leave out (`rows.KEPT`): the stored value stays.
    partial: tuple[str, ...]
    # Columns that never change once known: an older snapshot may still fill an empty one.
    fixed: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class EventKind:
    """An event table and how rows reach it (compared and hashed by identity: one per kind)."""

    name: str
    model: type[Base]
    key: str
    columns: tuple[Column, ...]
    hashed_key: bool = False
    # (earlier, later): later must not precede earlier.
    ordered: tuple[tuple[str, str], ...] = ()
    # (earlier, later): an earlier after later is moved back to later, with a warning.
    clamped: tuple[tuple[str, str], ...] = ()
    snapshots: Snapshots | None = None

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @cached_property
    def column_set(self) -> frozenset[str]:
        return frozenset(self.column_names)

    @cached_property
    def references(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.reference is not None)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _id(example: str, what: str, *, required: bool = True) -> Column:
    return Column("id", "text", required, f"natural key of the {what} in its source", example)


def _ts(name: str, required: bool, description: str, example: str) -> Column:
    return Column(name, "timestamp", required, description, example)


SERVICE = Column(
    "service", "text", True, "service name from the catalog", "ledger-service", reference="service"
)
TEAM_OPTIONAL = Column(
    "team", "text", False, "team slug from the catalog", "payments", reference="team"
)

KINDS: dict[str, EventKind] = {
    kind.name: kind
    for kind in (
        EventKind(
            "deployments",
            Deployment,
            "id",
            (
                _id("gh-deploy-81723", "deployment"),
                SERVICE,
                Column(
                    "environment",
                    "text",
                    True,
                    "environment name; production matches the production pattern",
                    "production",
                ),
                _ts("started_at", False, "when the deployment started", "2026-03-02T10:00:00Z"),
                _ts(
                    "finished_at",
                    True,
                    "when it finished; puts it in a KPI window",
                    "2026-03-02T10:04:30Z",
                ),
                Column("result", "enum", True, "outcome", "success", choices=("success", "failed")),
                Column(
                    "is_rollback",
                    "bool",
                    False,
                    "this deployment rolls back an earlier one",
                    "false",
                    default=False,
                ),
                Column(
                    "team",
                    "text",
                    False,
                    "team slug; defaults to the service's owner",
                    "payments",
                    reference="team",
                ),
                Column(
                    "via_platform",
                    "bool",
                    False,
                    "deployed through the platform's paved road",
                    "true",
                    default=False,
                ),
            ),
            ordered=(("started_at", "finished_at"),),
        ),
        EventKind(
            "changes",
            Change,
            "id",
            (
                _id("payments/ledger#412", "change (PR or commit)"),
                SERVICE,
                _ts("first_commit_at", True, "first commit of the change", "2026-03-01T15:20:00Z"),
                _ts("merged_at", False, "when it was merged", "2026-03-02T09:10:00Z"),
                Column(
                    "deployment_id",
                    "text",
                    False,
                    "the deployment that shipped it; it finished no earlier than `merged_at`",
                    "gh-deploy-81723",
                    reference="deployment",
                ),
            ),
            # Rebased or amended commits carry author dates after the merge.
            clamped=(("first_commit_at", "merged_at"),),
        ),
        EventKind(
            "ci-runs",
            CiRun,
            "id",
            (
                _id("gh-run-998877", "CI run"),
                SERVICE,
                _ts(
                    "started_at",
                    True,
                    "when the run started (after any queueing); its duration runs to finished_at",
                    "2026-03-02T09:12:00Z",
                ),
                _ts(
                    "finished_at",
                    True,
                    "when it finished; puts it in a KPI window",
                    "2026-03-02T09:18:10Z",
                ),
                Column(
                    "result",
                    "enum",
                    True,
                    "outcome",
                    "success",
                    choices=("success", "failed", "cancelled"),
                ),
                _ts(
                    "queued_at",
                    False,
                    "when it was created or queued; empty when the provider does not say",
                    "2026-03-02T09:10:30Z",
                ),
            ),
            ordered=(("queued_at", "started_at"), ("started_at", "finished_at")),
        ),
        EventKind(
            "incidents",
            Incident,
            "id",
            (
                _id("PD-Q1ABC", "incident"),
                Column(
                    "service",
                    "text",
                    False,
                    "affected service",
                    "ledger-service",
                    reference="service",
                ),
                TEAM_OPTIONAL,
                _ts("started_at", True, "when it started", "2026-03-02T11:00:00Z"),
                _ts(
                    "resolved_at",
                    False,
                    "when it was resolved; empty while open",
                    "2026-03-02T11:42:00Z",
                ),
                Column(
                    "severity",
                    "text",
                    False,
                    "severity as the source names it",
                    "SEV2",
                    max_length=20,
                ),
                Column(
                    "caused_by_deployment_id",
                    "text",
                    False,
                    "the deployment that caused it",
                    "gh-deploy-81723",
                    reference="deployment",
                ),
                Column(
                    "platform_caused",
                    "bool",
                    False,
                    "the platform itself caused it (availability)",
                    "false",
                    default=False,
                ),
                _ts(
                    "snapshot_at",
                    False,
                    "event time of the state this row gives (webhooks set it); see Snapshots",
                    "2026-03-02T11:42:00Z",
                ),
            ),
            ordered=(("started_at", "resolved_at"),),
            snapshots=Snapshots(
                at="snapshot_at",
                partial=(
                    "service",
                    "team",
                    "started_at",
                    "resolved_at",
                    "severity",
                    "caused_by_deployment_id",
                    "platform_caused",
                ),
                fixed=("started_at",),
            ),
        ),
        EventKind(
            "tickets",
            Ticket,
            "id",
            (
                _id("PLAT-1234", "ticket"),
                TEAM_OPTIONAL,
                _ts("opened_at", True, "when it was opened", "2026-03-02T08:00:00Z"),
                _ts("resolved_at", False, "when it was resolved", "2026-03-02T16:30:00Z"),
                Column(
                    "category",
                    "text",
                    False,
                    "what it is about (ci, deploy, access, docs...)",
                    "ci",
                    max_length=100,
                ),
                Column(
                    "kind",
                    "enum",
                    True,
                    "question, request or bug",
                    "request",
                    choices=("question", "request", "bug"),
                ),
                Column(
                    "self_service",
                    "bool",
                    False,
                    "solved without the platform team's hands",
                    "false",
                    default=False,
                ),
                Column(
                    "text",
                    "text",
                    False,
                    "the ticket's text",
                    "Need a new staging database",
                    max_length=20_000,
                    default="",
                ),
                Column(
                    "answered_by",
                    "text",
                    False,
                    "email of the developer who answered it (one of another team makes a "
                    "champion candidate)",
                    "ada@example.com",
                    max_length=320,
                    email=True,
                ),
            ),
            ordered=(("opened_at", "resolved_at"),),
        ),
        EventKind(
            "survey-responses",
            SurveyResponse,
            "id",
            (
                _id("resp-2026q1-0042", "response; empty: a hash of the row", required=False),
                Column("survey", "text", True, "survey name", "developer-experience"),
                Column("wave", "text", True, "wave of the survey", "2026-Q1", max_length=100),
                Column("submitted_at", "day", True, "day of the answer", "2026-03-04"),
                TEAM_OPTIONAL,
                Column(
                    "nps",
                    "int",
                    False,
                    "0-10: how likely to recommend the platform",
                    "9",
                    low=0,
                    high=10,
                ),
                Column("satisfaction", "int", False, "1-5 satisfaction", "4", low=1, high=5),
                Column(
                    "comments",
                    "text",
                    False,
                    "free text",
                    "CI got much faster",
                    max_length=20_000,
                    default="",
                ),
            ),
            hashed_key=True,
        ),
        EventKind(
            "usage-events",
            UsageEvent,
            "id",
            (
                _id("evt-5521", "event; empty: a hash of the row", required=False),
                _ts("at", True, "when the capability was used", "2026-03-02T10:15:00Z"),
                Column("capability", "text", True, "platform capability", "rollback"),
                Column(
                    "team", "text", True, "team slug from the catalog", "payments", reference="team"
                ),
                Column(
                    "developer", "text", False, "developer email", "ada@example.com", max_length=320
                ),
                Column(
                    "source",
                    "text",
                    False,
                    "where the use was seen (cli, portal, api)",
                    "cli",
                    max_length=100,
                ),
            ),
            hashed_key=True,
        ),
        EventKind(
            "onboarding",
            Onboarding,
            "developer",
            (
                Column(
                    "developer",
                    "text",
                    True,
                    "developer email (the natural key)",
                    "ada@example.com",
                    max_length=320,
                ),
                Column(
                    "team", "text", True, "team slug from the catalog", "payments", reference="team"
                ),
                _ts("started_at", True, "first day", "2026-03-02T09:00:00Z"),
                _ts(
                    "first_deploy_at", False, "first production deployment", "2026-03-04T15:00:00Z"
                ),
            ),
            ordered=(("started_at", "first_deploy_at"),),
        ),
        EventKind(
            "org-facts",
            OrgFact,
            "date",
            (
                Column(
                    "date", "day", True, "day the numbers are for (the natural key)", "2026-03-01"
                ),
                Column("customers", "int", False, "paying customers", "1450", low=0),
                Column("developers", "int", False, "developers employed", "600", low=0),
                Column(
                    "compute_cost", "float", False, "compute cost of the period", "182000", low=0
                ),
                Column(
                    "ops_hours", "float", False, "hours spent operating the platform", "640", low=0
                ),
                Column("hourly_rate", "float", False, "loaded cost of an hour", "95", low=0),
            ),
        ),
    )
}


def kind_or_raise(name: str) -> EventKind:
    """The event kind called `name`, or a PavedroadError listing the kinds."""
    from pavedroad.errors import InputProblem, InvalidInputError

    if name not in KINDS:
        raise InvalidInputError(
            [InputProblem(source=name, reason=f"unknown kind; use one of {', '.join(KINDS)}")],
            unusable=True,
        )
    return KINDS[name]
