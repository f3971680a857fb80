"""Issue 16, warm pages: after `pavedroad serve`'s warm-up no KPI page, team page or
team-filtered dashboard meets a cold KPI engine on its first request (each used to compute its
families on the request, 0.5-1.9 s on the demo), and /healthz says when the warm-up is done."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pavedroad.metrics.definitions import KPI_IDS
from pavedroad.metrics.service import kpi_engine
from pavedroad.warming import warm_up
from tests.metrics.conftest import org  # noqa: F401  (the hand-computed organisation)
from tests.web.conftest import sign_in

TEAMS = ("alpha", "beta", "gamma", "delta")


def test_after_the_warm_up_no_kpi_or_team_page_computes_anything(
    org,  # noqa: F811
    client,
    users,
) -> None:
    engine = client.app.state.engine
    assert client.get("/healthz").json()["kpis"] == "cold"
    warm_up(engine).join(timeout=600)
    assert client.get("/healthz").json()["kpis"] == "warm"
    sign_in(client, users["read"])
    with Session(engine) as session:
        cache = kpi_engine(session).cells
    warm = set(cache)
    paths = [f"/kpis/{kpi}" for kpi in KPI_IDS]
    paths += [f"/kpis/{kpi}/events" for kpi in KPI_IDS]
    paths += [f"/catalog/teams/{team}" for team in TEAMS]
    paths += [f"/kpis?team={team}" for team in TEAMS]
    for path in paths:
        assert client.get(path).status_code == 200, path
    computed = set(cache) - warm
    assert not computed, f"computed on a first request: {sorted(map(str, computed))[:5]}"
