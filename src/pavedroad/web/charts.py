"""Charts: Vega-Lite specs built with Altair, rendered in pages by the vega-embed bundle that
vl-convert produces (served by the app itself: no CDN); sparklines as inline SVG."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
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


def _axis_title(definition: KpiDefinition, currency: str = "") -> str:
    return definition.axis_title(currency)


def _scaled(definition: KpiDefinition, value: float | None) -> float | None:
    """A value in the KPI's one display unit (the headline and the target use the same)."""
    return definition.display(value)


@dataclass(frozen=True)
class Marker:
    """A dated event drawn on a KPI chart: an initiative shipped, a launch, a due date."""

    day: date
    label: str
    kind: str = "shipped"  # shipped | launch | started | due


@dataclass(frozen=True)
class TargetLine:
    """A target drawn on a KPI chart with its label (the KPI's own, a map goal's, a criterion)."""

    value: float
    label: str
    kind: str = "target"  # target | goal | threshold


_MARKER_COLOURS = {
    "shipped": "#16a34a",
    "launch": "#9333ea",
    "started": "#0369a1",
    "due": "#b45309",
}
_TARGET_COLOURS = {"target": "#dc2626", "goal": "#0f766e", "threshold": "#b45309"}


def weekly_chart(
    definition: KpiDefinition,
    series: Series,
    target: float | None,
    *,
    markers: Sequence[Marker] = (),
    goals: Sequence[TargetLine] = (),
    currency: str = "",
    target_label: str | None = None,
) -> dict[str, Any]:
    """The KPI week by week in its display unit, with its target as a labelled band (the side
    that meets it, shaded), other targets (map goals, criteria) as labelled rules, and dated
    markers (initiatives shipped, launches) inside the chart's span."""
    rows: list[dict[str, Any]] = [
        {
            "week": window.start.date().isoformat(),
            "label": window.label,
            "value": _scaled(definition, value),
            "n": sample,
        }
        for window, value, sample in series.points
    ]
    title = _axis_title(definition, currency)
    line = (
        alt.Chart(alt.Data(values=rows))  # type: ignore[no-untyped-call]
        .mark_line(point=True, color="#2563eb")
        .encode(
            x=alt.X("week:T", title=None, axis=alt.Axis(format="%d %b")),
            y=alt.Y("value:Q", title=title, scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("label:N", title="week"),
                alt.Tooltip("value:Q", title=definition.name, format=".2f"),
                alt.Tooltip("n:Q", title="sample"),
            ],
        )
    )
    layers: list[Any] = []
    known: list[float] = [float(r["value"]) for r in rows if r["value"] is not None]
    lines = list(goals)
    if target is not None:
        lines.insert(
            0,
            TargetLine(
                target, target_label or f"target {definition.target_text(target)}", "target"
            ),
        )
    for index, shown in enumerate(lines):
        level = _scaled(definition, shown.value) or 0.0
        colour = _TARGET_COLOURS.get(shown.kind, "#dc2626")
        if shown.kind == "target":
            band = _target_band(definition, level, known)
            if band is not None:
                layers.append(
                    alt.Chart(alt.Data(values=[{"low": band[0], "high": band[1]}]))  # type: ignore[no-untyped-call]
                    .mark_rect(color=colour, opacity=0.08)
                    .encode(y="low:Q", y2="high:Q")
                )
        spot = [{"level": level, "text": shown.label}]
        layers.append(
            alt.Chart(alt.Data(values=spot))  # type: ignore[no-untyped-call]
            .mark_rule(color=colour, strokeDash=[6, 4])
            .encode(y="level:Q", tooltip=[alt.Tooltip("text:N", title="line")])
        )
        layers.append(
            alt.Chart(alt.Data(values=spot))  # type: ignore[no-untyped-call]
            .mark_text(align="left", baseline="bottom", dx=4, dy=-2 - 12 * index, color=colour)
            .encode(y="level:Q", x=alt.value(0), text="text:N")
        )
    first: str | None = str(rows[0]["week"]) if rows else None
    last_day = (series.points[-1][0].end.date()).isoformat() if series.points else None
    inside = [
        {"day": m.day.isoformat(), "text": m.label, "kind": m.kind}
        for m in markers
        if first is not None and last_day is not None and first <= m.day.isoformat() < last_day
    ]
    if inside:
        kinds = [k for k in _MARKER_COLOURS if any(m["kind"] == k for m in inside)]
        colours = alt.Scale(domain=kinds, range=[_MARKER_COLOURS[k] for k in kinds])
        layers.append(
            alt.Chart(alt.Data(values=inside))  # type: ignore[no-untyped-call]
            .mark_rule(strokeDash=[2, 3], strokeWidth=1.5)
            .encode(
                x="day:T",
                color=alt.Color(
                    "kind:N", scale=colours, legend=alt.Legend(orient="bottom", title=None)
                ),
                tooltip=[
                    alt.Tooltip("day:T", format="%d %b %Y"),
                    alt.Tooltip("text:N", title="what"),
                ],
            )
        )
        layers.append(
            alt.Chart(alt.Data(values=inside))  # type: ignore[no-untyped-call]
            .mark_text(angle=270, align="right", baseline="bottom", dx=-4, dy=-3, fontSize=10)
            .encode(
                x="day:T",
                y=alt.value(0),
                text="text:N",
                color=alt.Color("kind:N", scale=colours, legend=None),
            )
        )
    chart: Any = alt.layer(line, *layers) if layers else line
    return dict(chart.properties(width="container", height=280).to_dict())


