"""The demo's research tells the war story through insights linked to the backlog's problems,
and coverage of the week-1 quarter shows who was heard."""

from __future__ import annotations

from collections import Counter

from pavedroad.db import unit_of_work
from pavedroad.demo.backlog import AWARENESS, CI, DATABASES, DOCS, ROLLBACK
from pavedroad.demo.company import build_company
from pavedroad.demo.loader import load_demo
from pavedroad.demo.research_insights import QUARTER, load_insights
from pavedroad.research import insights


def test_the_demo_insights_support_the_war_storys_problems(engine):
    with unit_of_work(engine) as s:
        load_demo(s)
    with unit_of_work(engine) as s:
        every = insights.list_insights(session=s)
        kinds = Counter(i.source_kind for i in every)
        assert {"interview", "shadowing", "ticket_category", "survey_comment", "usage"} <= set(
            kinds
        )
        supported = Counter(p.title for i in every for p in i.problems)
        for problem in (CI, ROLLBACK, DOCS, AWARENESS):
            assert supported[problem] >= 5, problem
        assert insights.evidence_for_problem(session=s, problem_id=CI).warnings == []
        databases = insights.evidence_for_problem(session=s, problem_id=DATABASES)
        assert [w.id for w in databases.warnings] == ["solution_requests_only"]
        coverage = insights.coverage(session=s, quarter=QUARTER)
        assert coverage["teams_reached"]["interviews"] == 8
        assert coverage["teams_reached"]["shadowing"] == 3
        assert coverage["cadence"]["shadowing"]["met"] is True
        assert coverage["cadence"]["interviews"]["per_month"]["2026-06"] == 15
        assert "selection_bias" in [w["id"] for w in coverage["warnings"]]
        count = len(every)
    with unit_of_work(engine) as s:
        load_insights(s, build_company(7))
    with unit_of_work(engine) as s:
        assert len(insights.list_insights(session=s)) == count
