"""GitHub and GitLab as they send it: repositories of different owners, one CI duration, checks.

Payloads are written by hand in the shapes of the published examples: GitHub's webhook
payload examples (octokit/webhooks `payload-examples/api.github.com/{workflow_run,check_suite,
check_run,status}`, with `Codertocat/Hello-World` and `Octocoders/Hello-World`) and GitLab's
"Webhook events" page (Pipeline Hook). Every delivery goes through the real app.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad.catalog.schemas import ServiceIn, TeamIn
from pavedroad.catalog.service import CatalogBatch, apply_batch
from pavedroad.db import unit_of_work
from pavedroad.ingest.files import import_file
from pavedroad.ingest.models import CiRun, Run, RunReject, WebhookDelivery, WebhookRepository
from pavedroad.ingest.webhooks import github
from pavedroad.ingest.webhooks.payloads import Ignored
from pavedroad.ingest.webhooks.reprocessing import reprocess_run
from pavedroad.ingest.webhooks.rules import MappingRules, RulesError, load_rules
from pavedroad.settings import Settings
from pavedroad.web.app import create_app

GITHUB_SECRET, GITLAB_TOKEN = "gh-secret", "gl-token"
CHECK_SUITES = "ci_source: check_suite\n"


@pytest.fixture
def rules_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Secrets and an (empty) rules file in the environment; tests write rules before `app`."""
    monkeypatch.setenv("PAVEDROAD_GITHUB_WEBHOOK_SECRET", GITHUB_SECRET)
    monkeypatch.setenv("PAVEDROAD_GITLAB_WEBHOOK_TOKEN", GITLAB_TOKEN)
    path = tmp_path / "webhook-rules.yaml"
    path.write_text("")
    monkeypatch.setenv("PAVEDROAD_WEBHOOK_RULES", str(path))
    return path


@pytest.fixture
def catalog(engine: Any) -> None:
    """`hello-world` and `greeter` owned by `octo`, `gitlab-test` by `gitlab`."""
    with unit_of_work(engine) as session:
        apply_batch(
            session=session,
            source="test",
            batch=CatalogBatch(
                teams=[TeamIn(slug="octo", name="Octo"), TeamIn(slug="gitlab", name="GitLab")],
                services=[
                    ServiceIn(name="hello-world", owner="octo"),
                    ServiceIn(name="greeter", owner="octo"),
                    ServiceIn(name="gitlab-test", owner="gitlab"),
                ],
            ),
        )


def start_app(db_url: str) -> TestClient:
    return TestClient(
        create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))
    )


@pytest.fixture
def app(db_url: str, rules_file: Path, catalog: None) -> Iterator[TestClient]:
    with start_app(db_url) as client:
        yield client


def send_github(client: TestClient, event: str, payload: Any) -> Response:
    body = json.dumps(payload).encode()
    signature = hmac.new(GITHUB_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/webhooks/github",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": f"sha256={signature}",
        },
    )


def send_gitlab(client: TestClient, payload: Any) -> Response:
    return client.post(
        "/webhooks/gitlab",
        content=json.dumps(payload).encode(),
        headers={
            "Content-Type": "application/json",
            "X-Gitlab-Event": "Pipeline Hook",
            "X-Gitlab-Token": GITLAB_TOKEN,
            "X-Gitlab-Event-UUID": str(uuid.uuid4()),
        },
    )


def repository(full_name: str) -> dict[str, Any]:
    owner, name = full_name.split("/")
    return {
        "id": 186853002,
        "name": name,
        "full_name": full_name,
        "private": False,
        "owner": {"login": owner, "type": "User"},
        "html_url": f"https://github.com/{full_name}",
    }


def workflow_run(
    full_name: str = "Codertocat/Hello-World",
    *,
    run_id: int = 289782451,
    attempt: int | None = 1,
    started: str | None = "2020-10-05T16:33:30Z",
) -> dict[str, Any]:
    """`workflow_run/completed` as GitHub sends it (run_started_at and run_attempt since 2021)."""
    run: dict[str, Any] = {
        "id": run_id,
        "name": "test",
        "check_suite_id": 1291536064,
        "head_branch": "master",
        "event": "push",
        "status": "completed",
        "conclusion": "success",
        "created_at": "2020-10-05T16:33:24Z",
        "updated_at": "2020-10-05T16:33:49Z",
        "run_number": 163,
        "repository": {"full_name": full_name},
    }
    if attempt is not None:
        run["run_attempt"] = attempt
    if started is not None:
        run["run_started_at"] = started
    return {
        "action": "completed",
        "workflow_run": run,
        "repository": repository(full_name),
        "sender": {"login": "Codertocat"},
    }


