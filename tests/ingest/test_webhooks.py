"""Webhook receivers over real HTTP: signatures, replays, ignored events, rejects, reprocessing."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from pavedroad.catalog.models import Service, Team
from pavedroad.ingest.files import import_file
from pavedroad.ingest.models import (
    Change,
    CiRun,
    Deployment,
    Incident,
    Run,
    RunReject,
    Ticket,
    WebhookDelivery,
)
from pavedroad.ingest.rows import KEPT
from pavedroad.ingest.webhooks import deliveries as delivery_writing
from pavedroad.ingest.webhooks import (
    generic,
    github,
    gitlab,
    jira,
    pagerduty,
    reprocessing,
)
from pavedroad.ingest.webhooks.limiter import InFlightLimiter
from pavedroad.ingest.webhooks.payloads import Ignored, Malformed
from pavedroad.ingest.webhooks.receiver import WebhookReceiver, WebhookRefused
from pavedroad.ingest.webhooks.rules import MappingRules, RulesError, load_rules
from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.web.conftest import bearer, live_server, tokens, users  # noqa: F401  (fixtures)

GITHUB_SECRET, GITLAB_TOKEN, PAGERDUTY_SECRET, JIRA_SECRET = (
    "gh-secret",
    "gl-token",
    "pd-secret",
    "jira-secret",
)
SECRETS = {
    "PAVEDROAD_GITHUB_WEBHOOK_SECRET": GITHUB_SECRET,
    "PAVEDROAD_GITLAB_WEBHOOK_TOKEN": GITLAB_TOKEN,
    "PAVEDROAD_PAGERDUTY_WEBHOOK_SECRET": PAGERDUTY_SECRET,
    "PAVEDROAD_JIRA_WEBHOOK_SECRET": JIRA_SECRET,
}
RULES = """\
repositories:
  acme/ledger: ledger-service
pagerduty_services:
  Ledger API: ledger-service
ticket_categories:
  ci-pipeline: ci
ticket_kinds:
  Service Request: request
"""


@pytest.fixture(autouse=True)
def webhook_env(monkeypatch, tmp_path) -> Path:
    """Secrets and a rules file in the environment before any app is created."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    rules = tmp_path / "webhook-rules.yaml"
    rules.write_text(RULES)
    monkeypatch.setenv("PAVEDROAD_WEBHOOK_RULES", str(rules))
    return rules


# --- senders: real signed requests -------------------------------------------------------------


def hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(base: str, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        f"{base}{path}",
        content=body,
        headers={"Content-Type": "application/json", **headers},
        timeout=30,
    )


def send_github(
    base: str, event: str, payload: Any, *, delivery: str | None = None, secret: str = GITHUB_SECRET
) -> httpx.Response:
    body = json.dumps(payload).encode()
    return post(
        base,
        "/webhooks/github",
        body,
        {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": "sha256=" + hmac_hex(secret, body),
        },
    )


def send_gitlab(
    base: str, event: str, payload: Any, *, token: str = GITLAB_TOKEN, delivery: str | None = None
) -> httpx.Response:
    return post(
        base,
        "/webhooks/gitlab",
        json.dumps(payload).encode(),
        {
            "X-Gitlab-Event": event,
            "X-Gitlab-Token": token,
            "X-Gitlab-Event-UUID": delivery or str(uuid.uuid4()),
        },
    )


def send_pagerduty(base: str, payload: Any, *, secret: str = PAGERDUTY_SECRET) -> httpx.Response:
    body = json.dumps(payload).encode()
    # While a secret rotates PagerDuty sends one signature per secret.
    signature = f"v1={hmac_hex('old-secret', body)},v1={hmac_hex(secret, body)}"
    return post(base, "/webhooks/pagerduty", body, {"X-PagerDuty-Signature": signature})


def send_jira(
    base: str, payload: Any, *, secret: str = JIRA_SECRET, delivery: str | None = None
) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature": "sha256=" + hmac_hex(secret, body)}
    if delivery:
        headers["X-Atlassian-Webhook-Identifier"] = delivery
    return post(base, "/webhooks/jira", body, headers)


# --- payloads as the providers document them -------------------------------------------------


def gh_deployment_status(
    repo: str = "acme/ledger", state: str = "success", deployment_id: int = 81723
) -> dict[str, Any]:
    return {
        "action": "created",
        "deployment_status": {
            "id": 4242,
            "state": state,
            "environment": "production",
            "created_at": "2026-03-02T10:04:30Z",
            "updated_at": "2026-03-02T10:04:30Z",
        },
        "deployment": {
            "id": deployment_id,
            "sha": "7638417db6d59f3c431d3e1f261cc637155684cd",
            "ref": "main",
            "task": "deploy",
            "payload": {"via_platform": True},
            "environment": "production",
            "created_at": "2026-03-02T10:00:00Z",
            "updated_at": "2026-03-02T10:04:30Z",
        },
        "repository": {"id": 1296269, "name": repo.split("/")[1], "full_name": repo},
        "sender": {"login": "octocat"},
    }


def gh_workflow_run(
    status: str = "completed", conclusion: str | None = "success"
) -> dict[str, Any]:
    return {
        "action": "completed" if status == "completed" else "in_progress",
        "workflow_run": {
            "id": 998877,
            "name": "CI",
            "status": status,
            "conclusion": conclusion,
            "created_at": "2026-03-02T09:11:40Z",
            "run_started_at": "2026-03-02T09:12:00Z",
            "updated_at": "2026-03-02T09:18:10Z",
            "run_attempt": 1,
        },
        "repository": {"name": "search-api", "full_name": "acme/Search-API"},
    }


def gh_pull_request(merged: bool = True) -> dict[str, Any]:
    return {
        "action": "closed",
        "number": 412,
        "pull_request": {
            "number": 412,
            "state": "closed",
            "merged": merged,
            "created_at": "2026-03-01T15:20:00Z",
            "merged_at": "2026-03-02T09:10:00Z" if merged else None,
            "base": {"ref": "main", "repo": {"full_name": "acme/ledger"}},
        },
        "repository": {"full_name": "acme/ledger"},
    }


def gl_deployment(status: str = "success") -> dict[str, Any]:
    return {
        "object_kind": "deployment",
        "status": status,
        "status_changed_at": "2026-03-02 11:04:30 +0100",
        "deployment_id": 15,
        "deployable_id": 796,
        "environment": "prod",
        "project": {"id": 30, "name": "ledger", "path_with_namespace": "acme/ledger"},
    }


