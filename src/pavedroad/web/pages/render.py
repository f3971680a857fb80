"""Rendering: the template environment, the one navigation, and the page context."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from pavedroad import __version__

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")


@dataclass(frozen=True)
class NavItem:
    """One entry of the navigation; `path` is None for a part not built yet."""

    label: str
    path: str | None
    section: str
    # Other pages that belong to this entry (it is highlighted on them too).
    also: tuple[str, ...] = ()

    def is_current(self, current: str) -> bool:
        """Whether the page at `current` belongs to this entry."""
        if self.path is None:
            return False
        if current == self.path or (self.path != "/" and current.startswith(self.path)):
            return True
        return any(current.startswith(prefix) for prefix in self.also)


# The practice's loop (docs/index.md): discover -> decide -> plan -> ship & tell -> measure.
NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Home", "/", "Home"),
    NavItem("Research", "/research", "Discover"),
    NavItem("Surveys", "/surveys", "Discover"),
    NavItem("Backlog", "/backlog", "Decide", also=("/problems", "/initiatives", "/canvas")),
    NavItem("Impact map", "/map", "Decide"),
    NavItem("Roadmap", "/roadmap", "Plan"),
    NavItem("Capacity budget", "/capacity", "Plan"),
    NavItem("Changelog", "/changelog", "Ship & tell"),
    NavItem("Pitches", "/pitches", "Ship & tell", also=("/translation",)),
    NavItem("Launch plans", "/launches", "Ship & tell", also=("/calendar",)),
    NavItem("Champions", "/champions", "Ship & tell"),
    NavItem("Reports", "/reports", "Ship & tell"),
    NavItem("KPI dashboard", "/kpis", "Measure"),
    NavItem("ROI", "/roi", "Measure"),
    NavItem("Public dashboard", "/public", "Measure"),
    NavItem("Catalog", "/catalog", "Data"),
    NavItem("Ingest runs", "/runs", "Data"),
)


def nav_sections() -> list[tuple[str, list[NavItem]]]:
    """The navigation grouped by the stage of the loop, in order."""
    sections: dict[str, list[NavItem]] = {}
    for item in NAVIGATION:
        sections.setdefault(item.section, []).append(item)
    return list(sections.items())


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page with the navigation and, when signed in, the user and CSRF token."""
    browser = getattr(request.state, "browser", None)
    full = {
        "nav": nav_sections(),
        "current": request.url.path,
        "user": browser.grant if browser else None,
        "csrf_token": browser.csrf_token if browser else None,
        "version": __version__,
        **(context or {}),
    }
    return TEMPLATES.TemplateResponse(request, template, full, status_code=status_code)