def check_suite(
    action: str = "completed", conclusion: str | None = "success", app_slug: str = "jenkins"
) -> dict[str, Any]:
    """`check_suite/completed` (octokit's example: the `octocoders-linter` app)."""
    return {
        "action": action,
        "check_suite": {
            "id": 118578147,
            "head_branch": "changes",
            "head_sha": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
            "status": "completed" if action == "completed" else "queued",
            "conclusion": conclusion if action == "completed" else None,
            "app": {"id": 29310, "slug": app_slug, "name": app_slug},
            "created_at": "2019-05-15T15:20:31Z",
            "updated_at": "2019-05-15T15:21:14Z",
            "latest_check_runs_count": 1,
            "pull_requests": [],
        },
        "repository": repository("Codertocat/Hello-World"),
        "sender": {"login": "Codertocat"},
    }


def pipeline(queued: object = 12.0, *, finished: str = "2016-08-12 15:26:29 UTC") -> Any:
    """GitLab's Pipeline Hook example, with `queued_duration` as GitLab 13.x and later send it."""
    attributes: dict[str, Any] = {
        "id": 31,
        "iid": 3,
        "ref": "master",
        "status": "success",
        "stages": ["build", "test", "deploy"],
        "created_at": "2016-08-12 15:23:28 UTC",
        "finished_at": finished,
        "duration": 63,
        "url": "http://example.com/gitlab-org/gitlab-test/-/pipelines/31",
    }
    if queued is not None:
        attributes["queued_duration"] = queued
    return {
        "object_kind": "pipeline",
        "object_attributes": attributes,
        "project": {
            "id": 1,
            "name": "Gitlab Test",
            "path_with_namespace": "gitlab-org/gitlab-test",
        },
        "builds": [],
    }


def ci_runs(engine: Any) -> dict[str, CiRun]:
    with Session(engine) as session:
        return {r.id: r for r in session.scalars(select(CiRun))}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- one repository name, two owners ---------------------------------------------------------


def test_two_owners_hello_world_never_merge_and_a_rules_fix_takes_both(
    app: TestClient, engine: Any, rules_file: Path
) -> None:
    first = send_github(app, "workflow_run", workflow_run("Codertocat/Hello-World", run_id=1))

    assert first.status_code == 200
    assert first.json()["services"] == {
        "Codertocat/Hello-World": "hello-world: the repository's name (no other owner's "
        "repository of that name is known)"
    }
    assert ci_runs(engine)["gh-run-1"].service == "hello-world"

    second = send_github(app, "workflow_run", workflow_run("Octocoders/Hello-World", run_id=2))
    third = send_github(app, "workflow_run", workflow_run("Codertocat/Hello-World", run_id=3))

    for answer, other in ((second, "codertocat/hello-world"), (third, "octocoders/hello-world")):
        assert answer.status_code == 202 and answer.json()["status"] == "rejected"
        [reject] = answer.json()["rejects"]
        assert reject["field"] == "service"
        assert f"'hello-world' is also used by {other}" in reject["reason"]
        assert "repositories (PAVEDROAD_WEBHOOK_RULES)" in reject["reason"]
    assert set(ci_runs(engine)) == {"gh-run-1"}  # nothing merged into hello-world
    with Session(engine) as session:
        assert set(session.scalars(select(WebhookRepository.full_name))) == {
            "codertocat/hello-world",
            "octocoders/hello-world",
        }
        run = session.scalars(select(Run).where(Run.channel == "webhook")).one()
        assert run.rejected == 2
        assert {d.status for d in session.scalars(select(WebhookDelivery))} == {
            "processed",
            "rejected",
        }

    rules_file.write_text(
        "repositories:\n  Codertocat/Hello-World: hello-world\n  Octocoders/Hello-World: greeter\n"
    )
    redone = reprocess_run(engine, run.id, load_rules(rules_file))

    assert (redone.rejected, redone.new + redone.unchanged) == (0, 3)
    assert {r.id: r.service for r in ci_runs(engine).values()} == {
        "gh-run-1": "hello-world",
        "gh-run-2": "greeter",
        "gh-run-3": "hello-world",
    }