def gl_pipeline(status: str = "failed") -> dict[str, Any]:
    return {
        "object_kind": "pipeline",
        "object_attributes": {
            "id": 31,
            "status": status,
            "created_at": "2026-03-02 09:12:00 UTC",
            "finished_at": "2026-03-02 09:20:00 UTC",
            "duration": 480,
        },
        "project": {"id": 31, "path_with_namespace": "acme/platform/search-api"},
    }


def gl_merge_request() -> dict[str, Any]:
    return {
        "object_kind": "merge_request",
        "event_type": "merge_request",
        "project": {"path_with_namespace": "acme/ledger"},
        "object_attributes": {
            "iid": 7,
            "action": "merge",
            "state": "merged",
            "created_at": "2026-03-01 15:20:00 UTC",
            "updated_at": "2026-03-02 09:10:00 UTC",
            "target": {"path_with_namespace": "acme/ledger"},
        },
    }


def pd_event(
    event_type: str = "incident.triggered",
    *,
    event_id: str | None = None,
    status: str = "triggered",
    service: str = "Ledger API",
) -> dict[str, Any]:
    return {
        "event": {
            "id": event_id or uuid.uuid4().hex,
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": "2026-03-02T11:42:00.169Z",
            "agent": None,
            "data": {
                "id": "Q1ABC",
                "type": "incident",
                "number": 2,
                "status": status,
                "created_at": "2026-03-02T11:00:00Z",
                "title": "Ledger is slow",
                "service": {"id": "PF9KMXH", "summary": service, "type": "service_reference"},
                "priority": {"id": "PSO75BM", "summary": "P1", "type": "priority_reference"},
                "urgency": "high",
            },
        }
    }


def jira_issue(event: str = "jira:issue_created", resolved: str | None = None) -> dict[str, Any]:
    return {
        "timestamp": 1772438400000,
        "webhookEvent": event,
        "issue_event_type_name": "issue_created",
        "issue": {
            "id": "10042",
            "key": "PLAT-1234",
            "fields": {
                "summary": "Need a new staging database",
                "description": "For the ledger service",
                "created": "2026-03-02T08:00:00.000+0000",
                "resolutiondate": resolved,
                "issuetype": {"name": "Service Request"},
                "labels": ["ci-pipeline", "self-service"],
                "components": [{"name": "Databases"}],
            },
        },
    }


# --- reading the store ---------------------------------------------------------------------


def count(engine, model) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def hour_run(engine, provider: str) -> Run:
    with Session(engine) as s:
        return s.scalars(select(Run).where(Run.channel == "webhook", Run.kind == provider)).one()


def deliveries(engine, provider: str) -> list[WebhookDelivery]:
    with Session(engine) as s:
        query = select(WebhookDelivery).where(WebhookDelivery.provider == provider)
        return list(s.scalars(query.order_by(WebhookDelivery.id)))


def rows_of(engine, model) -> list[Any]:
    with Session(engine) as s:
        return list(s.scalars(select(model)))


@pytest.fixture
def server(live_server: str, catalog) -> str:  # noqa: F811
    """The live server, with `payments` owning `ledger-service` and `search` owning `search-api`."""
    return live_server


@pytest.fixture
def api_tokens(tokens: dict[str, str]) -> dict[str, str]:  # noqa: F811
    """An API token per scope: read, write, admin."""
    return tokens


# --- GitHub ----------------------------------------------------------------------------------


def test_github_events_become_deployments_ci_runs_and_changes_on_the_hour_run(server, engine):
    deployed = send_github(server, "deployment_status", gh_deployment_status())
    built = send_github(server, "workflow_run", gh_workflow_run())
    merged = send_github(server, "pull_request", gh_pull_request())

    assert [r.status_code for r in (deployed, built, merged)] == [200, 200, 200]
    assert deployed.json()["status"] == "processed"
    assert deployed.json()["counts"] == {
        "read": 1,
        "new": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    [deployment] = rows_of(engine, Deployment)
    assert (deployment.id, deployment.service, deployment.environment) == (
        "gh-deploy-81723",
        "ledger-service",
        "production",
    )
    assert deployment.team == "payments"  # the service's owner
    assert deployment.result == "success" and deployment.via_platform
    assert deployment.finished_at == datetime(2026, 3, 2, 10, 4, 30, tzinfo=UTC)
    assert deployment.channel == "webhook:github"
    [ci_run] = rows_of(engine, CiRun)
    # Without a rule, a repository is the service of its name, lower-cased.
    assert (ci_run.id, ci_run.service, ci_run.result) == ("gh-run-998877", "search-api", "success")
    [change] = rows_of(engine, Change)
    assert change.id == "acme/ledger#412"
    assert change.first_commit_at == datetime(2026, 3, 1, 15, 20, tzinfo=UTC)

    run = hour_run(engine, "github")
    assert (run.source, run.status, run.read, run.new, run.rejected) == (
        "github",
        "succeeded",
        3,
        3,
        0,
    )
    assert {d.status for d in deliveries(engine, "github")} == {"processed"}
    assert deployment.run_id == run.id


def test_a_redelivery_answers_200_and_changes_nothing(server, engine):
    first = send_github(server, "deployment_status", gh_deployment_status(), delivery="d-1")
    again = send_github(server, "deployment_status", gh_deployment_status(), delivery="d-1")

    assert first.status_code == 200 and again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert again.json()["run"] == first.json()["run"]
    assert count(engine, Deployment) == 1 and len(deliveries(engine, "github")) == 1
    run = hour_run(engine, "github")
    assert (run.read, run.new, run.unchanged, run.options["deliveries"]) == (1, 1, 0, 1)


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (None, "missing the X-Hub-Signature-256 header"),
        ("sha256=" + "0" * 64, "does not match"),
        ("sha1=abc", "does not match"),
    ],
)
def test_a_missing_or_wrong_github_signature_is_401_and_stores_nothing(
    server, engine, signature, reason
):
    headers = {"X-GitHub-Event": "deployment_status", "X-GitHub-Delivery": "d-1"}
    if signature:
        headers["X-Hub-Signature-256"] = signature
    response = post(
        server, "/webhooks/github", json.dumps(gh_deployment_status()).encode(), headers
    )

    assert response.status_code == 401
    assert reason in response.json()["detail"]
    assert count(engine, Deployment) == 0
    assert count(engine, WebhookDelivery) == 0 and count(engine, Run) == 0


