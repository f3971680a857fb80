"""A diagnosis as every interface shows it: an id from the contract, a severity, a sentence
with its numbers, the evidence, the practice's better approach, and links to what it is about."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["critical", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Link:
    """An object a diagnosis is about, in the API and on the pages."""

    kind: str
    label: str
    api: str
    page: str

    def as_contract(self) -> dict[str, str]:
        return {"kind": self.kind, "label": self.label, "api": self.api, "page": self.page}


def initiative_link(initiative_id: int, title: str) -> Link:
    return Link(
        "initiative", title, f"/api/v1/initiatives/{initiative_id}", f"/initiatives/{initiative_id}"
    )


def problem_link(problem_id: int, title: str) -> Link:
    return Link("problem", title, f"/api/v1/problems/{problem_id}", f"/problems/{problem_id}")


def kpi_link(kpi_id: str, name: str) -> Link:
    return Link("kpi", name, f"/api/v1/kpis/{kpi_id}", f"/kpis/{kpi_id}")


def team_link(slug: str) -> Link:
    return Link("team", slug, f"/api/v1/teams/{slug}", f"/teams/{slug}")


@dataclass(frozen=True)
class Diagnosis:
    """One finding of the coach."""

    id: str
    severity: Severity
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    better_approach: str = ""
    links: tuple[Link, ...] = ()
    # The practice's row or scenario the diagnosis comes from, as the coach page shows it.
    practice: str = ""

    def as_contract(self) -> dict[str, Any]:
        """The `pavedroad coach --json` (and `kpis --diagnose --json`) shape."""
        return {
            "id": self.id,
            "severity": self.severity,
            "message": self.message,
            "evidence": self.evidence,
            "better_approach": self.better_approach,
            "links": [link.as_contract() for link in self.links],
        }


def by_severity(found: list[Diagnosis]) -> list[Diagnosis]:
    """Critical first, then warnings, then information; stable within a severity."""
    return sorted(found, key=lambda d: SEVERITY_ORDER.get(d.severity, 3))
