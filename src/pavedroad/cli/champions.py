"""CLI: The champions program: champions per team, coverage and candidates."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.markup import escape

from pavedroad.cli.common import (
    DbOption,
    JsonOption,
    console,
    parse_day,
    print_json,
    print_table,
    store,
)
from pavedroad.comms import champions as service
from pavedroad.comms.schemas.champions import (
    ChampionIn,
    ChampionsList,
    ChampionUpdate,
    RecognitionIn,
)

champions_app = typer.Typer(
    help="The champions program: champions per team, coverage and candidates.", no_args_is_help=True
)

EmailArgument = Annotated[str, typer.Argument(help="The developer's email, as in the catalog.")]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="Champion since this day (YYYY-MM-DD; default today).")
]
EarlyAccessOption = Annotated[
    list[str] | None,
    typer.Option(
        "--early-access",
        help="A catalog capability they have early access to (repeat for more).",
    ),
]
ReviewOption = Annotated[
    list[str] | None,
    typer.Option("--design-review", help="A design review they joined (repeat for more)."),
]


def _day(text: str | None, option: str) -> date | None:
    return None if text is None else parse_day(text, option=option, example="2026-08-03")


def _print_list(found: ChampionsList) -> None:
    print_table(
        f"{len(found.champions)} champions",
        ["id", "team", "developer", "since", "early access", "design reviews", "recognition"],
        [
            [
                c.id,
                c.team,
                escape(c.developer if not c.name else f"{c.name} <{c.developer}>"),
                c.since.isoformat(),
                escape(", ".join(c.early_access)),
                len(c.design_reviews),
                len(c.recognition),
            ]
            for c in found.champions
        ],
        empty="No champions yet: `pavedroad champions candidates` suggests some, "
        "`pavedroad champions add EMAIL` adds one.",
    )
    if found.teams_without_champion:
        console.print(
            "Teams without a champion: " + ", ".join(found.teams_without_champion), markup=False
        )


@champions_app.command("list")
def list_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Champions by team, and the eligible teams that have none yet."""
    with store(db) as session:
        found = service.list_champions(session)
    if as_json:
        print_json(found)
    else:
        _print_list(found)


@champions_app.command("add")
def add_command(
    email: EmailArgument,
    since: SinceOption = None,
    early_access: EarlyAccessOption = None,
    design_review: ReviewOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a catalog developer a champion of their team (one or two per team)."""
    data = ChampionIn(
        developer=email,
        since=_day(since, "--since"),
        early_access=early_access or [],
        design_reviews=design_review or [],
    )
    with store(db) as session:
        champion = service.add_champion(session, data=data)
        out = service.champion_out(session, champion)
    if as_json:
        print_json(out)
    else:
        console.print(
            f"{out.developer} is now a champion of {out.team} (id {out.id}).", markup=False
        )


@champions_app.command("edit")
def edit_command(
    email: EmailArgument,
    since: SinceOption = None,
    early_access: EarlyAccessOption = None,
    design_review: ReviewOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a champion's start day, early access or design reviews (lists given replace)."""
    data = ChampionUpdate(
        since=_day(since, "--since"), early_access=early_access, design_reviews=design_review
    )
    with store(db) as session:
        champion = service.get_champion_by_email_or_raise(session, email=email)
        service.update_champion(session, champion=champion, data=data)
        out = service.champion_out(session, champion)
    if as_json:
        print_json(out)
    else:
        console.print(f"Updated champion {out.developer} ({out.team}).", markup=False)


@champions_app.command("remove")
def remove_command(email: EmailArgument, db: DbOption = None) -> None:
    """The developer is no longer a champion (their team may then have none)."""
    with store(db) as session:
        champion = service.get_champion_by_email_or_raise(session, email=email)
        service.remove_champion(session, champion=champion)
    console.print(f"{email.strip().lower()} is no longer a champion.", markup=False)


@champions_app.command("recognise")
def recognise_command(
    email: EmailArgument,
    text: Annotated[
        str, typer.Argument(help="What the recognition is for (up to 300 characters).")
    ],
    on: Annotated[
        str | None, typer.Option("--on", help="Day it was given (YYYY-MM-DD; default today).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record recognition given to a champion (a shout-out, a demo-day slot, a thank-you)."""
    data = RecognitionIn(text=text, on=_day(on, "--on"))
    with store(db) as session:
        champion = service.get_champion_by_email_or_raise(session, email=email)
        service.recognise(session, champion=champion, data=data)
        out = service.champion_out(session, champion)
    if as_json:
        print_json(out)
    else:
        console.print(f"Recognised {out.developer}: {out.recognition[-1]}", markup=False)


@champions_app.command("candidates")
def candidates_command(
    capability: Annotated[
        str | None,
        typer.Option("--capability", help="Only first users of this catalog capability."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Developers the data suggests as champions, each with its evidence, strongest first:
    the first user of a capability in their team, and who answered tickets of other teams."""
    with store(db) as session:
        found = service.candidates(session, capability=capability)
    if as_json:
        print_json(found)
        return
    print_table(
        f"{len(found.candidates)} champion candidates (strongest evidence first)",
        ["developer", "team", "why"],
        [[escape(c.developer), c.team, escape("; ".join(c.reasons))] for c in found.candidates],
        empty="No candidates: they come from usage events with a developer and from tickets "
        "with `answered_by` (pavedroad import usage-events / tickets).",
    )
