"""The KPI baseline: the day the organisation measures its progress from.

One per store (in the demo: the day the platform PM arrived). The home page's north-star
trends and the KPI pages' "since the baseline" window read it through these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from pavedroad.inputs import StoredInput
from pavedroad.metrics.models import KpiBaseline

_ROW = 1


class BaselineIn(StoredInput):
    """A baseline to set: the day (1900 to 9000) and what happened then."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    day: Annotated[date, Field(ge=date(1900, 1, 1), le=date(9000, 12, 31))]
    label: Annotated[str, Field(max_length=200)] = ""


@dataclass(frozen=True)
class Baseline:
    """The baseline day and what it is called ("PM arrived")."""

    day: date
    label: str


def get_baseline(*, session: Session) -> Baseline | None:
    """The organisation's baseline, or None when none is set."""
    row = session.get(KpiBaseline, _ROW)
    return Baseline(row.day, row.label) if row is not None else None


def set_baseline(*, session: Session, data: BaselineIn, set_by: str = "") -> Baseline:
    """Set (or move) the baseline; its label says what happened that day."""
    row = session.get(KpiBaseline, _ROW)
    if row is None:
        row = KpiBaseline(id=_ROW, day=data.day, label=data.label, set_by=set_by)
        session.add(row)
    else:
        row.day, row.label, row.set_by = data.day, data.label, set_by
    session.flush()
    return Baseline(row.day, row.label)


def clear_baseline(*, session: Session) -> None:
    """Remove the baseline (trends then compare with the previous window only)."""
    row = session.get(KpiBaseline, _ROW)
    if row is not None:
        session.delete(row)
        session.flush()