def test_every_provider_refuses_a_wrong_secret_with_401(server, engine):
    answers = [
        send_github(server, "deployment_status", gh_deployment_status(), secret="wrong"),
        send_gitlab(server, "Deployment Hook", gl_deployment(), token="wrong"),
        post(server, "/webhooks/pagerduty", b"{}", {"X-PagerDuty-Signature": "v1=00,v0=11"}),
        send_jira(server, jira_issue(), secret="wrong"),
        post(server, "/webhooks/gitlab", b"{}", {"X-Gitlab-Event": "Deployment Hook"}),
        post(server, "/webhooks/jira", b"{}", {}),
    ]

    assert [a.status_code for a in answers] == [401] * 6
    assert "PAVEDROAD_GITLAB_WEBHOOK_TOKEN" in answers[1].json()["detail"]
    assert count(engine, WebhookDelivery) == 0 and count(engine, Run) == 0


def test_an_unknown_event_is_202_and_counted_as_ignored(server, engine):
    pushed = send_github(server, "push", {"ref": "refs/heads/main"})
    pending = send_github(server, "deployment_status", gh_deployment_status(state="in_progress"))
    closed = send_github(server, "pull_request", gh_pull_request(merged=False))
    running = send_github(server, "workflow_run", gh_workflow_run("in_progress", None))
    gitlab_push = send_gitlab(server, "Push Hook", {"object_kind": "push"})
    pd_ping = send_pagerduty(
        server, {"event": {"id": "E1", "event_type": "pagey.ping", "data": {"type": "ping"}}}
    )
    comment = send_jira(server, {"webhookEvent": "comment_created", "comment": {"id": "1"}})

    answers = [pushed, pending, closed, running, gitlab_push, pd_ping, comment]
    assert [a.status_code for a in answers] == [202] * 7
    assert {a.json()["status"] for a in answers} == {"ignored"}
    assert "'push' is not used" in pushed.json()["reason"]
    assert count(engine, Deployment) + count(engine, Change) + count(engine, CiRun) == 0
    run = hour_run(engine, "github")
    assert (run.options["ignored"], run.options["deliveries"], run.read, run.status) == (
        4,
        4,
        0,
        "succeeded",
    )
    assert [d.status for d in deliveries(engine, "github")] == ["ignored"] * 4
    # Ignored deliveries are kept: a later mapping may use them.
    assert json.loads(deliveries(engine, "github")[0].payload) == {"ref": "refs/heads/main"}


def test_a_garbage_body_is_400_with_the_reason_and_stores_nothing(server, engine):
    body = b"this is not json"
    not_json = post(
        server,
        "/webhooks/github",
        body,
        {
            "X-GitHub-Event": "deployment_status",
            "X-Hub-Signature-256": "sha256=" + hmac_hex("gh-secret", body),
        },
    )
    payload = gh_deployment_status()
    del payload["deployment"]
    missing = send_github(server, "deployment_status", payload)
    pd_without_id = send_pagerduty(server, {"event": {"event_type": "incident.triggered"}})

    assert not_json.status_code == 400 and "not JSON" in not_json.json()["detail"]
    assert missing.status_code == 400 and "deployment" in missing.json()["detail"]
    assert pd_without_id.status_code == 400 and "event.id" in pd_without_id.json()["detail"]
    assert count(engine, WebhookDelivery) == 0 and count(engine, Deployment) == 0


def test_an_unknown_service_is_202_and_recorded_as_a_reject_on_the_run(server, engine):
    response = send_github(server, "deployment_status", gh_deployment_status(repo="acme/billing"))

    assert response.status_code == 202
    answer = response.json()
    assert answer["status"] == "rejected"
    assert answer["rejects"][0]["field"] == "service"
    assert "unknown service" in answer["rejects"][0]["reason"]
    assert "PAVEDROAD_WEBHOOK_RULES" in answer["rejects"][0]["reason"]
    assert count(engine, Deployment) == 0
    # A webhook never creates catalog entries.
    assert count(engine, Service) == 2 and count(engine, Team) == 2
    run = hour_run(engine, "github")
    assert (run.read, run.rejected, run.status) == (1, 1, "failed")
    with Session(engine) as s:
        [reject] = s.scalars(select(RunReject).where(RunReject.run_id == run.id))
    assert reject.field == "service" and "billing" in reject.reason
    assert [d.status for d in deliveries(engine, "github")] == ["rejected"]


def test_runs_retry_reprocesses_stored_deliveries_after_a_rules_fix(
    server, engine, cli, webhook_env
):
    send_github(server, "deployment_status", gh_deployment_status(repo="acme/billing"))
    send_github(server, "push", {"ref": "refs/heads/main"})
    run = hour_run(engine, "github")
    webhook_env.write_text(
        RULES.replace("repositories:\n", "repositories:\n  acme/billing: ledger-service\n")
    )

    result = cli("runs", "retry", str(run.id), "--json")

    assert result.exit_code == 0, result.stderr
    retried = json.loads(result.stdout)
    assert retried["id"] != run.id and retried["channel"] == "webhook"
    assert (retried["status"], retried["read"], retried["new"], retried["rejected"]) == (
        "succeeded",
        1,
        1,
        0,
    )
    [deployment] = rows_of(engine, Deployment)
    assert deployment.service == "ledger-service" and deployment.run_id == retried["id"]
    assert [d.status for d in deliveries(engine, "github")] == ["processed", "ignored"]
    # Retrying the reprocessing run reprocesses the same deliveries; nothing changes now.
    again = json.loads(cli("runs", "retry", str(retried["id"]), "--json").stdout)
    assert (again["read"], again["new"], again["unchanged"]) == (1, 0, 1)


def test_concurrent_deliveries_add_up_on_the_run_and_a_copy_is_taken_once(server, engine):
    answers: list[httpx.Response] = []

    def deliver(i: int) -> None:
        delivery = "same" if i % 4 == 0 else f"d-{i}"
        payload = gh_deployment_status(deployment_id=1000 + (0 if delivery == "same" else i))
        answers.append(send_github(server, "deployment_status", payload, delivery=delivery))

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(a.status_code for a in answers) == [200] * 16
    statuses = [a.json()["status"] for a in answers]
    assert statuses.count("processed") == 13 and statuses.count("duplicate") == 3
    run = hour_run(engine, "github")
    assert (run.read, run.new, run.options["deliveries"]) == (13, 13, 13)
    assert count(engine, Deployment) == 13 and count(engine, WebhookDelivery) == 13


