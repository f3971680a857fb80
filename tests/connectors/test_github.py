"""The GitHub connector against the GitHub stand-in, through the CLI and the services."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from pavedroad.catalog.models import Service
from pavedroad.db import unit_of_work
from pavedroad.ingest.connectors import github as connector
from pavedroad.ingest.connectors import service, sync
from pavedroad.ingest.connectors.http import ApiClient
from pavedroad.ingest.models import Change, CiRun, Deployment, Run
from tests.connectors.standin import Answer, StandIn
from tests.connectors.standins.github import (
    GitHub,
    Repo,
    commit,
    deployment,
    deployment_status,
    pull_request,
    sha_of,
    workflow_run,
)

TOKEN = "ghp_s3cr3tT0kenThatMustNeverShow"
REPO = "acme/ledger"
DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """`days` days before today, at hour:minute UTC."""
    return DAY - timedelta(days=days) + timedelta(hours=hour, minutes=minute)


def ledger() -> Repo:
    """A small history whose KPIs are computed by hand in the tests.

    main: c1..c6. Production deployments: D10 (c1) success, D11 (c2) success, D12 (c4) failure,
    D13 (c5) success then inactive, D15 only pending; D14 (c5) succeeds on staging.
    Merged pull requests: #1 (c2) -> D11, #2 (c4) and #3 (c3) -> D13, #4 (c6) not deployed yet;
    #5 closed unmerged; #6 merged 400 days ago (before the window)."""
    repo = Repo(REPO, main=[sha_of(i) for i in range(1, 7)])
    plan = [
        # id, sha, environment, created, statuses (state, time)
        (15, 6, "production", at(0, 1), [("pending", at(0, 1))]),
        (14, 5, "staging", at(3, 9), [("success", at(3, 9, 5))]),
        (
            13,
            5,
            "production",
            at(3, 10),
            [("in_progress", at(3, 10, 1)), ("success", at(3, 10, 20)), ("inactive", at(1, 8))],
        ),
        (12, 4, "production", at(5, 10), [("failure", at(5, 10, 10))]),
        (
            11,
            2,
            "production",
            at(10, 10),
            [("pending", at(10, 10)), ("success", at(10, 10, 5)), ("inactive", at(9, 0))],
        ),
        (10, 1, "production", at(20, 10), [("success", at(20, 10, 30))]),
    ]
    deployments = []
    for ident, c, env, created, states in plan:
        statuses = [
            deployment_status(REPO, ident, ident * 10 + n, state, when, env)
            for n, (state, when) in enumerate(states)
        ]
        statuses.reverse()  # GitHub lists the newest first
        repo.statuses[ident] = statuses
        deployments.append(
            deployment(
                REPO, ident, sha=sha_of(c), environment=env, created=created, updated=states[-1][1]
            )
        )
    repo.deployments = deployments
    prs = [
        (4, at(1, 9), sha_of(6), [at(2, 9)]),
        (2, at(4, 9), sha_of(4), [at(5, 12), at(4, 8)]),
        (3, at(6, 9), sha_of(3), [at(7, 10, 20)]),
        (1, at(10, 9), sha_of(2), [at(11, 7), at(12, 8)]),  # a squash: the first commit stays
    ]
    pulls = []
    for number, merged, sha, authored in prs:
        pulls.append(pull_request(REPO, number, created=authored[0], merged=merged, merge_sha=sha))
        repo.pr_commits[number] = [
            commit(REPO, sha_of(100 * number + i), when) for i, when in enumerate(authored)
        ]
    pulls.insert(2, pull_request(REPO, 5, created=at(6, 0), merged=None, merge_sha=None))
    pulls.append(pull_request(REPO, 6, created=at(401, 0), merged=at(400, 0), merge_sha="ab"))
    repo.pr_commits[5] = []
    repo.pr_commits[6] = [commit(REPO, sha_of(600), at(401, 0))]
    repo.pulls = pulls
    repo.runs = [
        workflow_run(
            REPO,
            904,
            created=at(0, 2),
            started=at(0, 2, 1),
            updated=at(0, 2, 1),
            status="in_progress",
            conclusion=None,
        ),
        workflow_run(
            REPO,
            903,
            created=at(2, 10),
            started=at(2, 10, 1),
            updated=at(2, 10, 3),
            conclusion="cancelled",
        ),
        workflow_run(
            REPO,
            902,
            created=at(3, 8),
            started=at(3, 8, 2),
            updated=at(3, 8, 12),
            conclusion="failure",
        ),
        workflow_run(REPO, 901, created=at(4, 8), started=at(4, 8, 1), updated=at(4, 8, 6)),
    ]
    return repo


