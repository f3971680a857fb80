"""The demo's KPI baseline: the day the platform PM arrived, so the home tells the story."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pavedroad.demo.company import PM_HIRED, DemoCompany
from pavedroad.metrics.baseline import BaselineIn, set_baseline

BASELINE_LABEL = "PM arrived"


def load_baseline(session: Session, _company: DemoCompany) -> None:
    """Set the baseline to the PM's first day (re-running it changes nothing)."""
    data = BaselineIn(day=PM_HIRED.date(), label=BASELINE_LABEL)
    set_baseline(session=session, data=data, set_by="demo")
