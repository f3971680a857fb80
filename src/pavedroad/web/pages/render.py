"""Rendering: the template environment, the one navigation, and the page context."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from pavedroad import __version__
from pavedroad.settings import BY_NAME

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")


@dataclass(frozen=True)
class NavItem:
    """One entry of the navigation; `path` is None for a part not built yet."""

    label: str
    path: str | None
    section: str
    # Other pages that belong to this entry (it is highlighted on them too).
    also: tuple[str, ...] = ()
    # A flag setting the page needs (off: the page answers 404, so the entry is not a link).
    needs: str | None = None

    def is_current(self, current: str) -> bool:
        """Whether the page at `current` belongs to this entry."""
        if self.path is None:
            return False
        if current == self.path or (self.path != "/" and current.startswith(self.path)):
            return True
        return any(current.startswith(prefix) for prefix in self.also)

    def is_on(self, settings: Any) -> bool:
        """Whether the page is served with these settings (always, unless it needs a flag)."""
        return self.needs is None or bool(getattr(settings, self.needs, False))

    @property
    def how_to_turn_on(self) -> str:
        """What turns the page on: `set PAVEDROAD_PUBLIC_DASHBOARD=true and restart`."""
        return f"set {BY_NAME[self.needs].env}=true and restart" if self.needs else ""


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
    NavItem("Coach", "/coach", "Measure"),
    NavItem("ROI", "/roi", "Measure"),
    NavItem("Public dashboard", "/public", "Measure", needs="public_dashboard"),
    NavItem("Catalog", "/catalog", "Data"),
    NavItem("Ingest runs", "/runs", "Data"),
    NavItem("Connections", "/connections", "Data"),
)


def nav_sections(settings: Any = None) -> list[tuple[str, list[NavItem]]]:
    """The navigation grouped by the stage of the loop, in order; an entry whose page is off
    with `settings` is kept without its link (the template says how to turn it on)."""
    sections: dict[str, list[NavItem]] = {}
    for item in NAVIGATION:
        shown = item if item.is_on(settings) else replace(item, path=None)
        sections.setdefault(item.section, []).append(shown)
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
        "nav": nav_sections(getattr(request.app.state, "settings", None)),
        "current": request.url.path,
        "user": browser.grant if browser else None,
        "csrf_token": browser.csrf_token if browser else None,
        "version": __version__,
        **(context or {}),
    }
    return TEMPLATES.TemplateResponse(request, template, full, status_code=status_code)
