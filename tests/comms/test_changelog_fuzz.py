"""Every changelog operation, fed requests generated from its OpenAPI schema: no 500, no
answer outside its own schema (the whole-API fuzz loop, for these routes)."""

from __future__ import annotations

from pavedroad.comms import changelog
from pavedroad.comms.schemas.changelog import ChangelogEntryIn
from pavedroad.db import unit_of_work
from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.web import conftest as web
from tests.web.test_openapi_fuzz import fuzz_operations

small_catalog, tokens, users = web.small_catalog, web.tokens, web.users


def test_no_changelog_operation_answers_a_500_or_breaks_its_schema(
    db_url, engine, tokens, small_catalog
):
    with unit_of_work(engine) as s:
        changelog.add_entry(session=s, data=ChangelogEntryIn(title="t", body="b"))
    app = create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))
    try:
        operations, failures = fuzz_operations(app, tokens, prefix="/api/v1/changelog", examples=15)
        assert operations >= 6
        assert failures == [], "\n".join(sorted(set(failures))[:30])
    finally:
        app.state.engine.dispose()
