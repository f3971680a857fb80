"""`pavedroad connect`: connections to GitHub, GitLab, PagerDuty, Jira and Backstage, and syncs.

`connect add` stores a connection; `connect sync` backfills a window (`--since`/`--until`) or
reads what changed since the last sync; `pavedroad serve` runs scheduled syncs (`--every`).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    fail,
    one_of,
    open_engine,
    parse_day,
    print_json,
    print_table,
    progress,
    store,
)
from pavedroad.cli.runs import STATUS_STYLE
from pavedroad.ingest.connectors import PROVIDERS
from pavedroad.ingest.connectors import service as connections
from pavedroad.ingest.connectors.http import ApiError
from pavedroad.ingest.connectors.secrets import TokenMissingError
from pavedroad.ingest.connectors.sync import SyncHooks, SyncRunOut, sync_connection, test_connection
from pavedroad.settings import load_settings

connect_app = typer.Typer(
    help="Connections that backfill a year of history from GitHub, GitLab, PagerDuty, Jira "
    "and Backstage and keep it in sync.",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="The connection's name, such as `github-acme`.")]


def _token_from_stdin(token_stdin: bool) -> str | None:
    if not token_stdin:
        return None
    if sys.stdin.isatty():
        err_console.print("Paste the token and press Enter (it is not shown):")
    token = sys.stdin.readline().strip()
    if not token:
        raise fail("no token on standard input")
    return token


def _moment(text: str | None, option: str, *, end: bool = False) -> datetime | None:
    """Midnight UTC at the start of the day typed, or after it for an inclusive `end`."""
    if text is None:
        return None
    day = parse_day(text, option=option, example="2025-12-01")
    return datetime.combine(day + timedelta(days=1) if end else day, time.min, tzinfo=UTC)


@connect_app.command("add")
def add(
    provider: Annotated[str, typer.Argument(help=f"The provider: {one_of(PROVIDERS)}.")],
    name: NameArg,
    url: Annotated[
        str | None,
        typer.Option(
            help="The API root: GitHub defaults to https://api.github.com (a GitHub Enterprise "
            "Server names its `https://HOST/api/v3`); GitLab defaults to "
            "https://gitlab.com/api/v4 (self-managed: `https://HOST/api/v4`); PagerDuty "
            "defaults to https://api.pagerduty.com; Jira `https://SITE.atlassian.net`; "
            "Backstage its backend, such as `https://backstage.example.com`."
        ),
    ] = None,
    token_env: Annotated[
        str | None,
        typer.Option(help="The environment variable the token is read from at each sync."),
    ] = None,
    token_stdin: Annotated[
        bool,
        typer.Option(
            help="Read the token from standard input and store it encrypted "
            "(needs PAVEDROAD_SECRET_KEY)."
        ),
    ] = False,
    repo: Annotated[
        list[str] | None,
        typer.Option(help="GitHub: a repository OWNER/NAME to read (repeatable)."),
    ] = None,
    org: Annotated[
        str | None, typer.Option(help="GitHub: read every repository of this organisation.")
    ] = None,
    project: Annotated[
        list[str] | None,
        typer.Option(help="GitLab: a project path GROUP/NAME or id to read (repeatable)."),
    ] = None,
    group: Annotated[
        str | None, typer.Option(help="GitLab: read every project of this group.")
    ] = None,
    service: Annotated[
        list[str] | None,
        typer.Option(help="PagerDuty: only incidents of this service id (repeatable)."),
    ] = None,
    urgency: Annotated[
        list[str] | None,
        typer.Option(help="PagerDuty: only incidents of this urgency, high or low (repeatable)."),
    ] = None,
    priority: Annotated[
        list[str] | None,
        typer.Option(help="PagerDuty: only incidents of this priority, such as P1 (repeatable)."),
    ] = None,
    jql: Annotated[
        str | None, typer.Option(help="Jira: the JQL query whose issues are read.")
    ] = None,
    as_kind: Annotated[
        str | None,
        typer.Option("--as", help="Jira: store the issues as `tickets` (default) or `incidents`."),
    ] = None,
    jira_api: Annotated[
        str | None,
        typer.Option(help="Jira: `cloud` (REST v3, default) or `datacenter` (REST v2)."),
    ] = None,
    self_service_field: Annotated[
        str | None,
        typer.Option(
            help="Jira: the field id (such as customfield_10042) whose truthy value marks a "
            "ticket self-service."
        ),
    ] = None,
    self_service_label: Annotated[
        str | None, typer.Option(help="Jira: the label that marks a ticket self-service.")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="A rules file mapping repositories and PagerDuty services to services (the "
            "webhook rules format); default PAVEDROAD_WEBHOOK_RULES."
        ),
    ] = None,
    every: Annotated[
        str | None,
        typer.Option(help="Sync under `pavedroad serve` this often, such as 1h or 30m."),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Add a connection. The token is never printed: give the name of an environment variable
    (`--token-env GITHUB_TOKEN`) or pipe it in with `--token-stdin` to store it encrypted."""
    options: dict[str, Any] = {
        "repos": repo or [],
        "org": org,
        "projects": project or [],
        "group": group,
        "services": service or [],
        "urgencies": urgency or [],
        "priorities": priority or [],
        "jql": jql,
        "as": as_kind,
        "api": jira_api,
        "self_service_field": self_service_field,
        "self_service_label": self_service_label,
        "mapping": str(mapping.resolve()) if mapping else None,
    }
    token = _token_from_stdin(token_stdin)
    settings = load_settings(db)
    with store(db) as session:
        added = connections.add_connection(
            session=session,
            name=name,
            provider=provider,
            url=url,
            token_env=token_env,
            token=token,
            secret_key=settings.secret_key,
            options={k: v for k, v in options.items() if v not in (None, [], "")},
            every=every,
        )
    if as_json:
        print_json(added)
        return
    console.print(
        f"Added {added.provider} connection {added.name} ({added.url}; token: {added.token}). "
        f"`pavedroad connect test {added.name}` checks it, `pavedroad connect sync "
        f"{added.name}` backfills a year.",
        markup=False,
        highlight=False,
    )


