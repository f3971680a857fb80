"""A team's page is its scorecard: adoption, CI and lead time against the organisation, NPS
only from five answers, its open problems and the initiatives that target it; the teams list
sorts by any column, adoption included."""

from __future__ import annotations

import re

import pytest

from pavedroad.backlog import problems as problem_service
from pavedroad.backlog import service as backlog_service
from pavedroad.backlog.schemas import InitiativeIn, ProblemIn
from pavedroad.db import unit_of_work
from tests.web.conftest import sign_in

HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


@pytest.fixture
def reader(client, users, small_catalog, engine):
    with unit_of_work(engine) as session:
        problem_service.create_problem(
            session=session,
            data=ProblemIn(title=f"Deploys wait on tickets {HOSTILE}", teams=["payments"]),
        )
        problem_service.create_problem(
            session=session, data=ProblemIn(title="Laptops are slow", teams=["corp-it"])
        )
        backlog_service.create_initiative(
            session=session,
            data=InitiativeIn(
                title=f"Self-service deploys {HOSTILE}",
                impact=2,
                confidence=0.8,
                effort=3,
                teams=["payments"],
            ),
        )
        backlog_service.create_initiative(
            session=session,
            data=InitiativeIn(title="New laptops", reach=4, impact=1, confidence=0.5, effort=1),
        )
    sign_in(client, users["read"])
    return client


def test_the_team_page_scores_the_team_against_the_organisation(reader) -> None:
    page = reader.get("/catalog/teams/payments")
    assert page.status_code == 200
    card = page.text[page.text.index("Scorecard") : page.text.index("Open problems")]
    for name in ("Adoption rate", "CI duration", "Lead time to production", "Developer NPS"):
        assert name in card
    assert "This team" in card and "Organisation" in card
    # No events in this store: every line says so instead of a number.
    assert "no survey answers" in card and "no data" in card


def test_the_team_page_lists_its_open_problems_and_the_initiatives_that_target_it(
    reader,
) -> None:
    page = reader.get("/catalog/teams/payments").text
    problems = page[page.index("Open problems") : page.index("Initiatives that target it")]
    assert "Deploys wait on tickets" in problems and "Laptops are slow" not in problems
    targeting = page[page.index("Initiatives that target it") : page.index("<h2>People")]
    assert "Self-service deploys" in targeting and "New laptops" not in targeting
    assert "<script>window.pwned" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_a_team_named_by_nothing_says_what_to_do_next(reader) -> None:
    page = reader.get("/catalog/teams/corp-it").text
    assert "No initiative targets this team yet" in page
    assert "Laptops are slow" in page


def test_the_teams_list_has_an_adoption_column_and_sorts_by_any_column(reader) -> None:
    by_name = reader.get("/catalog").text
    assert re.search(r"<th[^>]*aria-sort=\"ascending\">\s*<a[^>]*>Team", by_name)
    assert "Adoption" in by_name
    assert by_name.index("Corporate IT") < by_name.index("Payments")
    by_headcount = reader.get("/catalog?sort=headcount&desc=true").text
    assert by_headcount.index("Payments") < by_headcount.index("Corporate IT")
    assert 'href="/catalog?sort=headcount"' in by_headcount  # a second click turns it round
    by_headcount_up = reader.get("/catalog?sort=headcount").text
    assert by_headcount_up.index("Corporate IT") < by_headcount_up.index("Payments")


@pytest.mark.parametrize("sort", ["adoption", "services", "nonsense", "<script>", ""])
def test_any_sort_answers_the_list(reader, sort) -> None:
    page = reader.get("/catalog", params={"sort": sort, "desc": "true", "q": HOSTILE})
    assert page.status_code == 200
    assert "<script>window.pwned" not in page.text


def test_an_unknown_team_is_a_404(reader) -> None:
    assert reader.get("/catalog/teams/no-such-team").status_code == 404
