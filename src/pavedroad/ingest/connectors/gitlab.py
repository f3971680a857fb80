"""GitLab (REST v4, gitlab.com or self-managed): deployments, pipelines and merged MRs.

What is read, per project (`--project`, or every project of `--group` with its subgroups):
- merged merge requests updated in the window (`/merge_requests?state=merged&updated_after=`),
  each merged in the window becoming a change whose first commit is the earliest
  `authored_date` of its commits (`/merge_requests/:iid/commits`);
- deployments updated since the window's start (`/deployments?updated_after=&order_by=
  updated_at`; to the present, so a change is relinked however late it shipped): a
  `success` or `failed` one finishes when its deploy job did (`deployable.finished_at`, else
  the deployment's `updated_at` for one without a job), never while it is created or running;
  a successful production deployment names the merge requests it shipped
  (`/deployments/:id/merge_requests`, GitLab's own exact record), whose changes get its id;
- finished pipelines updated in the window as CI runs, their times from the single-pipeline
  endpoint (`/pipelines/:id`) since the list does not carry them.

Rows have the ids and conventions of the GitLab webhook mapper (`webhooks/gitlab.py`), so a
hook delivery and a sync of one object upsert one row. Merge requests are read before the
deployments of their project: a change written without its deployment is linked again by the
deployment pass that follows, which always reaches back at least as far.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from pavedroad.errors import InvalidInputError
from pavedroad.ingest.connectors.base import Batch, Pass, Provider, SyncContext, is_production
from pavedroad.ingest.connectors.http import ApiError, Page
from pavedroad.ingest.connectors.options import given as provider_options
from pavedroad.ingest.webhooks.gitlab import (
    DEPLOYMENT_RESULTS,
    PIPELINE_RESULTS,
    _pipeline_start,
    _queued_seconds,
)
from pavedroad.ingest.webhooks.payloads import Malformed, Mapped, lookup, timestamp_text
from pavedroad.parsing import parse_timestamp

DEFAULT_URL = "https://gitlab.com/api/v4"
SCOPES = (
    "the `read_api` scope (a personal, group or project access token; at least the Reporter "
    "role on the projects read)"
)
PER_PAGE = 100
OWN_OPTIONS = frozenset({"projects", "group", "mapping"})
_PROJECT = re.compile(r"^(\d+|[A-Za-z0-9_.][A-Za-z0-9_.-]*(/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+)$")
_GROUP = re.compile(r"^(\d+|[A-Za-z0-9_.][A-Za-z0-9_.-]*(/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*)$")


def _options(raw: Mapping[str, Any]) -> dict[str, Any]:
    given = provider_options(raw, "gitlab", OWN_OPTIONS)
    projects = [str(p).strip().strip("/") for p in given.get("projects") or []]
    group = str(given.get("group") or "").strip().strip("/")
    if bool(projects) == bool(group):
        raise InvalidInputError.because(
            "give either --project GROUP/NAME (repeatable) or --group GROUP, not both or neither",
            field="project",
        )
    for project in projects:
        if not _PROJECT.match(project):
            raise InvalidInputError.because(
                f"{project[:100]!r} is not a project: give its path GROUP/NAME (subgroups "
                "allowed) or its numeric id",
                field="project",
            )
    if group and not _GROUP.match(group):
        raise InvalidInputError.because(
            f"{group[:100]!r} is not a group: give its path (GROUP or GROUP/SUBGROUP) or id",
            field="group",
        )
    stored: dict[str, Any] = {"projects": projects} if projects else {"group": group}
    if given.get("mapping"):
        stored["mapping"] = given["mapping"]
    return stored


def _auth(token: str, _options: Mapping[str, Any]) -> dict[str, str]:
    return {"PRIVATE-TOKEN": token} if token else {}


def _when(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _encoded(ref: str) -> str:
    """A project or group id, or its path URL-encoded as GitLab wants (`a%2Fb`)."""
    return quote(ref, safe="")


def _next_page(page: Page) -> int | None:
    """The next page: `X-Next-Page`, else the `page` of the `Link` header's `next`."""
    number = page.header_int("x-next-page")
    if number is not None:
        return number
    target = page.links.get("next")
    if target:
        found = parse_qs(urlsplit(target).query).get("page")
        if found and found[0].isdigit():
            return int(found[0])
    return None


