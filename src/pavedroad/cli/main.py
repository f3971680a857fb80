"""Entry point of the `pavedroad` command: wires the command groups and turns errors into exits."""

from __future__ import annotations

import threading
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from typer.core import TyperGroup

from pavedroad import __version__
from pavedroad.catalog.service import seed_default_personas
from pavedroad.cli import (
    calendar,
    canvas,
    capacity,
    catalog,
    champions,
    changelog,
    coach,
    connect,
    demo,
    impact_map,
    imports,
    initiatives,
    kpis,
    launches,
    pitch,
    problems,
    report,
    research,
    roadmap,
    roi,
    runs,
    surveys,
    tickets,
    usage,
    users,
)
from pavedroad.cli.common import DbOption, console, open_engine, print_error
from pavedroad.comms.pitches import seed_translation_table
from pavedroad.db import unit_of_work
from pavedroad.errors import InvalidInputError, PavedroadError
from pavedroad.research.interviews import seed_default_script
from pavedroad.schema import current_revision, upgrade


class PavedroadGroup(TyperGroup):
    """Turns user errors from any command into a message on stderr and an exit code.

    Exit 1: the input or the request was refused. Exit 2: unusable input (missing file,
    wrong header, broken YAML) or a usage error.
    """

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]  # typer vendors click
        try:
            return super().invoke(ctx)
        except InvalidInputError as exc:
            print_error(str(exc))
            raise typer.Exit(2 if exc.unusable else 1) from None
        except PavedroadError as exc:
            print_error(str(exc))
            raise typer.Exit(1) from None
        except ValidationError as exc:
            for item in exc.errors():
                print_error(f"{'.'.join(map(str, item['loc']))}: {item['msg']}")
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=PavedroadGroup,
    name="pavedroad",
    help="Run your internal platform as a product: catalog, research, RICE, roadmap and KPIs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
app.add_typer(catalog.app, name="catalog")
app.add_typer(imports.app, name="import")
app.add_typer(users.user_app, name="user")
app.add_typer(users.token_app, name="token")
app.add_typer(demo.app, name="demo")
app.add_typer(runs.app, name="runs")
app.add_typer(connect.connect_app, name="connect")
app.add_typer(kpis.app, name="kpis")
app.add_typer(problems.problems_app, name="problems")
app.add_typer(initiatives.initiatives_app, name="initiatives")
app.add_typer(canvas.canvas_app, name="canvas")
app.add_typer(impact_map.map_app, name="map")
app.add_typer(roadmap.roadmap_app, name="roadmap")
app.add_typer(capacity.capacity_app, name="capacity")
app.add_typer(research.research_app, name="research")
app.add_typer(surveys.app, name="survey")
app.add_typer(tickets.app, name="tickets")
app.add_typer(usage.app, name="usage")
app.add_typer(changelog.changelog_app, name="changelog")
app.command("pitch")(pitch.pitch)
app.add_typer(pitch.translation_app, name="translation")
app.add_typer(launches.launch_app, name="launch")
app.add_typer(champions.champions_app, name="champions")
app.add_typer(calendar.calendar_app, name="calendar")
app.add_typer(roi.roi_app, name="roi")
app.add_typer(report.report_app, name="report")
app.add_typer(coach.coach_app, name="coach")


@app.command()
def init(db: DbOption = None) -> None:
    """Create the database, or upgrade its schema to this version of pavedroad."""
    engine = open_engine(db, check_schema=False)
    try:
        before = current_revision(engine)
        upgrade(engine)
        with unit_of_work(engine) as session:
            seed_default_personas(session=session)
            seed_default_script(session=session)
            seed_translation_table(session=session)
        after = current_revision(engine)
    finally:
        engine.dispose()
    url = engine.url.render_as_string(hide_password=True)
    if before == after:
        console.print(f"Database {url} is up to date (revision {after}).")
    elif before is None:
        console.print(f"Created database {url} at revision {after}.")
    else:
        console.print(f"Upgraded database {url} from revision {before} to {after}.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    syncs: Annotated[
        bool,
        typer.Option(
            help="Run each connection's scheduled sync (`pavedroad connect add ... --every 1h`) "
            "in the background; `--no-syncs` leaves them to another server or the CLI."
        ),
    ] = True,
    db: DbOption = None,
) -> None:
    """Serve the web pages and the REST API (under /api/v1) from one process, and run the
    connections' scheduled syncs in the background."""
    import uvicorn

    from pavedroad.settings import load_settings
    from pavedroad.warming import warm_up
    from pavedroad.web.app import create_app
    from pavedroad.web.charts import vega_embed_bundle

    settings = load_settings(db)
    open_engine(settings.database_url).dispose()
    console.print(f"pavedroad {__version__} serving http://{host}:{port}  (Ctrl-C stops)")
    web = create_app(settings)
    # Compile the KPI queries, fill the engine's cache and build the chart bundle while the
    # server starts, so the first dashboard is not the slow one.
    warm_up(web.state.engine)
    threading.Thread(target=vega_embed_bundle, daemon=True).start()
    if syncs:
        from pavedroad.ingest.connectors.sync import Scheduler

        Scheduler(web.state.engine, settings).start()
    # No access log: it would record the address of every anonymous survey answer (/s/...).
    uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)


@app.command()
def version() -> None:
    """Print the version of pavedroad."""
    console.print(__version__)


def run() -> None:
    """Console-script entry point."""
    app()
