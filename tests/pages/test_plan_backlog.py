"""Backlog, team order and impact map pages: sorting and filtering on the server, the team's
own order set by position, the map drawn as a tree with its editing behind an Edit switch,
and the slope chart of team order against RICE."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pavedroad.backlog.schemas import RankedInitiative
from pavedroad.backlog.service import list_initiatives
from pavedroad.db import unit_of_work
from pavedroad.web import charts
from pavedroad.web.pages.backlog import SORTS, new_priorities, sorted_and_filtered
from tests.roadmap.conftest import backlog as backlog
from tests.roadmap.conftest import mapped as mapped
from tests.web.conftest import csrf_of, sign_in

SAMPLE = [
    RankedInitiative.model_validate(
        {"id": n, "title": title, "description": "", "owner": "", "status": status,
         "category": "roadmap", "reach": 10.0 * n, "reach_source": "typed", "impact": 1.0,
         "confidence": 0.8, "effort": float(n), "rice": 100.0 / n, "rank": n, "ranked_of": 3,
         "lane": None, "lane_locked": False, "quarter": None, "priority": None, "goal": None,
         "goals": [], "teams": ["web"], "problems": [], "flags": [],
         "created_at": "2026-01-01T00:00:00+00:00", "started_at": None, "done_at": None}
    )
    for n, title, status in ((1, "Faster CI", "planned"), (2, "Mesh", "idea"), (3, "DB", "in_progress"))
]  # fmt: skip


def _rows(page: str) -> list[str]:
    table = page.split('id="backlog-table"')[1].split("</table>")[0]
    return re.findall(
        r'class="title-cell" data-value="[^"]*"><a href="/initiatives/\d+">([^<]+)</a>', table
    )


def test_the_backlog_sorts_by_a_column_both_ways_on_the_server(client, users, backlog):
    sign_in(client, users["read"])
    by_rank = _rows(client.get("/backlog").text)
    assert by_rank[0] == "Faster CI pipelines"
    page = client.get("/backlog?sort=effort").text
    efforts = _rows(page)
    assert efforts[0] == "Faster CI pipelines" and efforts[-2:] in (
        ["Multi-cloud abstraction", "Service mesh"],
        ["Service mesh", "Multi-cloud abstraction"],
    )
    assert re.search(r'data-key="effort" aria-sort="ascending"', page)
    down = client.get("/backlog?sort=-title").text
    assert _rows(down) == sorted(by_rank, key=str.casefold, reverse=True)
    assert re.search(r'data-key="title" aria-sort="descending"', down)
    # An unknown column is the rank, not an error.
    assert _rows(client.get("/backlog?sort=nonsense").text) == by_rank


def test_the_backlog_filters_by_text_and_status_and_says_what_to_do_when_nothing_matches(
    client,
    users,
    backlog,
):
    sign_in(client, users["read"])
    found = client.get("/backlog?q=database").text
    assert sorted(_rows(found)) == ["Automated database migrations", "Self-service databases"]
    assert "2 of 6 shown" in found
    ideas = client.get("/backlog?status=idea").text
    assert _rows(ideas) == ["Service mesh"]
    none = client.get("/backlog?q=nothing+like+this").text
    assert "No active initiative matches" in none and 'href="/backlog">Show them all' in none
    # A status that is not an active one is ignored.
    assert len(_rows(client.get("/backlog?status=killed").text)) == 6


@given(q=st.text(max_size=300), sort=st.text(max_size=20), status=st.text(max_size=12))
@settings(max_examples=200, deadline=None)
def test_any_search_sort_and_status_text_filters_without_failing(q, sort, status):
    rows, used = sorted_and_filtered(list(SAMPLE), sort=sort, q=q, status=status)
    assert {r.title for r in rows} <= {r.title for r in SAMPLE}
    assert used.removeprefix("-") in SORTS


def test_hostile_search_text_is_inert(client, users, backlog):
    sign_in(client, users["read"])
    page = client.get("/backlog", params={"q": '"><script>alert(1)</script>'}).text
    assert "<script>alert(1)</script>" not in page
    assert "&#34;&gt;&lt;script&gt;" in page or "&quot;&gt;&lt;script&gt;" in page


def _team_order(page: str) -> list[str]:
    section = page.split('id="team-order"')[1].split("</section>")[0]
    return re.findall(r'<span class="order-title"><a href="/initiatives/\d+">([^<]+)</a>', section)


def _priorities(engine) -> dict[str, int | None]:
    with unit_of_work(engine) as session:
        return {
            i.title: i.priority for i in list_initiatives(session=session, evaluate_criteria=False)
        }


def test_up_and_down_buttons_set_the_teams_own_priority(client, users, engine, backlog):
    sign_in(client, users["write"])
    page = client.get("/backlog").text
    order = _team_order(page)
    assert order[0] == "Faster CI pipelines"  # nobody has a place yet: by RICE
    token = csrf_of(page)
    third = re.search(
        rf'<span class="order-title"><a href="/initiatives/(\d+)">{order[2]}</a>', page
    ).group(1)
    moved = client.post("/backlog/priority", data={"csrf_token": token, "id": third, "move": "up"})
    assert moved.status_code == 303 and moved.headers["location"] == "/backlog#team-order"
    after = _team_order(client.get("/backlog").text)
    assert after[:3] == [order[0], order[2], order[1]]
    priorities = _priorities(engine)
    assert [priorities[t] for t in after[:2]] == [1, 2]
    assert all(priorities[t] is None for t in after[2:])
    # The disagreement now compares the two placed initiatives.
    assert "2 active initiatives have a place" in client.get("/backlog/disagreements").text


def test_a_dragged_order_is_stored_and_unknown_ids_are_ignored(client, users, engine, backlog):
    sign_in(client, users["write"])
    page = client.get("/backlog").text
    ids = re.findall(r'<li data-id="(\d+)" draggable="true">', page)
    wanted = [ids[3], ids[0], "999999", "abc", ids[3]]
    response = client.post(
        "/backlog/priority",
        data={"csrf_token": csrf_of(page), "order": ",".join(wanted), "id": ids[3]},
    )
    assert response.status_code == 303
    after = re.findall(r'<li data-id="(\d+)" draggable="true">', client.get("/backlog").text)
    assert after[:2] == [ids[3], ids[0]]
    assert sorted(after) == sorted(ids)


def test_a_reader_cannot_reorder(client, users, backlog):
    sign_in(client, users["read"])
    page = client.get("/backlog").text
    assert 'action="/backlog/priority"' not in page and 'draggable="true"' not in page
    refused = client.post("/backlog/priority", data={"csrf_token": csrf_of(page), "order": "1"})
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("order", "had", "moved", "expected"),
    [
        ([1, 2, 3], set(), None, {}),
        ([2, 1, 3], set(), 2, {2: 1}),
        ([1, 3, 2], {1}, 3, {1: 1, 3: 2}),
        ([3, 1, 2], {1, 2}, None, {3: 1, 1: 2, 2: 3}),
    ],
)
def test_priorities_reach_as_far_as_the_last_placed_or_moved(order, had, moved, expected):
    assert new_priorities(order, had, moved) == expected


# ---- the impact map -------------------------------------------------------------------------


def test_the_map_is_a_tree_with_every_level_and_editing_behind_an_edit_switch(
    client,
    users,
    mapped,
):
    sign_in(client, users["write"])
    page = client.get("/map").text
    tree = page.split('<ul class="tree tree-lr"')[1].split("</ul>\n  <details")[0]
    assert '<span class="node goal">Time to production halved' in tree
    assert '<span class="node actor">Feature developers</span>' in tree
    assert '<span class="node impact">Deploy faster</span>' in tree
    assert re.search(r'class="node deliverable" href="/initiatives/\d+">Faster CI pipelines', tree)
    # No form inside the tree: the forms sit behind the switch, closed until asked.
    assert "<form" not in tree
    switch = page.split('<details class="map-edit"')[1].split("</details>")[0]
    assert re.match(r">\s*<summary>Edit</summary>", switch)
    assert 'action="/map/actors/' in switch and "Add actor" in switch


def test_a_refused_map_form_opens_its_edit_switch(client, users, engine, mapped):
    sign_in(client, users["write"])
    page = client.get("/map").text
    goal_id = re.search(r'action="/map/goals/(\d+)/actors"', page).group(1)
    refused = client.post(
        f"/map/goals/{goal_id}/actors", data={"name": "", "csrf_token": csrf_of(page)}
    )
    assert refused.status_code == 422
    assert '<details class="map-edit" open>' in refused.text


def test_a_reader_sees_the_tree_and_the_table_switch_without_forms(client, users, mapped):
    sign_in(client, users["read"])
    page = client.get("/map").text
    assert "<summary>As a table</summary>" in page and "Add actor" not in page


def test_hostile_map_text_is_inert_in_the_tree(client, users, mapped):
    sign_in(client, users["write"])
    page = client.get("/map").text
    goal_id = re.search(r'action="/map/goals/(\d+)/actors"', page).group(1)
    client.post(
        f"/map/goals/{goal_id}/actors",
        data={"name": "<img src=x onerror=alert(1)>", "csrf_token": csrf_of(page)},
    )
    after = client.get("/map").text
    assert "<img src=x" not in after and "&lt;img src=x onerror=alert(1)&gt;" in after


# ---- team order vs RICE as a slope chart ----------------------------------------------------


def test_the_slope_chart_joins_each_initiatives_two_places():
    spec = charts.priority_slope_chart([("A", 1, 3), ("B", 3, 1)])
    values = spec["data"]["values"]
    assert {(v["title"], v["order"], v["position"]) for v in values} == {
        ("A", "team order", 1),
        ("A", "by RICE", 3),
        ("B", "team order", 3),
        ("B", "by RICE", 1),
    }
    assert spec["mark"]["type"] == "line" and spec["encoding"]["detail"]["field"] == "title"
    assert spec["encoding"]["y"]["scale"]["reverse"] is True
    assert all(v["gap"] == 2 for v in values)


def test_the_disagreements_page_draws_the_slope_chart(client, users, engine, backlog):
    sign_in(client, users["write"])
    page = client.get("/backlog").text
    ids = re.findall(r'<li data-id="(\d+)" draggable="true">', page)
    client.post(
        "/backlog/priority",
        data={"csrf_token": csrf_of(page), "order": ",".join(reversed(ids)), "id": ids[0]},
    )
    shown = client.get("/backlog/disagreements").text
    assert 'id="slope-spec"' in shown and "/vendor/vega-embed.js" in shown
