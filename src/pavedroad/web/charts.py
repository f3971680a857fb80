"""Charts: Vega-Lite specs built with Altair, rendered in pages by the vega-embed bundle that
vl-convert produces (served by the app itself: no CDN); sparklines as inline SVG."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import altair as alt

from pavedroad.metrics.definitions import KpiDefinition
from pavedroad.metrics.service import Series


@functools.cache
def vega_embed_bundle() -> str:
    """The self-contained vega-embed + Vega-Lite + Vega script (built once per process)."""
    import vl_convert

    bundle: str = vl_convert.javascript_bundle()  # type: ignore[call-arg]
    return bundle


def _axis_title(definition: KpiDefinition) -> str:
    return {"fraction": "%", "score": "NPS"}.get(definition.unit, definition.unit)


def _scaled(definition: KpiDefinition, value: float | None) -> float | None:
    if value is None:
        return None
    return value * 100 if definition.unit == "fraction" else value


def weekly_chart(definition: KpiDefinition, series: Series, target: float | None) -> dict[str, Any]:
    """The KPI week by week, with its target as a rule."""
    rows = [
        {
            "week": window.start.date().isoformat(),
            "label": window.label,
            "value": _scaled(definition, value),
            "n": sample,
        }
        for window, value, sample in series.points
    ]
    line = (
        alt.Chart(alt.Data(values=rows))  # type: ignore[no-untyped-call]
        .mark_line(point=True, color="#2563eb")
        .encode(
            x=alt.X("week:T", title=None, axis=alt.Axis(format="%d %b")),
            y=alt.Y("value:Q", title=_axis_title(definition), scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("label:N", title="week"),
                alt.Tooltip("value:Q", title=definition.name, format=".2f"),
                alt.Tooltip("n:Q", title="sample"),
            ],
        )
    )
    chart: alt.TopLevelMixin = line
    if target is not None:
        rule = (
            alt.Chart(alt.Data(values=[{"target": _scaled(definition, target)}]))  # type: ignore[no-untyped-call]
            .mark_rule(color="#dc2626", strokeDash=[6, 4])
            .encode(y="target:Q")
        )
        chart = alt.layer(line, rule)
    return dict(chart.properties(width="container", height=260).to_dict())


def group_heatmap(definition: KpiDefinition, groups: dict[str, Series], by: str) -> dict[str, Any]:
    """Every team (or service) by week, coloured by value: worse is darker."""
    rows = [
        {by: name, "week": window.start.date().isoformat(), "value": _scaled(definition, value)}
        for name, series in groups.items()
        for window, value, _ in series.points
        if value is not None
    ]
    scheme = "reds" if definition.direction == "down" else "blues"
    chart = (
        alt.Chart(alt.Data(values=rows))  # type: ignore[no-untyped-call]
        .mark_rect()
        .encode(
            x=alt.X("week:O", title=None, timeUnit="yearmonthdate", axis=alt.Axis(format="%d %b")),
            y=alt.Y(f"{by}:N", title=None, sort=list(groups)),
            color=alt.Color(
                "value:Q",
                title=_axis_title(definition),
                scale=alt.Scale(scheme=scheme, reverse=definition.direction != "down"),  # type: ignore[arg-type]
            ),
            tooltip=[
                f"{by}:N",
                alt.Tooltip("week:T", format="%d %b %Y"),
                alt.Tooltip("value:Q", format=".2f"),
            ],
        )
        .properties(width="container", height=max(120, 14 * len(groups)))
    )
    return dict(chart.to_dict())


def sparkline_svg(values: Sequence[float | None], *, width: int = 160, height: int = 32) -> str:
    """A small inline SVG line of the values (gaps where a week had no data)."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = width / max(1, len(values) - 1)
    paths: list[str] = []
    current: list[str] = []
    for index, value in enumerate(values):
        if value is None:
            if len(current) > 1:
                paths.append(" ".join(current))
            current = []
            continue
        x = index * step
        y = height - 3 - (value - low) / span * (height - 6)
        current.append(f"{'M' if not current else 'L'}{x:.1f},{y:.1f}")
    if len(current) > 1:
        paths.append(" ".join(current))
    drawn = "".join(f'<path d="{p}"/>' for p in paths)
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="26-week trend">{drawn}</svg>'
    )


def weekly_uses_chart(points: Sequence[tuple[Any, int]], *, title: str = "uses") -> dict[str, Any]:
    """Uses of a capability week by week (`points`: each week's Monday and its count), as bars."""
    rows = [{"week": str(week), "uses": uses} for week, uses in points]
    chart = (
        alt.Chart(alt.Data(values=rows))  # type: ignore[no-untyped-call]
        .mark_bar(color="#2563eb")
        .encode(
            x=alt.X(
                "yearmonthdate(week):O",
                title=None,
                axis=alt.Axis(format="%d %b", labelAngle=0, labelOverlap=True),
            ),
            y=alt.Y("uses:Q", title=title),
            tooltip=[alt.Tooltip("week:T", format="%d %b %Y"), alt.Tooltip("uses:Q")],
        )
        .properties(width="container", height=140)
    )
    return dict(chart.to_dict())


def monthly_categories_chart(rows: Sequence[tuple[str, str, int]]) -> dict[str, Any]:
    """Tickets per month by category (`rows`: month `2026-07`, category, count), as lines."""
    values = [{"month": month, "category": category, "tickets": n} for month, category, n in rows]
    chart = (
        alt.Chart(alt.Data(values=values))  # type: ignore[no-untyped-call]
        .mark_line(point=True)
        .encode(
            x=alt.X("month:O", title=None),
            y=alt.Y("tickets:Q", title="tickets"),
            color=alt.Color(
                "category:N", title=None, legend=alt.Legend(orient="bottom", columns=4)
            ),
            tooltip=[alt.Tooltip("month:O"), alt.Tooltip("category:N"), alt.Tooltip("tickets:Q")],
        )
        .properties(width="container", height=220)
    )
    return dict(chart.to_dict())


def trend_chart(
    definition: KpiDefinition, points: Sequence[tuple[Any, str, float | None]]
) -> dict[str, Any]:
    """A KPI week by week without sample sizes (`points`: week start, ISO week, value), for
    pages anyone may read (the public dashboard)."""
    rows = [
        {"week": str(start), "label": label, "value": _scaled(definition, value)}
        for start, label, value in points
    ]
    chart = (
        alt.Chart(alt.Data(values=rows))  # type: ignore[no-untyped-call]
        .mark_line(point=True, color="#2563eb")
        .encode(
            x=alt.X("week:T", title=None, axis=alt.Axis(format="%d %b")),
            y=alt.Y("value:Q", title=_axis_title(definition), scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("label:N", title="week"),
                alt.Tooltip("value:Q", title=definition.name, format=".2f"),
            ],
        )
        .properties(width="container", height=160)
    )
    return dict(chart.to_dict())


def hours_by_term_chart(rows: Sequence[tuple[str, float]]) -> dict[str, Any]:
    """Hours given back per ROI term (`rows`: term id, hours), as horizontal bars."""
    values = [{"term": term, "hours": round(hours, 1)} for term, hours in rows]
    chart = (
        alt.Chart(alt.Data(values=values))  # type: ignore[no-untyped-call]
        .mark_bar(color="#2563eb")
        .encode(
            y=alt.Y("term:N", title=None, sort=None),
            x=alt.X("hours:Q", title="hours given back"),
            tooltip=[alt.Tooltip("term:N"), alt.Tooltip("hours:Q", format=",.1f")],
        )
        .properties(width="container", height=36 * max(1, len(values)))
    )
    return dict(chart.to_dict())
