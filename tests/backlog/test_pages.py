"""Backlog pages: RICE beside the rest of the backlog, forms that keep what was typed, CSRF,
read-only users, and empty states that say what to do."""

from __future__ import annotations

import re

import pytest

from pavedroad.backlog import service
from pavedroad.backlog.problems import create_problem
from pavedroad.backlog.schemas import InitiativeIn, ProblemIn
from pavedroad.db import unit_of_work
from tests.backlog.conftest import ci_runs
from tests.web.conftest import csrf_of, sign_in


@pytest.fixture
def ids(engine, worked_example) -> dict[str, int]:
    with unit_of_work(engine) as s:
        for title, priority in (("Service mesh", 1), ("Faster CI pipelines", 2)):
            found = service.get_initiative_by_ref_or_raise(session=s, ref=title)
            found.priority = priority
        create_problem(session=s, data=ProblemIn(title="CI takes 18 minutes", teams=["web"]))
    return worked_example


def test_empty_pages_say_what_to_do_next(client, users):
    sign_in(client, users["read"])
    assert "pavedroad initiatives import" in client.get("/backlog").text
    assert "pavedroad problems add" in client.get("/problems").text
    assert "priority" in client.get("/backlog/disagreements").text
    assert "at least two active initiatives" in client.get("/backlog/sensitivity").text
    canvas = client.get("/canvas").text
    assert "Not written yet" in canvas and "Not validated yet" in canvas


def test_the_backlog_page_ranks_by_rice_with_a_bar_relative_to_the_top(client, users, ids):
    sign_in(client, users["read"])
    page = client.get("/backlog")
    assert page.status_code == 200
    text = page.text
    table = text[text.index("<tbody>") :]
    order = [
        table.index(t) for t in ("Faster CI pipelines", "Self-service databases", "Service mesh")
    ]
    assert order == sorted(order)
    assert "160.00" in text and "width:100.0%" in text and "width:40.0%" in text
    assert "no goal" in text and 'href="/backlog"' in text
    assert "Add an initiative" not in text  # read-only
    assert "places apart" in text  # the largest disagreement, linked


def test_each_initiative_shows_its_rank_and_the_backlog_around_it(client, users, ids):
    sign_in(client, users["read"])
    page = client.get(f"/initiatives/{ids['Database migrations']}").text
    assert "Rank <strong>3 of 5</strong>" in page
    assert re.search(r'class="current"[^>]*><span class="pos">3</span>', page)
    assert page.count('<span class="pos">') == 5
    assert "Record decision" not in page and "Add a criterion" not in page
    assert client.get("/initiatives/999").status_code == 404


def test_adding_an_initiative_keeps_what_was_typed_when_refused(client, users, ids):
    sign_in(client, users["write"])
    form = client.get("/initiatives/new")
    assert form.status_code == 200 and "CI takes 18 minutes" in form.text
    token = csrf_of(form.text)
    refused = client.post(
        "/initiatives",
        data={
            "title": "Golden paths",
            "reach": "",
            "impact": "2",
            "confidence": "0.8",
            "effort": "0",
            "teams": "web, mars",
            "owner": "Sven",
            "problems": ["CI takes 18 minutes"],
            "csrf_token": token,
        },
    )
    assert refused.status_code == 422
    assert 'value="Golden paths"' in refused.text and 'value="Sven"' in refused.text
    assert 'value="web, mars"' in refused.text
    assert re.search(r'value="CI takes 18 minutes" checked', refused.text)
    assert "Effort &#39;0&#39; must be a number of person-months above 0" in refused.text
    teams = client.post(
        "/initiatives",
        data={"title": "Golden paths", "impact": "2", "confidence": "0.8", "effort": "2",
              "teams": "web, mars", "csrf_token": token},
    )  # fmt: skip
    assert teams.status_code == 422 and "unknown team" in teams.text and "mars" in teams.text
    added = client.post(
        "/initiatives",
        data={"title": "Golden paths", "impact": "2", "confidence": "0.8", "effort": "2",
              "teams": "web", "problems": ["CI takes 18 minutes"], "csrf_token": token},
    )  # fmt: skip
    assert added.status_code == 303
    page = client.get(added.headers["location"]).text
    assert "Golden paths" in page and "24.00" in page and "CI takes 18 minutes" in page


