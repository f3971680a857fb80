"""Issue 16: the navigation never leads to a 404. The public dashboard's entry is a link only
when PAVEDROAD_PUBLIC_DASHBOARD is on; off, it says so and how to turn it on."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.web.conftest import sign_in


def _nav(html: str) -> str:
    return html[html.index('id="nav-menu"') : html.index("sidebar-foot")]


@pytest.fixture
def public_client(db_url) -> Iterator[TestClient]:
    settings = Settings(
        database_url=db_url, session_days=1, secure_cookies=False, public_dashboard=True
    )
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield client
    app.state.engine.dispose()


def test_every_navigation_link_answers_with_the_public_dashboard_off(client, users) -> None:
    sign_in(client, users["read"])
    nav = _nav(client.get("/").text)
    links = re.findall(r'<a href="([^"]+)"', nav)
    assert links and "/public" not in links
    for path in links:
        assert client.get(path).status_code == 200, path
    off = re.search(r'<span class="nav-soon nav-off" title="([^"]+)">Public dashboard', nav)
    assert off and "PAVEDROAD_PUBLIC_DASHBOARD=true" in off.group(1)


def test_the_public_dashboard_entry_is_a_link_when_it_is_on(public_client, users) -> None:
    sign_in(public_client, users["read"])
    nav = _nav(public_client.get("/").text)
    assert '<a href="/public"' in nav and "nav-off" not in nav
    assert public_client.get("/public").status_code == 200
