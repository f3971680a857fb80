"""Demo comms: launches."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pavedroad.demo.company import DemoCompany


def load_launches(session: Session, company: DemoCompany) -> None:
    """Write the demo's launches."""
