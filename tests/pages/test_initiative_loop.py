"""Issue 16, close the loop on an initiative: its page charts the KPI its criteria are bound
to with each threshold and due date, shows a done initiative's KPI before and after, and says
criteria in the names people use."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

from pavedroad.backlog import criteria, service
from pavedroad.backlog.schemas import CriterionIn, InitiativeUpdate
from pavedroad.db import unit_of_work
from tests.backlog.conftest import ci_runs, teams, worked_example  # noqa: F401
from tests.web.conftest import sign_in


def _spec(html: str) -> dict:  # type: ignore[type-arg]
    found = re.search(
        r'<script type="application/json" id="loop-spec-1">(.*?)</script>', html, re.S
    )
    assert found, "the KPI chart of the initiative is missing"
    return json.loads(found[1])


def _bind(engine, initiative_id: int, *, done: bool) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(engine) as session:
        initiative = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
        criteria.add_criterion(
            session=session,
            initiative=initiative,
            data=CriterionIn(
                kind="success", kpi_id="ci_duration_p50", comparator="<", threshold=8,
                due=date(2026, 6, 30),
            ),
            created_at=datetime(2026, 5, 1, tzinfo=UTC),
        )  # fmt: skip
        if done:
            service.update_initiative(
                session=session,
                initiative=initiative,
                data=InitiativeUpdate(status="done", done_at=datetime(2026, 6, 15, 12, tzinfo=UTC)),
            )


def test_the_kpi_is_charted_with_the_threshold_and_due_date(client, users, worked_example, engine):  # noqa: F811
    ci_runs(engine, {f"2026-06-{day:02d}": 18 - day / 3 for day in range(1, 31)})
    ci = worked_example["Faster CI pipelines"]
    _bind(engine, ci, done=True)
    sign_in(client, users["read"])
    html = client.get(f"/initiatives/{ci}?as_of=2026-07-20").text
    assert "The KPI it is judged on" in html
    text = json.dumps(_spec(html), ensure_ascii=False)
    assert "success: CI duration (median) &lt; 8.0 min by 2026-06-30".replace("&lt;", "<") in text
    assert "due: CI duration (median)" in text and "2026-06-30" in text
    assert "shipped: Faster CI pipelines" in text
    # criteria in words, not `ci_duration_p50 < 8 by ...`
    assert "CI duration (median) &lt; 8.0 min by 2026-06-30" in html
    assert "ci_duration_p50 &lt;" not in html


def test_a_done_initiative_shows_the_kpi_before_and_after(client, users, worked_example, engine):  # noqa: F811
    runs = {f"2026-05-{day:02d}": 20.0 for day in range(16, 32)}
    runs |= {f"2026-06-{day:02d}": (20.0 if day < 15 else 6.0) for day in range(1, 31)}
    runs |= {f"2026-07-{day:02d}": 6.0 for day in range(1, 15)}
    ci_runs(engine, runs)
    ci = worked_example["Faster CI pipelines"]
    _bind(engine, ci, done=True)
    sign_in(client, users["read"])
    html = client.get(f"/initiatives/{ci}?as_of=2026-07-20").text
    assert "before (2026-05-16 to 2026-06-15)" in html and "20.0 min" in html
    assert "after (2026-06-15 to 2026-07-15)" in html and "6.0 min" in html
    assert "down 14.0 min vs the 30 days before" in html


def test_an_initiative_without_criteria_has_no_kpi_chart(client, users, worked_example):  # noqa: F811
    sign_in(client, users["read"])
    html = client.get(f"/initiatives/{worked_example['Service mesh']}").text
    assert "The KPI it is judged on" not in html
    assert "CI duration (median) &lt; 5 min by 2026-06-30" in html  # the example in words


def test_a_hostile_initiative_title_stays_data_in_the_chart(client, users, worked_example, engine):  # noqa: F811
    ci = worked_example["Faster CI pipelines"]
    with unit_of_work(engine) as session:
        initiative = service.get_initiative_or_raise(session=session, initiative_id=ci)
        service.update_initiative(
            session=session,
            initiative=initiative,
            data=InitiativeUpdate(title="</script><script>alert(1)</script>"),
        )
    _bind(engine, ci, done=True)
    sign_in(client, users["read"])
    html = client.get(f"/initiatives/{ci}?as_of=2026-07-20").text
    assert "<script>alert(1)" not in html
    assert "shipped: </script><script>alert(1)</script>" in json.dumps(_spec(html))
