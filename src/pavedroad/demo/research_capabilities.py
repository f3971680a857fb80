"""Demo research: the platform's capabilities with their launch dates and owners."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from pavedroad.catalog import capabilities
from pavedroad.catalog.schemas import CapabilityIn, CapabilityUpdate
from pavedroad.demo.company import HISTORY_START, DemoCompany
from pavedroad.demo.story import ROLLBACK_COMMAND, add_months

PLATFORM_TEAM = "platform"

# (name as usage events name it, what it offers, launched): the older ones predate the history,
# rollback is the one-command rollback of the war story.
CAPABILITIES: tuple[tuple[str, str, datetime], ...] = (
    (
        "deploy",
        "Deploy a service to staging and production with one pipeline",
        add_months(HISTORY_START, -30),
    ),
    ("logs", "Search the logs of every service in one place", add_months(HISTORY_START, -24)),
    (
        "metrics",
        "Dashboards and alerts on service metrics, ready on day one",
        add_months(HISTORY_START, -20),
    ),
    (
        "service-template",
        "Start a new service from a template with CI, deploy and monitoring wired",
        add_months(HISTORY_START, -14),
    ),
    ("secrets", "Store and rotate secrets without a ticket", add_months(HISTORY_START, -10)),
    ("docs", "The platform's documentation and runbooks", add_months(HISTORY_START, -26)),
    (
        "portal",
        "The developer portal: the catalog, the docs and every self-service action",
        add_months(HISTORY_START, -6),
    ),
    (
        "rollback",
        "Roll a service back in one command (`paved rollback`), instead of the 7-step runbook",
        ROLLBACK_COMMAND,
    ),
)


def load_capabilities(session: Session, company: DemoCompany) -> None:
    """The platform's capabilities with their launch dates and owners.

    The telemetry step writes usage straight to the store, so the capabilities it names are
    added here (or completed, when an import created them first)."""
    del company  # the capabilities are the same for every seed
    for name, description, launched in CAPABILITIES:
        stored = capabilities.find_capability(session=session, name=name)
        if stored is None:
            capabilities.add_capability(
                session=session,
                data=CapabilityIn(
                    name=name, description=description, launched_at=launched, owner=PLATFORM_TEAM
                ),
            )
            continue
        capabilities.update_capability(
            session=session,
            capability=stored,
            data=CapabilityUpdate(
                description=description, launched_at=launched, owner=PLATFORM_TEAM
            ),
        )
