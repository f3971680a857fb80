"""Demo research: week 1 of the story: three developers shadowed for two hours each."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pavedroad.demo.company import DemoCompany


def load_shadowing(session: Session, company: DemoCompany) -> None:
    """Week 1 of the story: three developers shadowed for two hours each."""
