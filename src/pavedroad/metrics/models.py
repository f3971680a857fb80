"""Tables of the metrics engine: the organisation's own KPI targets.

The engine itself never writes; targets are the one thing a person sets.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from pavedroad.db import Base, UTCDateTime, utcnow


class KpiTarget(Base):
    """A target that overrides a KPI's default for this organisation."""

    __tablename__ = "kpi_targets"

    kpi_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    set_by: Mapped[str] = mapped_column(String(320), default="")
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
