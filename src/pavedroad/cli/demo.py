"""`pavedroad demo`: the deterministic demo company."""

from __future__ import annotations

from typing import Annotated

import typer

from pavedroad.cli.common import DbOption, console, progress, store
from pavedroad.demo.company import DEMO_LOGIN
from pavedroad.demo.loader import STEPS, load_demo

app = typer.Typer(
    help="The demo company that tells the practice's war story.", no_args_is_help=True
)


@app.command()
def load(
    seed: Annotated[
        int, typer.Option(help="Seed: the same seed always gives the same company.")
    ] = 7,
    db: DbOption = None,
) -> None:
    """Load Brightwave, a B2B SaaS company of about 600 engineers and 45 services.

    Idempotent: loading it again into the same database changes nothing.
    """
    with progress() as bar, store(db) as session:
        task = bar.add_task("Loading the demo company", total=len(STEPS))
        company = load_demo(
            session,
            seed=seed,
            on_step=lambda name: bar.update(task, description=f"Loading {name}", advance=1),
        )
    email, password = DEMO_LOGIN
    console.print(
        f"Loaded the demo company: {len(company.teams)} teams, {company.engineers} engineers, "
        f"{len(company.services)} services. Sign in as {email} / {password}"
    )
