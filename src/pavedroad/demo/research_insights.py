"""Demo research: the insights the research produced, linked to the backlog's problems."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pavedroad.demo.company import DemoCompany


def load_insights(session: Session, company: DemoCompany) -> None:
    """The insights the research produced, linked to the backlog's problems."""
