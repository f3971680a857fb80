"""The KPI baseline: one per store, set, moved and cleared; bad days and labels refused."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from pavedroad.metrics.baseline import (
    Baseline,
    BaselineIn,
    clear_baseline,
    get_baseline,
    set_baseline,
)


def test_a_baseline_is_set_moved_and_cleared(session):
    assert get_baseline(session=session) is None
    set_baseline(session=session, data=BaselineIn(day=date(2026, 6, 1), label="PM arrived"))
    moved = set_baseline(session=session, data=BaselineIn(day=date(2026, 7, 1), label=" later "))
    assert moved == Baseline(date(2026, 7, 1), "later")
    assert get_baseline(session=session) == moved
    clear_baseline(session=session)
    assert get_baseline(session=session) is None
    clear_baseline(session=session)  # clearing twice is fine


@pytest.mark.parametrize(
    "data",
    [
        {"day": "1899-12-31"},
        {"day": "9001-01-01"},
        {"day": "2026-02-30"},
        {"day": "2026-06-01", "label": "x" * 201},
        {"day": "2026-06-01", "label": "PM\x00arrived"},
        {"day": "2026-06-01", "extra": 1},
    ],
)
def test_bad_baselines_are_refused(data):
    with pytest.raises(ValidationError):
        BaselineIn.model_validate(data)
