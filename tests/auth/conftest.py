"""Auth fixtures: the web app's clients, users and tokens."""

from tests.web.conftest import client, live_server, tokens, users  # noqa: F401  (fixtures)