# --- GitLab, PagerDuty, Jira -----------------------------------------------------------------


def test_gitlab_hooks_become_deployments_ci_runs_and_changes(server, engine):
    deployed = send_gitlab(server, "Deployment Hook", gl_deployment())
    piped = send_gitlab(server, "Pipeline Hook", gl_pipeline())
    merged = send_gitlab(server, "Merge Request Hook", gl_merge_request())
    running = send_gitlab(server, "Pipeline Hook", gl_pipeline("running"))
    replay = send_gitlab(
        server,
        "Deployment Hook",
        gl_deployment(),
        delivery=deliveries(engine, "gitlab")[0].delivery_id,
    )

    assert [r.status_code for r in (deployed, piped, merged, running, replay)] == [
        200,
        200,
        200,
        202,
        200,
    ]
    assert replay.json()["status"] == "duplicate"
    [deployment] = rows_of(engine, Deployment)
    # Deployments keep the environment's own name; the production pattern is applied by KPIs.
    assert (deployment.id, deployment.environment, deployment.started_at) == (
        "gl-deploy-15",
        "prod",
        None,
    )
    assert deployment.finished_at == datetime(2026, 3, 2, 10, 4, 30, tzinfo=UTC)
    [ci_run] = rows_of(engine, CiRun)
    assert (ci_run.id, ci_run.service, ci_run.result) == ("gl-pipeline-31", "search-api", "failed")
    assert ci_run.started_at == datetime(2026, 3, 2, 9, 12, tzinfo=UTC)
    [change] = rows_of(engine, Change)
    assert (change.id, change.service) == ("acme/ledger!7", "ledger-service")
    run = hour_run(engine, "gitlab")
    assert (run.read, run.new, run.options["ignored"]) == (3, 3, 1)


def test_pagerduty_incident_events_track_the_incident_until_resolved(server, engine):
    triggered = send_pagerduty(server, pd_event("incident.triggered", event_id="E1"))
    acknowledged = send_pagerduty(server, pd_event("incident.acknowledged", status="acknowledged"))
    resolved = send_pagerduty(server, pd_event("incident.resolved", status="resolved"))
    late_note = send_pagerduty(server, pd_event("incident.priority_updated", status="resolved"))
    replay = send_pagerduty(server, pd_event("incident.triggered", event_id="E1"))

    assert [r.status_code for r in (triggered, acknowledged, resolved, late_note, replay)] == [
        200,
        200,
        200,
        202,
        200,
    ]
    assert replay.json()["status"] == "duplicate"
    [incident] = rows_of(engine, Incident)
    assert (incident.id, incident.service, incident.severity) == (
        "PD-Q1ABC",
        "ledger-service",
        "P1",
    )
    assert incident.started_at == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    assert incident.resolved_at == datetime(2026, 3, 2, 11, 42, 0, 169000, tzinfo=UTC)
    run = hour_run(engine, "pagerduty")
    # Acknowledging changes no column: the incident is unchanged until it is resolved.
    assert (run.read, run.new, run.unchanged, run.updated, run.options["ignored"]) == (
        3,
        1,
        1,
        1,
        1,
    )


def test_pagerduty_incident_of_an_unmapped_service_is_a_reject(server, engine):
    response = send_pagerduty(server, pd_event(service="Checkout Frontend"))

    assert response.status_code == 202
    assert "checkout-frontend" in response.json()["rejects"][0]["reason"]
    assert count(engine, Incident) == 0
    assert hour_run(engine, "pagerduty").rejected == 1


# --- PagerDuty as PagerDuty sends it ----------------------------------------------------------
# Shapes as published in PagerDuty's V3 webhook documentation ("Webhook Payload": `event` with
# `id`, `event_type`, `resource_type`, `occurred_at`, `agent`, `client`, `data`; `data` an
# incident with `self`, `html_url`, `number`, `status`, `incident_key`, `title`, `service`,
# `assignees`, `escalation_policy`, `teams`, `priority`, `urgency`, `resolve_reason`), and as
# captured deliveries since 2021 carry them: often no `data.created_at`, and acknowledgements
# with no more than the incident's id, status, key, title and service.

