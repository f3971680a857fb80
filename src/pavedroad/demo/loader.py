"""Write the demo company into a store; each domain adds a step to `STEPS`."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from pavedroad.auth.service import create_user, list_users
from pavedroad.catalog.service import CatalogBatch, apply_batch, seed_default_personas
from pavedroad.demo.backlog import load_backlog
from pavedroad.demo.baseline import load_baseline
from pavedroad.demo.comms_champions import load_champions
from pavedroad.demo.comms_changelog import load_changelog
from pavedroad.demo.comms_launches import load_launches
from pavedroad.demo.comms_pitches import load_pitches
from pavedroad.demo.company import DEMO_LOGIN, DemoCompany, build_company
from pavedroad.demo.connections import load_connections
from pavedroad.demo.research_capabilities import load_capabilities
from pavedroad.demo.research_insights import load_insights
from pavedroad.demo.research_interviews import load_interviews
from pavedroad.demo.research_shadowing import load_shadowing
from pavedroad.demo.research_surveys import load_surveys
from pavedroad.demo.research_tickets import load_ticket_rules
from pavedroad.demo.roadmap import load_roadmap
from pavedroad.demo.telemetry import generate_telemetry
from pavedroad.ingest.kinds import KINDS, EventKind
from pavedroad.ingest.rows import Row, convert_row
from pavedroad.ingest.writer import upsert_rows

TELEMETRY_CHANNEL = "demo"
TELEMETRY_BATCH = 5000

Step = tuple[str, Callable[[Session, DemoCompany], None]]


def load_catalog(session: Session, company: DemoCompany) -> None:
    """Teams, systems, developers and services of the demo company."""
    seed_default_personas(session=session)
    batch = CatalogBatch(
        teams=company.teams,
        systems=company.systems,
        developers=company.developers,
        services=company.services,
    )
    apply_batch(session=session, batch=batch, source="demo")


def load_demo_user(session: Session, _company: DemoCompany) -> None:
    """The sign-in that `make demo` prints."""
    email, password = DEMO_LOGIN
    if all(user.email != email for user in list_users(session=session)):
        create_user(
            session=session, email=email, name="Priya Platform-PM", password=password, role="admin"
        )


def _contract_value(value: object) -> object:
    """A generated value as a file would carry it: timestamps and days as ISO 8601 text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def contract_row(kind: EventKind, event: Mapping[str, object]) -> Row:
    """One generated event through the ingest contract; a refusal is a bug in the generator."""
    row, problems = convert_row(
        kind, {name: _contract_value(value) for name, value in event.items()}, tz=UTC
    )
    if row is None:
        raise ValueError(f"demo {kind.name} row {event.get(kind.key)!r}: {problems[0]}")
    return row


def load_telemetry(session: Session, company: DemoCompany) -> None:
    """Twelve months of the company's telemetry, upserted on stable ids batch by batch."""
    connection = session.connection()
    for kind_name, events in generate_telemetry(company).by_kind().items():
        kind = KINDS[kind_name]
        for start in range(0, len(events), TELEMETRY_BATCH):
            chunk = events[start : start + TELEMETRY_BATCH]
            batch = [contract_row(kind, event) for event in chunk]
            upsert_rows(connection, kind, batch, channel=TELEMETRY_CHANNEL, run_id=None)


STEPS: list[Step] = [
    ("catalog", load_catalog),
    ("demo user", load_demo_user),
    ("telemetry", load_telemetry),
    ("baseline", load_baseline),
    ("backlog", load_backlog),
    ("roadmap", load_roadmap),
    ("capabilities", load_capabilities),
    ("shadowing", load_shadowing),
    ("interviews", load_interviews),
    ("surveys", load_surveys),
    ("ticket rules", load_ticket_rules),
    ("insights", load_insights),
    ("changelog", load_changelog),
    ("pitches", load_pitches),
    ("launches", load_launches),
    ("champions", load_champions),
    ("connections", load_connections),
]


CATALOG_ONLY = ("catalog", "demo user")


def load_demo(
    session: Session,
    *,
    seed: int = 7,
    on_step: Callable[[str], None] | None = None,
    only: Collection[str] | None = None,
) -> DemoCompany:
    """Build the company for `seed` and write its steps (all, or `only` those named).

    Re-running it changes nothing.
    """
    company = build_company(seed)
    for name, step in STEPS:
        if only is not None and name not in only:
            continue
        if on_step:
            on_step(name)
        step(session, company)
    return company
