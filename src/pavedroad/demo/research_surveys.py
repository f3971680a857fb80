"""Demo research: the quarterly developer survey as a hosted survey with its waves."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pavedroad.demo.company import DemoCompany


def load_surveys(session: Session, company: DemoCompany) -> None:
    """The quarterly developer survey as a hosted survey with its waves."""