@connect_app.command("list")
def list_(as_json: JsonOption = False, db: DbOption = None) -> None:
    """List connections with their last run and next scheduled sync."""
    with store(db) as session:
        found = connections.list_connections(session=session)
    if as_json:
        print_json(found)
        return
    print_table(
        f"{len(found)} connections",
        ["name", "provider", "url", "token", "every", "last run", "next sync"],
        [
            [
                c.name,
                c.provider,
                c.url,
                c.token,
                c.every or "by hand",
                f"{c.last_run.id} {c.last_run.status}" if c.last_run else "never",
                f"{c.next_sync_at:%Y-%m-%d %H:%M}" if c.next_sync_at else "",
            ]
            for c in found
        ],
        empty="No connections yet. `pavedroad connect add github NAME --repo OWNER/NAME "
        "--token-env GITHUB_TOKEN` adds one.",
    )


@connect_app.command("show")
def show(name: NameArg, as_json: JsonOption = False, db: DbOption = None) -> None:
    """Show a connection: its options, how far each resource list is synced, its last run."""
    with store(db) as session:
        found = connections.get_connection(session=session, name=name)
    if as_json:
        print_json(found)
        return
    console.print(
        f"{found.name}: {found.provider} at {found.url}, token {found.token}, "
        f"{'every ' + found.every if found.every else 'synced by hand'}",
        markup=False,
        highlight=False,
    )
    for key, value in found.options.items():
        console.print(f"  {key}: {value}", markup=False, highlight=False)
    for resource in found.resources:
        state = (
            f"synced until {resource.synced_until:%Y-%m-%d %H:%M}"
            if resource.synced_until
            else "not synced yet"
        )
        if resource.pending_since:
            state += f"; a pass from {resource.pending_since:%Y-%m-%d} is under way or interrupted"
        console.print(f"  {resource.resource}: {state}", markup=False, highlight=False)
    if found.last_run:
        console.print(f"  last run {found.last_run.id}: {found.last_run.status}", markup=False)


