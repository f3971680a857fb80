"""Demo connections: how Brightwave's history would keep arriving after the demo.

The demo's telemetry was generated, so these connections are set up but never synced: their
tokens come from environment variables the demo machine does not have, and they have no
schedule, so `make demo` never reaches for the network. The connections page shows them with
what to do next (set the variable, test, sync). Loading twice changes nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pavedroad.demo.company import DemoCompany
from pavedroad.ingest.connectors import service as connections

CONNECTIONS: tuple[tuple[str, str, str | None, str, dict[str, object]], ...] = (
    ("brightwave-github", "github", None, "GITHUB_TOKEN", {"org": "brightwave"}),
    ("brightwave-pagerduty", "pagerduty", None, "PAGERDUTY_TOKEN", {"urgencies": ["high"]}),
    (
        "brightwave-backstage",
        "backstage",
        "https://backstage.brightwave.example",
        "BACKSTAGE_TOKEN",
        {},
    ),
)


def load_connections(session: Session, _company: DemoCompany) -> None:
    """The demo's three connections, unsynced and unscheduled."""
    have = {c.name for c in connections.list_connections(session=session)}
    for name, provider, url, token_env, options in CONNECTIONS:
        if name in have:
            continue
        connections.add_connection(
            session=session,
            name=name,
            provider=provider,
            url=url,
            token_env=token_env,
            token=None,
            secret_key=None,
            options=options,
            every=None,
        )
