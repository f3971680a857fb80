"""Roadmap fixtures: the practice's worked example as a backlog, and capacity plans."""

from __future__ import annotations

import pytest

from pavedroad.backlog.schemas import InitiativeIn
from pavedroad.backlog.service import create_initiative
from pavedroad.db import unit_of_work
from pavedroad.roadmap.schemas import CapacityIn
from pavedroad.roadmap.service import set_capacity
from tests.web.conftest import (  # noqa: F401  (web fixtures)
    chromium_page,
    client,
    live_server,
    tokens,
    users,
)

AS_OF = "2026-11-23"  # Now = 2026-Q4, Next = 2027-Q1

# The practice's worked example (RICE 160, 64, 16.67, 10, 60) and the VP's pet project.
BACKLOG = [
    {
        "title": "Faster CI pipelines",
        "reach": 200,
        "impact": 2,
        "confidence": 0.8,
        "effort": 2,
        "status": "planned",
    },
    {
        "title": "Self-service databases",
        "reach": 80,
        "impact": 3,
        "confidence": 0.8,
        "effort": 3,
        "status": "planned",
    },
    {
        "title": "Service mesh",
        "reach": 200,
        "impact": 1,
        "confidence": 0.5,
        "effort": 6,
        "status": "idea",
    },
    {
        "title": "Custom Kubernetes operator",
        "reach": 20,
        "impact": 2,
        "confidence": 1.0,
        "effort": 4,
        "status": "planned",
    },
    {
        "title": "Automated database migrations",
        "reach": 150,
        "impact": 2,
        "confidence": 0.8,
        "effort": 4,
        "status": "planned",
    },
    {
        "title": "Multi-cloud abstraction",
        "reach": 40,
        "impact": 1,
        "confidence": 0.8,
        "effort": 6,
        "status": "planned",
    },
]

MAP_YAML = """\
goals:
  - title: Time to production halved
    kpi: lead_time_p50
    target: 45
    due: 2027-03-31
    priority: 1
    actors:
      - name: Feature developers
        impacts:
          - description: Deploy faster
            deliverables: [Faster CI pipelines, Self-service databases]
  - title: Incidents down 30%
    kpi: incident_frequency
    target: 2.1
    due: 2027-03-31
    priority: 2
    actors:
      - name: On-call engineers
        impacts:
          - description: Recover faster
            deliverables: [Automated database migrations]
"""


@pytest.fixture
def backlog(engine) -> list[str]:
    """Six initiatives of the practice; returns their titles."""
    with unit_of_work(engine) as session:
        for values in BACKLOG:
            create_initiative(session=session, data=InitiativeIn.model_validate(values))
    return [v["title"] for v in BACKLOG]


@pytest.fixture
def capacity(engine) -> None:
    """10 person-months in 2026-Q4 and 2027-Q1, 70/20/10: 7 for roadmap work a quarter."""
    with unit_of_work(engine) as session:
        for quarter in ("2026-Q4", "2027-Q1"):
            set_capacity(session=session, quarter=quarter, data=CapacityIn(person_months=10))


@pytest.fixture
def mapped(backlog, tmp_path, cli) -> str:
    """The backlog with the two goals of the demo on the impact map."""
    path = tmp_path / "map.yaml"
    path.write_text(MAP_YAML)
    result = cli("map", "import", str(path))
    assert result.exit_code == 0, result.stderr
    return str(path)
