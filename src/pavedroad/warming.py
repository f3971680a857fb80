"""Warming the KPI engine at server start, so no page meets a cold engine on its first request.

`pavedroad serve` starts this in a background thread. It computes what the pages ask for, in
the order a person is likely to open them: the dashboard and the home first, then every KPI's
page (the breakdown by team and the events behind the number), then every team's scorecard and
team-filtered dashboard. Each answer lands in the engine's cache, so the request that follows
finds it there. `warmth` tells /healthz (and the page benchmark) how far it got.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Literal

from sqlalchemy.orm import Session

from pavedroad.catalog.service import list_teams
from pavedroad.home import home_view
from pavedroad.metrics import service
from pavedroad.metrics.definitions import KPI_IDS

Warmth = Literal["cold", "warming", "warm"]

# Per engine: whether its warm-up is under way or done (an engine never warmed is "cold").
_WARMTH: weakref.WeakKeyDictionary[Any, Warmth] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def warmth(engine: Any) -> Warmth:
    """`cold` (no warm-up started), `warming` or `warm` (every page's figures are cached)."""
    with _LOCK:
        return _WARMTH.get(engine, "cold")


def warm_pages(session: Session, *, teams: bool = True) -> None:
    """Compute, into the engine's cache, what the home, the dashboard, every KPI page and (with
    `teams`) every team page and team-filtered dashboard need."""
    window = service.default_window()
    service.dashboard(session=session)
    home_view(session=session)
    for kpi_id in KPI_IDS:
        service.kpi_detail(
            session=session, kpi_id=kpi_id, window=None, by="team", compare=window.previous()
        )
        service.evidence(
            session=session, kpi_id=kpi_id, window=window, limit=service.EVIDENCE_PAGE_SIZE
        )
    if not teams:
        return
    for team in list_teams(session=session):
        service.dashboard(session=session, team=team.slug, compare=window.previous())


def warm_up(engine: Any, *, teams: bool = True) -> threading.Thread:
    """Start warming `engine` in a daemon thread (best effort: a real request reports errors)."""

    def work() -> None:
        try:
            with Session(engine) as session:
                warm_pages(session, teams=teams)
        except Exception:  # warming is best effort; a real request reports its errors
            return
        finally:
            with _LOCK:
                _WARMTH[engine] = "warm"

    with _LOCK:
        _WARMTH[engine] = "warming"
    thread = threading.Thread(target=work, name="pavedroad-kpi-warm-up", daemon=True)
    thread.start()
    return thread
