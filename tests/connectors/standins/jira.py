"""A Jira stand-in: Cloud REST v3 `POST /rest/api/3/search/jql` (paged by `nextPageToken` /
`isLast`) and Data Center REST v2 `GET /rest/api/2/search` (paged by `startAt` / `total`).

Shapes follow Atlassian's published REST descriptions: the Jira Cloud platform OpenAPI
document (`SearchAndReconcileResults`: `issues`, `nextPageToken`, `isLast`; the token absent on
the last page, JRACLOUD-92184), the Jira Server/Data Center REST v2 `SearchResults`
(`startAt`, `maxResults`, `total`, `issues`), `IssueBean` (`id`, `key`, `self`, `fields`),
timestamps as Jira sends them (`2026-03-02T08:00:00.000+0000`), and errors as
`{"errorMessages": [...], "errors": {}}` (or `{"code", "message"}` for a scoped token that
lacks the scope).

Only what the connector sends of JQL is understood: the `updated >= "..."` / `updated <= "..."`
bounds it adds; the rest of the query is taken to match every issue.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.connectors.standin import Answer, Request, StandIn

EMAIL = "jane@acme.example"
API_TOKEN = "jira-s3cr3t-api-token"
PAT = "jira-dc-s3cr3t-pat"
SCOPELESS = "jira-scopeless-token"
_BOUND = re.compile(r'updated\s*(>=|<=)\s*"(\d{4}-\d\d-\d\d \d\d:\d\d)"')


def stamp(moment: datetime) -> str:
    """A time as Jira's REST API writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def issue(
    key: str,
    created: datetime,
    *,
    resolved: datetime | None = None,
    updated: datetime | None = None,
    issue_type: str = "Service Request",
    labels: list[str] | None = None,
    components: list[str] | None = None,
    priority: str = "Medium",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An `IssueBean` as a search returns it with the fields asked for."""
    number = key.rsplit("-", 1)[-1]
    return {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": str(10000 + int(number)) if number.isdigit() else "10000",
        "self": f"https://acme.atlassian.net/rest/api/3/issue/{key}",
        "key": key,
        "fields": {
            "summary": f"Help with {key}",
            "description": {
                "type": "doc",
                "version": 1,
                "content": [{"type": "paragraph", "content": [{"type": "text", "text": "hi"}]}],
            },
            "issuetype": {"id": "10001", "name": issue_type, "subtask": False},
            "labels": labels or [],
            "components": [{"id": str(i), "name": n} for i, n in enumerate(components or [])],
            "created": stamp(created),
            "updated": stamp(updated or resolved or created),
            "resolutiondate": stamp(resolved) if resolved else None,
            "priority": {"id": "3", "name": priority},
            **(extra or {}),
        },
    }


def _updated(item: Any) -> datetime | None:
    text = item.get("fields", {}).get("updated") if isinstance(item, dict) else None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z") if text else None
    except (TypeError, ValueError):
        return None


@dataclass
class Jira:
    """A Jira site's issues, served by `install` (`page_size` caps maxResults, as Jira does)."""

    issues: list[Any] = field(default_factory=list)
    page_size: int = 50
    queries: list[str] = field(default_factory=list)

    def matching(self, jql: str) -> list[Any]:
        self.queries.append(jql)
        found = []
        for item in self.issues:
            updated = _updated(item)
            keep = True
            for op, text in _BOUND.findall(jql):
                bound = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
                if updated is not None:
                    keep &= updated >= bound if op == ">=" else updated <= bound
            if keep:
                found.append(item)
        return found

    def install(self, standin: StandIn) -> StandIn:
        def refused(request: Request, wanted: str) -> Answer | None:
            auth = request.headers.get("authorization", "")
            basic = "Basic " + base64.b64encode(f"{EMAIL}:{SCOPELESS}".encode()).decode()
            if auth == basic:
                return Answer(401, {"code": 401, "message": "Unauthorized; scope does not match"})
            if auth != wanted:
                return Answer(
                    401,
                    {
                        "errorMessages": [
                            "You are not authenticated. Authentication required to perform "
                            "this operation."
                        ],
                        "errors": {},
                    },
                )
            return None

        @standin.route("POST", "/rest/api/3/search/jql")
        def _cloud(request: Request) -> Answer:
            wanted = "Basic " + base64.b64encode(f"{EMAIL}:{API_TOKEN}".encode()).decode()
            if (no := refused(request, wanted)) is not None:
                return no
            body = request.body if isinstance(request.body, dict) else {}
            jql = body.get("jql")
            if not isinstance(jql, str) or not jql:
                return Answer(400, {"errorMessages": ["The JQL query is required."], "errors": {}})
            found = self.matching(jql)
            token = body.get("nextPageToken")
            start = int(base64.b64decode(token).decode()) if token else 0
            size = min(int(body.get("maxResults") or 50), self.page_size)
            end = start + size
            answer: dict[str, Any] = {"issues": found[start:end], "isLast": end >= len(found)}
            if end < len(found):
                answer["nextPageToken"] = base64.b64encode(str(end).encode()).decode()
            return Answer(200, answer)

        @standin.route("GET", "/rest/api/2/search")
        def _datacenter(request: Request) -> Answer:
            if (no := refused(request, f"Bearer {PAT}")) is not None:
                return no
            found = self.matching(request.arg("jql") or "")
            start = request.int_arg("startAt", 0)
            size = min(request.int_arg("maxResults", 50), self.page_size)
            return Answer(
                200,
                {
                    "expand": "schema,names",
                    "startAt": start,
                    "maxResults": size,
                    "total": len(found),
                    "issues": found[start : start + size],
                },
            )

        return standin
