"""silent_launch and unaware_teams: fire on launches nobody was told of and teams nothing
reached; quiet once the changelog, a champion or a demo day reached them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from pavedroad.backlog import service as backlog
from pavedroad.backlog.schemas import InitiativeIn
from pavedroad.coach import marketing
from pavedroad.coach.facts import gather
from pavedroad.comms import calendar, changelog
from pavedroad.comms.schemas.calendar import MarketingEventIn
from pavedroad.comms.schemas.changelog import ChangelogEntryIn
from pavedroad.db import unit_of_work
from tests.coach.conftest import TODAY


def _found(engine, rule):
    with unit_of_work(engine) as s:
        return rule(s, gather(session=s, today=TODAY))


def test_a_launch_nobody_was_told_of_is_silent(engine, launched):
    found = _found(engine, marketing.silent_launch)
    assert [d.evidence["capability"] for d in found] == ["rollback"]
    assert found[0].evidence["never_used"] == ["beta", "delta", "gamma"]
    assert "3 eligible teams have never used it" in found[0].message


def test_a_changelog_entry_makes_the_launch_heard(engine, launched):
    with unit_of_work(engine) as s:
        changelog.add_entry(
            session=s,
            data=ChangelogEntryIn(
                title="One-command rollback",
                body="Roll back in one command.",
                capability="rollback",
            ),
        )
    assert _found(engine, marketing.silent_launch) == []


def test_a_shipped_initiative_without_changelog_is_silent_until_it_has_one(engine, launched):
    with unit_of_work(engine) as s:
        backlog.create_initiative(
            session=s,
            data=InitiativeIn(
                title="Faster CI",
                reach=100,
                impact=2,
                confidence="80%",
                effort=1,
                status="done",
                done_at=datetime.combine(TODAY - timedelta(days=20), time(12), tzinfo=UTC),
            ),
        )
    found = [d for d in _found(engine, marketing.silent_launch) if "initiative" in d.evidence]
    assert [d.evidence["initiative"] for d in found] == ["Faster CI"]
    with unit_of_work(engine) as s:
        changelog.add_entry(
            session=s,
            data=ChangelogEntryIn(title="CI in 6 minutes", body="Faster.", initiative="Faster CI"),
        )
    assert not [d for d in _found(engine, marketing.silent_launch) if "initiative" in d.evidence]


def test_unaware_teams_names_the_teams_nothing_reached(engine, launched):
    with unit_of_work(engine) as s:
        changelog.add_entry(
            session=s,
            data=ChangelogEntryIn(
                title="Rollback for beta", body="For you.", capability="rollback", audience=["beta"]
            ),
        )
    found = _found(engine, marketing.unaware_teams)
    assert len(found) == 1
    assert found[0].evidence["teams"] == ["delta", "gamma"]
    assert "2 eligible teams" in found[0].message and "delta" in found[0].message


def test_a_demo_day_for_everyone_reaches_every_team(engine, launched):
    with unit_of_work(engine) as s:
        calendar.add_event(
            session=s,
            data=MarketingEventIn(
                kind="demo_day",
                title="Rollback demo",
                starts_at=datetime.combine(TODAY - timedelta(days=5), time(15), tzinfo=UTC),
            ),
        )
    assert _found(engine, marketing.unaware_teams) == []
