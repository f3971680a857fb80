"""Connectors: backfill history from providers' APIs and keep it in sync.

One module per provider (`github`, `gitlab`, `pagerduty`, `jira`, `backstage`), each a
`base.Provider`, all reading through the one HTTP layer (`http.ApiClient`) and writing through
the same checked rows, upsert and runs as files and webhooks (`sync.py`).
"""

from __future__ import annotations

import importlib

from pavedroad.errors import InvalidInputError
from pavedroad.ingest.connectors.base import Provider

PROVIDERS: tuple[str, ...] = ("github", "gitlab", "pagerduty", "jira", "backstage")


def provider_or_raise(name: str) -> Provider:
    """The provider module's `PROVIDER`, or a refusal listing the known ones."""
    key = name.strip().lower()
    if key not in PROVIDERS:
        raise InvalidInputError.because(
            f"unknown provider {name!r}; one of {', '.join(PROVIDERS)}", field="provider"
        )
    module = importlib.import_module(f"pavedroad.ingest.connectors.{key}")
    provider: Provider = module.PROVIDER
    return provider