PD_T0, PD_T1, PD_T2, PD_T3, PD_T4 = (
    "2026-03-02T11:00:00.000Z",
    "2026-03-02T11:05:12.331Z",
    "2026-03-02T11:42:00.169Z",
    "2026-03-02T12:10:45.000Z",
    "2026-03-02T12:30:00.000Z",
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def pd_v3(
    event_type: str,
    occurred_at: str,
    *,
    status: str,
    incident: str = "PGR0VU2",
    created_at: str | None = None,
    priority: str | None = "P1",
    service: str | None = "Ledger API",
    captured: bool = True,
) -> dict[str, Any]:
    """A V3 delivery; `captured` leaves out what captured deliveries often lack."""
    data: dict[str, Any] = {
        "id": incident,
        "type": "incident",
        "status": status,
        "incident_key": "d3640fbd41094207a1c11e58e46b1662",
        "title": "A little bump in the road",
    }
    if service is not None:
        data["service"] = {
            "html_url": "https://acme.pagerduty.com/services/PF9KMXH",
            "id": "PF9KMXH",
            "self": "https://api.pagerduty.com/services/PF9KMXH",
            "summary": service,
            "type": "service_reference",
        }
    if not captured:
        data.update(
            {
                "self": f"https://api.pagerduty.com/incidents/{incident}",
                "html_url": f"https://acme.pagerduty.com/incidents/{incident}",
                "number": 2,
                "assignees": [],
                "escalation_policy": {"id": "PUS0KTE", "type": "escalation_policy_reference"},
                "teams": [{"id": "PFCVPS0", "summary": "Engineering", "type": "team_reference"}],
                "priority": None,
                "urgency": "high",
                "conference_bridge": None,
                "resolve_reason": None,
            }
        )
    if priority is not None:
        data["priority"] = {
            "html_url": "https://acme.pagerduty.com/account/incident_priorities",
            "id": "PSO75BM",
            "self": "https://api.pagerduty.com/priorities/PSO75BM",
            "summary": priority,
            "type": "priority_reference",
        }
    if created_at is not None:
        data["created_at"] = created_at
    return {
        "event": {
            "id": uuid.uuid4().hex[:26].upper(),
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": occurred_at,
            "agent": {
                "html_url": "https://acme.pagerduty.com/users/PLH1HKV",
                "id": "PLH1HKV",
                "self": "https://api.pagerduty.com/users/PLH1HKV",
                "summary": "Tenex Engineer",
                "type": "user_reference",
            },
            "client": {"name": "PagerDuty"},
            "data": data,
        }
    }


def the_incident(engine) -> Incident:
    [incident] = rows_of(engine, Incident)
    return incident


def test_pagerduty_trigger_without_created_at_starts_at_its_occurred_at(server, engine):
    response = send_pagerduty(server, pd_v3("incident.triggered", PD_T0, status="triggered"))

    assert response.status_code == 200 and response.json()["status"] == "processed"
    incident = the_incident(engine)
    assert (incident.id, incident.service, incident.severity) == (
        "PD-PGR0VU2",
        "ledger-service",
        "P1",
    )
    assert (incident.started_at, incident.resolved_at, incident.snapshot_at) == (
        at(PD_T0),
        None,
        at(PD_T0),
    )


def test_pagerduty_resolve_of_an_unseen_incident_is_kept_until_its_trigger_fills_the_start(
    server, engine
):
    resolved = send_pagerduty(server, pd_v3("incident.resolved", PD_T2, status="resolved"))

    assert resolved.status_code == 200
    assert resolved.json()["status"] == "processed"
    [warning] = resolved.json()["warnings"]
    assert "incidents PD-PGR0VU2: started_at unknown" in warning
    incident = the_incident(engine)
    assert (incident.started_at, incident.resolved_at) == (None, at(PD_T2))
    run = hour_run(engine, "pagerduty")
    assert (run.read, run.new, run.rejected, run.status) == (1, 1, 0, "succeeded")
    assert any("started_at unknown" in e and "incident.resolved" in e for e in run.errors)
    [delivery] = deliveries(engine, "pagerduty")
    assert delivery.status == "processed"

    # The trigger was sent first but arrives last: older, it only fills the unknown start.
    late_trigger = send_pagerduty(server, pd_v3("incident.triggered", PD_T0, status="triggered"))

    assert late_trigger.status_code == 200 and late_trigger.json()["warnings"] == []
    assert late_trigger.json()["counts"]["updated"] == 1
    incident = the_incident(engine)
    assert (incident.started_at, incident.resolved_at, incident.snapshot_at) == (
        at(PD_T0),
        at(PD_T2),
        at(PD_T2),
    )

    # Mapping every stored delivery again changes nothing, in whatever order they come.
    out = reprocessing.reprocess_run(engine, run.id)
    assert (out.read, out.new, out.updated, out.unchanged, out.rejected) == (2, 0, 0, 2, 0)
    assert the_incident(engine).resolved_at == at(PD_T2)


def test_pagerduty_acknowledge_of_an_unseen_incident_is_filled_by_a_later_event_with_created_at(
    server, engine
):
    first = send_pagerduty(
        server, pd_v3("incident.acknowledged", PD_T1, status="acknowledged", priority=None)
    )
    incident = the_incident(engine)
    assert first.status_code == 200 and len(first.json()["warnings"]) == 1
    assert (incident.started_at, incident.severity, incident.service) == (
        None,
        None,
        "ledger-service",
    )

    later = send_pagerduty(
        server,
        pd_v3("incident.priority_updated", PD_T3, status="acknowledged", created_at=PD_T0),
    )

    assert later.status_code == 200 and later.json()["warnings"] == []
    incident = the_incident(engine)
    assert (incident.started_at, incident.severity, incident.resolved_at) == (
        at(PD_T0),
        "P1",
        None,
    )


def test_pagerduty_late_acknowledge_never_clears_a_resolution(server, engine):
    for event_type, occurred, status in (
        ("incident.triggered", PD_T0, "triggered"),
        ("incident.resolved", PD_T2, "resolved"),
        ("incident.acknowledged", PD_T1, "acknowledged"),  # delivered late: older
    ):
        assert send_pagerduty(server, pd_v3(event_type, occurred, status=status)).is_success
    assert the_incident(engine).resolved_at == at(PD_T2)

    # Even one stamped after the resolution (its reopen lost): only incident.reopened reopens.
    newer = send_pagerduty(
        server, pd_v3("incident.acknowledged", PD_T3, status="acknowledged", priority="P3")
    )

    assert newer.status_code == 200
    incident = the_incident(engine)
    assert (incident.resolved_at, incident.severity, incident.snapshot_at) == (
        at(PD_T2),
        "P3",
        at(PD_T3),
    )
    run = hour_run(engine, "pagerduty")
    assert (run.read, run.new, run.updated, run.unchanged) == (4, 1, 2, 1)


def test_pagerduty_only_a_reopen_reopens_and_a_later_resolve_closes_again(server, engine):
    send_pagerduty(server, pd_v3("incident.triggered", PD_T0, status="triggered"))
    send_pagerduty(server, pd_v3("incident.resolved", PD_T1, status="resolved"))
    reopened = send_pagerduty(server, pd_v3("incident.reopened", PD_T2, status="triggered"))

    assert reopened.status_code == 200
    assert the_incident(engine).resolved_at is None

    # A resolve from before the reopen, delivered again under a new event id, stays history.
    stale = send_pagerduty(server, pd_v3("incident.resolved", PD_T1, status="resolved"))
    assert stale.json()["counts"]["unchanged"] == 1
    assert the_incident(engine).resolved_at is None

    final = send_pagerduty(server, pd_v3("incident.resolved", PD_T4, status="resolved"))
    incident = the_incident(engine)
    assert final.json()["counts"]["updated"] == 1
    assert (incident.started_at, incident.resolved_at) == (at(PD_T0), at(PD_T4))


def test_pagerduty_older_snapshots_are_ignored_and_duplicates_answer_duplicate(server, engine):
    payload = pd_v3("incident.priority_updated", PD_T3, status="acknowledged", priority="P1")
    newer = send_pagerduty(server, payload)
    older = send_pagerduty(
        server,
        pd_v3(
            "incident.priority_updated",
            PD_T1,
            status="acknowledged",
            priority="P4",
            created_at=PD_T0,
            captured=False,
        ),
    )
    replay = send_pagerduty(server, payload)

    assert [r.status_code for r in (newer, older, replay)] == [200, 200, 200]
    assert replay.json()["status"] == "duplicate"
    incident = the_incident(engine)
    # The older snapshot's priority is history; its creation time fills the unknown start.
    assert (incident.severity, incident.snapshot_at, incident.started_at) == (
        "P1",
        at(PD_T3),
        at(PD_T0),
    )
    assert older.json()["counts"]["updated"] == 1


def test_pagerduty_event_keeps_what_it_does_not_carry(server, engine, tmp_path):
    """An event sets what it carries: a file's team, cause and platform flag stay."""
    path = tmp_path / "incidents.csv"
    path.write_text(
        "id,service,team,started_at,resolved_at,severity,platform_caused\n"
        "PD-PGR0VU2,ledger-service,payments,2026-03-02T10:59:00Z,,SEV1,true\n"
    )
    assert import_file(engine, "incidents", path).status == "succeeded"

    acknowledged = send_pagerduty(
        server,
        pd_v3("incident.acknowledged", PD_T1, status="acknowledged", priority=None, service=None),
    )

    assert acknowledged.status_code == 200
    incident = the_incident(engine)
    assert (
        incident.service,
        incident.team,
        incident.severity,
        incident.platform_caused,
        incident.started_at,
        incident.snapshot_at,
    ) == (
        "ledger-service",
        "payments",
        "SEV1",
        True,
        datetime(2026, 3, 2, 10, 59, tzinfo=UTC),
        at(PD_T1),
    )

    # A file row without snapshot_at is taken as it is; one with an older one changes nothing.
    path.write_text(
        "id,service,started_at,resolved_at,severity,snapshot_at\n"
        "PD-PGR0VU2,ledger-service,2026-03-02T10:59:00Z,2026-03-02T11:30:00Z,P2,2026-03-02T11:01:00Z\n"
    )
    assert import_file(engine, "incidents", path).unchanged == 1
    path.write_text(
        "id,service,started_at,resolved_at,severity\n"
        "PD-PGR0VU2,ledger-service,2026-03-02T10:59:00Z,2026-03-02T11:30:00Z,P2\n"
    )
    assert import_file(engine, "incidents", path).updated == 1
    incident = the_incident(engine)
    assert (incident.resolved_at, incident.severity, incident.team, incident.snapshot_at) == (
        datetime(2026, 3, 2, 11, 30, tzinfo=UTC),
        "P2",
        None,
        None,
    )


def test_pagerduty_deliveries_that_say_nothing_about_the_state_or_are_hostile(server, engine):
    annotated = pd_v3("incident.annotated", PD_T1, status="triggered")
    annotated["event"]["data"] = {
        "incident": {"id": "PGR0VU2", "type": "incident_reference", "summary": "A bump"},
        "id": "P2LA89X",
        "content": "I sure am glad we are using PagerDuty!",
        "trimmed": False,
        "type": "incident_note",
    }
    no_time = pd_v3("incident.triggered", PD_T0, status="triggered")
    del no_time["event"]["occurred_at"]
    bad_time = pd_v3("incident.triggered", "yesterday", status="triggered")
    before_start = pd_v3("incident.resolved", PD_T0, status="resolved", created_at=PD_T1)
    odd_id = pd_v3("incident.triggered", PD_T0, status="triggered", incident="PGR\u0000VU2")
    long_priority = pd_v3("incident.triggered", PD_T0, status="triggered", priority="P" * 300)
    blank_created = pd_v3("incident.triggered", PD_T0, status="triggered", created_at=" ")

    answers = [
        send_pagerduty(server, p)
        for p in (annotated, no_time, bad_time, before_start, odd_id, long_priority)
    ]

    assert [r.status_code for r in answers] == [202, 400, 202, 202, 202, 202]
    assert answers[0].json()["status"] == "ignored"
    assert "occurred_at" in answers[1].json()["detail"]
    assert "snapshot_at" in answers[2].json()["rejects"][0]["reason"]
    assert "is before started_at" in answers[3].json()["rejects"][0]["reason"]
    assert "NUL" in answers[4].json()["rejects"][0]["reason"]
    assert "severity" in answers[5].json()["rejects"][0]["reason"]
    assert count(engine, Incident) == 0
    # Every accepted delivery is kept, to be mapped again after a fix.
    assert len(deliveries(engine, "pagerduty")) == 5

    blank = send_pagerduty(server, blank_created)
    assert blank.status_code == 200 and the_incident(engine).started_at == at(PD_T0)


def test_jira_issues_become_tickets_with_category_and_kind_from_the_rules(server, engine):
    created = send_jira(server, jira_issue(), delivery="jira-1")
    updated = send_jira(
        server, jira_issue("jira:issue_updated", resolved="2026-03-02T16:30:00.000+0000")
    )
    resent = send_jira(
        server, jira_issue("jira:issue_updated", resolved="2026-03-02T16:30:00.000+0000")
    )

    assert [r.status_code for r in (created, updated, resent)] == [200, 200, 200]
    # Without X-Atlassian-Webhook-Identifier the body's hash names the delivery.
    assert resent.json()["status"] == "duplicate"
    [ticket] = rows_of(engine, Ticket)
    assert (ticket.id, ticket.category, ticket.kind, ticket.self_service) == (
        "PLAT-1234",
        "ci",
        "request",
        True,
    )
    assert ticket.text.startswith("Need a new staging database")
    assert ticket.resolved_at == datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    run = hour_run(engine, "jira")
    assert (run.new, run.updated) == (1, 1)


# --- the generic hook -------------------------------------------------------------------------


def test_the_generic_hook_needs_a_write_token(server, engine, api_tokens):
    deployment = {
        "id": "ci-deploy-1",
        "service": "ledger-service",
        "environment": "production",
        "finished_at": "2026-03-02T10:04:30Z",
        "result": "success",
    }
    body = json.dumps(deployment).encode()
    anonymous = post(server, "/api/v1/hooks/deployments", body, {})
    read = post(server, "/api/v1/hooks/deployments", body, bearer(api_tokens["read"]))
    written = post(server, "/api/v1/hooks/deployments", body, bearer(api_tokens["write"]))

    assert (anonymous.status_code, read.status_code, written.status_code) == (401, 403, 200)
    assert written.json()["counts"]["new"] == 1
    [stored] = rows_of(engine, Deployment)
    assert stored.channel == "webhook:generic" and stored.team == "payments"
    run = hour_run(engine, "generic")
    assert (run.source, run.new) == ("generic", 1)


def test_the_generic_hook_takes_a_batch_with_an_idempotency_key(server, engine, api_tokens):
    batch = {
        "rows": [
            {
                "id": "run-1",
                "service": "search-api",
                "started_at": "2026-03-02T09:12:00Z",
                "finished_at": "2026-03-02T09:18:10Z",
                "result": "success",
            },
            {"id": "run-2", "service": "nope", "started_at": "x", "finished_at": "2026-03-02"},
        ]
    }
    headers = {**bearer(api_tokens["write"]), "Idempotency-Key": "batch-7"}
    body = json.dumps(batch).encode()
    first = post(server, "/api/v1/hooks/ci-runs", body, headers)
    again = post(server, "/api/v1/hooks/ci-runs", body, headers)
    unknown_kind = post(server, "/api/v1/hooks/builds", body, headers)
    not_rows = post(server, "/api/v1/hooks/ci-runs", b'{"rows": 3}', bearer(api_tokens["write"]))

    assert first.status_code == 202
    answer = first.json()
    assert answer["counts"]["new"] == 1 and answer["counts"]["rejected"] == 1
    assert {r["field"] for r in answer["rejects"]} == {"started_at"}
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert unknown_kind.status_code == 404 and "ci-runs" in unknown_kind.json()["detail"]
    assert not_rows.status_code == 400 and "rows" in not_rows.json()["detail"]
    assert [r.id for r in rows_of(engine, CiRun)] == ["run-1"]
    run = hour_run(engine, "generic")
    assert (run.read, run.new, run.rejected, run.status) == (2, 1, 1, "partly_succeeded")
    with Session(engine) as s:
        [reject] = s.scalars(select(RunReject))
    assert reject.line == 2 and reject.field == "started_at"


# --- configuration, overload and failure ------------------------------------------------------


def app_client(db_url: str) -> TestClient:
    return TestClient(
        create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))
    )


