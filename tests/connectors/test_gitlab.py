"""The GitLab connector against a stand-in answering in REST v4's documented shapes: through
the CLI and the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pavedroad.db import unit_of_work
from pavedroad.errors import InvalidInputError
from pavedroad.ingest.connectors import gitlab
from pavedroad.ingest.models import Change, CiRun, Deployment, Run
from tests.connectors.standin import Answer, StandIn
from tests.connectors.standins.gitlab import (
    NO_SCOPE,
    TOKEN,
    GitLab,
    commit,
    deployment,
    merge_request,
    pipeline,
)

ENV = "GL_TEST_TOKEN"
SECRETS = (TOKEN, NO_SCOPE)
DAY0 = (datetime.now(UTC) - timedelta(days=20)).replace(hour=0, minute=0, second=0, microsecond=0)
LEDGER, PATH = 11, "acme/ledger"


def at(hours: float) -> str:
    return (DAY0 + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def fixture(gl: GitLab) -> None:
    """Three merged MRs, five deployments (two successful to production), four pipelines.

    Lead times: MR 1 (first commit -2 h) ships with deployment 101 (finished 1.5 h): 210 min;
    MR 2 (first commit 2 h) with 103 (4 h): 120 min; MR 3 reaches staging only. CI runs
    (start = created + queued_duration): 4.5, 10 and 2 minutes; a running one is not read.
    """
    gl.add_project(LEDGER, PATH)
    gl.merge_requests[LEDGER] = [
        merge_request(LEDGER, PATH, 1, at(0), at(1)),
        merge_request(LEDGER, PATH, 2, at(2.5), at(3)),
        merge_request(LEDGER, PATH, 3, at(4.2), at(5)),
    ]
    gl.commits[(LEDGER, 1)] = [commit(12, at(-1)), commit(11, at(-2))]
    gl.commits[(LEDGER, 2)] = [commit(21, at(2))]
    gl.commits[(LEDGER, 3)] = [commit(31, at(4))]
    gl.deployments[LEDGER] = [
        deployment(101, "production", "success", finished=at(1.5), updated=at(1.6)),
        deployment(102, "staging", "success", finished=at(3.2), updated=at(3.2)),
        deployment(103, "production", "success", finished=at(4), updated=at(4.1)),
        deployment(104, "production", "failed", finished=None, updated=at(6), job=False),
        deployment(105, "production", "running", finished=None, updated=at(7)),
    ]
    gl.shipped = {101: [1], 102: [2, 3], 103: [2]}
    gl.pipelines[LEDGER] = [
        pipeline(LEDGER, 201, "success", at(0), at(0 + 5 / 60), 30),
        pipeline(LEDGER, 202, "failed", at(1), at(1 + 11 / 60), 60),
        pipeline(LEDGER, 203, "running", at(2), None, 5),
        pipeline(LEDGER, 204, "canceled", at(3), at(3 + 2 / 60), 0),
    ]


@pytest.fixture
def gl(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> GitLab:
    monkeypatch.setenv(ENV, TOKEN)
    instance = GitLab()
    instance.install(standin)
    return instance


def _add(cli, standin: StandIn, *extra: str, name: str = "gl") -> None:
    options = extra or ("--project", PATH)
    result = cli(
        "connect",
        "add",
        "gitlab",
        name,
        "--url",
        f"{standin.base_url}/api/v4",
        "--token-env",
        ENV,
        *options,
    )
    assert result.exit_code == 0, result.output
    assert all(s not in result.output for s in SECRETS)


def _sync(cli, name: str = "gl", *extra: str) -> dict:
    result = cli("connect", "sync", name, "--json", *extra)
    for secret in SECRETS:
        assert secret not in result.output and secret not in (result.stderr or "")
    return json.loads(result.stdout)


def _stored(engine) -> tuple[dict, dict, dict]:
    with unit_of_work(engine) as s:
        return (
            {d.id: d for d in s.scalars(select(Deployment))},
            {c.id: c for c in s.scalars(select(Change))},
            {r.id: r for r in s.scalars(select(CiRun))},
        )


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def test_backfill_maps_deployments_merge_requests_and_pipelines_over_several_pages(
    cli, engine, catalog, standin: StandIn, gl: GitLab
) -> None:
    fixture(gl)
    _add(cli, standin)
    run = _sync(cli)
    assert run["status"] == "succeeded", run["errors"]
    deployments, changes, ci_runs = _stored(engine)
    assert set(deployments) == {"gl-deploy-101", "gl-deploy-102", "gl-deploy-103", "gl-deploy-104"}
    first = deployments["gl-deploy-101"]
    assert first.service == "ledger" and first.environment == "production"
    assert first.result == "success" and first.finished_at.replace(tzinfo=UTC) == DAY0 + timedelta(
        hours=1.5
    )
    # A failed deployment without a job finishes at its updated_at.
    assert deployments["gl-deploy-104"].result == "failed"
    assert deployments["gl-deploy-104"].finished_at.replace(tzinfo=UTC) == DAY0 + timedelta(hours=6)
    assert set(changes) == {"acme/ledger!1", "acme/ledger!2", "acme/ledger!3"}
    one = changes["acme/ledger!1"]
    assert one.deployment_id == "gl-deploy-101"
    assert one.first_commit_at.replace(tzinfo=UTC) == DAY0 - timedelta(hours=2)
    assert changes["acme/ledger!2"].deployment_id == "gl-deploy-103"  # production, not staging
    assert changes["acme/ledger!3"].deployment_id is None
    assert set(ci_runs) == {"gl-pipeline-201", "gl-pipeline-202", "gl-pipeline-204"}
    ci = ci_runs["gl-pipeline-201"]
    assert _minutes(ci.finished_at - ci.started_at) == pytest.approx(4.5)
    assert ci.queued_at.replace(tzinfo=UTC) == DAY0
    assert ci_runs["gl-pipeline-204"].result == "cancelled"
    # Pagination by X-Next-Page: two items a page, every page asked once.
    pages = [r.arg("page") for r in standin.requests if r.path.endswith("/11/deployments")]
    assert pages == ["1", "2", "3"]
    listed = [r for r in standin.requests if r.path.endswith("/deployments")]
    assert {r.arg("order_by") for r in listed} == {"updated_at"}
    assert all(r.arg("updated_after") and not r.arg("updated_before") for r in listed)
    bounded = [
        r for r in standin.requests if r.path.endswith(("/11/merge_requests", "/11/pipelines"))
    ]
    assert all(r.arg("updated_after") and r.arg("updated_before") for r in bounded)
    assert {r.headers.get("private-token") for r in standin.requests} == {TOKEN}
    assert standin.count(r"/api/v4/projects/acme%2Fledger$") == 1  # the path is URL-encoded
    assert standin.count(r"/pipelines/\d+$") == 3  # the list lacks the times


def test_kpis_on_a_backfilled_fixture_match_hand_computed_values(
    cli, engine, catalog, standin: StandIn, gl: GitLab
) -> None:
    fixture(gl)
    _add(cli, standin)
    assert _sync(cli)["status"] == "succeeded"
    window = f"{(DAY0 - timedelta(days=1)).date()}..{(DAY0 + timedelta(days=6)).date()}"
    result = cli("kpis", "--window", window, "--json")
    assert result.exit_code == 0, result.output
    kpis = {k["id"]: k for k in json.loads(result.stdout)["kpis"]}
    assert kpis["lead_time_p50"]["value"] == pytest.approx(165)  # median of 210 and 120 min
    assert kpis["deploy_frequency"]["value"] == pytest.approx(2)  # two in 7 days
    assert kpis["ci_duration_p50"]["value"] == pytest.approx(4.5)  # of 4.5, 10 and 2 min


def test_rate_limit_headers_pause_the_sync_and_a_502_is_retried(
    cli, engine, catalog, standin: StandIn, gl: GitLab
) -> None:
    fixture(gl)
    reset = int(time.time()) + 1
    standin.fail(
        Answer(
            429,
            {"message": "Retry later"},
            # GitLab's own headers, without Retry-After: the wait runs to the reset.
            {"RateLimit-Limit": "600", "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)},
        ),
        when=lambda r: r.path.endswith("/merge_requests") and r.arg("page") == "2",
    )
    standin.fail(
        Answer(502, {"message": "502 Bad Gateway"}),
        when=lambda r: r.path.endswith("/11/deployments") and r.arg("page") == "2",
    )
    _add(cli, standin)
    run = _sync(cli)
    assert run["status"] == "succeeded", run["errors"]
    assert run["http"]["waited_seconds"] >= 1 and run["http"]["retries"] == 1
    deployments, changes, ci_runs = _stored(engine)
    assert len(deployments) == 4 and len(changes) == 3 and len(ci_runs) == 3
    assert changes["acme/ledger!2"].deployment_id == "gl-deploy-103"


def test_a_token_without_read_api_fails_clearly_and_writes_nothing(
    cli, engine, catalog, standin: StandIn, gl: GitLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixture(gl)
    monkeypatch.setenv(ENV, NO_SCOPE)
    _add(cli, standin)
    test = cli("connect", "test", "gl", "--json")
    assert test.exit_code == 1 and "403" in test.stdout and NO_SCOPE not in test.stdout
    run = _sync(cli)
    assert run["status"] == "failed"
    assert "permission denied (403)" in run["errors"][0]
    assert "insufficient_scope" in run["errors"][0] and "read_api" in run["errors"][0]
    assert _stored(engine) == ({}, {}, {})


def test_an_interrupted_sync_resumes_at_the_failed_page(
    cli, engine, catalog, standin: StandIn, gl: GitLab
) -> None:
    fixture(gl)
    standin.fail(
        Answer(404, {"message": "404 Not found"}),
        when=lambda r: r.path.endswith("/11/deployments") and r.arg("page") == "2",
    )
    _add(cli, standin)
    first = _sync(cli)
    assert first["status"] == "failed"
    deployments, changes, _ = _stored(engine)
    assert set(deployments) == {"gl-deploy-101", "gl-deploy-102"}  # page 1 was written
    assert changes["acme/ledger!1"].deployment_id == "gl-deploy-101"
    shown = json.loads(cli("connect", "show", "gl", "--json").stdout)
    pending = [r for r in shown["resources"] if r["resource"] == "deployments acme/ledger"]
    assert pending and pending[0]["pending_since"] is not None
    done = {r["resource"]: r for r in shown["resources"]}
    assert done["merge_requests acme/ledger"]["pending_since"] is None
    assert done["project acme/ledger"]["synced_until"] is not None
    before = len(standin.requests)
    second = _sync(cli)
    assert second["status"] == "succeeded", second["errors"]
    assert second["resumes"] == first["id"]
    resumed = [
        r.arg("page") for r in standin.requests[before:] if r.path.endswith("/11/deployments")
    ]
    assert resumed == ["2", "3"]
    with unit_of_work(engine) as s:
        assert s.get_one(Run, first["id"]).status == "retried"
    deployments, changes, ci_runs = _stored(engine)
    assert len(deployments) == 4 and len(changes) == 3 and len(ci_runs) == 3
    assert changes["acme/ledger!2"].deployment_id == "gl-deploy-103"


def test_an_incremental_sync_with_nothing_new_asks_each_list_once(
    cli, engine, catalog, standin: StandIn, gl: GitLab
) -> None:
    fixture(gl)
    _add(cli, standin)
    assert _sync(cli)["status"] == "succeeded"
    before = len(standin.requests)
    run = _sync(cli)
    assert run["status"] == "succeeded"
    asked = [r.path.removeprefix("/api/v4/projects/11") for r in standin.requests[before:]]
    assert sorted(asked) == ["/deployments", "/merge_requests", "/pipelines"]
    assert run["read"] == 0


def test_a_group_reads_every_project_of_its_subgroups(
    cli, engine, catalog, standin: StandIn, gl: GitLab
) -> None:
    fixture(gl)
    gl.add_project(12, "acme/search/search-api")
    gl.merge_requests[12] = [merge_request(12, "acme/search/search-api", 1, at(0), at(1))]
    gl.commits[(12, 1)] = [commit(99, at(0.5))]
    gl.deployments[12] = []
    gl.groups["acme"] = [LEDGER, 12]
    _add(cli, standin, "--group", "acme")
    run = _sync(cli)
    assert run["status"] == "succeeded", run["errors"]
    _, changes, _ = _stored(engine)
    assert changes["acme/search/search-api!1"].service == "search-api"
    listed = [r for r in standin.requests if r.path == "/api/v4/groups/acme/projects"]
    assert listed and listed[0].arg("include_subgroups") == "true"


def test_hostile_answers_refuse_rows_with_the_reason_and_the_sync_goes_on(
    cli, engine, catalog, standin: StandIn, gl: GitLab
) -> None:
    fixture(gl)
    huge = deployment(106, "x" * 20_000, "success", finished=at(8), updated=at(8))
    nameless = deployment(107, "production", "success", finished=at(9), updated=at(9))
    del nameless["environment"]
    gl.deployments[LEDGER] += [huge, nameless, "not an object"]  # type: ignore[list-item]
    gl.broken_pipelines.add(202)
    iidless = merge_request(LEDGER, PATH, 9, at(6), at(6.5))
    del iidless["iid"]
    gl.merge_requests[LEDGER].append(iidless)
    _add(cli, standin)
    run = _sync(cli)
    assert run["status"] == "partly_succeeded", run["errors"]
    text = " ".join(run["errors"])
    assert "environment" in text and "longer than 200" in text and "required" in text
    assert "finished_at" in text and "not JSON" in text
    assert run["tables"]["deployments"]["rejected"] == 2
    assert run["tables"]["ci-runs"]["rejected"] == 1
    assert run["tables"]["changes"]["rejected"] == 1
    assert not standin.count("None")  # no request was built from a missing id
    deployments, _, ci_runs = _stored(engine)
    assert len(deployments) == 4 and set(ci_runs) == {"gl-pipeline-201", "gl-pipeline-204"}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"repos": ["a/b"], "projects": ["a/b"]}, "repo"),
        ({"jql": "project = X", "group": "acme"}, "jql"),
        ({}, "project"),
        ({"projects": ["a/b"], "group": "acme"}, "project"),
        ({"projects": ["no-slash"]}, "project"),
        ({"group": "acme/../x y"}, "group"),
    ],
)
def test_options_refuse_what_is_not_gitlab_s_naming_the_option(raw: dict, field: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        gitlab.PROVIDER.options(raw)
    assert field in str(raised.value)


def test_options_keep_projects_by_path_or_id_and_the_url_defaults_to_gitlab_com() -> None:
    assert gitlab.PROVIDER.options({"projects": ["acme/sub/api", "42"]}) == {
        "projects": ["acme/sub/api", "42"]
    }
    assert gitlab.PROVIDER.default_url == "https://gitlab.com/api/v4"
    assert gitlab.PROVIDER.auth_headers("t", {}) == {"PRIVATE-TOKEN": "t"}


def test_a_merged_mr_updated_later_keeps_the_deployment_it_reached(
    cli, engine, catalog, standin: StandIn, gl: GitLab
) -> None:
    fixture(gl)
    _add(cli, standin)
    assert _sync(cli)["status"] == "succeeded"
    # A comment on MR 1 after its deployment: GitLab moves its updated_at to now.
    recent = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    gl.merge_requests[LEDGER][0]["updated_at"] = recent
    run = _sync(cli)
    assert run["status"] == "succeeded"
    _, changes, _ = _stored(engine)
    assert changes["acme/ledger!1"].deployment_id == "gl-deploy-101"
    assert standin.count(r"/merge_requests/1/commits$") == 1  # asked once, in the backfill


def test_connect_test_reads_one_page_of_each_list(
    cli, engine, catalog, standin: StandIn, gl: GitLab
) -> None:
    fixture(gl)
    _add(cli, standin)
    result = cli("connect", "test", "gl", "--json")
    assert result.exit_code == 0, result.output
    notes = json.loads(result.stdout)["notes"]
    assert notes == [
        "acme/ledger: merge requests readable",
        "acme/ledger: deployments readable",
        "acme/ledger: pipelines readable",
    ]
    assert TOKEN not in result.output


def test_the_next_page_comes_from_x_next_page_else_the_link_header() -> None:
    import httpx

    from pavedroad.ingest.connectors.http import Page, parse_links

    def page(headers: dict[str, str]) -> Page:
        return Page("u", 200, [], httpx.Headers(headers), parse_links(headers.get("link")))

    assert gitlab._next_page(page({"X-Next-Page": "3"})) == 3
    link = '<https://gl.example/api/v4/projects/1/pipelines?page=4&per_page=100>; rel="next"'
    assert gitlab._next_page(page({"X-Next-Page": "", "link": link})) == 4
    assert gitlab._next_page(page({"X-Next-Page": ""})) is None


def test_the_sync_service_reports_progress_and_waits(
    engine, catalog, settings, standin: StandIn, gl: GitLab
) -> None:
    from pavedroad.ingest.connectors.service import add_connection
    from pavedroad.ingest.connectors.sync import SyncHooks, sync_connection

    fixture(gl)
    standin.fail(
        Answer(429, {"message": "Retry later"}, {"Retry-After": "1"}),
        when=lambda r: r.path.endswith("/11/pipelines") and r.arg("page") == "2",
    )
    with unit_of_work(engine) as s:
        add_connection(
            session=s,
            name="gl",
            provider="gitlab",
            url=f"{standin.base_url}/api/v4",
            token_env=ENV,
            token=None,
            secret_key=None,
            options={"projects": ["11"]},
            every="1h",
        )
    progress: list[str] = []
    waits: list[str] = []
    hooks = SyncHooks(on_progress=progress.append, on_wait=lambda _s, why: waits.append(why))
    run = sync_connection(engine, settings, "gl", hooks=hooks)
    assert run.status == "succeeded", run.errors
    assert run.tables["deployments"].new == 4 and run.tables["ci-runs"].new == 3
    assert "deployments of acme/ledger, page 2" in progress
    assert waits == ["gitlab rate limit reached"]
    assert {r.arg("per_page") for r in standin.requests if r.arg("page")} == {"100"}
    assert all(TOKEN not in e for e in run.errors)


def test_a_backfill_of_a_past_window_keeps_links_to_deployments_after_it(
    cli, engine, catalog, standin: StandIn, gl: GitLab
) -> None:
    fixture(gl)
    gl.merge_requests[LEDGER].append(merge_request(LEDGER, PATH, 4, at(22.5), at(23)))
    gl.commits[(LEDGER, 4)] = [commit(41, at(22))]
    gl.deployments[LEDGER].append(
        deployment(108, "production", "success", finished=at(25), updated=at(25))
    )
    gl.shipped[108] = [4]
    _add(cli, standin)
    assert _sync(cli)["status"] == "succeeded"
    # Merged before the window's end, shipped after it.
    since, until = (DAY0 - timedelta(days=1)).date(), DAY0.date()  # --until includes its day
    run = _sync(cli, "gl", "--since", str(since), "--until", str(until))
    assert run["status"] == "succeeded", run["errors"]
    _, changes, _ = _stored(engine)
    assert changes["acme/ledger!4"].deployment_id == "gl-deploy-108"
    assert changes["acme/ledger!1"].deployment_id == "gl-deploy-101"
