"""CLI: The weekly changelog: add entries, assemble a week, post it to Slack or email."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated, Any

import typer

from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    fail,
    parse_day,
    print_json,
    print_table,
    store,
)
from pavedroad.comms import changelog as service
from pavedroad.comms import email as mail
from pavedroad.comms import feeds, slack
from pavedroad.comms.schemas.changelog import (
    ChangelogEntryIn,
    ChangelogEntryOut,
    ChangelogEntryUpdate,
    ChangelogWeek,
)
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.settings import load_settings

changelog_app = typer.Typer(
    help="The weekly changelog: add entries, assemble a week, post it to Slack or email.",
    no_args_is_help=True,
)

FORMATS = ("markdown", "slack", "json")
WeekOption = Annotated[
    str | None,
    typer.Option("--week", help="An ISO week such as 2026-W40 (default: the current week)."),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Where pavedroad is served (https://pavedroad.example): the message links to the "
        "week's page there.",
    ),
]
AudienceOption = Annotated[
    list[str] | None,
    typer.Option("--audience", help="A team slug or persona name it speaks to; repeat for more."),
]


def _day(text: str | None, option: str = "--date") -> date | None:
    return parse_day(text, option=option, example="2026-09-29") if text else None


def _link(base_url: str | None, week: str) -> str | None:
    if not base_url:
        return None
    base = base_url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise InvalidInputError.because(
            "expected an http(s) address such as https://pavedroad.example",
            source="--base-url",
            value=base_url,
        )
    return f"{base}/changelog/weeks/{week}"


def _print_entry(out: ChangelogEntryOut, verb: str, as_json: bool) -> None:
    if as_json:
        print_json(out)
        return
    console.print(f"{verb} changelog entry {out.id} ({out.date}): ", highlight=False, end="")
    console.print(out.title, markup=False, highlight=False)


def _week(db: str | None, week: str | None) -> ChangelogWeek:
    with store(db) as session:
        return service.week(session, week)


@changelog_app.command("add")
def add(
    title: Annotated[str, typer.Option("--title", help="What changed, in a few words.")],
    body: Annotated[str, typer.Option("--body", help="What changed and why it matters.")],
    before: Annotated[str, typer.Option("--before", help="How it was (an example).")] = "",
    after: Annotated[str, typer.Option("--after", help="How it is now (an example).")] = "",
    audience: AudienceOption = None,
    capability: Annotated[
        str | None, typer.Option("--capability", help="The catalog capability it belongs to.")
    ] = None,
    initiative: Annotated[
        str | None, typer.Option("--initiative", help="The backlog initiative's title.")
    ] = None,
    on: Annotated[
        str | None, typer.Option("--date", help="When it shipped, YYYY-MM-DD (default today).")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Add an entry, e.g. `pavedroad changelog add --title "CI in 6 minutes" --body "..."
    --before "18 min" --after "6 min" --audience billing-core --capability deploy`."""
    data = ChangelogEntryIn(
        title=title,
        body=body,
        before=before,
        after=after,
        audience=audience or [],
        capability=capability or None,
        initiative=initiative or None,
        date=_day(on),
    )
    with store(db) as session:
        out = service.entry_out(session, service.add_entry(session=session, data=data))
    _print_entry(out, "Added", as_json)


