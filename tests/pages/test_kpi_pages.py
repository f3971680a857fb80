"""Issue 16, KPI pages that never mislead: one unit per KPI, deltas with unit and basis,
window presets and comparisons, annotations and target bands, survey waves, cost to serve,
the currency, a map goal's own target, and the page in Chromium at desktop and phone widths."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pavedroad.backlog import impact_map
from pavedroad.db import unit_of_work
from pavedroad.errors import PavedroadError
from pavedroad.metrics import service
from pavedroad.metrics.definitions import BY_ID
from pavedroad.metrics.windows import (
    compare_basis,
    compare_window,
    parse_window,
    window_presets,
)
from pavedroad.web import charts
from tests.metrics.conftest import org  # noqa: F401  (the hand-computed organisation)
from tests.web.conftest import BROWSER_MARKS, PASSWORD, sign_in

WEEK = "2026-03-02..2026-03-09"
LEAD = BY_ID["lead_time_p50"]


# --- one unit per KPI ---------------------------------------------------------------------


def test_lead_time_headline_target_and_chart_axis_share_one_unit() -> None:
    # 1,398 min was "23.3 hours" on the tile, 1398 on a "minutes" axis, "≤ 30.0 min" as target
    assert LEAD.show(1398) == "23.3 h"
    assert LEAD.target_text(30) == "≤ 0.5 h"
    series = service.Series("all", [(parse_window("2026-W10"), 1398.0, 12)])
    spec = charts.weekly_chart(LEAD, series, 30.0)
    line = spec["layer"][0]
    assert line["encoding"]["y"]["title"] == "hours"
    text = json.dumps(spec)
    assert '"value": 23.3' in text and "1398" not in text


def test_every_delta_says_its_unit_and_its_basis() -> None:
    window = parse_window("last-30d", today=date(2026, 12, 4))
    basis = compare_basis(window, "previous")
    assert LEAD.delta_text(-294.0, basis) == "down 4.9 h vs the previous 30 days"
    assert BY_ID["adoption_rate"].delta_text(0.05, basis) == "up 5.0 pts vs the previous 30 days"
    assert BY_ID["nps"].delta_text(-3, "x") == "down 3 points vs x"
    assert BY_ID["ci_duration_p50"].delta_text(0.0, basis).startswith("no change")


# --- presets and comparisons ---------------------------------------------------------------


def test_presets_parse_to_the_windows_they_name() -> None:
    today = date(2026, 12, 4)
    qtd = parse_window("qtd", today=today)
    assert (qtd.start.date(), qtd.end.date()) == (date(2026, 10, 1), date(2026, 12, 5))
    ytd = parse_window("ytd", today=today)
    assert (ytd.start.date(), ytd.end.date()) == (date(2026, 1, 1), date(2026, 12, 5))
    since = parse_window("since:2026-06-01", today=today)
    assert (since.start.date(), since.end.date()) == (date(2026, 6, 1), date(2026, 12, 5))
    ninety = parse_window("last-90d", today=today)
    assert ninety.days == 90
    with pytest.raises(PavedroadError, match="after today"):
        parse_window("since:2027-01-01", today=today)
    with pytest.raises(PavedroadError, match="ISO date"):
        parse_window("since:june", today=today)
    assert parse_window("2026-Q1").label == "2026-Q1"  # the old forms still work


def test_since_the_baseline_is_offered_only_when_a_baseline_is_set() -> None:
    today = date(2026, 12, 4)
    assert [text for _, text in window_presets(None, today=today)] == [
        "last-30d",
        "last-90d",
        "qtd",
        "ytd",
    ]
    assert window_presets(date(2026, 6, 1), today=today)[-1][1] == "since:2026-06-01"


def test_compare_with_a_year_earlier_or_the_baseline() -> None:
    window = parse_window("2026-03")
    year = compare_window(window, "year")
    assert (year.start.date(), year.end.date()) == (date(2025, 3, 1), date(2025, 4, 1))
    base = compare_window(window, "baseline", baseline=date(2025, 6, 1))
    assert (base.start.date(), base.end.date()) == (date(2025, 6, 1), date(2025, 7, 1))
    assert compare_window(window, "previous") == window.previous()
    assert compare_window(window, "baseline") == window.previous()  # no baseline set
    leap = compare_window(parse_window("2028-02-29..2028-03-01"), "year")
    assert leap.start.date() == date(2027, 2, 28)


@given(st.text(max_size=60))
def test_any_window_text_is_a_window_or_a_plain_error(text: str) -> None:
    with contextlib.suppress(PavedroadError):
        parse_window(text, today=date(2026, 12, 4))


# --- the chart -----------------------------------------------------------------------------


def _series() -> service.Series:
    weeks = [parse_window(f"2026-W{w:02d}") for w in range(10, 20)]
    return service.Series("all", [(w, 1200.0 - 30 * i, 10) for i, w in enumerate(weeks)])


def test_chart_marks_initiatives_shipped_and_launches_in_its_span_only() -> None:
    markers = [
        charts.Marker(date(2026, 3, 20), "shipped: Faster CI", "shipped"),
        charts.Marker(date(2026, 4, 2), "launch: Golden path", "launch"),
        charts.Marker(date(2025, 1, 1), "shipped: long ago", "shipped"),
    ]
    text = json.dumps(charts.weekly_chart(LEAD, _series(), 30.0, markers=markers))
    assert "shipped: Faster CI" in text and "launch: Golden path" in text
    assert "long ago" not in text


def test_target_is_a_labelled_band_and_a_goal_target_is_labelled_as_the_goal() -> None:
    goal = charts.TargetLine(1350.0, "map goal “Halve lead time”: ≤ 22.5 h", "goal")
    spec = charts.weekly_chart(LEAD, _series(), 30.0, goals=[goal])
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert "rect" in marks  # the band of values that meet the target
    text = json.dumps(spec, ensure_ascii=False)
    assert "target ≤ 0.5 h" in text and "map goal “Halve lead time”: ≤ 22.5 h" in text
    # the report and public dashboard callers keep the old signatures
    assert charts.weekly_chart(LEAD, _series(), None)["mark"]["type"] == "line"
    assert charts.trend_chart(LEAD, [("2026-03-02", "2026-W10", 60.0)])


def test_survey_waves_are_bars_with_n_and_a_small_wave_shows_no_number() -> None:
    rows = [("2026-Q1", date(2026, 3, 1), 10, 5)] * 6 + [("2026-Q2", date(2026, 6, 1), 0, 1)] * 4
    waves = service.wave_values(rows, kpi_id="nps")
    assert [(w.wave, w.value, w.answers, w.hidden) for w in waves] == [
        ("2026-Q1", 100.0, 6, False),
        ("2026-Q2", None, 4, True),
    ]
    spec = charts.wave_chart(
        BY_ID["nps"], [(w.wave, w.last_day.isoformat(), w.value, w.answers) for w in waves], 40
    )
    text = json.dumps(spec)
    assert '"bar"' in text and "n = 6" in text and "hidden (fewer than 5 answers)" in text
    assert '"value": -100' not in text


# --- the pages -----------------------------------------------------------------------------


def _signed_in(client, users):  # type: ignore[no-untyped-def]
    sign_in(client, users["read"])
    return client


def test_cost_to_serve_headline_is_not_no_data_when_its_chart_has_points(org, users, client):  # noqa: F811
    # the week after the 2026-03-05 facts holds no facts date: the old sum-in-window said no data
    with unit_of_work(org) as session:
        result = service.dashboard(
            session=session,
            window=parse_window("2026-03-10..2026-03-17"),
            weeks=2,
            kpi_ids=["cost_to_serve_per_customer"],
        ).results[0]
    assert result.value == pytest.approx(4000 / 1500)
    page = _signed_in(client, users).get(
        "/kpis/cost_to_serve_per_customer", params={"window": "2026-03-10..2026-03-17"}
    )
    assert page.status_code == 200
    head = page.text.split('class="tile-value">')[1].split("<")[0]
    assert head == "2.67 USD"
    assert "currency" not in page.text.split("How it is computed")[0]


def test_kpi_page_shows_units_delta_basis_presets_and_the_goal_target(org, users, client):  # noqa: F811
    with unit_of_work(org) as session:
        impact_map.add_goal(
            session=session,
            data=impact_map.GoalIn(
                title="Halve <b>lead</b> time",
                kpi_id="lead_time_p50",
                target=1350,
                due="2027-03-31",
            ),
        )
    page = _signed_in(client, users).get("/kpis/lead_time_p50", params={"window": WEEK})
    assert page.status_code == 200
    html = page.text
    assert "lead_time_p50" not in re.sub(r'href="[^"]*"|id="[^"]*"|action="[^"]*"', "", html)
    assert "KPI target ≤ 0.5 h" in html
    assert "map goal" in html and "≤ 22.5 h" in html and "the goal's own target" in html
    assert "Halve &lt;b&gt;lead&lt;/b&gt; time" in html and "<b>lead</b>" not in html
    for label in ("30 days", "90 days", "quarter to date", "year to date"):
        assert f">{label}</a>" in html
    assert "since the baseline" not in html  # no baseline in this store
    assert 'name="compare"' in html


def test_chart_spec_keeps_a_hostile_title_as_data(org, users, client):  # noqa: F811
    with unit_of_work(org) as session:
        impact_map.add_goal(
            session=session,
            data=impact_map.GoalIn(
                title="</script><script>alert(1)</script>",
                kpi_id="lead_time_p50",
                target=1350,
                due="2027-03-31",
            ),
        )
    html = _signed_in(client, users).get("/kpis/lead_time_p50", params={"window": WEEK}).text
    assert "<script>alert(1)" not in html


def test_dashboard_deltas_have_unit_and_basis(org, users, client):  # noqa: F811
    html = _signed_in(client, users).get("/kpis", params={"window": WEEK}).text
    assert "vs the previous week" in html
    assert "compared with the previous week" in html


def test_a_fraction_target_typed_as_percent_and_a_time_target_in_the_shown_unit(
    org,  # noqa: F811
    users,
    client,
):
    from tests.web.conftest import csrf_of

    sign_in(client, users["write"])
    page = client.get("/kpis/lead_time_p50")
    client.post("/kpis/lead_time_p50/target", data={"value": "2", "csrf_token": csrf_of(page.text)})
    with unit_of_work(org) as session:
        assert service.kpi_target(session=session, kpi_id="lead_time_p50") == 120.0


@pytest.mark.parametrize("width", [1440, 390])
@pytest.mark.usefixtures("org")
def test_kpi_page_in_chromium_has_its_chart_and_no_overflow(
    users, live_server, chromium_page, width
):
    pytest.importorskip("playwright")
    for mark in BROWSER_MARKS:
        if mark.name == "skipif" and mark.args and mark.args[0]:
            pytest.skip(mark.kwargs.get("reason", "no chromium"))
    page = chromium_page
    page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", users["read"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/kpis/lead_time_p50?window={WEEK}")
    page.wait_for_selector("#weekly-chart svg, #weekly-chart canvas")
    assert page.locator(".presets a").count() == 4
    assert not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert errors == []
