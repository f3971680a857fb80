"""Demo research: the platform's capabilities with their launch dates and owners."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pavedroad.demo.company import DemoCompany


def load_capabilities(session: Session, company: DemoCompany) -> None:
    """The platform's capabilities with their launch dates and owners."""