@changelog_app.command("list")
def list_(
    since: Annotated[
        str | None, typer.Option("--since", help="Only entries from this day, YYYY-MM-DD.")
    ] = None,
    capability: Annotated[
        str | None, typer.Option("--capability", help="Only this capability's.")
    ] = None,
    audience: Annotated[
        str | None, typer.Option("--audience", help="Only those for this team or persona.")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List entries, newest first (--json: an array of entries)."""
    with store(db) as session:
        found = service.list_entries(
            session=session, since=_day(since, "--since"), capability=capability, audience=audience
        )
    if as_json:
        print_json(found)
        return
    print_table(
        f"{len(found)} changelog entries",
        ["#", "date", "week", "title", "for", "capability"],
        [
            [
                e.id,
                e.date,
                service.week_label(e.date),
                e.title[:80],
                ", ".join(e.audience) or "everyone",
                e.capability or "",
            ]
            for e in found
        ],
        empty="No changelog entries yet: `pavedroad changelog add --title ... --body ...`.",
    )


@changelog_app.command("edit")
def edit(
    entry_id: Annotated[int, typer.Argument(help="The entry's id (`changelog list`).")],
    title: Annotated[str | None, typer.Option("--title", help="A new title.")] = None,
    body: Annotated[str | None, typer.Option("--body", help="A new body.")] = None,
    before: Annotated[str | None, typer.Option("--before", help="New before ('' clears).")] = None,
    after: Annotated[str | None, typer.Option("--after", help="New after ('' clears).")] = None,
    audience: AudienceOption = None,
    everyone: Annotated[
        bool, typer.Option("--everyone", help="Speak to everyone (clears the audience).")
    ] = False,
    capability: Annotated[
        str | None, typer.Option("--capability", help="A capability ('' clears).")
    ] = None,
    initiative: Annotated[
        str | None, typer.Option("--initiative", help="An initiative title ('' clears).")
    ] = None,
    on: Annotated[str | None, typer.Option("--date", help="A new date, YYYY-MM-DD.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Change the fields given on an entry; the others stay as they are."""
    given: dict[str, Any] = {
        "title": title,
        "body": body,
        "before": before,
        "after": after,
        "capability": capability,
        "initiative": initiative,
        "date": _day(on),
    }
    values = {k: v for k, v in given.items() if v is not None}
    if everyone:
        values["audience"] = []
    elif audience:
        values["audience"] = audience
    if not values:
        raise fail("nothing to change: give at least one option, e.g. --title", 2)
    data = ChangelogEntryUpdate.model_validate(values)
    with store(db) as session:
        entry = service.get_entry_or_raise(session=session, entry_id=entry_id)
        service.update_entry(session=session, entry=entry, data=data)
        out = service.entry_out(session, entry)
    _print_entry(out, "Changed", as_json)


@changelog_app.command("remove")
def remove(
    entry_id: Annotated[int, typer.Argument(help="The entry's id (`changelog list`).")],
    db: DbOption = None,
) -> None:
    """Remove an entry from the changelog and its feed."""
    with store(db) as session:
        entry = service.get_entry_or_raise(session=session, entry_id=entry_id)
        title = entry.title
        service.delete_entry(session=session, entry=entry)
    console.print(f"Removed changelog entry {entry_id}: ", highlight=False, end="")
    console.print(title, markup=False, highlight=False)


@changelog_app.command("week")
def week(
    week: WeekOption = None,
    output: Annotated[
        str,
        typer.Option(
            "--format",
            help="markdown (to paste anywhere), slack (the Block Kit message `post` sends) or "
            "json (the week contract).",
        ),
    ] = "markdown",
    base_url: BaseUrlOption = None,
    db: DbOption = None,
) -> None:
    """Assemble the changelog of one ISO week (default: the current week)."""
    if output not in FORMATS:
        raise InvalidInputError(
            [
                InputProblem(
                    source="--format", reason="expected markdown, slack or json", value=output
                )
            ]
        )
    assembled = _week(db, week)
    link = _link(base_url, assembled.week)
    if output == "json":
        print_json(assembled)
    elif output == "slack":
        sys.stdout.write(
            json.dumps(feeds.slack_message(assembled, link=link), indent=2, ensure_ascii=False)
            + "\n"
        )
    else:
        sys.stdout.write(feeds.markdown_week(assembled, link=link))


@changelog_app.command("post")
def post(week: WeekOption = None, base_url: BaseUrlOption = None, db: DbOption = None) -> None:
    """Post the week's Block Kit message to the Slack incoming webhook in
    PAVEDROAD_SLACK_WEBHOOK_URL (429 waits for Retry-After; 5xx and network errors are retried)."""
    settings = load_settings(db)
    if not settings.slack_webhook_url:
        raise fail(
            "PAVEDROAD_SLACK_WEBHOOK_URL is not set: set it to the Slack incoming-webhook URL "
            "(Slack: Apps > Incoming Webhooks > Add to Slack)"
        )
    assembled = _week(db, week)
    payload = feeds.slack_message(assembled, link=_link(base_url, assembled.week))
    delivery = slack.post_message(settings.slack_webhook_url, payload)
    tries = f"{delivery.attempts} attempt{'' if delivery.attempts == 1 else 's'}"
    console.print(
        f"Posted the changelog of {assembled.week} ({len(assembled.entries)} entries) to "
        f"{delivery.destination} in {tries}.",
        markup=False,
        highlight=False,
    )


@changelog_app.command("email")
def email(
    week: WeekOption = None,
    to: Annotated[
        list[str] | None,
        typer.Option("--to", help="A recipient; repeat for more (default: PAVEDROAD_EMAIL_TO)."),
    ] = None,
    base_url: BaseUrlOption = None,
    db: DbOption = None,
) -> None:
    """Email the week as text + HTML through PAVEDROAD_SMTP_URL, from PAVEDROAD_EMAIL_FROM."""
    settings = load_settings(db)
    if not settings.smtp_url:
        raise fail(
            "PAVEDROAD_SMTP_URL is not set: set it to smtp://user:password@host:port "
            "(or smtps://, smtp+starttls://)"
        )
    recipients = [r.strip() for r in (to or []) if r.strip()]
    if not recipients and settings.email_to:
        recipients = [r.strip() for r in settings.email_to.split(",") if r.strip()]
    if not recipients:
        raise fail("no recipients: give --to ADDRESS or set PAVEDROAD_EMAIL_TO")
    bad = [r for r in recipients if "@" not in r or any(c in r for c in "\r\n<>,;\x00")]
    if bad:
        raise InvalidInputError(
            [InputProblem(source="--to", reason="not an email address", value=r) for r in bad]
        )
    server = mail.parse_smtp_url(settings.smtp_url)
    assembled = _week(db, week)
    message = feeds.email_message(
        assembled,
        sender=settings.email_from,
        recipients=recipients,
        link=_link(base_url, assembled.week),
    )
    mail.send_message(server, message)
    console.print(
        f"Emailed the changelog of {assembled.week} ({len(assembled.entries)} entries) to "
        f"{', '.join(recipients)} through {server}.",
        markup=False,
        highlight=False,
    )
