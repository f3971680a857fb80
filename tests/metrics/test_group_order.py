"""The KPI breakdown lists the worst team first by each KPI's own good direction, in the table
and in the heat map (issue 16: it listed the best first and drew the heat map alphabetically)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pavedroad.metrics import service
from pavedroad.metrics.windows import parse_window
from pavedroad.web import charts
from tests.metrics.conftest import add_events

WEEK = parse_window("2026-03-02..2026-03-09")


def _slow_alpha(org: Engine) -> None:
    """Alpha's api gets three 40-minute runs: its median CI time is far above beta's."""
    add_events(
        org,
        "ci-runs",
        [
            {
                "id": f"slow{i}",
                "service": "api",
                "started_at": f"2026-03-0{4 + i}T09:00:00Z",
                "finished_at": f"2026-03-0{4 + i}T09:40:00Z",
                "result": "success",
            }
            for i in range(3)
        ],
    )


def test_ci_time_by_team_puts_the_slowest_team_first_in_table_and_heat_map(org: Engine) -> None:
    _slow_alpha(org)
    with Session(org) as session:
        detail = service.kpi_detail(
            session=session, kpi_id="ci_duration_p50", window=WEEK, by="team", weeks=2
        )
    order = [g.group for g in detail.groups]
    assert order == ["alpha", "beta"]
    assert detail.groups[0].value is not None and detail.groups[1].value is not None
    assert detail.groups[0].value > detail.groups[1].value
    heatmap = charts.group_heatmap(detail.headline.definition, detail.group_series, "team")
    assert heatmap["encoding"]["y"]["sort"] == ["alpha", "beta"]


@pytest.mark.parametrize(
    ("direction", "values", "expected"),
    [("down", [3.0, 9.0, 5.0], [9.0, 5.0, 3.0]), ("up", [0.3, 0.9, 0.5], [0.3, 0.5, 0.9])],
)
def test_badness_orders_by_direction(direction: str, values: list[float], expected: list[float]):
    from pavedroad.metrics.definitions import get_definition

    kpi = "ci_duration_p50" if direction == "down" else "adoption_rate"
    definition = get_definition(kpi)
    assert definition is not None and definition.direction == direction
    ordered = sorted(values, key=lambda v: -service._badness(definition, v, None))
    assert ordered == expected


def test_a_near_kpi_puts_the_team_farthest_from_its_target_first():
    from pavedroad.metrics.definitions import get_definition

    definition = get_definition("capacity_roadmap_share")
    assert definition is not None and definition.direction == "near"
    ordered = sorted([0.7, 0.2, 0.75, 0.95], key=lambda v: -service._badness(definition, v, 0.7))
    assert ordered == [0.2, 0.95, 0.75, 0.7]


def test_the_weekly_chart_follows_a_long_window_and_keeps_half_a_year_for_a_short_one(
    org: Engine,
) -> None:
    year = parse_window("2025-07-01..2026-07-01")
    with Session(org) as session:
        long = service.kpi_detail(session=session, kpi_id="ci_duration_p50", window=year)
        short = service.kpi_detail(session=session, kpi_id="ci_duration_p50", window=WEEK)
    weeks = [w.start.date() for w, _, _ in long.overall.points]
    assert len(weeks) == 53 and weeks[0] <= year.start.date() + timedelta(days=7)
    assert weeks[-1] < year.end.date()
    assert len(short.overall.points) == 26
    assert short.overall.points[-1][0].end.date() <= WEEK.end.date()
