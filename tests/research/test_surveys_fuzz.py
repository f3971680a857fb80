"""The surveys API fed generated requests (the whole-API fuzz, for these routes only, with a
survey and a wave to find): no answer is a 500, and every answer has the status and body the document promises."""

from __future__ import annotations

from pavedroad.db import unit_of_work
from pavedroad.research import surveys
from pavedroad.research.survey_schemas import SurveyIn, WaveIn
from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.web import conftest as web
from tests.web.test_openapi_fuzz import fuzz_operations

# The web fixtures, shared with this test.
small_catalog, tokens, users = web.small_catalog, web.tokens, web.users


def test_no_survey_operation_answers_a_500_or_breaks_its_schema(
    db_url, engine, tokens, small_catalog
):
    with unit_of_work(engine) as s:
        survey = surveys.create_survey(s, data=SurveyIn(name="dx"))
        surveys.add_wave(s, survey=survey, data=WaveIn(name="W1"))
    app = create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))
    try:
        operations, failures = fuzz_operations(app, tokens, prefix="/api/v1/surveys", examples=15)
        assert operations >= 10
        assert failures == [], "\n".join(sorted(set(failures))[:30])
    finally:
        app.state.engine.dispose()