@connect_app.command("test")
def test(name: NameArg, as_json: JsonOption = False, db: DbOption = None) -> None:
    """Check the URL, the token and its permissions with one request per resource list."""
    settings = load_settings(db)
    engine = open_engine(db)
    try:
        notes = test_connection(engine, settings, name)
    except (ApiError, TokenMissingError) as exc:
        if as_json:
            print_json({"connection": name, "ok": False, "error": str(exc)})
            raise typer.Exit(1) from None
        raise fail(str(exc)) from None
    if as_json:
        print_json({"connection": name, "ok": True, "notes": notes})
        return
    console.print(f"Connection {name} works:", markup=False)
    for note in notes:
        console.print(f"  {note}", markup=False, highlight=False)


def print_sync(run: SyncRunOut, *, as_json: bool) -> None:
    if as_json:
        print_json(run)
        return
    style = STATUS_STYLE.get(run.status, "")
    console.print(
        f"Sync run {run.id} of {run.connection} [{style}]{run.status}[/{style}]"
        + (f" in {run.seconds:.1f} s" if run.seconds is not None else "")
        + f" ({run.http.get('requests', 0):,} requests)"
    )
    for table, counts in run.tables.items():
        console.print(
            f"  {table}: read {counts.read:,}, new {counts.new:,}, updated {counts.updated:,}, "
            f"unchanged {counts.unchanged:,}, rejected {counts.rejected:,}",
            markup=False,
        )
    for error in run.errors[:5]:
        err_console.print(f"  {error}", markup=False, highlight=False)
    if run.rejected:
        err_console.print(f"  `pavedroad runs show {run.id}` lists the refused rows.", markup=False)


@connect_app.command("sync")
def sync(
    name: NameArg,
    since: Annotated[
        str | None,
        typer.Option(
            help="Backfill from this day (YYYY-MM-DD); default: since the last sync, "
            "or a year back the first time."
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="Backfill up to and including this day (YYYY-MM-DD); default: now."),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Sync a connection now: a backfill the first time (or with --since), then only what
    changed. An interrupted sync resumes where it stopped. `--json` prints the run with its
    counts per table."""
    settings = load_settings(db)
    engine = open_engine(db)
    started = _moment(since, "--since")
    ended = _moment(until, "--until", end=True)
    with progress(rows=True) as bar:
        task = bar.add_task(f"Syncing {name}", total=None, rejected=0)

        def on_wait(seconds: float, reason: str) -> None:
            bar.update(task, description=f"{name}: waiting {seconds:.0f} s ({reason})")

        hooks = SyncHooks(
            on_progress=lambda text: bar.update(task, description=f"{name}: {text}"),
            on_wait=on_wait,
            on_rows=lambda count: bar.advance(task, count),
        )
        run = sync_connection(engine, settings, name, since=started, until=ended, hooks=hooks)
    print_sync(run, as_json=as_json)
    if run.status == "failed":
        raise typer.Exit(1)


@connect_app.command("token")
def token(
    name: NameArg,
    token_env: Annotated[
        str | None, typer.Option(help="Read the token from this environment variable.")
    ] = None,
    token_stdin: Annotated[
        bool, typer.Option(help="Read the token from standard input and store it encrypted.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Change where a connection's token comes from, or store a new one."""
    settings = load_settings(db)
    with store(db) as session:
        changed = connections.set_token(
            session=session,
            name=name,
            token_env=token_env,
            token=_token_from_stdin(token_stdin),
            secret_key=settings.secret_key,
        )
    console.print(f"Connection {changed.name}: token {changed.token}.", markup=False)


@connect_app.command("schedule")
def schedule(
    name: NameArg,
    every: Annotated[str, typer.Argument(help="How often, such as 1h or 30m; `off` stops it.")],
    db: DbOption = None,
) -> None:
    """Change how often `pavedroad serve` syncs a connection."""
    with store(db) as session:
        changed = connections.set_schedule(session=session, name=name, every=every)
    console.print(
        f"Connection {changed.name}: "
        + (
            f"synced every {changed.every} under `pavedroad serve`."
            if changed.every
            else "synced by hand."
        ),
        markup=False,
    )


@connect_app.command("remove")
def remove(name: NameArg, db: DbOption = None) -> None:
    """Forget a connection (its runs and the rows it wrote stay)."""
    with store(db) as session:
        connections.remove_connection(session=session, name=name)
    console.print(f"Removed connection {name}.", markup=False)
