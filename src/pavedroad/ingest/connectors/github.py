"""The GitHub connector (REST v3, github.com or a GitHub Enterprise Server `https://HOST/api/v3`).

Per repository (`--repo OWNER/NAME`, or every repository of `--org ORG`), three resource lists:
- `deployments:OWNER/NAME`: `/repos/{o}/{r}/deployments` (newest first, `Link` pages) and each
  deployment's `/statuses`. A deployment finishes at its FIRST `success` or `failure` (or
  `error`) status, with that status's result: never at `updated_at` or at a later `inactive`
  status (Apache DevLake #8302, #8654). A deployment without a final status yet is not a row.
- `pulls:OWNER/NAME`: `/pulls?state=closed&sort=updated&direction=desc`, paged until
  `updated_at` is before the pass's start; each merged pull request is a change whose
  `first_commit_at` is the earliest author date of `/pulls/{n}/commits` (a squash merge keeps
  it). The deployment it reached: its `merge_commit_sha` among the commits of
  `/compare/{base}...{head}` between two consecutive successful production deployments.
  Merged pull requests no deployment shipped yet wait in the cursor (`pending`) and are
  written again, linked, by the sync that reads the deployment that ships them.
- `runs:OWNER/NAME`: `/actions/runs?created=>=DAY` (`total_count`, `workflow_runs`) as CI
  runs, as the webhook mapper maps a `workflow_run` event.
Ids and values are the webhook mapper's (`gh-deploy-ID`, `OWNER/NAME#N`, `gh-run-ID`), so a
delivery and a sync of the same object upsert one row. An incremental sync sends the first
page's ETag: with nothing new, each list costs one request (a 304). Per-item requests
(statuses, pull request commits, compares) run on a small thread pool over the one client.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pavedroad.errors import InvalidInputError
from pavedroad.ingest.connectors.base import Batch, Pass, Provider, SyncContext, is_production
from pavedroad.ingest.connectors.http import ApiClient, ApiError, Page
from pavedroad.ingest.connectors.options import given as provider_options
from pavedroad.ingest.webhooks.github import (
    CI_RESULTS,
    DEPLOYMENT_RESULTS,
    _deployment_payload,
    _flag,
)
from pavedroad.ingest.webhooks.payloads import Mapped, lookup, timestamp_text

SCOPES = (
    "a classic token with the `repo` scope (and `read:org` for --org), or a fine-grained "
    "token with read access to Deployments, Pull requests, Actions and Metadata"
)
PER_PAGE = 100
# Per-item requests in flight at once (statuses, pull request commits, compares).
WORKERS = 8
# Deployments created this long before a pass's start are still read: their first final
# status may come after it.
LOOKBACK = timedelta(days=1)
# Workflow runs unfinished at the last sync are looked for again this far back, at most.
MAX_OPEN = timedelta(days=3)
# Merged pull requests waiting for the deployment that ships them, at most (newest kept).
MAX_PENDING = 5000
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_ORG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
T = TypeVar("T")
R = TypeVar("R")


def _options(raw: Mapping[str, Any]) -> dict[str, Any]:
    given = provider_options(raw, "github", ("repos", "org", "mapping"))
    repos, org = given.get("repos") or [], given.get("org")
    if bool(repos) == bool(org):
        raise InvalidInputError.because(
            "give either --repo OWNER/NAME (repeatable) or --org ORG, exactly one of the two",
            field="repos" if repos else "org",
        )
    if org is not None:
        if not isinstance(org, str) or not _ORG.match(org.strip()):
            raise InvalidInputError.because(
                "--org must be an organisation's login, such as acme", field="org"
            )
        given["org"] = org.strip()
    if repos:
        if isinstance(repos, str) or not all(isinstance(r, str) for r in repos):
            raise InvalidInputError.because("--repo must be OWNER/NAME", field="repos")
        cleaned = []
        for repo in repos:
            if not _REPO.match(repo.strip()):
                raise InvalidInputError.because(
                    f"--repo {repo[:100]!r} is not OWNER/NAME, such as acme/ledger",
                    field="repos",
                )
            if repo.strip() not in cleaned:
                cleaned.append(repo.strip())
        given["repos"] = cleaned
    return given


def _auth(token: str, _options: Mapping[str, Any]) -> dict[str, str]:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _parallel(func: Callable[[T], R], items: list[T]) -> list[R]:
    """`func` over `items` on the thread pool, in order (the first failure is raised)."""
    if len(items) <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(items))) as pool:
        return list(pool.map(func, items))


def _list(page: Page, what: str) -> list[Any]:
    body = page.body
    if isinstance(body, dict) and isinstance(body.get("workflow_runs"), list):
        body = body["workflow_runs"]
    if not isinstance(body, list):
        raise ApiError(f"github: {what} did not answer a list (is --url the API root?)")
    return body


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _repositories(ctx: SyncContext) -> list[str]:
    options = ctx.connection.options
    if options.get("repos"):
        return list(options["repos"])
    org = options["org"]
    found: list[str] = []
    url: str | None = f"/orgs/{org}/repos"
    params: dict[str, Any] | None = {"per_page": PER_PAGE, "type": "all"}
    while url:
        ctx.on_progress(f"repositories of {org}")
        page = ctx.client.get(url, params=params)
        for repo in _list(page, f"/orgs/{org}/repos"):
            name = lookup(repo, "full_name")
            if isinstance(name, str) and _REPO.match(name) and not lookup(repo, "archived"):
                found.append(name)
        url, params = page.links.get("next"), None
    return found


def _check(ctx: SyncContext) -> list[str]:
    notes = []
    repos = _repositories(ctx)
    if not repos:
        return [f"organisation {ctx.connection.options.get('org')} has no repositories to read"]
    for repo in repos[:5]:
        one = {"per_page": 1}
        ctx.client.get(f"/repos/{repo}")
        deployments = _list(ctx.client.get(f"/repos/{repo}/deployments", params=one), "deploys")
        pulls = _list(
            ctx.client.get(f"/repos/{repo}/pulls", params={**one, "state": "closed"}), "pulls"
        )
        runs = ctx.client.get(f"/repos/{repo}/actions/runs", params=one)
        total = lookup(runs.body, "total_count")
        notes.append(
            f"{repo}: deployments {'readable' if deployments else 'none yet'}, pull requests "
            f"{'readable' if pulls else 'none yet'}, workflow runs: {total if total else 0}"
        )
    if len(repos) > 5:
        notes.append(f"and {len(repos) - 5} more repositories")
    return notes


# --- deployments ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Shipped:
    """A successful production deployment, for the compare that links changes to it."""

    id: str
    sha: str
    environment: str
    finished_at: str


def _first_final(statuses: list[Any]) -> dict[str, Any] | None:
    """The earliest `success`, `failure` or `error` status (GitHub lists newest first)."""
    final = [
        s
        for s in statuses
        if isinstance(s, dict) and str(s.get("state") or "").lower() in DEPLOYMENT_RESULTS
    ]
    if not final:
        return None
    return min(final, key=lambda s: str(s.get("created_at") or s.get("updated_at") or ""))


def _statuses(client: ApiClient, repo: str, deployment_id: object) -> list[Any]:
    path = f"/repos/{repo}/deployments/{deployment_id}/statuses"
    page = client.get(path, params={"per_page": PER_PAGE})
    statuses = _list(page, path)
    last = page.links.get("last")
    if last:  # the oldest statuses are on the last page
        statuses += _list(client.get(last), path)
    return statuses


def _deployment_row(ctx: SyncContext, repo: str, deployment: Any, status: Any) -> Mapped:
    extra = _deployment_payload(deployment) if isinstance(deployment, dict) else {}
    task = str(lookup(deployment, "task") or "").lower()
    state = str(lookup(status, "state") or "").lower()
    ident = lookup(deployment, "id")
    return (
        "deployments",
        {
            "id": f"gh-deploy-{ident}" if ident not in (None, "") else None,
            "service": ctx.service_for_repository(repo),
            "environment": lookup(deployment, "environment"),
            "started_at": timestamp_text(lookup(deployment, "created_at")),
            "finished_at": timestamp_text(
                lookup(status, "created_at") or lookup(status, "updated_at")
            ),
            "result": DEPLOYMENT_RESULTS.get(state),
            "is_rollback": True if "rollback" in task else _flag(extra, "rollback", "is_rollback"),
            "via_platform": _flag(extra, "via_platform"),
        },
    )


def _pages(
    ctx: SyncContext,
    window: Pass,
    path: str,
    params: dict[str, Any],
    what: str,
    *,
    conditional: bool = True,
) -> Iterator[tuple[Page | None, dict[str, Any]]]:
    """The pages of a list from where the pass stands: (page, state after it); a first page
    unchanged since the last pass (ETag) is (None, ...) and ends the list."""
    state = dict(window.state)
    url: str | None = state.get("next")
    etag: str | None = None
    if url is None:
        url = path
        etag = ctx.cursor(window.resource).get("etag") if conditional else None
    else:
        params = {}
    number = int(state.get("page") or 1)
    while url:
        ctx.on_progress(f"{what}, page {number}")
        page = ctx.client.get(url, params=params or None, etag=etag)
        if page.not_modified:
            yield None, {**state, "etag": etag}
            return
        if number == 1 and page.etag:
            state["etag"] = page.etag
        url, params, etag = page.links.get("next"), {}, None
        number += 1
        state = {**state, "next": url, "page": number}
        yield page, state


def _finished(window: Pass, state: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    cursor = window.finished()
    etag = state.get("etag")
    if etag:
        cursor["etag"] = etag
    return {**cursor, **extra}


def _deployments(
    ctx: SyncContext, repo: str, shipped: list[_Shipped], window: Pass | None = None
) -> Iterator[Batch]:
    """The deployments pass; with `window`, a re-read (no ETag) of that window only for the
    deployments that link changes (a resumed pull requests pass)."""
    resource = f"deployments:{repo}"
    rereading = window is not None
    window = window or ctx.window(resource)
    oldest = window.since - LOOKBACK
    path = f"/repos/{repo}/deployments"
    state: dict[str, Any] = dict(window.state)
    what = f"deployments of {repo}" + (" again, for the changes they shipped" if rereading else "")
    for page, state in _pages(
        ctx, window, path, {"per_page": PER_PAGE}, what, conditional=not rereading
    ):
        if page is None:
            break
        items = _list(page, path)
        wanted = []
        past = False
        for deployment in items:
            created = _time(lookup(deployment, "created_at"))
            updated = _time(lookup(deployment, "updated_at")) or created
            if created is not None and created < oldest:
                past = True
                continue
            if created is not None and created > window.until:
                continue
            if window.synced_until and updated is not None and updated < window.since:
                continue  # read by an earlier pass, and no status since
            wanted.append(deployment)
        with_ids = [d for d in wanted if isinstance(d, dict) and d.get("id") is not None]
        statuses = _parallel(lambda d: _statuses(ctx.client, repo, d["id"]), with_ids)
        rows: list[Mapped] = []
        for deployment, found in zip(with_ids, statuses, strict=True):
            status = _first_final(found)
            if status is None:
                continue  # not finished yet: a later sync reads it again
            row = _deployment_row(ctx, repo, deployment, status)
            rows.append(row)
            values = row[1]
            sha = lookup(deployment, "sha")
            env = values.get("environment")
            if (
                values.get("result") == "success"
                and isinstance(sha, str)
                and isinstance(env, str)
                and is_production(env)
                and isinstance(values.get("finished_at"), str)
            ):
                shipped.append(_Shipped(str(values["id"]), sha, env, str(values["finished_at"])))
        # A deployment without an id is refused with the reason (and the sync goes on).
        rows += [_deployment_row(ctx, repo, d, None) for d in wanted if d not in with_ids]
        if past or not state.get("next"):
            yield Batch(resource, rows, _finished(window, state))
            return
        yield Batch(resource, rows, window.page(state))
    yield Batch(resource, [], _finished(window, state))


def _compare(client: ApiClient, repo: str, base: str, head: str) -> list[str]:
    """The shas of the commits `head` has and `base` has not (every page)."""
    shas: list[str] = []
    url: str | None = f"/repos/{repo}/compare/{base}...{head}"
    params: dict[str, Any] | None = {"per_page": PER_PAGE}
    while url:
        page = client.get(url, params=params)
        commits = lookup(page.body, "commits")
        if not isinstance(commits, list):
            raise ApiError(f"github: the compare of {repo} did not answer its commits")
        shas += [str(c["sha"]) for c in commits if isinstance(c, dict) and c.get("sha")]
        url, params = page.links.get("next"), None
    return shas


def _links(
    ctx: SyncContext, repo: str, shipped: list[_Shipped], last: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, Any]]:
    """Merge commit sha -> the deployment that shipped it, from compares between consecutive
    successful production deployments (of one environment); and the latest per environment."""
    by_env: dict[str, list[_Shipped]] = {}
    for deployment in sorted(shipped, key=lambda d: d.finished_at):
        by_env.setdefault(deployment.environment, []).append(deployment)
    pairs: list[tuple[str, _Shipped]] = []
    newest: dict[str, Any] = dict(last)
    for env, deployments in by_env.items():
        before = last.get(env)
        base = before["sha"] if isinstance(before, dict) else None
        for deployment in deployments:
            if base and base != deployment.sha:
                pairs.append((base, deployment))
            base = deployment.sha
        latest = deployments[-1]
        if not isinstance(before, dict) or latest.finished_at >= str(before.get("at") or ""):
            newest[env] = {"sha": latest.sha, "id": latest.id, "at": latest.finished_at}
    ctx.on_progress(f"commits of {len(pairs)} deployments of {repo}")
    compared = _parallel(lambda p: _compare(ctx.client, repo, p[0], p[1].sha), pairs)
    reached: dict[str, tuple[str, str]] = {}
    for (_base, deployment), shas in zip(pairs, compared, strict=True):
        for sha in [*shas, deployment.sha]:
            have = reached.get(sha)
            if have is None or deployment.finished_at < have[1]:
                reached[sha] = (deployment.id, deployment.finished_at)
    return {sha: found[0] for sha, found in reached.items()}, newest


# --- pull requests -------------------------------------------------------------------------


def _first_commit(client: ApiClient, repo: str, number: object) -> object:
    """The earliest author date of a pull request's commits (listed oldest first)."""
    path = f"/repos/{repo}/pulls/{number}/commits"
    commits = _list(client.get(path, params={"per_page": PER_PAGE}), path)
    dates = []
    for commit in commits:
        text = lookup(commit, "commit.author.date") or lookup(commit, "commit.committer.date")
        when = _time(text)
        if when is not None:
            dates.append((when, text))
    return min(dates)[1] if dates else None


