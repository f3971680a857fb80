"""Tables of the roadmap: the capacity plan per quarter (lanes live on the initiatives)."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from pavedroad.db import Base


class CapacityPlan(Base):
    """A quarter's capacity in person-months and its budget split (defaults 70 / 20 / 10)."""

    __tablename__ = "capacity_plans"

    quarter: Mapped[str] = mapped_column(String(10), primary_key=True)  # "2026-Q3"
    person_months: Mapped[float] = mapped_column(Float)
    roadmap_share: Mapped[float] = mapped_column(Float, default=0.7)
    platform_share: Mapped[float] = mapped_column(Float, default=0.2)
    unplanned_share: Mapped[float] = mapped_column(Float, default=0.1)
