"""Demo research: week 1 of the story: fifteen developers interviewed across eight teams."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pavedroad.demo.company import DemoCompany


def load_interviews(session: Session, company: DemoCompany) -> None:
    """Week 1 of the story: fifteen developers interviewed across eight teams."""
