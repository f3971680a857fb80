"""Demo comms: the war story's six champions, in six product teams, since the PM's month 2.

They had early access to the faster CI and the one-command rollback, joined the design
reviews of both, and were recognised at demo days. The developers who answer other teams'
tickets (demo/experience.py `ticket_helpers`) are left to be the candidates the data shows.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from pavedroad.catalog import capabilities as catalog_capabilities
from pavedroad.comms import champions
from pavedroad.comms.schemas.champions import ChampionIn, ChampionUpdate
from pavedroad.demo.company import DemoCompany
from pavedroad.demo.experience import ticket_helpers

CHAMPIONS = 6
SINCE = (
    date(2026, 8, 3),
    date(2026, 8, 3),
    date(2026, 8, 10),
    date(2026, 8, 10),
    date(2026, 8, 17),
    date(2026, 8, 24),
)
DESIGN_REVIEWS = (
    "Faster CI: build cache and test splitting (2026-09-08)",
    "One-command rollback: `paved rollback` RFC (2026-10-06)",
)
RECOGNITION = (
    "2026-09-24: demo day talk on their team's first week with the faster CI",
    "2026-10-29: thanked in the changelog for beta-testing rollback",
    "2026-11-26: platform award for helping two teams onboard",
)


def _ci_capability(names: set[str]) -> str:
    """The demo catalog's CI capability if a step added one, else the pipeline (`deploy`)."""
    for name in sorted(names):
        if "ci" in name.lower().replace("_", "-").split("-"):
            return name
    return "deploy"


def load_champions(session: Session, company: DemoCompany) -> None:
    """Write the demo's six champions (the first developer by email, not a ticket helper, of
    every other eligible product team)."""
    names = catalog_capabilities.capability_names(session=session)
    early = [n for n in (_ci_capability(names), "rollback") if n in names]
    helpers = {email for email, _ in ticket_helpers(company)}
    eligible = {t.slug for t in company.teams if t.eligible and t.slug != "platform"}
    by_team: dict[str, list[str]] = {}
    for developer in sorted(company.developers, key=lambda d: d.email or ""):
        if developer.email and developer.team in eligible and developer.email not in helpers:
            by_team.setdefault(developer.team, []).append(developer.email)
    # Every other team, so the coverage list and the candidates have teams to show.
    chosen = [(team, emails[0]) for team, emails in sorted(by_team.items())][::2][:CHAMPIONS]
    stored = {c.developer for c in champions.list_champions(session).champions}
    for index, (_team, email) in enumerate(chosen):
        if email in stored:
            continue  # loading twice changes nothing
        champion = champions.add_champion(
            session,
            data=ChampionIn(
                developer=email,
                since=SINCE[index],
                early_access=early,
                design_reviews=list(DESIGN_REVIEWS[: 1 + index % 2]),
            ),
        )
        champions.update_champion(
            session,
            champion=champion,
            data=ChampionUpdate(recognition=list(RECOGNITION[: 1 + index % 3])),
        )
