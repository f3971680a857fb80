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


def test_one_huge_line_in_a_small_gz_is_a_refused_row_in_flat_memory(
    catalog, db_url, tmp_path, engine
):
    import gzip
    import json
    import subprocess
    import sys

    path = tmp_path / "d.csv.gz"
    good = ",".join(example_row(DEPLOY)[c] for c in DEPLOY.column_names)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(",".join(DEPLOY.column_names) + "\n" + good + "\n")
        handle.write("x" * (150 * 1024 * 1024) + "\n")  # one 150 MB line, a few hundred KB zipped
        handle.write(good.replace("gh-deploy-81723", "gh-deploy-2") + "\n")
    assert path.stat().st_size < 2 * 1024 * 1024
    # A wrapper process reports the peak of the import alone (its only child).
    measure = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, sys.executable, "-m", "pavedroad", "import",
         "deployments", str(path), "--db", db_url, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    peak_mb = int(done.stderr.strip().splitlines()[-1]) / 1024
    run = json.loads(done.stdout)
    assert (run["new"], run["rejected"]) == (2, 1), done.stderr
    assert any("line 3: line is longer than" in e for e in run["errors"])
    assert peak_mb < 450, f"peak {peak_mb:.0f} MB"


def test_a_nul_in_the_header_is_named_and_shown(cli, tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"id,ser\x00vice,environment,finished_at,result\n")

    result = cli("import", "deployments", str(path))

    assert result.exit_code == 2
    assert f"{path}:1: header column 2 holds a NUL character" in result.stderr
    assert "unknown column(s) ser\\x00vice" in result.stderr
