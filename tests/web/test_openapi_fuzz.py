"""Every operation of the OpenAPI, fed generated requests by schemathesis with a read and an
admin token: no answer is a 500, and every answer (refusals included) has a status, content type
and body the document promises (issue 13)."""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
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


def fuzz_operations(
    app: Any, tokens: dict[str, str], *, prefix: str = "/", examples: int = EXAMPLES
) -> tuple[int, list[str]]:
    """Feed every operation under `prefix` generated requests as a read and an admin token:
    how many operations were fuzzed, and every 500 or answer outside its own schema."""
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(prefix):
            continue
        operations += 1

        @given(case=operation.as_strategy())
        # Derandomized, so a CI run fails only on a change, never on a lucky draw.
        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            for scope in ("read", "admin"):
                # Not schemathesis's 10 s default: under make test's load on PostgreSQL, a
                # write that invalidates the KPI cache can take longer (a 500 still fails).
                response = case.call(headers=bearer(tokens[scope]), timeout=120)
                where = f"{case.method} {case.formatted_path} as {scope}"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code} {response.text[:200]}")
                    continue
                try:
                    case.validate_response(response, checks=CONFORMANCE)
                except FailureGroup as group:
                    for failure in group.exceptions:
                        failures.append(
                            f"{where}: {response.status_code} {type(failure).__name__}: "
                            f"{' '.join(str(failure).split())[:400]}"
                        )

        check()
    return operations, failures


def test_no_operation_answers_a_500_or_breaks_its_schema(
    db_url, tokens, small_catalog, monkeypatch
) -> None:
    for name in ("GITHUB_WEBHOOK_SECRET", "GITLAB_WEBHOOK_TOKEN", "PAGERDUTY_WEBHOOK_SECRET"):
        monkeypatch.setenv(f"PAVEDROAD_{name}", "fuzz-secret")
    monkeypatch.setenv("PAVEDROAD_JIRA_WEBHOOK_SECRET", "fuzz-secret")
    app = create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))
    try:
        operations, failures = fuzz_operations(app, tokens)
        assert operations > 50
        assert failures == [], "\n".join(sorted(set(failures))[:30])
    finally:
        app.state.engine.dispose()


class _Swappable:
    """An ASGI app that hands every request to the app of the current workflow."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.inner(scope, receive, send)


def test_workflows_that_chain_operations_answer_no_500_and_keep_their_schema(
    db_url, tokens, small_catalog, tmp_path
) -> None:
    """Stateful: schemathesis follows the links it infers between operations (create a
    problem, then read, change and delete it; list teams, then put one; disable a user, then
    enable them...) as an admin. Each workflow starts from the same store (a copy of the
    seeded file), so Hypothesis sees the same answers when it replays one."""
    if not db_url.startswith("sqlite"):
        pytest.skip("each workflow starts from a copy of the seeded SQLite file")
    seeded = Path(db_url.removeprefix("sqlite:///"))
    snapshot = tmp_path / "seeded.db"
    with sqlite3.connect(seeded) as connection:
        connection.execute(f"VACUUM INTO '{snapshot}'")

    def fresh_app() -> Any:
        path = tmp_path / f"workflow-{next(numbers)}.db"
        shutil.copy(snapshot, path)
        url = f"sqlite:///{path}"
        return create_app(Settings(database_url=url, session_days=1, secure_cookies=False))

    numbers = itertools.count()
    app = _Swappable(fresh_app())
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    reached: set[str] = set()
    admin = bearer(tokens["admin"])

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            app.inner.state.engine.dispose()
            app.inner = fresh_app()

        def get_call_kwargs(self, case):
            # A fresh store starts the KPI engine cold, and the coach's endpoints compute every
            # diagnosis on it: on a loaded machine that passes schemathesis's 10 s default.
            return {"headers": admin, "timeout": 120}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            where = f"{case.method} {case.operation.path}"
            reached.add(where)
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code} {response.text[:200]}")
                return
            try:
                case.validate_response(response, checks=CONFORMANCE)
            except FailureGroup as group:
                for failure in group.exceptions:
                    message = " ".join(str(failure).split())[:400]
                    failures.append(f"{where}: {response.status_code} {message}")

    try:
        Workflow.run(
            settings=settings(
                max_examples=EXAMPLES * 2,
                stateful_step_count=5,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
        )
    finally:
        app.inner.state.engine.dispose()
    assert len(reached) > 10, f"the workflows reached too few operations: {sorted(reached)}"
    assert failures == [], "\n".join(sorted(set(failures))[:30])
