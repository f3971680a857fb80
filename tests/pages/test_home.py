"""The home page on a hand-built store: the north-star KPIs since the baseline with their
numbers, what needs you (each item linking to its object), the roadmap in one line, the
baseline form, the empty states, and the row counts moved to the runs page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pavedroad.backlog.models import Criterion, Initiative
from pavedroad.catalog.schemas import ServiceIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.comms.launches import create_launch
from pavedroad.comms.schemas.launches import LaunchIn
from pavedroad.db import unit_of_work
from pavedroad.home import home_view
from pavedroad.metrics.baseline import BaselineIn, get_baseline, set_baseline
from pavedroad.metrics.windows import today_utc
from tests.metrics.conftest import add_events
from tests.web.conftest import csrf_of, sign_in

TODAY = today_utc()
BASELINE = TODAY - timedelta(days=60)
SCRIPT = '<script>alert("x")</script>'


def _at(day: date, hour: int = 10) -> str:
    return datetime.combine(day, time(hour), tzinfo=UTC).isoformat()


def _ci_run(run_id: str, day: date, minutes: int) -> dict[str, object]:
    start = datetime.combine(day, time(10), tzinfo=UTC)
    return {
        "id": run_id,
        "service": "api",
        "started_at": start.isoformat(),
        "finished_at": (start + timedelta(minutes=minutes)).isoformat(),
        "result": "success",
        "queued_at": start.isoformat(),
    }


@pytest.fixture
def store(engine):
    """Two teams; CI took 20 min before the baseline and takes 8 min now (target 5 min); one
    initiative whose success criterion was missed, one with a criterion due in ten days, and a
    launch whose first checklist items are past due."""
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(
                teams=[TeamIn(slug="alpha", name="Alpha"), TeamIn(slug="beta", name="Beta")],
                services=[ServiceIn(name="api", owner="alpha")],
            ),
        )
        set_baseline(session=s, data=BaselineIn(day=BASELINE, label="PM arrived"))
        doomed = Initiative(
            title=f"Doomed {SCRIPT}",
            impact=1,
            confidence=0.5,
            effort=2,
            reach=10,
            status="planned",
            lane="next",
        )
        doomed.criteria.append(
            Criterion(
                kind="success",
                kpi_id="ci_duration_p50",
                comparator="<",
                threshold=6,
                due=TODAY - timedelta(days=5),
            )
        )
        soon = Initiative(
            title="Quicker builds",
            impact=2,
            confidence=0.8,
            effort=1,
            reach=20,
            status="in_progress",
            lane="now",
        )
        soon.criteria.append(
            Criterion(
                kind="success",
                kpi_id="ci_duration_p50",
                comparator="<=",
                threshold=10,
                due=TODAY + timedelta(days=10),
            )
        )
        s.add_all([doomed, soon])
        create_launch(
            session=s,
            data=LaunchIn(feature="Fast <img src=x onerror=alert(1)>", launch_date=TODAY),
        )
    before = [_ci_run(f"b{i}", BASELINE - timedelta(days=10 + i), 20) for i in range(3)]
    now = [_ci_run(f"n{i}", TODAY - timedelta(days=8 + i), 8) for i in range(3)]
    add_events(engine, "ci-runs", before + now)
    return engine


def _star_card(page: str, kpi: str) -> str:
    match = re.search(rf'<a class="star" href="/kpis/{kpi}" data-kpi="{kpi}">(.*?)</a>', page, re.S)
    assert match, f"no card for {kpi}"
    return re.sub(r"\s+", " ", match.group(1))


def test_the_home_shows_ci_since_the_baseline_with_one_unit(client, users, store):
    sign_in(client, users["read"])
    page = client.get("/").text
    assert f"since PM arrived ({BASELINE.isoformat()})" in page
    card = _star_card(page, "ci_duration_p50")
    assert "20.0 min" in card and "8.0 min" in card
    assert "down 12.0 min since PM arrived" in card
    assert "missed" in card and "target ≤ 5.0 min" in card
    assert 'class="star-move better"' in page  # CI got faster: the good direction


def test_needs_you_lists_the_kpi_the_kill_the_criterion_and_the_launch_with_links(
    client, users, store
):
    sign_in(client, users["read"])
    page = client.get("/").text
    needs = page[page.index('id="needs"') : page.index('id="roadmap-line"')]
    assert '<a href="/kpis/ci_duration_p50">CI duration (median)</a>' in needs
    assert "8.0 min, target ≤ 5.0 min" in needs
    with unit_of_work(store) as s:
        ids = {i.title: i.id for i in s.query(Initiative)}
    doomed = ids[f"Doomed {SCRIPT}"]
    assert f'href="/initiatives/{doomed}">Doomed &lt;script&gt;' in needs
    assert (
        "proposed for killing: success criterion missed: CI duration (median) &lt; 6.0 min" in needs
    )
    soon_due = (TODAY + timedelta(days=10)).isoformat()
    assert f'href="/initiatives/{ids["Quicker builds"]}">Quicker builds</a>' in needs
    assert f"success criterion due {soon_due}: CI duration (median) &lt;= 10.0 min" in needs
    assert "on track" in needs
    assert re.search(r'href="/launches/\d+">Fast &lt;img src=x onerror=alert\(1\)&gt;</a>', needs)
    assert "overdue item" in needs
    assert SCRIPT not in page and "<img src=x" not in page
    for href in re.findall(r'href="(/(?:kpis|initiatives|launches)/[^"]+)"', needs):
        assert client.get(href).status_code == 200, href


def test_the_roadmap_line_counts_each_lane_and_names_its_cards(client, users, store):
    sign_in(client, users["read"])
    page = client.get("/").text
    line = re.sub(r"\s+", " ", page[page.index('id="roadmap-line"') : page.index('id="baseline"')])
    assert '<a href="/roadmap">Roadmap</a>' in line
    assert "<strong>Now</strong> (1): Quicker builds" in line
    assert "<strong>Next</strong> (1): Doomed &lt;script&gt;" in line
    assert "<strong>Later</strong> (0)" in line and "<strong>Exploring</strong> (0)" in line


def test_the_home_view_is_the_same_rule_without_the_page(session, store):
    view = home_view(session=session, today=TODAY)
    kinds = [item.kind for item in view.needs_you]
    assert kinds.count("kill") == 1 and kinds.count("criterion") == 1 and "launch" in kinds
    ci = next(k for k in view.north_star.kpis if k.definition.id == "ci_duration_p50")
    assert ci.before.value == pytest.approx(20) and ci.now.value == pytest.approx(8)
    assert ci.change_direction == "better"


def test_without_a_baseline_the_home_compares_with_the_previous_30_days(session, store):
    from pavedroad.metrics.baseline import clear_baseline

    clear_baseline(session=session)
    view = home_view(session=session, today=TODAY)
    assert view.north_star.since == "vs the previous 30 days"
    ci = next(k for k in view.north_star.kpis if k.definition.id == "ci_duration_p50")
    assert ci.before.value is None and ci.now.value == pytest.approx(8)


def test_nothing_needs_you_is_said_positively(client, users, small_catalog):
    sign_in(client, users["read"])
    page = client.get("/").text
    assert "Nothing needs you" in page
    assert "No telemetry yet" in page and 'href="/runs"' in page


def test_an_empty_store_says_where_to_start(client, users):
    sign_in(client, users["read"])
    page = client.get("/").text
    assert "Start with your catalog" in page and "pavedroad demo load" in page


def test_the_row_counts_live_on_the_runs_page(client, users, store):
    sign_in(client, users["read"])
    runs = client.get("/runs").text
    assert "What the store holds" in runs and '<th class="num">ci runs</th>' in runs
    assert "2 teams" in runs
    assert "What the store holds" not in client.get("/").text


def test_the_home_needs_a_signed_in_browser(client):
    assert client.get("/").status_code == 303


# --- the baseline form ------------------------------------------------------------------


def _post(client, **fields):
    token = csrf_of(client.get("/").text)
    return client.post("/baseline", data={"csrf_token": token, **fields})


def test_the_form_sets_and_clears_the_baseline(client, users, store):
    sign_in(client, users["write"])
    done = _post(client, day="2026-03-01", label="Launch <b>day</b>")
    assert done.status_code == 303 and done.headers["location"] == "/#baseline"
    page = client.get("/").text
    assert "since Launch &lt;b&gt;day&lt;/b&gt; (2026-03-01)" in page and "<b>day</b>" not in page
    assert _post(client, clear="1").status_code == 303
    with unit_of_work(store) as s:
        assert get_baseline(session=s) is None
    assert "vs the previous 30 days" in client.get("/").text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"day": "2026-02-30", "label": "x"}, "day", "write the day as YYYY-MM-DD"),
        ({"day": "", "label": "x"}, "day", "write the day as YYYY-MM-DD"),
        ({"day": "1800-01-01", "label": "x"}, "day", "greater than or equal to 1900-01-01"),
        ({"day": "2026-06-01", "label": "x" * 201}, "label", "at most 200 characters"),
        ({"day": "2026-06-01", "label": "PM\x00arrived"}, "label", "must not contain NUL"),
    ],
)
def test_a_refused_baseline_marks_the_field_and_keeps_what_was_typed(
    client, users, store, fields, field, message
):
    sign_in(client, users["write"])
    refused = _post(client, **fields)
    assert refused.status_code == 422
    page = refused.text
    assert f'id="{field}-error" role="alert">' in page and message in page
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', page, re.S)
    if field == "label" and "\x00" not in fields["label"]:
        assert fields["label"] in page
    with unit_of_work(store) as s:
        assert get_baseline(session=s) == get_baseline(session=s)  # unchanged
        assert get_baseline(session=s).day == BASELINE  # type: ignore[union-attr]


def test_the_baseline_form_needs_write_and_csrf(client, users, store):
    sign_in(client, users["read"])
    page = client.get("/").text
    assert 'action="/baseline"' not in page  # a reader sees the baseline, not the form
    assert _post(client, day="2026-03-01").status_code == 403
    sign_in(client, users["write"])
    forged = client.post("/baseline", data={"csrf_token": "forged", "day": "2026-03-01"})
    assert forged.status_code == 403


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(day=st.text(max_size=30), label=st.text(max_size=250))
def test_any_typed_baseline_is_stored_or_refused_never_a_500(
    client, users, small_catalog, day, label
):
    sign_in(client, users["write"])
    answer = _post(client, day=day, label=label)
    assert answer.status_code in (303, 422), answer.text[:500]


# --- the anonymity rule and the pure parts --------------------------------------------------


def test_a_survey_kpi_under_five_answers_stays_hidden_on_the_home(client, users, store):
    # Six answers before the baseline (shown), three in the last 30 days (hidden).
    before = BASELINE - timedelta(days=5)
    rows = [("q-before", before, 10, 5)] * 6 + [("q-now", TODAY - timedelta(days=3), 0, 1)] * 3
    add_events(
        store,
        "survey-responses",
        [
            {
                "id": f"r{i}",
                "survey": "pulse",
                "wave": wave,
                "submitted_at": _at(day),
                "team": "alpha",
                "nps": nps,
                "satisfaction": sat,
                "comments": "",
            }
            for i, (wave, day, nps, sat) in enumerate(rows)
        ],
    )
    sign_in(client, users["read"])
    card = _star_card(client.get("/").text, "nps")
    assert "+100" in card and "hidden (&lt;5 answers)" in card
    assert "-100" not in card and "points" not in card  # no number, no change from 3 answers


@given(
    baseline=st.dates(min_value=date(1900, 1, 1), max_value=date(9000, 12, 31)) | st.none(),
    today=st.dates(min_value=date(1900, 1, 1), max_value=date(9000, 12, 31)),
)
def test_the_sparkline_spans_the_baseline_within_bounds(baseline, today):
    from pavedroad.metrics.northstar import SPARK_WEEKS_MAX, SPARK_WEEKS_MIN, spark_weeks

    weeks = spark_weeks(baseline, today)
    assert SPARK_WEEKS_MIN <= weeks <= SPARK_WEEKS_MAX
    if baseline is not None and SPARK_WEEKS_MIN * 7 < (today - baseline).days < 100 * 7:
        assert weeks * 7 > (today - baseline).days  # the week before the baseline is drawn
