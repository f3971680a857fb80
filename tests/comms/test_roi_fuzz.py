"""The ROI and translation-table operations, fed generated requests by schemathesis (the
whole-API fuzz loop) with a read and an admin token: no 500 and no answer outside its schema."""

from __future__ import annotations

from pavedroad.comms import pitches
from pavedroad.db import unit_of_work
from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.web.conftest import small_catalog, tokens, users
from tests.web.test_openapi_fuzz import fuzz_operations

WEB_FIXTURES = (tokens, users, small_catalog)


def test_roi_and_translation_operations_answer_no_500(db_url, engine, tokens, small_catalog):
    with unit_of_work(engine) as s:
        pitches.seed_translation_table(session=s)
    app = create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))
    try:
        found: list[str] = []
        count = 0
        for prefix in ("/api/v1/translation", "/api/v1/roi"):
            operations, failures = fuzz_operations(app, tokens, prefix=prefix)
            count += operations
            found += failures
        assert count == 7
        assert found == [], "\n".join(sorted(set(found))[:30])
    finally:
        app.state.engine.dispose()
