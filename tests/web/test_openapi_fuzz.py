"""Every operation of the OpenAPI, fed generated requests by schemathesis with a read and an
admin token: no answer is a 500 (issue 13)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.web.conftest import bearer

EXAMPLES = 10


def test_no_operation_answers_a_500(db_url, tokens, small_catalog, monkeypatch) -> None:
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

            check()
        assert operations > 50
        assert failures == [], "\n".join(sorted(set(failures))[:30])
    finally:
        app.state.engine.dispose()