def test_a_rules_mapping_to_the_short_name_claims_it_from_other_owners(
    db_url: str, engine: Any, rules_file: Path, catalog: None
) -> None:
    rules_file.write_text("repositories: {octocoders/hello-world: hello-world}\n")
    with start_app(db_url) as client:
        mapped = send_github(client, "workflow_run", workflow_run("Octocoders/Hello-World"))
        unmapped = send_github(
            client, "workflow_run", workflow_run("Codertocat/Hello-World", run_id=9)
        )

    assert mapped.status_code == 200 and mapped.json()["services"] == {}
    assert unmapped.status_code == 202
    assert "also used by octocoders/hello-world" in unmapped.json()["rejects"][0]["reason"]
    assert {r.service for r in ci_runs(engine).values()} == {"hello-world"}


def test_a_gitlab_project_and_a_github_repository_of_one_name_do_not_merge(
    app: TestClient, engine: Any
) -> None:
    assert send_gitlab(app, pipeline()).status_code == 200
    other = workflow_run("someone/Gitlab-Test", run_id=5)

    answer = send_github(app, "workflow_run", other)

    assert answer.status_code == 202
    assert "also used by gitlab-org/gitlab-test" in answer.json()["rejects"][0]["reason"]
    assert {r.service for r in ci_runs(engine).values()} == {"gitlab-test"}


# --- one CI duration: start to end, queue time apart ------------------------------------------


def test_a_workflow_run_lasts_from_its_start_and_its_queue_time_is_apart(
    app: TestClient, engine: Any
) -> None:
    assert send_github(app, "workflow_run", workflow_run(run_id=1)).status_code == 200
    # A re-run keeps the first attempt's created_at: its queue time is unknown.
    assert send_github(app, "workflow_run", workflow_run(run_id=2, attempt=2)).status_code == 200
    # Payloads from before run_started_at start when the run was created.
    older = workflow_run(run_id=3, attempt=None, started=None)
    assert send_github(app, "workflow_run", older).status_code == 200

    runs = ci_runs(engine)
    first, rerun, old = runs["gh-run-1"], runs["gh-run-2"], runs["gh-run-3"]
    assert (first.queued_at, first.started_at, first.finished_at) == (
        at("2020-10-05T16:33:24"),
        at("2020-10-05T16:33:30"),
        at("2020-10-05T16:33:49"),
    )
    assert (rerun.queued_at, rerun.started_at) == (None, at("2020-10-05T16:33:30"))
    assert (old.queued_at, old.started_at) == (None, at("2020-10-05T16:33:24"))


def test_a_gitlab_pipeline_starts_after_its_queued_duration(app: TestClient, engine: Any) -> None:
    answer = send_gitlab(app, pipeline(12.0))

    assert answer.status_code == 200, answer.json()
    run = ci_runs(engine)["gl-pipeline-31"]
    assert (run.queued_at, run.started_at, run.finished_at) == (
        at("2016-08-12T15:23:28"),
        at("2016-08-12T15:23:40"),
        at("2016-08-12T15:26:29"),
    )
    assert run.service == "gitlab-test"

    # Without queued_duration (GitLab before 13.x) it starts when it was created.
    assert send_gitlab(app, pipeline(None)).status_code == 200
    run = ci_runs(engine)["gl-pipeline-31"]
    assert (run.queued_at, run.started_at) == (None, at("2016-08-12T15:23:28"))


@pytest.mark.parametrize("queued", ["12", -1, True, 1e12, [3]])
def test_a_hostile_queued_duration_is_refused_and_stores_nothing(
    app: TestClient, engine: Any, queued: object
) -> None:
    answer = send_gitlab(app, pipeline(queued))

    assert answer.status_code == 400
    assert "object_attributes.queued_duration" in answer.json()["detail"]
    assert ci_runs(engine) == {}


def test_a_queue_longer_than_the_pipeline_is_a_kept_reject(app: TestClient, engine: Any) -> None:
    answer = send_gitlab(app, pipeline(600.0))

    assert answer.status_code == 202
    assert answer.json()["rejects"][0]["field"] == "finished_at"
    assert ci_runs(engine) == {}
    with Session(engine) as session:
        assert session.scalars(select(WebhookDelivery.status)).one() == "rejected"


# --- check suites, check runs, commit statuses ------------------------------------------------