def _target_band(
    definition: KpiDefinition, level: float, known: Sequence[float]
) -> tuple[float, float] | None:
    """The values that meet a target, clipped to what the chart shows."""
    if definition.direction == "near":
        tolerance = 5.0 if definition.unit == "fraction" else abs(level) * 0.05
        return level - tolerance, level + tolerance
    if not known:
        return None
    if definition.direction == "down":
        return min(min(known), level), level
    return level, max(max(known), level)


def wave_chart(
    definition: KpiDefinition,
    waves: Sequence[tuple[str, str, float | None, int]],
    target: float | None,
) -> dict[str, Any]:
    """A survey KPI per wave (`waves`: wave, last answer day, value or None when hidden, n) as
    bars labelled with n; a hidden wave shows an empty bar slot and "hidden (n < 5)"."""
    rows = [
        {
            "wave": wave,
            "day": day,
            "value": _scaled(definition, value),
            "n": n,
            "note": f"n = {n}" if value is not None else "hidden (fewer than 5 answers)",
        }
        for wave, day, value, n in waves
    ]
    x = alt.X("wave:N", title=None, sort=None, axis=alt.Axis(labelAngle=0, labelLimit=120))
    bars = (
        alt.Chart(alt.Data(values=rows))  # type: ignore[no-untyped-call]
        .mark_bar(color="#2563eb")
        .encode(
            x=x,
            y=alt.Y("value:Q", title=_axis_title(definition)),
            tooltip=[
                alt.Tooltip("wave:N"),
                alt.Tooltip("day:T", title="last answer", format="%d %b %Y"),
                alt.Tooltip("value:Q", title=definition.name, format=".1f"),
                alt.Tooltip("note:N", title="answers"),
            ],
        )
    )
    labels = (
        alt.Chart(alt.Data(values=rows))  # type: ignore[no-untyped-call]
        .mark_text(baseline="bottom", dy=-3, fontSize=11)
        .encode(x=x, y=alt.Y("value:Q"), text="note:N")
    )
    layers: list[Any] = [bars, labels]
    if target is not None:
        spot = [
            {
                "level": _scaled(definition, target),
                "text": f"target {definition.target_text(target)}",
            }
        ]
        layers.append(
            alt.Chart(alt.Data(values=spot))  # type: ignore[no-untyped-call]
            .mark_rule(color="#dc2626", strokeDash=[6, 4])
            .encode(y="level:Q")
        )
        layers.append(
            alt.Chart(alt.Data(values=spot))  # type: ignore[no-untyped-call]
            .mark_text(align="left", baseline="bottom", dx=4, dy=-2, color="#dc2626")
            .encode(y="level:Q", x=alt.value(0), text="text:N")
        )
    return dict(alt.layer(*layers).properties(width="container", height=240).to_dict())


