"""The public dashboard: off by default (404), read-only and without sign-in when on, and
free of personal data (no names, emails or team cuts; survey values under five hidden)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pavedroad.comms import changelog
from pavedroad.comms.schemas.changelog import ChangelogEntryIn
from pavedroad.db import unit_of_work
from pavedroad.settings import Settings
from pavedroad.web.app import create_app

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
PERSONAL = [
    "ada@example.com",
    "alan@example.com",
    "grace@example.com",
    "Ada Lovelace",
    "Alan Turing",
    "Grace Hopper",
    "payments",
    "corp-it",
]


def _app_client(db_url: str, *, public: bool) -> Iterator[TestClient]:
    app = create_app(
        Settings(database_url=db_url, session_days=1, secure_cookies=False, public_dashboard=public)
    )
    with TestClient(app, follow_redirects=False) as client:
        yield client
    app.state.engine.dispose()


@pytest.fixture
def public_client(db_url) -> Iterator[TestClient]:
    yield from _app_client(db_url, public=True)


@pytest.fixture
def private_client(db_url) -> Iterator[TestClient]:
    yield from _app_client(db_url, public=False)


def _surveys(cli, tmp_path: Path, answers: int) -> None:
    day = date.today() - timedelta(days=3)
    path = tmp_path / "survey.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "survey", "wave", "submitted_at", "team", "nps"])
        for n in range(answers):
            writer.writerow(
                [f"r{n}", "developer-experience", "now", day.isoformat(), "payments", 9]
            )
    result = cli("import", "survey-responses", str(path))
    assert result.exit_code == 0, result.stderr


def test_off_by_default_the_page_and_its_json_answer_404(private_client, tokens):
    for path in ("/public", "/public.json", "/api/v1/public"):
        answer = private_client.get(path)
        assert answer.status_code == 404, path
    # Not even a token opens it.
    assert (
        private_client.get(
            "/api/v1/public", headers={"Authorization": f"Bearer {tokens['admin']}"}
        ).status_code
        == 404
    )
    assert Settings().public_dashboard is False


def test_on_it_answers_without_sign_in_and_holds_no_personal_data(
    public_client, small_catalog, engine, cli, tmp_path
):
    _surveys(cli, tmp_path, answers=3)
    with unit_of_work(engine) as s:
        changelog.add_entry(
            session=s,
            data=ChangelogEntryIn(
                title=HOSTILE, body="Ada Lovelace ada@example.com", audience=["payments"]
            ),
        )
    page = public_client.get("/public")
    assert page.status_code == 200
    data = public_client.get("/public.json")
    api = public_client.get("/api/v1/public")
    assert data.status_code == api.status_code == 200
    body = data.json()
    assert [k["id"] for k in body["kpis"]] == [
        "lead_time_p50",
        "ci_duration_p50",
        "availability",
        "change_failure_rate",
        "mttr_p50",
        "adoption_rate",
        "nps",
    ]
    # Three answers: the NPS is hidden, everywhere.
    nps = next(k for k in body["kpis"] if k["id"] == "nps")
    assert nps["status"] == "hidden" and nps["value"] is None and nps["shown"] == "hidden"
    assert all(w["value"] is None for w in nps["weekly"])
    assert body["changelog"] == [
        {"title": HOSTILE, "date": date.today().isoformat(), "capability": None}
    ]
    for text in (page.text, data.text, api.text):
        for personal in PERSONAL:
            assert personal.lower() not in text.lower(), personal
    # The title is shown, inert; no navigation of the signed-in app, no link needing sign-in.
    assert HOSTILE not in page.text and "&lt;script&gt;alert(" in page.text
    assert 'class="sidebar"' not in page.text and "<a " not in page.text
    assert "Hidden: fewer than five answers" in page.text
    assert public_client.post("/public").status_code == 405


def test_five_answers_show_the_nps(public_client, small_catalog, cli, tmp_path):
    _surveys(cli, tmp_path, answers=5)
    nps = next(k for k in public_client.get("/public.json").json()["kpis"] if k["id"] == "nps")
    assert nps["status"] != "hidden" and nps["value"] == 100


def test_the_api_route_is_documented(public_client):
    spec = public_client.get("/api/openapi.json").json()
    operation = spec["paths"]["/api/v1/public"]["get"]
    assert "No names" in operation["description"]
    assert "/public.json" not in spec["paths"]