def test_a_provider_without_a_secret_answers_503_naming_the_variable(db_url, monkeypatch):
    monkeypatch.delenv("PAVEDROAD_JIRA_WEBHOOK_SECRET")
    with app_client(db_url) as client:
        response = client.post("/webhooks/jira", content=b"{}")

    assert response.status_code == 503
    assert "set PAVEDROAD_JIRA_WEBHOOK_SECRET" in response.json()["detail"]


def test_too_many_deliveries_in_flight_answer_503_with_retry_after(
    db_url, engine, catalog, monkeypatch
):
    monkeypatch.setenv("PAVEDROAD_WEBHOOK_MAX_IN_FLIGHT", "2")
    body = json.dumps(gh_deployment_status()).encode()
    headers = {
        "X-GitHub-Event": "deployment_status",
        "X-GitHub-Delivery": "d-1",
        "X-Hub-Signature-256": "sha256=" + hmac_hex("gh-secret", body),
    }
    with app_client(db_url) as client:
        limiter = client.app.state.webhooks.limiter
        assert limiter.limit == 2
        assert limiter.try_acquire() and limiter.try_acquire()
        busy = client.post("/webhooks/github", content=body, headers=headers)
        limiter.release()
        taken = client.post("/webhooks/github", content=body, headers=headers)
        limiter.release()
        # Refused deliveries give their slot back too.
        unsigned = client.post("/webhooks/github", content=body)
        anonymous = client.post("/api/v1/hooks/deployments", content=b"{}")
        overloaded_then_free = limiter.in_flight

    assert busy.status_code == 503 and busy.headers["retry-after"] == "10"
    assert "too many webhook deliveries" in busy.json()["detail"]
    assert taken.status_code == 200
    assert (unsigned.status_code, anonymous.status_code, overloaded_then_free) == (401, 401, 0)
    assert count(engine, Deployment) == 1


