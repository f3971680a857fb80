"""Write the demo company into a store; each domain adds a step to `STEPS`."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad.auth.models import User
from pavedroad.auth.service import create_user
from pavedroad.catalog.service import CatalogBatch, apply_batch, seed_default_personas
from pavedroad.demo.company import DEMO_LOGIN, DemoCompany, build_company

Step = tuple[str, Callable[[Session, DemoCompany], None]]


def load_catalog(session: Session, company: DemoCompany) -> None:
    """Teams, systems, developers and services of the demo company."""
    seed_default_personas(session=session)
    batch = CatalogBatch(
        teams=company.teams,
        systems=company.systems,
        developers=company.developers,
        services=company.services,
    )
    apply_batch(session=session, batch=batch, source="demo")


def load_demo_user(session: Session, _company: DemoCompany) -> None:
    """The sign-in that `make demo` prints."""
    email, password = DEMO_LOGIN
    if session.scalar(select(User).where(User.email == email)) is None:
        create_user(
            session=session, email=email, name="Priya Platform-PM", password=password, role="admin"
        )


STEPS: list[Step] = [
    ("catalog", load_catalog),
    ("demo user", load_demo_user),
]


def load_demo(
    session: Session, *, seed: int = 7, on_step: Callable[[str], None] | None = None
) -> DemoCompany:
    """Build the company for `seed` and write every step; re-running it changes nothing."""
    company = build_company(seed)
    for name, step in STEPS:
        if on_step:
            on_step(name)
        step(session, company)
    return company
