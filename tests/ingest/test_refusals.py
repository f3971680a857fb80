"""Refusals that say what is wrong instead of a traceback, and a rejects file a spreadsheet
opens safely (issue 13)."""

from __future__ import annotations

import csv

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pavedroad.catalog.models import Team
from pavedroad.ingest.files import ImportOptions, import_file
from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.models import Deployment, RunReject
from tests.ingest.test_file_import import example_row, write_csv
from tests.web.conftest import bearer

DEPLOY = KINDS["deployments"]


def test_create_missing_refuses_names_it_cannot_create_with_the_line(engine, catalog, tmp_path):
    rows = [
        {**example_row(DEPLOY), "id": "ok", "service": "new-svc", "team": "new-team"},
        {**example_row(DEPLOY), "id": "bad-team", "service": "svc-2", "team": "Team A!"},
        {**example_row(DEPLOY), "id": "bad-svc", "service": "My Service", "team": "payments"},
    ]
    run = import_file(
        engine,
        "deployments",
        write_csv(tmp_path / "d.csv", DEPLOY, rows),
        ImportOptions(create_missing=True),
    )
    assert (run.new, run.rejected) == (1, 2)
    with Session(engine) as s:
        rejects = {r.line: r for r in s.scalars(select(RunReject))}
        teams = set(s.scalars(select(Team.slug)))
    assert rejects[3].field == "team" and "--create-missing can only add" in rejects[3].reason
    assert rejects[4].field == "service"
    assert "new-team" in teams and "Team A!" not in teams


def test_the_rejects_file_keeps_formulas_inert(engine, catalog, tmp_path):
    rows = [{**example_row(DEPLOY), "id": '=HYPERLINK("http://x")', "service": "@SUM(A1)"}]
    rejects = tmp_path / "rejects.csv"
    import_file(
        engine,
        "deployments",
        write_csv(tmp_path / "d.csv", DEPLOY, rows),
        ImportOptions(rejects_path=rejects),
    )
    with rejects.open(newline="") as handle:
        header, row = list(csv.reader(handle))
    cells = dict(zip(header, row, strict=True))
    assert cells["id"] == '\'=HYPERLINK("http://x")'
    assert cells["service"] == "'@SUM(A1)"
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Deployment)) == 0


def test_kpis_for_an_unknown_team_or_service_say_so(engine, catalog, client, tokens, cli):
    headers = bearer(tokens["read"])
    team = client.get("/api/v1/kpis?team=nope", headers=headers)
    assert team.status_code == 404 and "no team with slug 'nope'" in team.json()["detail"]
    svc = client.get("/api/v1/kpis?service=nope", headers=headers)
    assert svc.status_code == 404
    assert client.get("/api/v1/kpis?team=payments", headers=headers).status_code == 200
    result = cli("kpis", "--team", "nope", "--json")
    assert result.exit_code != 0 and "no team with slug" in result.stderr