def _with_rows(chart: Any, name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The chart's spec with `rows` as its named dataset `name`. Altair walks (and checks)
    every inline row on `to_dict`, a third of a second for a heat map of sixty teams; the
    spec is the same with the rows put in after."""
    spec = dict(chart.to_dict())
    spec.setdefault("datasets", {})[name] = rows
    return spec


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
        alt.Chart(alt.Data(name="cells"))  # type: ignore[no-untyped-call]
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
    return _with_rows(chart, "cells", rows)


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


def wave_bars_svg(
    waves: Sequence[tuple[str, float | None, int]],
    *,
    shown: Callable[[float], str] = lambda v: f"{v:g}",
    width: int = 160,
    height: int = 44,
) -> str:
    """A survey KPI's tile chart: one bar per wave (`waves`: wave, value or None when hidden,
    answers), each labelled with its n; a hidden wave is an empty slot marked "<5"."""
    if not waves:
        return ""
    known = [v for _, v, _ in waves if v is not None]
    low, high = min([0.0, *known]), max([0.0, *known])
    span = (high - low) or 1.0
    top, bars_height = 2, height - 14  # a line of n labels under the bars
    slot = width / len(waves)
    bar = max(4.0, min(28.0, slot * 0.6))

    def y(value: float) -> float:
        return top + (high - value) / span * bars_height

    parts: list[str] = []
    for index, (wave, value, answers) in enumerate(waves):
        x = index * slot + (slot - bar) / 2
        middle = index * slot + slot / 2
        if value is None:
            title = f"{wave}: hidden, fewer than 5 answers"
            parts.append(
                f'<rect class="hidden-wave" x="{x:.1f}" y="{top}" width="{bar:.1f}" '
                f'height="{bars_height}"><title>{escape(title)}</title></rect>'
            )
            label = "&lt;5"
        else:
            upper, lower = y(max(value, 0.0)), y(min(value, 0.0))
            title = f"{wave}: {shown(value)} (n = {answers})"
            parts.append(
                f'<rect x="{x:.1f}" y="{upper:.1f}" width="{bar:.1f}" '
                f'height="{max(1.0, lower - upper):.1f}"><title>{escape(title)}</title></rect>'
            )
            label = f"n={answers}"
        parts.append(f'<text x="{middle:.1f}" y="{height - 2}" text-anchor="middle">{label}</text>')
    return (
        f'<svg class="spark waves" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="per survey wave, with how many answered">'
        f"{''.join(parts)}</svg>"
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


CATEGORY_COLOURS = {"roadmap": "#2563eb", "platform": "#0f766e", "unplanned": "#d97706"}


def capacity_chart(
    quarters: Sequence[tuple[str, float | None, Mapping[str, float]]],
) -> dict[str, Any]:
    """One bar per quarter (`quarters`: label, planned person-months or None, delivered
    person-months by category): delivered work stacked by category (fill) inside the plan
    (outline)."""
    delivered = [
        {"quarter": quarter, "category": category, "person_months": round(value, 2)}
        for quarter, _, by_category in quarters
        for category, value in by_category.items()
    ]
    planned = [
        {"quarter": quarter, "plan": round(plan, 2)}
        for quarter, plan, _ in quarters
        if plan is not None
    ]
    x = alt.X("quarter:O", title=None, axis=alt.Axis(labelAngle=0))
    fill = (
        alt.Chart(alt.Data(values=delivered))  # type: ignore[no-untyped-call]
        .mark_bar(size=28)
        .encode(
            x=x,
            y=alt.Y("sum(person_months):Q", title="person-months", stack="zero"),
            color=alt.Color(
                "category:N",
                title="delivered",
                scale=alt.Scale(
                    domain=list(CATEGORY_COLOURS), range=list(CATEGORY_COLOURS.values())
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("category:N"),
            tooltip=[
                alt.Tooltip("quarter:O"),
                alt.Tooltip("category:N"),
                alt.Tooltip("person_months:Q", title="delivered, person-months", format=".1f"),
            ],
        )
    )
    outline = (
        alt.Chart(alt.Data(values=planned))  # type: ignore[no-untyped-call]
        .mark_bar(size=40, fillOpacity=0, stroke="#1d2433", strokeWidth=1.5, strokeDash=[4, 2])
        .encode(
            x=x,
            y=alt.Y("plan:Q"),
            tooltip=[
                alt.Tooltip("quarter:O"),
                alt.Tooltip("plan:Q", title="plan, person-months", format=".1f"),
            ],
        )
    )
    chart = alt.layer(outline, fill).properties(width="container", height=220)
    return dict(chart.to_dict())


def priority_slope_chart(rows: Sequence[tuple[str, int, int]]) -> dict[str, Any]:
    """Team order against RICE order as a slope chart (`rows`: title, position in the team's
    order, position by RICE; 1 is first): steep lines are the disagreements."""
    values = [
        {"title": title, "order": order, "position": position}
        for title, team, rice in rows
        for order, position in (("team order", team), ("by RICE", rice))
    ]
    gaps = {title: abs(team - rice) for title, team, rice in rows}
    for value in values:
        value["gap"] = gaps[str(value["title"])]
    base = alt.Chart(alt.Data(values=values)).encode(  # type: ignore[no-untyped-call]
        x=alt.X(
            "order:N",
            title=None,
            sort=["team order", "by RICE"],
            axis=alt.Axis(labelAngle=0, orient="top"),
        ),
        y=alt.Y("position:Q", title="position (1 = first)", scale=alt.Scale(reverse=True)),
        detail="title:N",
        tooltip=[
            alt.Tooltip("title:N", title="initiative"),
            alt.Tooltip("order:N"),
            alt.Tooltip("position:Q"),
            alt.Tooltip("gap:Q", title="places apart"),
        ],
    )
    lines = base.mark_line(point=True).encode(
        color=alt.Color(
            "gap:Q",
            title="places apart",
            scale=alt.Scale(scheme="orangered"),
            legend=alt.Legend(orient="bottom"),
        ),
    )
    chart = lines.properties(width="container", height=max(160, 22 * len(rows)))
    return dict(chart.to_dict())
