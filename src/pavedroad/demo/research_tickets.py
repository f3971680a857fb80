"""Demo research: six months of tickets analysed: the categorisation rules and their labels."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pavedroad.demo.company import DemoCompany


def load_ticket_rules(session: Session, company: DemoCompany) -> None:
    """Six months of tickets analysed: the categorisation rules and their labels."""