def test_by_default_workflow_runs_count_and_check_suites_are_ignored_with_the_switch_named(
    app: TestClient, engine: Any
) -> None:
    suite = send_github(app, "check_suite", check_suite())

    assert suite.status_code == 202 and suite.json()["status"] == "ignored"
    assert "ci_source: check_suite" in suite.json()["reason"]
    assert send_github(app, "workflow_run", workflow_run()).status_code == 200
    assert set(ci_runs(engine)) == {"gh-run-289782451"}


def test_with_ci_source_check_suite_completed_suites_are_the_ci_runs(
    db_url: str, engine: Any, rules_file: Path, catalog: None
) -> None:
    rules_file.write_text(CHECK_SUITES)
    with start_app(db_url) as client:
        suite = send_github(client, "check_suite", check_suite())
        actions = send_github(client, "workflow_run", workflow_run())
        requested = send_github(client, "check_suite", check_suite(action="requested"))
        neutral = send_github(client, "check_suite", check_suite(conclusion="neutral"))
        check_run = send_github(client, "check_run", {"action": "completed", "check_run": {}})
        status = send_github(client, "status", {"state": "success", "context": "ci/jenkins"})

    assert suite.status_code == 200
    [run] = ci_runs(engine).values()
    assert (run.id, run.service, run.result, run.queued_at) == (
        "gh-suite-118578147",
        "hello-world",
        "success",
        None,
    )
    assert (run.started_at, run.finished_at) == (
        at("2019-05-15T15:20:31"),
        at("2019-05-15T15:21:14"),
    )
    reasons = {
        "workflow_run": (actions, "not counted twice"),
        "requested": (requested, "only completed suites count"),
        "neutral": (neutral, "'neutral' is not a success"),
        "check_run": (check_run, "counted through their check suite"),
        "status": (status, "names no run and no start time"),
    }
    for name, (answer, reason) in reasons.items():
        assert answer.status_code == 202 and answer.json()["status"] == "ignored", name
        assert reason in answer.json()["reason"], name


def test_check_suite_mappings_read_failures_and_refuse_what_they_cannot_use() -> None:
    rules = MappingRules(ci_source="check_suite")

    [(_, row)] = github.map_event("check_suite", check_suite(conclusion="timed_out"), rules)
    assert (row["result"], row["id"]) == ("failed", "gh-suite-118578147")
    empty = check_suite()
    empty["check_suite"]["latest_check_runs_count"] = 0
    with pytest.raises(Ignored, match="ran no checks"):
        github.map_event("check_suite", empty, rules)
    with pytest.raises(Ignored, match="workflow_run"):
        github.map_event("check_suite", check_suite(), MappingRules())


def test_ci_source_in_the_rules_file_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("ci_source: jenkins\n")
    with pytest.raises(RulesError, match=r"'ci_source': expected one of workflow_run, check_suite"):
        load_rules(path)
    path.write_text(CHECK_SUITES)
    assert load_rules(path).ci_source == "check_suite"
    assert MappingRules().ci_source == "workflow_run"


# --- the ci-runs file -----------------------------------------------------------------------


def test_a_ci_runs_file_carries_queued_at_and_a_queue_after_the_start_is_refused(
    engine: Any, catalog: None, tmp_path: Path
) -> None:
    path = tmp_path / "ci.csv"
    path.write_text(
        "id,service,started_at,finished_at,result,queued_at\n"
        "r1,greeter,2026-03-02T09:12:00Z,2026-03-02T09:18:10Z,success,2026-03-02T09:10:30Z\n"
        "r2,greeter,2026-03-02T09:12:00Z,2026-03-02T09:18:10Z,success,\n"
        "r3,greeter,2026-03-02T09:12:00Z,2026-03-02T09:18:10Z,success,2026-03-02T09:13:00Z\n"
    )
    run = import_file(engine, "ci-runs", path)

    assert (run.new, run.rejected) == (2, 1)
    runs = ci_runs(engine)
    assert runs["r1"].queued_at == at("2026-03-02T09:10:30")
    assert runs["r2"].queued_at is None
    with Session(engine) as session:
        reject = session.scalars(select(RunReject)).one()
    assert (reject.line, reject.field) == (4, "started_at")
    assert "is before queued_at" in reject.reason

    older = tmp_path / "older.csv"
    older.write_text(
        "id,service,started_at,finished_at,result\n"
        "r4,greeter,2026-03-02T09:12:00Z,2026-03-02T09:18:10Z,failed\n"
    )
    assert import_file(engine, "ci-runs", older).new == 1
