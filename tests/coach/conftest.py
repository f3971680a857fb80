"""Coach fixtures: the web app in-process and served (the coach reads every domain)."""

from tests.web.conftest import (  # noqa: F401  (web fixtures)
    chromium_page,
    client,
    live_server,
    tokens,
    users,
)
