"""The weekly report carries the coach's digest: diagnoses new this week and resolved since."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from pavedroad.catalog.capabilities import add_capability
from pavedroad.catalog.schemas import CapabilityIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.coach.service import report_digest
from pavedroad.comms.changelog import week_label
from pavedroad.comms.reports import weekly_report
from pavedroad.db import unit_of_work
from pavedroad.metrics.windows import week_start
from tests.coach.conftest import TODAY


def test_a_silent_launch_is_new_in_the_week_it_becomes_due(engine):
    monday = week_start(TODAY) - timedelta(days=7)
    sunday = monday + timedelta(days=6)
    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(teams=[TeamIn(slug=t, name=t.title()) for t in ("alpha", "beta")]),
        )
        # Launched 8 days before the week's end: judged this week (a week after), not the last.
        add_capability(
            session=s,
            data=CapabilityIn(
                name="rollback",
                launched_at=datetime.combine(sunday - timedelta(days=8), time(9), tzinfo=UTC),
            ),
        )
        report = weekly_report(session=s, week=week_label(monday), digest=report_digest)
    digest = report.content.coach
    assert digest is not None
    assert [d.id for d in digest.new] == ["silent_launch"] and digest.resolved == []
    assert "## Coach: new and resolved diagnoses" in report.markdown
    assert "silent\\_launch" in report.markdown or "silent_launch" in report.markdown
