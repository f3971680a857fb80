"""The surveys API fed generated requests (as the whole-API fuzz test does, for these routes
only): no answer is a 500, and every answer has the status and body the document promises."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.failures import FailureGroup

from pavedroad.db import unit_of_work
from pavedroad.research import surveys
from pavedroad.research.survey_schemas import SurveyIn, WaveIn
from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.web import conftest as web
from tests.web.conftest import bearer

# The web fixtures, shared with this test.
small_catalog, tokens, users = web.small_catalog, web.tokens, web.users

CONFORMANCE = [
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def test_no_survey_operation_answers_a_500_or_breaks_its_schema(
    db_url, engine, tokens, small_catalog
):
    with unit_of_work(engine) as s:
        survey = surveys.create_survey(s, data=SurveyIn(name="dx"))
        surveys.add_wave(s, survey=survey, data=WaveIn(name="W1"))
    app = create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))
    try:
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
        failures: list[str] = []
        operations = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            if not operation.path.startswith("/api/v1/surveys"):
                continue
            operations += 1

            @given(case=operation.as_strategy())
            @settings(
                max_examples=15,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def check(case) -> None:
                for scope in ("read", "admin"):
                    response = case.call(headers=bearer(tokens[scope]))
                    if response.status_code >= 500:
                        failures.append(
                            f"{case.method} {case.formatted_path} as {scope}: "
                            f"{response.status_code} {response.text[:200]}"
                        )
                        continue
                    try:
                        case.validate_response(response, checks=CONFORMANCE)
                    except FailureGroup as group:
                        for failure in group.exceptions:
                            failures.append(
                                f"{case.method} {case.formatted_path} as {scope}: "
                                f"{response.status_code} {type(failure).__name__}: "
                                f"{' '.join(str(failure).split())[:400]}"
                            )

            check()
        assert operations >= 10
        assert failures == [], "\n".join(sorted(set(failures))[:30])
    finally:
        app.state.engine.dispose()
