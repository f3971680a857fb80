"""Configuration in one place: every knob reads an environment variable with a safe default."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from pavedroad.errors import PavedroadError

DEFAULT_DATABASE_URL = "sqlite:///./pavedroad.db"
DEFAULT_WEBHOOK_MAX_IN_FLIGHT = 32
DEFAULT_WEBHOOK_BODY_SECONDS = 10


def _env_text(name: str) -> str | None:
    """An environment variable, or None when it is unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or None


def _env_count(name: str, default: int) -> int:
    """A whole number of at least 1 from the environment, or a message naming the variable."""
    raw = _env_text(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise PavedroadError(f"{name} must be a whole number of at least 1 (got {raw!r})")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    """Process-wide configuration; build it with `load_settings`."""

    database_url: str
    session_days: int
    secure_cookies: bool
    # The fields below default to their environment variable, so code that builds Settings by
    # hand (tests, embedders) still picks up the webhook secrets and rules.
    github_webhook_secret: str | None = field(
        default_factory=lambda: _env_text("PAVEDROAD_GITHUB_WEBHOOK_SECRET"), repr=False
    )
    gitlab_webhook_token: str | None = field(
        default_factory=lambda: _env_text("PAVEDROAD_GITLAB_WEBHOOK_TOKEN"), repr=False
    )
    pagerduty_webhook_secret: str | None = field(
        default_factory=lambda: _env_text("PAVEDROAD_PAGERDUTY_WEBHOOK_SECRET"), repr=False
    )
    jira_webhook_secret: str | None = field(
        default_factory=lambda: _env_text("PAVEDROAD_JIRA_WEBHOOK_SECRET"), repr=False
    )
    webhook_rules: str | None = field(default_factory=lambda: _env_text("PAVEDROAD_WEBHOOK_RULES"))
    webhook_max_in_flight: int = field(
        default_factory=lambda: _env_count(
            "PAVEDROAD_WEBHOOK_MAX_IN_FLIGHT", DEFAULT_WEBHOOK_MAX_IN_FLIGHT
        )
    )
    # A webhook body that has not fully arrived after this many seconds is answered 408.
    webhook_body_seconds: float = field(
        default_factory=lambda: float(
            _env_count("PAVEDROAD_WEBHOOK_BODY_SECONDS", DEFAULT_WEBHOOK_BODY_SECONDS)
        )
    )


def resolve_database_url(explicit: str | None = None) -> str:
    """`--db URL` wins, then `PAVEDROAD_DATABASE_URL`, then `sqlite:///./pavedroad.db`."""
    if explicit:
        return explicit
    return os.environ.get("PAVEDROAD_DATABASE_URL") or DEFAULT_DATABASE_URL


def load_settings(database_url: str | None = None) -> Settings:
    """Read the environment once; interfaces pass the result down."""
    return Settings(
        database_url=resolve_database_url(database_url),
        session_days=int(os.environ.get("PAVEDROAD_SESSION_DAYS", "14")),
        secure_cookies=os.environ.get("PAVEDROAD_SECURE_COOKIES", "false").lower()
        in {"1", "true", "yes"},
    )


def production_pattern() -> str | None:
    """`PAVEDROAD_PRODUCTION_PATTERN`: a regular expression over lower-cased environment names
    (the KPI engine's default is `^(prod|production)$`)."""
    return _env_text("PAVEDROAD_PRODUCTION_PATTERN")


def kpi_copy_in_process_rows() -> int | None:
    """`PAVEDROAD_KPI_COPY_IN_PROCESS_ROWS`: tables up to this many rows are copied into the KPI
    engine's mirror in-process, larger ones by a feeder process (default 20,000; 0 sends every
    table to the feeder)."""
    raw = _env_text("PAVEDROAD_KPI_COPY_IN_PROCESS_ROWS")
    if raw is None:
        return None
    if not raw.isdigit():
        raise PavedroadError(
            f"PAVEDROAD_KPI_COPY_IN_PROCESS_ROWS must be a whole number (got {raw!r})"
        )
    return int(raw)