def test_editing_keeps_the_planners_lane_unless_it_is_changed(client, users, ids, engine):
    mesh = ids["Service mesh"]
    with unit_of_work(engine) as s:
        found = service.get_initiative_or_raise(session=s, initiative_id=mesh)
        found.lane = "later"  # placed by the planner, not locked
    sign_in(client, users["write"])
    page = client.get(f"/initiatives/{mesh}").text
    token = csrf_of(page)
    form = {
        "title": "Service mesh",
        "reach": "200",
        "impact": "1",
        "confidence": "0.5",
        "effort": "3",
        "status": "idea",
        "category": "platform",
        "lane": "later",
        "goal": "",
        "priority": "1",
        "csrf_token": token,
    }
    assert client.post(f"/initiatives/{mesh}", data=form).status_code == 303
    with unit_of_work(engine) as s:
        found = service.get_initiative_or_raise(session=s, initiative_id=mesh)
        assert (found.effort, found.category, found.lane, found.lane_locked) == (
            3,
            "platform",
            "later",
            False,
        )
    refused = client.post(f"/initiatives/{mesh}", data={**form, "confidence": "0.7"})
    assert refused.status_code == 422
    assert "allowed: 100%, 80%, 50%" in refused.text and "<details" in refused.text
    assert 'value="0.7" selected' in refused.text
    with unit_of_work(engine) as s:
        assert service.get_initiative_or_raise(session=s, initiative_id=mesh).confidence == 0.5


def test_criteria_and_decisions_from_the_initiative_page(client, users, ids, engine):
    ci_runs(engine, {f"2026-06-{day:02d}": 18 for day in range(1, 31)})
    ci = ids["Faster CI pipelines"]
    sign_in(client, users["write"])
    token = csrf_of(client.get(f"/initiatives/{ci}").text)
    refused = client.post(
        f"/initiatives/{ci}/criteria",
        data={"kind": "success", "kpi_id": "adoption_rate", "comparator": ">", "threshold": "80",
              "due": "2026-06-30", "csrf_token": token},
    )  # fmt: skip
    assert refused.status_code == 422 and "write 0.8 or 80%" in refused.text
    assert (
        'value="80"' in refused.text and '<option value="adoption_rate" selected>' in refused.text
    )
    added = client.post(
        f"/initiatives/{ci}/criteria",
        data={"kind": "success", "kpi_id": "ci_duration_p50", "comparator": "<", "threshold": "8",
              "due": "2026-06-30", "csrf_token": token},
    )  # fmt: skip
    assert added.status_code == 303
    page = client.get(f"/initiatives/{ci}?as_of=2026-07-02").text
    # the names people use, not the KPI id (issue 16)
    assert "CI duration (median) &lt; 8.0 min by 2026-06-30" in page
    assert "missed" in page and "Proposed for killing" in page and "18.0 min" in page
    assert 'href="/kpis/ci_duration_p50"' in page
    empty = client.post(
        f"/initiatives/{ci}/decisions", data={"decision": "kill", "reason": "", "csrf_token": token}
    )
    assert empty.status_code == 422 and "reason" in empty.text
    decided = client.post(
        f"/initiatives/{ci}/decisions",
        data={"decision": "continue", "reason": "Cache lands next week", "csrf_token": token},
    )
    assert decided.status_code == 303
    page = client.get(f"/initiatives/{ci}?as_of=2026-07-02").text
    assert "Cache lands next week" in page and "Proposed for killing" not in page
    assert "answered by the continue decision" in page


def test_forms_need_the_csrf_token_and_write_scope(client, users, ids):
    sign_in(client, users["read"])
    page = client.get("/problems").text
    assert "Add a problem" not in page
    refused = client.post("/problems", data={"title": "X", "csrf_token": csrf_of(page)})
    assert refused.status_code == 403
    assert client.get("/initiatives/new").status_code == 403
    sign_in(client, users["write"])
    forged = client.post("/problems", data={"title": "X", "csrf_token": "forged"})
    assert forged.status_code == 403
    assert "X</a>" not in client.get("/problems").text


