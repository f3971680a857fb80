"""The launch-plan and calendar API fed generated requests (the whole-API fuzz, for these
routes only, with a plan and an event to find): no 500, every answer within its schema."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pavedroad.comms import calendar, launches
from pavedroad.comms.schemas.calendar import MarketingEventIn
from pavedroad.comms.schemas.launches import LaunchIn
from pavedroad.db import unit_of_work
from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.web import conftest as web
from tests.web.test_openapi_fuzz import fuzz_operations

small_catalog, tokens, users = web.small_catalog, web.tokens, web.users


def test_no_launch_or_calendar_operation_answers_a_500_or_breaks_its_schema(
    db_url, engine, tokens, small_catalog
):
    with unit_of_work(engine) as s:
        plan = launches.create_launch(
            session=s, data=LaunchIn(feature="Faster CI", launch_date=date(2026, 11, 2))
        )
        calendar.add_event(
            session=s,
            data=MarketingEventIn(
                kind="demo_day",
                title="Demo day",
                starts_at=datetime(2026, 11, 18, 16, tzinfo=UTC),
                launch_id=plan.id,
            ),
        )
    app = create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))
    try:
        found, failures = fuzz_operations(app, tokens, prefix="/api/v1/launches", examples=12)
        assert found >= 6
        more, calendar_failures = fuzz_operations(
            app, tokens, prefix="/api/v1/calendar", examples=12
        )
        assert more >= 3
        failures += calendar_failures
        assert failures == [], "\n".join(sorted(set(failures))[:30])
    finally:
        app.state.engine.dispose()
