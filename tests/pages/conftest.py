"""Page fixtures: the web fixtures (the app, users and tokens of each scope, Chromium)."""

from __future__ import annotations

from tests.web.conftest import (  # noqa: F401  (web fixtures)
    chromium_page,
    client,
    live_server,
    small_catalog,
    tokens,
    users,
)
