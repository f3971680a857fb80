"""Demo comms: changelog."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pavedroad.demo.company import DemoCompany


def load_changelog(session: Session, company: DemoCompany) -> None:
    """Write the demo's changelog."""
