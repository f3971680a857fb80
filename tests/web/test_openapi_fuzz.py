"""Every operation of the OpenAPI, fed generated requests by schemathesis with a read and an
admin token: no answer is a 500, and every answer (refusals included) has a status, content type
and body the document promises (issue 13)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.failures import FailureGroup

from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.web.conftest import bearer

EXAMPLES = 10
# Every answer, refusals included, has the status and the body shape the document promises.
CONFORMANCE = [
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def test_no_operation_answers_a_500_or_breaks_its_schema(
    db_url, tokens, small_catalog, monkeypatch
) -> None:
    for name in ("GITHUB_WEBHOOK_SECRET", "GITLAB_WEBHOOK_TOKEN", "PAGERDUTY_WEBHOOK_SECRET"):
        monkeypatch.setenv(f"PAVEDROAD_{name}", "fuzz-secret")
    monkeypatch.setenv("PAVEDROAD_JIRA_WEBHOOK_SECRET", "fuzz-secret")
    app = create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))
    try:
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
        failures: list[str] = []
        operations = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1

            @given(case=operation.as_strategy())
            # Derandomized, so a CI run fails only on a change, never on a lucky draw.
            @settings(
                max_examples=EXAMPLES,
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
        assert operations > 50
        assert failures == [], "\n".join(sorted(set(failures))[:30])
    finally:
        app.state.engine.dispose()