def test_problems_pages(client, users, ids):
    sign_in(client, users["write"])
    token = csrf_of(client.get("/problems").text)
    refused = client.post(
        "/problems",
        data={"title": "CI takes 18 minutes", "description": "again", "teams": "web",
              "personas": ["Feature engineers"], "csrf_token": token},
    )  # fmt: skip
    assert refused.status_code == 422 and "exists already" in refused.text
    assert (
        'value="Feature engineers" checked' in refused.text and ">again</textarea>" in refused.text
    )
    added = client.post(
        "/problems",
        data={"title": "Rollback is seven steps", "teams": "payments", "csrf_token": token},
    )
    assert added.status_code == 303
    detail = client.get(added.headers["location"]).text
    assert "No initiative addresses this problem yet" in detail
    listing = client.get("/problems?q=rollback").text
    assert "Rollback is seven steps" in listing and "CI takes 18 minutes" not in listing
    problem_id = added.headers["location"].rsplit("/", 1)[1]
    edited = client.post(
        f"/problems/{problem_id}",
        data={"title": "Rollback takes seven manual steps", "teams": "payments web",
              "csrf_token": token},
    )  # fmt: skip
    assert edited.status_code == 303
    assert "Rollback takes seven manual steps" in client.get(f"/problems/{problem_id}").text
    deleted = client.post(f"/problems/{problem_id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 303
    assert client.get(f"/problems/{problem_id}").status_code == 404


def test_the_canvas_page(client, users, ids):
    sign_in(client, users["write"])
    token = csrf_of(client.get("/canvas").text)
    saved = client.post(
        "/canvas",
        data={"users": "Feature engineers", "key_metrics": ["nps", "adoption_rate"],
              "problems": ["CI takes 18 minutes"], "csrf_token": token},
    )  # fmt: skip
    assert saved.status_code == 303
    page = client.get("/canvas").text
    assert '<a href="/kpis/nps">Developer NPS</a>' in page
    assert re.search(r'<a href="/problems/\d+">CI takes 18 minutes</a>', page)
    refused = client.post(
        "/canvas/validations",
        data={"shared_with": "3 developers", "said": "", "on": "2026-06-18", "csrf_token": token},
    )
    assert refused.status_code == 422 and 'value="3 developers"' in refused.text
    logged = client.post(
        "/canvas/validations",
        data={"shared_with": "3 developers", "said": "Accurate", "on": "2026-06-18",
              "csrf_token": token},
    )  # fmt: skip
    assert logged.status_code == 303
    assert "Accurate" in client.get("/canvas").text


def test_backlog_views_pages(client, users, ids):
    sign_in(client, users["read"])
    disagreements = client.get("/backlog/disagreements").text
    assert "The team ranks these higher than RICE does" in disagreements
    assert "Service mesh" in disagreements and "Database migrations" in disagreements
    sensitivity = client.get("/backlog/sensitivity").text
    assert "fragile" in sensitivity and "above <strong>5</strong> pm" in sensitivity


def test_user_text_is_escaped(client, users, engine, teams):
    with unit_of_work(engine) as s:
        service.create_initiative(
            session=s,
            data=InitiativeIn(
                title="<script>alert(1)</script>", reach=1, impact=1, confidence=1, effort=1
            ),
        )
    sign_in(client, users["read"])
    page = client.get("/backlog").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_import_page_writes_every_row_or_none_and_keeps_the_pasted_text(client, users, teams):
    sign_in(client, users["read"])
    assert client.get("/initiatives/import").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/backlog").text)})
    sign_in(client, users["write"])
    form = client.get("/initiatives/import")
    assert form.status_code == 200 and "initiatives import FILE" in form.text
    token = csrf_of(form.text)
    bad = (
        "title,reach,impact,confidence,effort,category,goal,lane,priority\n"
        "Quicker builds,200,2,80%,2,roadmap,,,\n"
        "Cloud abstraction,40,4,70%,2.5,roadmap,,,\n"
    )
    refused = client.post(
        "/initiatives/import", data={"csrf_token": token, "text": bad, "kind": "csv"}
    )
    assert refused.status_code == 422
    assert "pasted text:3: field &#39;impact&#39;" in refused.text
    assert "Cloud abstraction,40,4,70%" in refused.text  # what was pasted is kept
    assert "Quicker builds" not in client.get("/backlog").text  # nothing was written
    good = bad.replace("Cloud abstraction,40,4,70%", "Cloud abstraction,40,1,50%").encode()
    done = client.post(
        "/initiatives/import",
        data={"csrf_token": token, "kind": "csv"},
        files={"file": ("backlog.csv", good, "text/csv")},
    )
    assert done.status_code == 200 and "2 new" in done.text
    backlog = client.get("/backlog").text
    assert "Quicker builds" in backlog and "Cloud abstraction" in backlog
    again = client.post(
        "/initiatives/import",
        data={"csrf_token": token, "kind": "csv"},
        files={"file": ("backlog.csv", good, "text/csv")},
    )
    assert "2 unchanged" in again.text
    forged = client.post("/initiatives/import", data={"csrf_token": "x", "text": bad})
    assert forged.status_code == 403 and "CSRF" in forged.text


def test_backlog_pages_keep_backlog_highlighted_in_the_navigation(client, users):
    sign_in(client, users["read"])
    for path in ("/backlog", "/problems", "/canvas"):
        page = client.get(path).text
        assert '<a href="/backlog" aria-current="page">Backlog</a>' in page, path
    assert 'aria-current="page">Backlog' not in client.get("/kpis").text