@pytest.fixture
def github(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> GitHub:
    stand = GitHub(standin)
    stand.page_size = 2  # several pages from a small history
    stand.add(ledger())
    original = ApiClient.__init__

    def fast(self: ApiClient, *args: object, **kwargs: object) -> None:
        original(self, *args, **{**kwargs, "sleep": lambda _s: None})  # type: ignore[arg-type]

    monkeypatch.setattr(ApiClient, "__init__", fast)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    return stand


@pytest.fixture
def mapped(engine, catalog) -> None:
    """The catalog says acme/ledger is the ledger service (Backstage's annotation)."""
    with unit_of_work(engine) as s:
        s.execute(update(Service).where(Service.name == "ledger").values(repository=REPO))


def add(cli, github: GitHub, *extra: str, name: str = "gh") -> None:
    args = extra or ("--repo", REPO)
    result = cli(
        "connect",
        "add",
        "github",
        name,
        "--url",
        github.standin.base_url,
        "--token-env",
        "GITHUB_TOKEN",
        *args,
    )
    assert result.exit_code == 0, result.stderr
    assert TOKEN not in result.stdout + result.stderr


def run_sync(cli, name: str = "gh", *extra: str) -> tuple[int, dict]:
    result = cli("connect", "sync", name, "--json", *extra)
    assert TOKEN not in result.stdout + result.stderr
    return result.exit_code, json.loads(result.stdout)


def rows(engine, model):
    with unit_of_work(engine) as s:
        return {r.id: r for r in s.scalars(select(model))}


def test_backfill_maps_deployments_changes_and_runs(cli, engine, github, mapped):
    add(cli, github)
    code, run = run_sync(cli)
    assert code == 0, run["errors"]
    assert run["status"] == "succeeded"
    deployments = rows(engine, Deployment)
    assert set(deployments) == {f"gh-deploy-{i}" for i in (10, 11, 12, 13, 14)}
    d13 = deployments["gh-deploy-13"]
    # The first final status, not the later inactive one nor updated_at.
    assert d13.finished_at.replace(tzinfo=UTC) == at(3, 10, 20) and d13.result == "success"
    assert deployments["gh-deploy-12"].result == "failed"
    assert deployments["gh-deploy-14"].environment == "staging"
    assert deployments["gh-deploy-11"].started_at.replace(tzinfo=UTC) == at(10, 10)
    changes = rows(engine, Change)
    assert set(changes) == {f"{REPO}#{n}" for n in (1, 2, 3, 4)}
    assert {k: c.deployment_id for k, c in changes.items()} == {
        f"{REPO}#1": "gh-deploy-11",
        f"{REPO}#2": "gh-deploy-13",
        f"{REPO}#3": "gh-deploy-13",
        f"{REPO}#4": None,
    }
    assert changes[f"{REPO}#1"].first_commit_at.replace(tzinfo=UTC) == at(12, 8)
    assert changes[f"{REPO}#2"].first_commit_at.replace(tzinfo=UTC) == at(5, 12)
    assert all(c.service == "ledger" for c in changes.values())
    runs = rows(engine, CiRun)
    assert set(runs) == {"gh-run-901", "gh-run-902", "gh-run-903"}
    assert runs["gh-run-902"].result == "failed"
    assert runs["gh-run-901"].queued_at.replace(tzinfo=UTC) == at(4, 8)
    assert run["tables"]["deployments"]["new"] == 5
    assert run["tables"]["changes"]["new"] == 4
    assert run["tables"]["ci-runs"]["new"] == 3
    # Paged by the Link header: 6 deployments, 2 a page.
    assert github.standin.count(r"/repos/acme/ledger/deployments$") == 3
    # Pull request #6 (updated 400 days ago) stops the paging; its commits are never read.
    assert github.standin.count(r"/pulls/6/commits") == 0
    for request in github.standin.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"


def test_kpis_of_the_backfilled_history_match_hand_computed_values(cli, engine, github, mapped):
    add(cli, github)
    assert run_sync(cli)[0] == 0
    window = f"{(DAY - timedelta(days=14)).date()}..{(DAY + timedelta(days=1)).date()}"
    result = cli("kpis", "--window", window, "--json")
    assert result.exit_code == 0, result.stderr
    kpis = {k["id"]: k for k in json.loads(result.stdout)["kpis"]}
    # Lead times: #1 D11 (day-10 10:05) - day-12 08:00 = 3005 min; #2 D13 (day-3 10:20) -
    # day-5 12:00 = 2780 min; #3 D13 - day-7 10:20 = 5760 min. Median 3005.
    assert kpis["lead_time_p50"]["value"] == pytest.approx(3005)
    # CI: 5 min (901), 10 min (902), 2 min (903, cancelled): median 5.
    assert kpis["ci_duration_p50"]["value"] == pytest.approx(5)
    # Production deployments finishing in the window: D11 and D13 succeeded, D12 failed.
    # p95 by linear interpolation: 3005 + 0.9 * (5760 - 3005).
    assert kpis["lead_time_p95"]["value"] == pytest.approx(5484.5)
    # CI p95 of 2, 5, 10 minutes: 5 + 0.9 * 5.
    assert kpis["ci_duration_p95"]["value"] == pytest.approx(9.5)
    # Successful production deployments finishing in the 15-day window: D11 and D13 (D12
    # failed, D14 is staging, D15 has no final status, D10 is before the window): 2 / (15/7).
    assert kpis["deploy_frequency"]["value"] == pytest.approx(2 / (15 / 7))
    # Neither is rolled back or named by an incident.
    assert kpis["change_failure_rate"]["value"] == pytest.approx(0.0)
    assert kpis["change_failure_rate"]["sample_size"] == 2


def test_incremental_with_nothing_new_makes_one_request_per_list(cli, engine, github, mapped):
    add(cli, github)
    assert run_sync(cli)[0] == 0
    before = len(github.standin.requests)
    code, run = run_sync(cli)
    assert code == 0 and run["status"] == "succeeded"
    made = github.standin.requests[before:]
    assert sorted(r.path for r in made) == sorted(
        [f"/repos/{REPO}/deployments", f"/repos/{REPO}/pulls", f"/repos/{REPO}/actions/runs"]
    )
    # Deployments and pull requests answer 304 to their ETag; the runs list asks from a later
    # day (the pass's start), which answers only what was created since.
    assert run["http"]["not_modified"] >= 2
    assert all(t["new"] == 0 and t["updated"] == 0 for t in run["tables"].values())


def test_incremental_reads_new_items_and_links_a_waiting_change(cli, engine, github, mapped):
    add(cli, github)
    assert run_sync(cli)[0] == 0
    repo = github.repos[REPO]
    # D16, created ten minutes ago, ships c6 (pull request #4, merged yesterday).
    now = datetime.now(UTC)
    done = now - timedelta(minutes=5)
    repo.statuses[16] = [deployment_status(REPO, 16, 160, "success", done, "production")]
    repo.deployments = [
        deployment(
            REPO,
            16,
            sha=sha_of(6),
            environment="production",
            created=now - timedelta(minutes=10),
            updated=done,
        ),
        *repo.deployments,
    ]
    code, run = run_sync(cli)
    assert code == 0, run["errors"]
    assert rows(engine, Deployment)["gh-deploy-16"].result == "success"
    assert rows(engine, Change)[f"{REPO}#4"].deployment_id == "gh-deploy-16"
    assert github.standin.count(rf"/compare/{sha_of(5)}\.\.\.{sha_of(6)}") == 1


def test_a_502_and_a_rate_limit_in_the_middle_are_waited_out(cli, engine, github, mapped):
    github.standin.fail(
        Answer(502, {"message": "Bad Gateway"}), when=lambda r: r.arg("page") == "2"
    )
    github.standin.fail(
        Answer(
            403,
            {"message": "API rate limit exceeded"},
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0"},
        ),
        when=lambda r: r.path.endswith("/statuses"),
    )
    github.standin.fail(
        Answer(403, {"message": "You have exceeded a secondary rate limit"}, {"Retry-After": "1"}),
        when=lambda r: r.path.endswith("/commits"),
    )
    add(cli, github)
    code, run = run_sync(cli)
    assert code == 0 and run["status"] == "succeeded", run["errors"]
    assert run["http"]["retries"] == 1 and run["http"]["waited_seconds"] > 0
    assert len(rows(engine, Deployment)) == 5 and len(rows(engine, Change)) == 4


def test_a_token_without_the_scope_fails_clearly_and_writes_nothing(cli, engine, github, mapped):
    github.standin.fail(
        Answer(
            403,
            {"message": "Resource not accessible by personal access token"},
            {"X-OAuth-Scopes": "read:user", "X-Accepted-OAuth-Scopes": "repo"},
        ),
        times=100,
    )
    add(cli, github)
    code, run = run_sync(cli)
    assert code == 1 and run["status"] == "failed"
    assert "permission denied (403)" in run["errors"][0]
    assert "this needs: repo" in run["errors"][0] and "`repo` scope" in run["errors"][0]
    assert not rows(engine, Deployment) and not rows(engine, Change)
    tested = cli("connect", "test", "gh")
    assert tested.exit_code != 0 and "403" in tested.stderr and TOKEN not in tested.stderr


def test_an_interrupted_sync_resumes_without_loss_or_duplicates(
    cli, engine, settings, github, mapped, db_url
):
    # Page 2 of the pull requests fails for good on the first sync.
    github.standin.fail(
        Answer(502, {"message": "Bad Gateway"}),
        times=6,
        when=lambda r: r.path.endswith("/pulls") and r.arg("page") == "2",
    )
    add(cli, github)
    code, failed = run_sync(cli)
    assert code == 1 and failed["status"] == "failed" and "502" in failed["errors"][0]
    assert set(rows(engine, Change)) == {f"{REPO}#4", f"{REPO}#2"}  # page 1, with its cursor
    before = github.standin.count(r"/pulls$")
    code, resumed = run_sync(cli)
    assert code == 0, resumed["errors"]
    assert resumed["resumes"] == failed["id"]
    # Only the rest of the pull requests was read again (pages 2 and 3), and every change
    # links as in a clean sync, although the deployments were read by the failed run.
    assert github.standin.count(r"/pulls$") - before == 2
    assert {k: c.deployment_id for k, c in rows(engine, Change).items()} == {
        f"{REPO}#1": "gh-deploy-11",
        f"{REPO}#2": "gh-deploy-13",
        f"{REPO}#3": "gh-deploy-13",
        f"{REPO}#4": None,
    }
    with unit_of_work(engine) as s:
        assert s.get_one(Run, failed["id"]).status == "retried"
    total = {
        t: failed["tables"].get(t, {}).get("new", 0) + resumed["tables"].get(t, {}).get("new", 0)
        for t in ("deployments", "changes", "ci-runs")
    }
    assert total == {"deployments": 5, "changes": 4, "ci-runs": 3}


def test_hostile_items_are_refused_with_the_reason_and_the_sync_goes_on(
    cli, engine, github, mapped
):
    repo = github.repos[REPO]
    broken = dict(repo.deployments[1])
    del broken["environment"]
    broken["id"] = 99
    repo.statuses[99] = [deployment_status(REPO, 99, 990, "success", at(2, 0), "x")]
    huge = dict(repo.deployments[2])
    huge["id"] = 98
    huge["environment"] = "p" * 100_000
    repo.statuses[98] = [deployment_status(REPO, 98, 980, "success", at(2, 0), "x")]
    odd = dict(repo.deployments[1])
    odd["id"] = 97
    odd["payload"] = '{"rollback": tru'  # broken JSON in the free-form payload: ignored
    repo.statuses[97] = [deployment_status(REPO, 97, 970, "success", at(2, 0), "production")]
    repo.deployments = [broken, huge, odd, *repo.deployments]
    no_number = dict(repo.pulls[0])
    del no_number["number"]
    repo.pulls = [no_number, *repo.pulls]
    add(cli, github)
    code, run = run_sync(cli)
    assert code == 0 and run["status"] == "partly_succeeded"
    errors = " ".join(run["errors"])
    assert run["tables"]["deployments"]["rejected"] == 2, errors
    assert run["tables"]["changes"]["rejected"] == 1, errors
    assert "environment" in errors and "id" in errors
    assert "p" * 1000 not in errors
    found = rows(engine, Deployment)
    assert "gh-deploy-99" not in found and "gh-deploy-98" not in found
    assert found["gh-deploy-97"].is_rollback is False
    assert len(found) == 6 and len(rows(engine, Change)) == 4


def test_a_page_that_is_not_json_fails_clearly_and_the_next_sync_resumes(
    cli, engine, github, mapped
):
    github.standin.fail(
        Answer(200, raw=b'{"not json', headers={"Content-Type": "text/html"}),
        when=lambda r: r.path.endswith("/pulls/3/commits"),
    )
    add(cli, github)
    code, run = run_sync(cli)
    assert code == 1 and "did not answer JSON" in run["errors"][0]
    assert len(rows(engine, Deployment)) == 5
    code, _again = run_sync(cli)
    assert code == 0 and len(rows(engine, Change)) == 4


def test_org_lists_every_repository(cli, engine, github, mapped):
    github.orgs["acme"] = [REPO, "acme/empty"]
    github.add(Repo("acme/empty"))
    add(cli, github, "--org", "acme")
    code, run = run_sync(cli)
    assert code == 0, run["errors"]
    assert github.standin.count(r"/orgs/acme/repos") == 1
    assert github.standin.count(r"/repos/acme/empty/deployments") == 1
    assert len(rows(engine, Deployment)) == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--repo", REPO, "--org", "acme"), "exactly one"),
        ((), "exactly one"),
        (("--repo", "not-a-repo"), "OWNER/NAME"),
        (("--repo", REPO, "--jql", "project = X"), "--jql is not an option of a github connection"),
        (
            ("--org", "acme", "--urgency", "high"),
            "--urgency is not an option of a github connection",
        ),
    ],
)
def test_options_are_checked(cli, github, args, message):
    result = cli(
        "connect",
        "add",
        "github",
        "gh",
        "--url",
        github.standin.base_url,
        "--token-env",
        "GITHUB_TOKEN",
        *args,
    )
    assert result.exit_code != 0 and message in result.stderr + result.stdout


