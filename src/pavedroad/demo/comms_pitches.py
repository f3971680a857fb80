"""Demo comms: pitches."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pavedroad.demo.company import DemoCompany


def load_pitches(session: Session, company: DemoCompany) -> None:
    """Write the demo's pitches."""
