"""Issue 16, the events behind a KPI's number come a page at a time: the KPI page shows the
first page with the total and a link to the next, /kpis/{id}/events pages through them, and
the API takes `limit` and `offset` and says the total (`X-Total-Count`) and the next page
(`Link`). A survey KPI under five answers shows none on any page."""

from __future__ import annotations

import re

import pytest

from pavedroad.web.pages.kpis import EVENTS_PER_PAGE
from tests.metrics.conftest import (
    _deployment,
    add_events,
    org,  # noqa: F401  (the hand-computed organisation)
)
from tests.web.conftest import bearer, sign_in

WEEK = "2026-03-02..2026-03-09"
EXTRA = 2 * EVENTS_PER_PAGE + 7  # three pages, the last one short


@pytest.fixture
def busy_week(org):  # noqa: F811
    """The organisation with EXTRA more production deployments of `api` in the week."""
    add_events(
        org,
        "deployments",
        [
            _deployment(f"bulk-{n:03d}", "api", f"2026-03-06T{n // 60:02d}:{n % 60:02d}:00")
            for n in range(EXTRA)
        ],
    )
    return org


def _api_total(client, tokens) -> int:
    answer = client.get(
        f"/api/v1/kpis/deploy_frequency/events?window={WEEK}&limit=5000",
        headers=bearer(tokens["read"]),
    )
    return len(answer.json())


def test_the_kpi_page_shows_one_page_of_events_with_the_total_and_a_next_link(
    busy_week, client, users, tokens
) -> None:
    total = _api_total(client, tokens)
    assert total > EXTRA
    sign_in(client, users["read"])
    html = client.get(f"/kpis/deploy_frequency?window={WEEK}").text
    section = html[html.index('id="events"') :]
    assert f"1–{EVENTS_PER_PAGE} of {total:,}, newest first" in section
    assert section.count("<tr>") - 1 == EVENTS_PER_PAGE  # a header row and one page
    assert f'href="/kpis/deploy_frequency/events?window={WEEK}&amp;page=2" rel="next"' in section


def test_the_events_page_walks_every_event_once_from_newest_to_oldest(
    busy_week, client, users, tokens
) -> None:
    every = client.get(
        f"/api/v1/kpis/deploy_frequency/events?window={WEEK}&limit=5000",
        headers=bearer(tokens["read"]),
    ).json()
    sign_in(client, users["read"])
    seen: list[str] = []
    page = 1
    while True:
        html = client.get(f"/kpis/deploy_frequency/events?window={WEEK}&page={page}").text
        rows = re.findall(r"<tr>\s*<td>([^<]+)</td>", html)
        seen += rows
        pages = int(re.search(r"page \d+ of (\d+)", html).group(1))
        assert ('rel="prev"' in html) == (page > 1)
        assert ('rel="next"' in html) == (page < pages)
        if page == pages:
            break
        page += 1
    assert pages == -(-len(every) // EVENTS_PER_PAGE)
    assert seen == [str(e["id"]) for e in every]


def test_an_events_page_past_the_end_says_how_many_there_are(busy_week, client, users) -> None:
    sign_in(client, users["read"])
    html = client.get(f"/kpis/deploy_frequency/events?window={WEEK}&page=99").text
    assert "No events on this page" in html and "Go to the first page" in html


def test_the_api_pages_with_limit_and_offset_and_says_the_total(busy_week, client, tokens) -> None:
    url = f"/api/v1/kpis/deploy_frequency/events?window={WEEK}"
    every = client.get(f"{url}&limit=5000", headers=bearer(tokens["read"])).json()
    first = client.get(f"{url}&limit=10", headers=bearer(tokens["read"]))
    second = client.get(f"{url}&limit=10&offset=10", headers=bearer(tokens["read"]))
    assert first.json() + second.json() == every[:20]
    assert first.headers["X-Total-Count"] == str(len(every))
    assert 'offset=10>; rel="next"' in first.headers["Link"]
    assert 'rel="prev"' not in first.headers["Link"]
    assert 'offset=0>; rel="prev"' in second.headers["Link"]
    assert set(first.json()[0]) == set(every[0])  # the same fields as before paging


def test_the_api_refuses_a_negative_offset_naming_it(busy_week, client, tokens) -> None:
    answer = client.get(
        "/api/v1/kpis/deploy_frequency/events?offset=-1", headers=bearer(tokens["read"])
    )
    assert answer.status_code == 422 and "offset" in answer.text


def test_survey_events_stay_hidden_under_five_answers_on_every_page(
    org,  # noqa: F811
    client,
    users,
    tokens,
) -> None:
    quiet = "2025-06-02..2025-06-09"  # a week without survey answers, then four of them
    add_events(
        org,
        "survey-responses",
        [
            {
                "id": f"quiet-{i}",
                "survey": "pulse",
                "wave": "2025-06",
                "submitted_at": "2025-06-03T10:00:00",
                "team": "alpha",
                "nps": 10,
                "satisfaction": 5,
                "comments": "",
            }
            for i in range(4)
        ],
    )
    sign_in(client, users["read"])
    for page in (1, 2):
        html = client.get(f"/kpis/nps/events?window={quiet}&page={page}").text
        assert "Hidden: fewer than 5 answers" in html
        assert "<table" not in html
    answer = client.get(
        f"/api/v1/kpis/nps/events?window={quiet}&offset=1", headers=bearer(tokens["read"])
    )
    assert answer.json() == [] and answer.headers["X-Total-Count"] == "0"