def test_check_reads_one_page_of_each_list(cli, github, mapped):
    add(cli, github)
    result = cli("connect", "test", "gh", "--json")
    assert result.exit_code == 0, result.stderr
    notes = json.loads(result.stdout)["notes"]
    assert notes and REPO in notes[0] and "workflow runs: 4" in notes[0]
    assert TOKEN not in result.stdout


def test_the_defaults_and_the_provider_shape() -> None:
    assert connector.PROVIDER.default_url == "https://api.github.com"
    headers = connector.PROVIDER.auth_headers("tok", {})
    assert headers["Authorization"] == "Bearer tok"
    assert "`repo`" in connector.SCOPES and "read:org" in connector.SCOPES
    assert headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert connector.PROVIDER.auth_headers("", {}).get("Authorization") is None


def test_services_path_syncs_the_same(engine, settings, github, mapped):
    with unit_of_work(engine) as s:
        service.add_connection(
            session=s,
            name="svc",
            provider="github",
            url=github.standin.base_url,
            token_env="GITHUB_TOKEN",
            token=None,
            secret_key=settings.secret_key,
            options={"repos": [REPO]},
            every=None,
        )
    run = sync.sync_connection(engine, settings, "svc")
    assert run.status == "succeeded", run.errors
    assert run.tables["changes"].new == 4
    assert TOKEN not in run.model_dump_json()


def test_check_suites_as_ci_source_skip_the_workflow_runs(cli, engine, github, mapped, tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text("ci_source: check_suite\nrepositories:\n  acme/ledger: ledger\n")
    add(cli, github, "--repo", REPO, "--mapping", str(rules))
    code, run = run_sync(cli)
    assert code == 0, run["errors"]
    assert github.standin.count(r"/actions/runs") == 0 and not rows(engine, CiRun)
    assert len(rows(engine, Change)) == 4