def _items(page: Page, where: str) -> list[Any]:
    if not isinstance(page.body, list):
        raise ApiError(f"gitlab: {where} did not answer a list; is --url the API root?")
    return page.body


def _every_page(ctx: SyncContext, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
    """Every item of a small list (an MR's commits, a deployment's MRs), page by page."""
    number: int | None = 1
    while number is not None:
        page = ctx.client.get(path, params={**params, "per_page": PER_PAGE, "page": number})
        yield from _items(page, path)
        number = _next_page(page)


def _window_pages(
    ctx: SyncContext,
    pass_: Pass,
    path: str,
    params: Mapping[str, Any],
    what: str,
    *,
    to_now: bool = False,
) -> Iterator[tuple[list[Any], dict[str, Any]]]:
    """The pages of a list over the pass's window (`to_now`: from its start to the present),
    from its stored page on: each page's items with the cursor to store once written."""
    number = int(pass_.state.get("page") or 1)
    query = {
        **params,
        "updated_after": _when(pass_.since),
        "order_by": "updated_at",
        "sort": "asc",
        "per_page": PER_PAGE,
    }
    if not to_now:
        query["updated_before"] = _when(pass_.until)
    while True:
        ctx.on_progress(f"{what}, page {number}")
        page = ctx.client.get(path, params={**query, "page": number})
        following = _next_page(page)
        cursor = pass_.page({"page": following}) if following else pass_.finished()
        yield _items(page, path), cursor
        if following is None:
            return
        number = following


# -- projects ----------------------------------------------------------------------------


def _projects(ctx: SyncContext) -> Iterator[Batch | tuple[int, str]]:
    """The projects to read as (id, path_with_namespace), with the batches that remember
    how a `--project` resolved (so an incremental sync does not ask again)."""
    options = ctx.connection.options
    if options.get("group"):
        group = str(options["group"])
        for project in _every_page(
            ctx,
            f"/groups/{_encoded(group)}/projects",
            {"include_subgroups": "true", "archived": "false", "order_by": "id", "sort": "asc"},
        ):
            pid, path = lookup(project, "id"), lookup(project, "path_with_namespace")
            if isinstance(pid, int) and isinstance(path, str) and path:
                yield pid, path
        return
    for ref in options.get("projects") or []:
        resource = f"project {ref}"
        known = ctx.cursor(resource).get("project")
        if isinstance(known, dict) and isinstance(known.get("id"), int) and known.get("path"):
            yield known["id"], str(known["path"])
            continue
        body = ctx.client.get(f"/projects/{_encoded(ref)}").body
        pid, path = lookup(body, "id"), lookup(body, "path_with_namespace")
        if not isinstance(pid, int) or not isinstance(path, str) or not path:
            raise ApiError(f"gitlab: project {ref!r} answered without an id and path")
        # `synced_until` shows in `connect show` when the project was resolved.
        resolved = {"project": {"id": pid, "path": path}, "synced_until": ctx.now.isoformat()}
        yield Batch(resource, cursor=resolved)
        yield pid, path


# -- merge requests ----------------------------------------------------------------------


def _unreadable(exc: ApiError) -> str:
    """A value that is not a time and says why, so the row's refusal carries the reason
    (an ApiError of a 200 answer: its body was not JSON)."""
    return "not JSON: GitLab's answer could not be read"


def _in_window(value: object, pass_: Pass) -> bool:
    """Whether a GitLab time falls in the pass's window; a time that cannot be read is kept
    so that the row's validation names it."""
    text = timestamp_text(value)
    if not isinstance(text, str):
        return value is not None
    try:
        moment = parse_timestamp(text)
    except InvalidInputError:
        return True
    return pass_.since <= moment < pass_.until


class _FirstCommits:
    """Each merge request's earliest commit `authored_date`, asked once per sync."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.known: dict[tuple[int, object], object] = {}

    def of(self, pid: int, mr: Any) -> object:
        iid = lookup(mr, "iid")
        if not isinstance(iid, int) or isinstance(iid, bool):
            return None  # no request built from a hostile value; the row is refused on its id
        if (pid, iid) in self.known:
            return self.known[(pid, iid)]
        earliest: tuple[datetime, object] | None = None
        first: object = None
        try:
            for commit in _every_page(
                self.ctx, f"/projects/{pid}/merge_requests/{iid}/commits", {}
            ):
                authored = timestamp_text(lookup(commit, "authored_date"))
                if not isinstance(authored, str):
                    continue
                try:
                    moment = parse_timestamp(authored)
                except InvalidInputError:
                    continue
                if earliest is None or moment < earliest[0]:
                    earliest = (moment, authored)
            # An MR without commits (emptied by a force-push) started when it was opened.
            first = earliest[1] if earliest else timestamp_text(lookup(mr, "created_at"))
        except ApiError as exc:
            if exc.status != 200:  # not a broken answer about one MR: the sync stops
                raise
            first = _unreadable(exc)  # the row is refused with the reason
        self.known[(pid, iid)] = first
        return first


def _change(
    ctx: SyncContext, path: str, mr: Any, first_commit: object, deployment: str | None
) -> Mapped:
    iid = lookup(mr, "iid")
    return (
        "changes",
        {
            "id": f"{path}!{iid}" if iid is not None else None,
            "service": ctx.service_for_repository(path),
            "first_commit_at": first_commit,
            "merged_at": timestamp_text(lookup(mr, "merged_at")),
            "deployment_id": deployment,
        },
    )


def _merge_requests(
    ctx: SyncContext, pid: int, path: str, commits: _FirstCommits
) -> Iterator[Batch]:
    resource = f"merge_requests {path}"
    pass_ = ctx.window(resource)
    pages = _window_pages(
        ctx,
        pass_,
        f"/projects/{pid}/merge_requests",
        {"state": "merged"},
        f"merge requests of {path}",
    )
    for items, cursor in pages:
        rows = [
            _change(ctx, path, mr, commits.of(pid, mr), None)
            for mr in items
            if isinstance(mr, dict) and _in_window(lookup(mr, "merged_at"), pass_)
        ]
        yield Batch(resource, rows=rows, cursor=cursor)


# -- deployments -------------------------------------------------------------------------


def _deployment(ctx: SyncContext, path: str, item: Any) -> Mapped | None:
    """A finished deployment's row; None for one still created, running or canceled."""
    status = str(lookup(item, "status") or "").lower()
    if status not in DEPLOYMENT_RESULTS:
        return None
    did = lookup(item, "id")
    finished = lookup(item, "deployable.finished_at") or lookup(item, "updated_at")
    return (
        "deployments",
        {
            "id": f"gl-deploy-{did}" if did is not None else None,
            "service": ctx.service_for_repository(path),
            "environment": lookup(item, "environment.name"),
            "started_at": None,
            "finished_at": timestamp_text(finished),
            "result": DEPLOYMENT_RESULTS[status],
        },
    )


def _is_id(value: object) -> bool:
    """Whether a value is a GitLab numeric id (only those go into request paths)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_production(environment: object) -> bool:
    return isinstance(environment, str) and is_production(environment)


def _deployments(ctx: SyncContext, pid: int, path: str, commits: _FirstCommits) -> Iterator[Batch]:
    resource = f"deployments {path}"
    pass_ = ctx.window(resource)
    # Read to the present even for a window asked for (`--until`): a change the merge request
    # pass just wrote without its deployment is linked again by whichever deployment shipped
    # it, however late.
    pages = _window_pages(
        ctx, pass_, f"/projects/{pid}/deployments", {}, f"deployments of {path}", to_now=True
    )
    for items, cursor in pages:
        mapped = [(item, _deployment(ctx, path, item)) for item in items]
        rows = [row for _, row in mapped if row is not None]
        # The deployments are written first: the changes below name them.
        yield Batch(resource, rows=rows, cursor=None)
        changes: list[Mapped] = []
        for item, row in mapped:
            if row is None or row[1]["result"] != "success" or row[1]["id"] is None:
                continue
            if not _is_production(row[1]["environment"]) or not _is_id(lookup(item, "id")):
                continue
            shipped = f"/projects/{pid}/deployments/{lookup(item, 'id')}/merge_requests"
            for mr in _every_page(ctx, shipped, {"state": "merged"}):
                if isinstance(mr, dict):
                    deployment = str(row[1]["id"])
                    changes.append(_change(ctx, path, mr, commits.of(pid, mr), deployment))
        yield Batch(resource, rows=changes, cursor=cursor)


# -- pipelines ---------------------------------------------------------------------------


def _pipeline(ctx: SyncContext, pid: int, path: str, item: Any) -> Mapped | None:
    """A finished pipeline's row (the list lacks its times: the single pipeline has them)."""
    status = str(lookup(item, "status") or "").lower()
    if status not in PIPELINE_RESULTS:
        return None
    detail = item
    if lookup(item, "finished_at") is None and _is_id(lookup(item, "id")):
        try:
            detail = ctx.client.get(f"/projects/{pid}/pipelines/{lookup(item, 'id')}").body
        except ApiError as exc:
            if exc.status != 200:
                raise
            # Refused with the reason in place of the time it could not read.
            detail = {"created_at": _unreadable(exc), "finished_at": _unreadable(exc)}
    created = timestamp_text(lookup(detail, "created_at"))
    try:
        queued = _queued_seconds({"object_attributes": detail})
    except Malformed:
        queued = None
    return (
        "ci-runs",
        {
            "id": f"gl-pipeline-{lookup(item, 'id')}" if lookup(item, "id") is not None else None,
            "service": ctx.service_for_repository(path),
            "started_at": created if queued is None else _pipeline_start(created, queued),
            "finished_at": timestamp_text(lookup(detail, "finished_at")),
            "result": PIPELINE_RESULTS[status],
            "queued_at": None if queued is None else created,
        },
    )


def _pipelines(ctx: SyncContext, pid: int, path: str) -> Iterator[Batch]:
    resource = f"pipelines {path}"
    pass_ = ctx.window(resource)
    pages = _window_pages(
        ctx, pass_, f"/projects/{pid}/pipelines", {"scope": "finished"}, f"pipelines of {path}"
    )
    for items, cursor in pages:
        rows = [row for item in items if (row := _pipeline(ctx, pid, path, item)) is not None]
        yield Batch(resource, rows=rows, cursor=cursor)


# -- the provider ------------------------------------------------------------------------


def _check(ctx: SyncContext) -> list[str]:
    notes: list[str] = []
    for found in _projects(ctx):
        if isinstance(found, Batch):
            continue
        pid, path = found
        for what, list_path in (
            ("merge requests", "merge_requests"),
            ("deployments", "deployments"),
            ("pipelines", "pipelines"),
        ):
            ctx.client.get(f"/projects/{pid}/{list_path}", params={"per_page": 1})
            notes.append(f"{path}: {what} readable")
    if not notes:
        raise ApiError(f"gitlab: group {ctx.connection.options.get('group')!r} has no projects")
    return notes


def _collect(ctx: SyncContext) -> Iterator[Batch]:
    commits = _FirstCommits(ctx)
    projects: list[tuple[int, str]] = []
    for found in _projects(ctx):
        if isinstance(found, Batch):
            yield found
        else:
            projects.append(found)
    for pid, path in projects:
        yield from _merge_requests(ctx, pid, path, commits)
        yield from _deployments(ctx, pid, path, commits)
        yield from _pipelines(ctx, pid, path)
        commits.known.clear()  # a project's MRs are not asked for again: keep memory flat


PROVIDER = Provider(
    name="gitlab",
    default_url=DEFAULT_URL,
    scopes=SCOPES,
    options=_options,
    auth_headers=_auth,
    check=_check,
    collect=_collect,
)
