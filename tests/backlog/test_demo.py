"""The demo company's backlog tells the war story: faster CI far above the multi-cloud project
that the team's own order put first, criteria judged on the demo telemetry, and a canvas."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from pavedroad.backlog import canvas, service
from pavedroad.backlog.models import Criterion, Decision, Initiative, Problem
from pavedroad.db import unit_of_work
from pavedroad.demo.loader import load_demo

WITHOUT_TELEMETRY = ("catalog", "demo user", "backlog")


def _counts(session) -> list[int]:
    return [
        session.scalar(select(func.count()).select_from(model))
        for model in (Problem, Initiative, Criterion, Decision)
    ]


def test_the_demo_backlog_puts_faster_ci_far_above_multi_cloud(engine):
    with unit_of_work(engine) as s:
        load_demo(s, only=WITHOUT_TELEMETRY)
    with unit_of_work(engine) as s:
        ranked = {r.title: r for r in service.list_initiatives(session=s, evaluate_criteria=False)}
        report = service.backlog_disagreements(session=s)
        out = canvas.get_canvas(session=s)
    ci, multi = ranked["Faster CI pipelines"], ranked["Multi-cloud abstraction"]
    assert ci.rank == 1 and ci.reach_source == "teams" and ci.rice > 200
    assert multi.rank == multi.ranked_of and multi.rice == 8.0
    assert ci.rice > 20 * multi.rice
    assert 12 <= len(ranked) <= 16
    assert report.team_favours[0].title == "Multi-cloud abstraction"
    assert report.team_favours[0].team_rank == 1
    assert "Faster CI pipelines" in [d.title for d in report.rice_favours]
    done = [r for r in ranked.values() if r.status == "done"]
    assert done and all(
        date(2026, 6, 1) <= r.done_at.date() < date(2026, 12, 1) for r in done if r.done_at
    )
    assert {r.category for r in ranked.values()} == {"roadmap", "platform", "unplanned"}
    killed = ranked["Custom Kubernetes operator for cache invalidation"]
    assert killed.status == "killed" and killed.rank is None
    assert out.users and len(out.key_metrics) >= 3 and len(out.validations) == 3


def test_loading_the_demo_backlog_twice_changes_nothing(engine):
    with unit_of_work(engine) as s:
        load_demo(s, only=WITHOUT_TELEMETRY)
    with unit_of_work(engine) as s:
        before = _counts(s)
        listed = service.list_initiatives(session=s, evaluate_criteria=False)
        load_demo(s, only=WITHOUT_TELEMETRY)
    with unit_of_work(engine) as s:
        assert _counts(s) == before
        assert service.list_initiatives(session=s, evaluate_criteria=False) == listed
    assert before[0] >= 6 and before[2] >= 8 and before[3] == 2


def test_the_demo_criteria_are_judged_on_the_demo_telemetry(engine):
    with unit_of_work(engine) as s:
        load_demo(s)
    as_of = date(2026, 11, 23)
    with unit_of_work(engine) as s:
        ranked = {r.title: r for r in service.list_initiatives(session=s, today=as_of)}
        judged = {
            row.title: {c.text: c for c in row.criteria}
            for row in service.judged_criteria(session=s, today=as_of)
        }
    assert "kill_proposed" in ranked["Multi-cloud abstraction"].flags
    assert judged["Multi-cloud abstraction"]["adoption_rate > 0.7 by 2026-06-30"].state == "missed"
    ci = judged["Faster CI pipelines"]
    assert ci["ci_duration_p50 < 8 by 2026-09-30"].state == "missed"
    assert ci["ci_duration_p50 < 8 by 2026-09-30"].answered_on == date(2026, 10, 2)
    assert ci["ci_duration_p50 < 8 by 2026-11-15"].state == "met"
    assert ci["ci_duration_p50 < 5 by 2027-03-31"].state == "at_risk"
    assert "kill_proposed" not in ranked["Faster CI pipelines"].flags
    assert judged["One-command rollback"]["mttr_p50 < 90 by 2026-11-30"].state == "on_track"
