"""A GitLab REST API v4 stand-in: projects, group projects, merged merge requests and their
commits, deployments and the merge requests each shipped, pipelines and single pipelines, with
GitLab's offset pagination (`page`/`per_page`, `X-Next-Page`, `X-Page`, `X-Per-Page`,
`X-Total`, `X-Total-Pages` and a `Link` header).

Shapes follow GitLab's published API documentation and entities (gitlabhq/gitlabhq
doc/api/deployments.md `List project deployments` and `List of merge requests associated with
a deployment`, lib/api/entities/deployment.rb: `id`, `iid`, `ref`, `sha`, `created_at`,
`updated_at`, `user`, `environment` {`id`, `name`, `external_url`}, `deployable` (the job:
`id`, `status`, `started_at`, `finished_at`, ...), `status`; doc/api/merge_requests.md `List
project merge requests` (`id`, `iid`, `project_id`, `state`, `created_at`, `updated_at`,
`merged_at`, `references`, `web_url`) and `Get single merge request commits` (`id`,
`short_id`, `title`, `author_name`, `authored_date`, `committed_date`, ...);
doc/api/pipelines.md `List project pipelines` (`id`, `iid`, `project_id`, `sha`, `ref`,
`status`, `source`, `created_at`, `updated_at`, `web_url`: no times) and `Get a single
pipeline` (adds `started_at`, `finished_at`, `duration`, `queued_duration`, ...); errors as
`{"message": "401 Unauthorized"}` and, for a token without the scope,
`{"error": "insufficient_scope", "error_description": ..., "scope": "api read_api"}`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlencode

from tests.connectors.standin import Answer, Request, StandIn

TOKEN = "glpat-s3cr3t-read-api-token"
NO_SCOPE = "glpat-read-user-only-token"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def project(pid: int, path: str) -> dict[str, Any]:
    """A project as `GET /projects/:id` and `GET /groups/:id/projects` give it."""
    namespace, _, name = path.rpartition("/")
    return {
        "id": pid,
        "description": None,
        "name": name,
        "name_with_namespace": f"{namespace} / {name}",
        "path": name,
        "path_with_namespace": path,
        "created_at": "2025-01-10T09:00:00.000Z",
        "default_branch": "main",
        "web_url": f"http://gitlab.example.com/{path}",
    }


def merge_request(pid: int, path: str, iid: int, created: str, merged: str) -> dict[str, Any]:
    """A merged merge request as the MR lists give it."""
    return {
        "id": pid * 1000 + iid,
        "iid": iid,
        "project_id": pid,
        "title": f"Change {iid}",
        "state": "merged",
        "created_at": created,
        "updated_at": merged,
        "merged_at": merged,
        "target_branch": "main",
        "source_branch": f"change-{iid}",
        "merge_commit_sha": f"{iid:040x}",
        "squash_commit_sha": None,
        "references": {"short": f"!{iid}", "relative": f"!{iid}", "full": f"{path}!{iid}"},
        "web_url": f"http://gitlab.example.com/{path}/-/merge_requests/{iid}",
    }


def commit(sha: int, authored: str) -> dict[str, Any]:
    """A commit as `GET /merge_requests/:iid/commits` lists it."""
    return {
        "id": f"{sha:040x}",
        "short_id": f"{sha:08x}",
        "title": "Work",
        "author_name": "Example User",
        "author_email": "user@example.com",
        "authored_date": authored,
        "committer_name": "Example User",
        "committer_email": "user@example.com",
        "committed_date": authored,
        "created_at": authored,
        "message": "Work",
    }


def deployment(
    did: int,
    environment: str,
    status: str,
    *,
    finished: str | None,
    updated: str,
    job: bool = True,
) -> dict[str, Any]:
    """A deployment as `GET /projects/:id/deployments` lists it (`deployable`: its job)."""
    return {
        "id": did,
        "iid": did % 1000,
        "ref": "main",
        "sha": f"{did:040x}",
        "created_at": updated,
        "updated_at": updated,
        "status": status,
        "user": {"id": 1, "name": "Administrator", "username": "root", "state": "active"},
        "environment": {"id": 9, "name": environment, "external_url": "https://example.com"},
        "deployable": {
            "id": did + 5000,
            "status": status,
            "stage": "deploy",
            "name": "deploy",
            "ref": "main",
            "tag": False,
            "created_at": updated,
            "started_at": None,
            "finished_at": finished,
            "pipeline": {"id": 36, "ref": "main", "status": status},
        }
        if job
        else None,
    }


def pipeline(
    pid: int, ident: int, status: str, created: str, finished: str | None, queued: float | None
) -> dict[str, Any]:
    """A single pipeline (`GET /pipelines/:id`); the list leaves out its times."""
    return {
        "id": ident,
        "iid": ident % 1000,
        "project_id": pid,
        "sha": f"{ident:040x}",
        "ref": "main",
        "status": status,
        "source": "push",
        "created_at": created,
        "updated_at": finished or created,
        "web_url": f"http://gitlab.example.com/p/-/pipelines/{ident}",
        "before_sha": "0" * 40,
        "tag": False,
        "yaml_errors": None,
        "started_at": created,
        "finished_at": finished,
        "committed_at": None,
        "duration": None,
        "queued_duration": queued,
        "coverage": None,
    }


LISTED = ("id", "iid", "project_id", "sha", "ref", "status", "source", "created_at", "updated_at")
FINISHED = frozenset({"success", "failed", "canceled", "skipped"})


@dataclass
class GitLab:
    """A GitLab instance's data, served by `install(standin)`; `page_size` caps `per_page`
    as GitLab caps it at 100."""

    projects: dict[int, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, list[int]] = field(default_factory=dict)
    merge_requests: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    commits: dict[tuple[int, int], list[dict[str, Any]]] = field(default_factory=dict)
    deployments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    shipped: dict[int, list[int]] = field(default_factory=dict)
    pipelines: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    # Single pipelines whose answer is not JSON (hostile input).
    broken_pipelines: set[int] = field(default_factory=set)
    page_size: int = 2

    def add_project(self, pid: int, path: str) -> None:
        self.projects[pid] = project(pid, path)

    def _project(self, ref: str) -> dict[str, Any] | None:
        ref = unquote(ref)
        if ref.isdigit():
            return self.projects.get(int(ref))
        return next((p for p in self.projects.values() if p["path_with_namespace"] == ref), None)

    def _page(self, standin: StandIn, request: Request, items: list[Any]) -> Answer:
        per_page = min(request.int_arg("per_page", 20), self.page_size)
        number = max(request.int_arg("page", 1), 1)
        pages = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(number - 1) * per_page : number * per_page]
        query = {k: v[0] for k, v in request.query.items() if k != "page"}
        headers = {
            "X-Page": str(number),
            "X-Per-Page": str(per_page),
            "X-Total": str(len(items)),
            "X-Total-Pages": str(pages),
            "X-Next-Page": str(number + 1) if number < pages else "",
            "X-Prev-Page": str(number - 1) if number > 1 else "",
        }
        links = []

        def at(n: int) -> str:
            return f"<{standin.base_url}{request.path}?{urlencode({**query, 'page': n})}>"

        if number < pages:
            links.append(f'{at(number + 1)}; rel="next"')
        if number > 1:
            links.append(f'{at(number - 1)}; rel="prev"')
        links += [f'{at(1)}; rel="first"', f'{at(pages)}; rel="last"']
        headers["Link"] = ", ".join(links)
        return Answer(200, chunk, headers)

    @staticmethod
    def _updated(request: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        after, before = request.arg("updated_after"), request.arg("updated_before")
        # Items that are not objects (hostile input) are listed last, as they are.
        odd = [i for i in items if not isinstance(i, dict)]
        found = [
            i
            for i in items
            if isinstance(i, dict)
            and (after is None or _at(i["updated_at"]) >= _at(after))
            and (before is None or _at(i["updated_at"]) <= _at(before))
        ]
        if request.arg("order_by") == "updated_at":
            found.sort(key=lambda i: (i["updated_at"], i["id"]))
        if request.arg("sort") == "desc":
            found.reverse()
        return found + odd

    def install(self, standin: StandIn) -> None:
        def authorised(request: Request) -> Answer | None:
            token = request.headers.get("private-token")
            if token == NO_SCOPE:
                return Answer(
                    403,
                    {
                        "error": "insufficient_scope",
                        "error_description": "The request requires higher privileges than "
                        "provided by the access token.",
                        "scope": "api read_api",
                    },
                )
            if token != TOKEN:
                return Answer(401, {"message": "401 Unauthorized"})
            return None

        def guarded(pattern: str) -> Any:
            def wrap(handler: Any) -> Any:
                def answer(request: Request) -> Answer:
                    return authorised(request) or handler(request)

                standin.route("GET", pattern)(answer)
                return handler

            return wrap

        p = r"/api/v4/projects/(?P<pid>[^/]+)"

        @guarded(p)
        def _one(request: Request) -> Answer:
            found = self._project(request.params["pid"])
            return (
                Answer(200, found) if found else Answer(404, {"message": "404 Project Not Found"})
            )

        @guarded(r"/api/v4/groups/(?P<group>[^/]+)/projects")
        def _group(request: Request) -> Answer:
            ids = self.groups.get(unquote(request.params["group"]))
            if ids is None:
                return Answer(404, {"message": "404 Group Not Found"})
            return self._page(standin, request, [self.projects[i] for i in ids])

        def pid_of(request: Request) -> int | None:
            found = self._project(request.params["pid"])
            return int(found["id"]) if found else None

        @guarded(p + "/merge_requests")
        def _mrs(request: Request) -> Answer:
            pid = pid_of(request)
            if pid is None:
                return Answer(404, {"message": "404 Project Not Found"})
            items = [
                m
                for m in self.merge_requests.get(pid, [])
                if request.arg("state") in (None, m["state"])
            ]
            return self._page(standin, request, self._updated(request, items))

        @guarded(p + r"/merge_requests/(?P<iid>\d+)/commits")
        def _commits(request: Request) -> Answer:
            pid = pid_of(request) or 0
            key = (pid, int(request.params["iid"]))
            if key not in self.commits:
                return Answer(404, {"message": "404 Not found"})
            return self._page(standin, request, self.commits[key])

        @guarded(p + "/deployments")
        def _deployments(request: Request) -> Answer:
            pid = pid_of(request)
            if pid is None:
                return Answer(404, {"message": "404 Project Not Found"})
            return self._page(standin, request, self._updated(request, self.deployments[pid]))

        @guarded(p + r"/deployments/(?P<did>\d+)/merge_requests")
        def _shipped(request: Request) -> Answer:
            pid = pid_of(request) or 0
            iids = self.shipped.get(int(request.params["did"]), [])
            mrs = [m for m in self.merge_requests.get(pid, []) if m.get("iid") in iids]
            return self._page(standin, request, mrs)

        @guarded(p + "/pipelines")
        def _pipelines(request: Request) -> Answer:
            pid = pid_of(request)
            if pid is None:
                return Answer(404, {"message": "404 Project Not Found"})
            items = self.pipelines.get(pid, [])
            if request.arg("scope") == "finished":
                items = [i for i in items if i["status"] in FINISHED]
            listed = [{k: i[k] for k in (*LISTED, "web_url")} for i in items]
            return self._page(standin, request, self._updated(request, listed))

        @guarded(p + r"/pipelines/(?P<ident>\d+)")
        def _pipeline(request: Request) -> Answer:
            pid = pid_of(request) or 0
            ident = int(request.params["ident"])
            if ident in self.broken_pipelines:
                return Answer(200, raw=b'{"id": 1, "status": "succ')
            found = next((i for i in self.pipelines.get(pid, []) if i["id"] == ident), None)
            return Answer(200, found) if found else Answer(404, {"message": "404 Not found"})