def test_a_delivery_that_fails_while_writing_leaves_nothing_behind(
    engine, db_url, catalog, monkeypatch
):
    settings = Settings(database_url=db_url, session_days=1, secure_cookies=False)
    hook = WebhookReceiver(engine, settings)
    real_upsert = delivery_writing.upsert_rows

    def upsert_then_fail(*args: Any, **kwargs: Any) -> Any:
        real_upsert(*args, **kwargs)
        raise OperationalError("INSERT ...", {}, Exception("disk I/O error"))

    monkeypatch.setattr(delivery_writing, "upsert_rows", upsert_then_fail)
    body = json.dumps(
        {
            "rows": [
                {
                    "id": f"d-{i}",
                    "service": "ledger-service",
                    "environment": "prod",
                    "finished_at": "2026-03-02",
                    "result": "success",
                }
                for i in range(3)
            ]
        }
    ).encode()
    with pytest.raises(WebhookRefused) as refused:
        hook.receive_generic("deployments", {"idempotency-key": "k"}, body)

    assert refused.value.status == 503 and refused.value.headers["Retry-After"] == "10"
    assert count(engine, Deployment) == 0 and count(engine, WebhookDelivery) == 0
    assert hour_run(engine, "generic").read == 0
    monkeypatch.setattr(delivery_writing, "upsert_rows", real_upsert)
    assert hook.receive_generic("deployments", {"idempotency-key": "k"}, body).counts.new == 3


def test_a_bad_rules_file_stops_the_start_naming_the_file_and_key(db_url, webhook_env):
    webhook_env.write_text("ticket_kinds:\n  Bug: defect\n")

    with pytest.raises(RulesError, match=r"webhook-rules\.yaml.*'ticket_kinds\.Bug'.*defect"):
        create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))


