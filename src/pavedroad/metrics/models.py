"""Tables of the metrics engine: the organisation's own KPI targets.

The engine itself never writes; targets are the one thing a person sets.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from pavedroad.db import Base, UTCDateTime, utcnow


class KpiTarget(Base):
    """A target that overrides a KPI's default for this organisation."""

    __tablename__ = "kpi_targets"

    kpi_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    set_by: Mapped[str] = mapped_column(String(320), default="")
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KpiBaseline(Base):
    """The day the organisation measures its progress from ("since the PM arrived"): one row.

    The home page's north-star trends and the KPI pages' "since the baseline" window read it.
    """

    __tablename__ = "kpi_baselines"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1: one baseline per store
    day: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(200), default="")
    set_by: Mapped[str] = mapped_column(String(320), default="")
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