def _repository(repo: str, pr: Any) -> str:
    base = lookup(pr, "base.repo.full_name")
    return base if isinstance(base, str) and _REPO.match(base) else repo


def _change(repo: str, ctx: SyncContext, pr: Any, first: object, deployment: str | None) -> Mapped:
    repository = _repository(repo, pr)
    number = lookup(pr, "number")
    return (
        "changes",
        {
            "id": f"{repository}#{number}" if number not in (None, "") else None,
            "service": ctx.service_for_repository(repository),
            "first_commit_at": timestamp_text(first or lookup(pr, "created_at")),
            "merged_at": timestamp_text(lookup(pr, "merged_at")),
            "deployment_id": deployment,
        },
    )


@dataclass
class _Pending:
    """Merged pull requests no deployment read so far has shipped: merge sha -> what their
    row needs (`id`, `repository`, `first_commit_at`, `merged_at`)."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, sha: object, repository: str, values: dict[str, Any]) -> None:
        if isinstance(sha, str) and sha and isinstance(values.get("id"), str):
            self.rows[sha] = {
                "id": values["id"],
                "repository": repository,
                "first_commit_at": values.get("first_commit_at"),
                "merged_at": values.get("merged_at"),
            }

    def shipped(self, ctx: SyncContext, links: Mapping[str, str]) -> list[Mapped]:
        done = [sha for sha in self.rows if sha in links]
        rows: list[Mapped] = []
        for sha in done:
            kept = self.rows.pop(sha)
            rows.append(
                (
                    "changes",
                    {
                        "id": kept.get("id"),
                        "service": ctx.service_for_repository(str(kept.get("repository"))),
                        "first_commit_at": kept.get("first_commit_at"),
                        "merged_at": kept.get("merged_at"),
                        "deployment_id": links[sha],
                    },
                )
            )
        return rows

    def kept(self) -> dict[str, dict[str, Any]]:
        newest = sorted(self.rows.items(), key=lambda kv: str(kv[1].get("merged_at") or ""))
        return dict(newest[-MAX_PENDING:])


def _pulls(
    ctx: SyncContext, repo: str, links: dict[str, str], newest: dict[str, Any]
) -> Iterator[Batch]:
    resource = f"pulls:{repo}"
    window = ctx.window(resource)
    stored = ctx.cursor(resource)
    pending = _Pending(dict(stored.get("pending") or {}))
    # The baseline of the compares stays the one the pass started from until it finishes, so
    # a resumed pass recomputes the same links.
    started = {"deployed": dict(stored.get("deployed") or {})}
    linked = pending.shipped(ctx, links)
    path = f"/repos/{repo}/pulls"
    params = {"state": "closed", "sort": "updated", "direction": "desc", "per_page": PER_PAGE}
    state: dict[str, Any] = dict(window.state)
    for page, state in _pages(ctx, window, path, params, f"pull requests of {repo}"):
        if page is None:
            break
        items = _list(page, path)
        merged, past = [], False
        for pr in items:
            updated = _time(lookup(pr, "updated_at"))
            if updated is not None and updated < window.since:
                past = True
                break
            merged_at = _time(lookup(pr, "merged_at"))
            if lookup(pr, "merged_at") is None or (merged_at and merged_at > window.until):
                continue
            if window.synced_until and merged_at is not None and merged_at < window.since:
                continue  # written by an earlier pass; only its comments changed
            merged.append(pr)
        numbered = [pr for pr in merged if lookup(pr, "number") is not None]
        firsts = _parallel(lambda pr: _first_commit(ctx.client, repo, pr["number"]), numbered)
        rows: list[Mapped] = linked
        linked = []
        for pr, first in zip(numbered, firsts, strict=True):
            sha = lookup(pr, "merge_commit_sha")
            deployment = links.get(sha) if isinstance(sha, str) else None
            row = _change(repo, ctx, pr, first, deployment)
            if deployment is None:
                pending.add(sha, _repository(repo, pr), row[1])
            rows.append(row)
        # A pull request without a number is refused with the reason (and the sync goes on).
        rows += [_change(repo, ctx, pr, None, None) for pr in merged if pr not in numbered]
        if past or not state.get("next"):
            done = _finished(window, state, deployed=newest, pending=pending.kept())
            yield Batch(resource, rows, done)
            return
        yield Batch(resource, rows, {**window.page(state), **started, "pending": pending.kept()})
    yield Batch(resource, linked, _finished(window, state, deployed=newest, pending=pending.kept()))


# --- workflow runs -------------------------------------------------------------------------


def _run_row(ctx: SyncContext, repo: str, run: Any) -> Mapped | None:
    """A completed workflow run as the webhook mapper maps `workflow_run` (None: not one)."""
    if lookup(run, "status") != "completed":
        return None
    conclusion = str(lookup(run, "conclusion") or "").lower()
    if conclusion not in CI_RESULTS:
        return None
    started, created = lookup(run, "run_started_at"), lookup(run, "created_at")
    attempt = lookup(run, "run_attempt")
    first_attempt = attempt is None or (type(attempt) is int and attempt == 1)
    full = lookup(run, "repository.full_name")
    ident = lookup(run, "id")
    return (
        "ci-runs",
        {
            "id": f"gh-run-{ident}" if ident not in (None, "") else None,
            "service": ctx.service_for_repository(full if isinstance(full, str) else repo),
            "started_at": timestamp_text(started or created),
            "finished_at": timestamp_text(lookup(run, "updated_at")),
            "result": CI_RESULTS[conclusion],
            "queued_at": timestamp_text(created) if created and started and first_attempt else None,
        },
    )


def _runs(ctx: SyncContext, repo: str) -> Iterator[Batch]:
    """Workflow runs created since the pass's start, or since the oldest run the last pass saw
    unfinished (at most `MAX_OPEN` back), so a run that ends later is read again."""
    resource = f"runs:{repo}"
    window = ctx.window(resource)
    path = f"/repos/{repo}/actions/runs"
    start = window.since
    open_since = _time(ctx.cursor(resource).get("open_since"))
    if not window.resumed and open_since is not None:
        start = max(min(start, open_since), window.since - MAX_OPEN)
    params = {"created": f">={start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}", "per_page": PER_PAGE}
    state: dict[str, Any] = dict(window.state)
    for page, state in _pages(ctx, window, path, params, f"workflow runs of {repo}"):
        if page is None:
            break
        runs = _list(page, path)
        rows = [row for run in runs if (row := _run_row(ctx, repo, run))]
        unfinished = [
            str(lookup(run, "created_at"))
            for run in runs
            if lookup(run, "status") != "completed" and _time(lookup(run, "created_at"))
        ]
        if unfinished:
            state = {
                **state,
                "open": min([*unfinished, *([state["open"]] if state.get("open") else [])]),
            }
        if not state.get("next"):
            yield Batch(resource, rows, _finished(window, state, open_since=state.get("open")))
            return
        yield Batch(resource, rows, window.page(state))
    yield Batch(resource, [], _finished(window, state, open_since=state.get("open")))


def _collect(ctx: SyncContext) -> Iterator[Batch]:
    for repo in _repositories(ctx):
        shipped: list[_Shipped] = []
        deployments = ctx.window(f"deployments:{repo}")
        yield from _deployments(ctx, repo, shipped)
        pulls = ctx.window(f"pulls:{repo}")
        resumed = pulls if pulls.resumed else deployments if deployments.resumed else None
        if resumed is not None:
            # An interrupted pass: the deployments of its pages written before are not in
            # memory. Read the window's deployments again (without writing them) so every
            # change links as a sync that was never interrupted would link it.
            shipped = []
            again = Pass(f"deployments:{repo}", resumed.since, resumed.until, {}, None)
            for _batch in _deployments(ctx, repo, shipped, again):
                pass
        last = dict(ctx.cursor(f"pulls:{repo}").get("deployed") or {})
        links, newest = _links(ctx, repo, shipped, last)
        yield from _pulls(ctx, repo, links, newest)
        del links
        if ctx.rules.ci_source == "workflow_run":  # else CI runs come from check suites
            yield from _runs(ctx, repo)


PROVIDER = Provider(
    name="github",
    default_url="https://api.github.com",
    scopes=SCOPES,
    options=_options,
    auth_headers=_auth,
    check=_check,
    collect=_collect,
)