def test_a_delivery_after_an_owner_change_in_another_process_carries_the_new_team(
    server, engine, db_url, tmp_path
):
    before = send_github(server, "deployment_status", gh_deployment_status(deployment_id=1))
    services = tmp_path / "services.csv"
    services.write_text("name,owner\nledger-service,search\n")
    imported = subprocess.run(
        [sys.executable, "-m", "pavedroad", "import", "services", str(services), "--db", db_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    after = send_github(server, "deployment_status", gh_deployment_status(deployment_id=2))

    assert imported.returncode == 0, imported.stderr
    assert (before.status_code, after.status_code) == (200, 200)
    teams = {d.id: d.team for d in rows_of(engine, Deployment)}
    assert teams == {"gh-deploy-1": "payments", "gh-deploy-2": "search"}


# --- pure functions ---------------------------------------------------------------------------


def test_the_limiter_admits_up_to_its_limit_and_frees_slots_on_release():
    limiter = InFlightLimiter(2)

    assert limiter.try_acquire() and limiter.try_acquire()
    assert not limiter.try_acquire()
    limiter.release()
    assert limiter.try_acquire() and limiter.in_flight == 2
    limiter.release()
    limiter.release()
    with pytest.raises(RuntimeError):
        limiter.release()


def test_the_limiter_never_admits_more_than_its_limit_under_contention():
    limiter = InFlightLimiter(5)
    admitted: list[bool] = []
    threads = [
        threading.Thread(target=lambda: admitted.append(limiter.try_acquire())) for _ in range(50)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert admitted.count(True) == 5 and limiter.in_flight == 5


def test_signatures_are_checked_against_the_raw_body():
    body = b'{"a": 1}'
    good = hmac_hex("s", body)

    assert github.verify({"x-hub-signature-256": f"sha256={good}"}, body, "s")
    assert github.verify({"x-hub-signature-256": f"sha256={good.upper()}"}, body, "s")
    assert not github.verify({"x-hub-signature-256": f"sha256={good}"}, body + b" ", "s")
    assert not github.verify({}, body, "s")
    assert gitlab.verify({"x-gitlab-token": "s"}, body, "s")
    assert not gitlab.verify({"x-gitlab-token": "S"}, body, "s")
    assert pagerduty.verify({"x-pagerduty-signature": f"v1=abc, v1={good}"}, body, "s")
    assert not pagerduty.verify({"x-pagerduty-signature": f"v2={good}"}, body, "s")
    assert jira.verify({"x-hub-signature": f"sha256={good}"}, body, "s")
    assert not jira.verify({"x-hub-signature": good}, body, "s")


def test_delivery_ids_come_from_headers_or_the_body():
    body = b"{}"

    assert github.delivery_id({"x-github-delivery": "72d3162e"}, body) == "72d3162e"
    assert github.delivery_id({}, body).startswith("sha256:")
    assert gitlab.delivery_id({"x-gitlab-event-uuid": "u", "idempotency-key": "k"}, body) == "k"
    assert gitlab.delivery_id({"x-gitlab-event-uuid": "u"}, body) == "u"
    assert pagerduty.delivery_id({}, b'{"event": {"id": "01BZX"}}') == "01BZX"
    assert jira.delivery_id({"x-atlassian-webhook-identifier": "9"}, body) == "9"
    assert generic.delivery_id({"idempotency-key": "x" * 500}, body).startswith("sha256:")


def test_github_mapping_reads_final_states_and_rollbacks():
    rules = MappingRules()
    payload = gh_deployment_status(state="error")
    payload["deployment"]["task"] = "deploy:rollback"
    [(kind, row)] = github.map_event("deployment_status", payload, rules)

    assert (kind, row["result"], row["is_rollback"], row["service"]) == (
        "deployments",
        "failed",
        True,
        "ledger",
    )
    with pytest.raises(Ignored, match="not final"):
        github.map_event("deployment_status", gh_deployment_status(state="pending"), rules)
    with pytest.raises(Ignored, match="skipped"):
        github.map_event("workflow_run", gh_workflow_run(conclusion="skipped"), rules)
    with pytest.raises(Malformed, match=r"repository\.full_name"):
        github.map_event("workflow_run", {"workflow_run": gh_workflow_run()["workflow_run"]}, rules)
    with pytest.raises(Malformed, match="JSON object"):
        github.map_event("pull_request", [1, 2], rules)


def test_gitlab_and_pagerduty_mappings_skip_unfinished_states():
    rules = MappingRules()

    with pytest.raises(Ignored, match="running"):
        gitlab.map_event("Deployment Hook", gl_deployment("running"), rules)
    with pytest.raises(Ignored, match="only merges"):
        gitlab.map_event("Merge Request Hook", {"object_attributes": {"action": "open"}}, rules)
    [(_, row)] = gitlab.map_event("Pipeline Hook", gl_pipeline("canceled"), rules)
    assert row["result"] == "cancelled" and row["finished_at"] == "2026-03-02 09:20:00+00:00"
    [(_, incident)] = pagerduty.map_event("incident.triggered", pd_event(), rules)
    assert incident["service"] == "ledger-api" and incident["resolved_at"] is KEPT


def test_jira_mapping_defaults_without_rules():
    payload = jira_issue()
    payload["issue"]["fields"]["issuetype"] = {"name": "Bug"}
    payload["issue"]["fields"]["labels"] = []
    [(_, ticket)] = jira.map_event("jira:issue_created", payload, MappingRules())

    assert (ticket["kind"], ticket["category"], ticket["self_service"]) == (
        "bug",
        "databases",
        False,
    )
    with pytest.raises(Ignored):
        jira.map_event("jira:issue_deleted", payload, MappingRules())


def test_generic_bodies_are_one_object_or_a_list_of_rows():
    rules = MappingRules()

    assert generic.map_event("deployments", {"ID": "x"}, rules) == [("deployments", {"id": "x"})]
    assert len(generic.map_event("deployments", {"rows": [{}, {}]}, rules)) == 2
    for bad in ([], {"rows": []}, {"rows": [1]}, {"rows": [{}], "extra": 1}):
        with pytest.raises(Malformed):
            generic.map_event("deployments", bad, rules)


def test_rules_files_are_checked_key_by_key(tmp_path):
    path = tmp_path / "rules.yaml"
    cases = {
        "colours: {a: b}\n": "'colours': unknown key",
        "repositories: [a, b]\n": "'repositories': expected a mapping",
        "repositories: {acme/x: ''}\n": "'repositories.acme/x': expected a non-empty name",
        "self_service_labels: yes\n": "'self_service_labels'",
        "repositories: {a: [\n": "broken YAML at line",
    }
    for text, message in cases.items():
        path.write_text(text)
        with pytest.raises(RulesError, match=message):
            load_rules(path)
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "missing.yaml")

    path.write_text(RULES)
    rules = load_rules(path)
    assert rules.service_for_repository("ACME/Ledger") == "ledger-service"
    assert rules.service_for_repository("group/sub/Billing") == "billing"
    assert rules.ticket_kind("service request") == "request"
    assert load_rules(None) == MappingRules()
