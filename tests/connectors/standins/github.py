"""A GitHub REST v3 stand-in: repositories with deployments and their statuses, pull requests
with their commits, workflow runs, a linear main branch for the compare API, and an
organisation's repository list.

Shapes follow GitHub's published OpenAPI description (github/rest-api-description,
descriptions/api.github.com/api.github.com.2022-11-28.yaml: components/schemas `deployment`,
`deployment-status`, `pull-request-simple`, `commit`, `commit-comparison`, `workflow-run`,
`minimal-repository`) and the examples of docs.github.com/en/rest (deployments/statuses,
pulls, actions/workflow-runs, commits/commits#compare-two-commits): lists are JSON arrays
paged by `page`/`per_page` with a `Link` header, workflow runs are `{"total_count",
"workflow_runs"}`, list answers carry a weak `ETag` and answer 304 to a matching
`If-None-Match`. Only the fields pavedroad reads and a few neighbours are filled.

The data is held by a `Dataset` (lists built by a test, or generated on demand by the
benchmark: `Sequence`s that make each item when asked), so a test fixture and a 600k-item
benchmark answer through the same handlers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.connectors.standin import Answer, Request, StandIn, link_header

API = "https://api.github.com"
MAX_PER_PAGE = 100


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _user(login: str = "octocat") -> dict[str, Any]:
    return {"login": login, "id": 1, "node_id": "MDQ6VXNlcjE=", "type": "User"}


def deployment(
    repo: str,
    ident: int,
    *,
    sha: str,
    environment: str,
    created: datetime,
    updated: datetime | None = None,
    task: str = "deploy",
    payload: Any = None,
) -> dict[str, Any]:
    """A `deployment` object as `GET /repos/{owner}/{repo}/deployments` lists it."""
    url = f"{API}/repos/{repo}/deployments/{ident}"
    return {
        "url": url,
        "id": ident,
        "node_id": f"MDEwOkRlcGxveW1lbnQ{ident}",
        "sha": sha,
        "ref": "main",
        "task": task,
        "payload": payload if payload is not None else {},
        "original_environment": environment,
        "environment": environment,
        "description": "Deploy request from hubot",
        "creator": _user(),
        "created_at": iso(created),
        "updated_at": iso(updated or created),
        "statuses_url": f"{url}/statuses",
        "repository_url": f"{API}/repos/{repo}",
        "transient_environment": False,
        "production_environment": environment == "production",
    }


def deployment_status(
    repo: str, deployment_id: int, ident: int, state: str, at: datetime, environment: str
) -> dict[str, Any]:
    """A `deployment-status` object."""
    url = f"{API}/repos/{repo}/deployments/{deployment_id}"
    return {
        "url": f"{url}/statuses/{ident}",
        "id": ident,
        "node_id": f"MDE2OkRlcGxveW1lbnRTdGF0dXM{ident}",
        "state": state,
        "creator": _user(),
        "description": f"Deployment {state}.",
        "environment": environment,
        "target_url": "https://example.com/deployment/output",
        "created_at": iso(at),
        "updated_at": iso(at),
        "deployment_url": url,
        "repository_url": f"{API}/repos/{repo}",
        "environment_url": "https://example.com",
        "log_url": "https://example.com/deployment/output",
    }


def pull_request(
    repo: str,
    number: int,
    *,
    created: datetime,
    merged: datetime | None,
    merge_sha: str | None,
    updated: datetime | None = None,
    closed: datetime | None = None,
) -> dict[str, Any]:
    """A `pull-request-simple` object as `GET /repos/{owner}/{repo}/pulls` lists it."""
    closed = closed or merged or created
    owner = repo.split("/")[0]
    repository = {"id": 1296269, "name": repo.split("/")[1], "full_name": repo}
    return {
        "url": f"{API}/repos/{repo}/pulls/{number}",
        "id": 1000 + number,
        "node_id": f"MDExOlB1bGxSZXF1ZXN0{number}",
        "number": number,
        "state": "closed",
        "locked": False,
        "title": f"Change {number}",
        "user": _user(),
        "body": "Please pull these awesome changes",
        "created_at": iso(created),
        "updated_at": iso(updated or closed),
        "closed_at": iso(closed),
        "merged_at": iso(merged) if merged else None,
        "merge_commit_sha": merge_sha,
        "draft": False,
        "head": {"label": f"{owner}:change-{number}", "ref": f"change-{number}", "sha": "f" * 40},
        "base": {"label": f"{owner}:main", "ref": "main", "sha": "e" * 40, "repo": repository},
        "author_association": "MEMBER",
    }


def commit(repo: str, sha: str, authored: datetime, message: str = "Fix all the bugs") -> dict:
    """A `commit` object as `/pulls/{n}/commits` and the compare API list it."""
    person = {"name": "Monalisa Octocat", "email": "mona@github.com", "date": iso(authored)}
    return {
        "url": f"{API}/repos/{repo}/commits/{sha}",
        "sha": sha,
        "node_id": f"MDY6Q29tbWl0{sha[:8]}",
        "commit": {
            "url": f"{API}/repos/{repo}/git/commits/{sha}",
            "author": person,
            "committer": person,
            "message": message,
            "comment_count": 0,
        },
        "author": _user(),
        "committer": _user(),
        "parents": [],
    }


def workflow_run(
    repo: str,
    ident: int,
    *,
    created: datetime,
    started: datetime | None,
    updated: datetime,
    status: str = "completed",
    conclusion: str | None = "success",
    attempt: int = 1,
) -> dict[str, Any]:
    """A `workflow-run` object."""
    return {
        "id": ident,
        "name": "Build",
        "node_id": f"MDEyOldvcmtmbG93IFJ1bj{ident}",
        "head_branch": "main",
        "head_sha": "a" * 40,
        "path": ".github/workflows/build.yml",
        "run_number": ident,
        "run_attempt": attempt,
        "event": "push",
        "status": status,
        "conclusion": conclusion,
        "workflow_id": 159038,
        "url": f"{API}/repos/{repo}/actions/runs/{ident}",
        "html_url": f"https://github.com/{repo}/actions/runs/{ident}",
        "created_at": iso(created),
        "updated_at": iso(updated),
        "run_started_at": iso(started) if started else None,
        "repository": {"id": 1296269, "name": repo.split("/")[1], "full_name": repo},
    }


@dataclass
class Repo:
    """One repository's data. Deployments newest first, pull requests by `updated_at` newest
    first, runs by `created_at` newest first (GitHub's orders); `main` is the main branch's
    commit shas, oldest first (the compare API reads it)."""

    full_name: str
    deployments: Sequence[dict[str, Any]] = field(default_factory=list)
    statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    pulls: Sequence[dict[str, Any]] = field(default_factory=list)
    pr_commits: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    runs: Sequence[dict[str, Any]] = field(default_factory=list)
    main: list[str] = field(default_factory=list)
    commit_times: dict[str, datetime] = field(default_factory=dict)

    def statuses_of(self, ident: int) -> list[dict[str, Any]] | None:
        return self.statuses.get(ident)

    def commits_of(self, number: int) -> list[dict[str, Any]] | None:
        return self.pr_commits.get(number)

    def compare(self, base: str, head: str) -> list[dict[str, Any]] | None:
        try:
            start, end = self.main.index(base), self.main.index(head)
        except ValueError:
            return None
        when = datetime(2026, 1, 1, tzinfo=UTC)
        return [
            commit(self.full_name, sha, self.commit_times.get(sha, when))
            for sha in self.main[start + 1 : end + 1]
        ]


def _etag(body: Any) -> str:
    return 'W/"' + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:40] + '"'


class GitHub:
    """The stand-in's routes over `repos` (full name -> Repo) and `orgs` (login -> names)."""

    def __init__(self, standin: StandIn) -> None:
        self.standin = standin
        self.repos: dict[str, Repo] = {}
        self.orgs: dict[str, list[str]] = {}
        # GitHub answers at most 100 per page; tests lower it to page small fixtures.
        self.page_size = MAX_PER_PAGE
        self._register()

    def add(self, repo: Repo) -> Repo:
        self.repos[repo.full_name.lower()] = repo
        return repo

    def _repo(self, request: Request) -> Repo | None:
        return self.repos.get(f"{request.params['owner']}/{request.params['repo']}".lower())

    def _page(self, request: Request, items: Sequence[Any], *, wrap: str | None = None) -> Answer:
        per_page = min(max(request.int_arg("per_page", 30), 1), self.page_size)
        page = max(request.int_arg("page", 1), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = list(items[(page - 1) * per_page : page * per_page])
        body: Any = {"total_count": len(items), wrap: chunk} if wrap else chunk
        query = {k: v[0] for k, v in request.query.items() if k != "page"}
        headers = {"ETag": _etag(body)}
        link = link_header(self.standin.base_url, request.path, query, page, last)
        if link:
            headers["Link"] = link
        if request.headers.get("if-none-match") == headers["ETag"]:
            return Answer(304, None, {"ETag": headers["ETag"]})
        return Answer(200, body, headers)

    def _register(self) -> None:
        route = self.standin.route
        repo_path = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
        missing = Answer(
            404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
        )

        @route("GET", r"/orgs/(?P<org>[^/]+)/repos")
        def _org_repos(request: Request) -> Answer:
            names = self.orgs.get(request.params["org"].lower())
            if names is None:
                return missing
            items = [
                {
                    "id": i,
                    "name": n.split("/")[1],
                    "full_name": n,
                    "private": True,
                    "archived": False,
                }
                for i, n in enumerate(names, 1)
            ]
            return self._page(request, items)

        @route("GET", repo_path)
        def _repository(request: Request) -> Answer:
            repo = self._repo(request)
            if repo is None:
                return missing
            name = repo.full_name
            return Answer(200, {"id": 1296269, "name": name.split("/")[1], "full_name": name})

        @route("GET", repo_path + "/deployments")
        def _deployments(request: Request) -> Answer:
            repo = self._repo(request)
            return missing if repo is None else self._page(request, repo.deployments)

        @route("GET", repo_path + r"/deployments/(?P<id>\d+)/statuses")
        def _statuses(request: Request) -> Answer:
            repo = self._repo(request)
            found = repo.statuses_of(int(request.params["id"])) if repo else None
            return missing if found is None else self._page(request, found)

        @route("GET", repo_path + "/pulls")
        def _pulls(request: Request) -> Answer:
            repo = self._repo(request)
            return missing if repo is None else self._page(request, repo.pulls)

        @route("GET", repo_path + r"/pulls/(?P<number>\d+)/commits")
        def _commits(request: Request) -> Answer:
            repo = self._repo(request)
            found = repo.commits_of(int(request.params["number"])) if repo else None
            return missing if found is None else self._page(request, found)

        @route("GET", repo_path + r"/compare/(?P<base>[0-9a-f]+)\.\.\.(?P<head>[0-9a-f]+)")
        def _compare(request: Request) -> Answer:
            repo = self._repo(request)
            found = repo.compare(request.params["base"], request.params["head"]) if repo else None
            if found is None:
                return missing
            answer = self._page(request, found)
            if answer.status == 200:
                answer.body = {
                    "status": "ahead",
                    "ahead_by": len(found),
                    "behind_by": 0,
                    "total_commits": len(found),
                    "commits": answer.body,
                    "files": [],
                }
            return answer

        @route("GET", repo_path + "/actions/runs")
        def _runs(request: Request) -> Answer:
            repo = self._repo(request)
            if repo is None:
                return missing
            created = request.arg("created") or ""
            items = repo.runs
            if created.startswith(">="):  # a day or a date-time (GitHub's search syntax)
                items = _Since(items, created[2:])
            return self._page(request, items, wrap="workflow_runs")


class _Since(Sequence[dict[str, Any]]):
    """The runs created on or after a day or a moment (newest first: a prefix)."""

    def __init__(self, items: Sequence[dict[str, Any]], bound: str) -> None:
        self.items = items
        width = len(bound) if len(bound) == 10 else len("2026-01-01T00:00:00Z")
        low, high = 0, len(items)
        while low < high:  # the first run created before `bound`
            mid = (low + high) // 2
            if str(items[mid]["created_at"])[:width] >= bound:
                low = mid + 1
            else:
                high = mid
        self.count = low

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            start, stop, _ = index.indices(self.count)
            return self.items[start:stop]
        return self.items[index]


def sha_of(n: int) -> str:
    """A commit sha (40 hex digits) for commit number `n`."""
    return hashlib.sha256(str(n).encode()).hexdigest()[:40]


def ago(now: datetime, **delta: float) -> datetime:
    return now - timedelta(**delta)
