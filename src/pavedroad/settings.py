"""Configuration in one place: every setting is declared once and read from its environment
variable into the frozen `Settings`, with a message naming the variable for a bad value."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pavedroad.errors import PavedroadError

DEFAULT_DATABASE_URL = "sqlite:///./pavedroad.db"
DEFAULT_WEBHOOK_MAX_IN_FLIGHT = 32
DEFAULT_WEBHOOK_BODY_SECONDS = 10

# text: any non-blank string; regex: a regular expression that compiles; flag: true/false;
# integer: a whole number in [minimum, maximum]; seconds: a number of seconds in that range.
Kind = Literal["text", "regex", "flag", "integer", "seconds"]

_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"0", "false", "no"})


@dataclass(frozen=True)
class Setting:
    """One configuration knob: the `Settings` field, its environment variable and its rule."""

    name: str
    env: str
    kind: Kind
    default: str | int | float | bool | None
    help: str
    secret: bool = False
    minimum: int | None = None
    maximum: int | None = None
    # How the default reads in the docs when it is not the value itself (None: the value).
    shown_default: str | None = None


# The KPI engine's production environments when PAVEDROAD_PRODUCTION_PATTERN is unset.
DEFAULT_PRODUCTION_PATTERN = r"^(prod|production)$"

SETTINGS: tuple[Setting, ...] = (
    Setting(
        name="database_url",
        env="PAVEDROAD_DATABASE_URL",
        kind="text",
        default=DEFAULT_DATABASE_URL,
        help="the store (`--db URL` on a command wins); `postgresql://user:pass@host/db` for a "
        "shared deployment (psycopg 3 is used)",
    ),
    Setting(
        name="session_days",
        env="PAVEDROAD_SESSION_DAYS",
        kind="integer",
        default=14,
        minimum=1,
        maximum=3650,
        help="how many days a browser stays signed in",
    ),
    Setting(
        name="secure_cookies",
        env="PAVEDROAD_SECURE_COOKIES",
        kind="flag",
        default=False,
        help="set `true` behind HTTPS so cookies are sent only over TLS",
    ),
    Setting(
        name="github_webhook_secret",
        env="PAVEDROAD_GITHUB_WEBHOOK_SECRET",
        kind="text",
        default=None,
        secret=True,
        help="the secret GitHub signs deliveries with; unset, `/webhooks/github` answers 503",
    ),
    Setting(
        name="gitlab_webhook_token",
        env="PAVEDROAD_GITLAB_WEBHOOK_TOKEN",
        kind="text",
        default=None,
        secret=True,
        help="the token GitLab sends with deliveries; unset, `/webhooks/gitlab` answers 503",
    ),
    Setting(
        name="pagerduty_webhook_secret",
        env="PAVEDROAD_PAGERDUTY_WEBHOOK_SECRET",
        kind="text",
        default=None,
        secret=True,
        help="the secret PagerDuty signs deliveries with; unset, `/webhooks/pagerduty` answers 503",
    ),
    Setting(
        name="jira_webhook_secret",
        env="PAVEDROAD_JIRA_WEBHOOK_SECRET",
        kind="text",
        default=None,
        secret=True,
        help="the secret Jira signs deliveries with; unset, `/webhooks/jira` answers 503",
    ),
    Setting(
        name="webhook_rules",
        env="PAVEDROAD_WEBHOOK_RULES",
        kind="text",
        default=None,
        shown_default="unset: every rule at its default",
        help="path of the YAML file that maps webhook repositories, projects and services to "
        "catalog services",
    ),
    Setting(
        name="webhook_max_in_flight",
        env="PAVEDROAD_WEBHOOK_MAX_IN_FLIGHT",
        kind="integer",
        default=DEFAULT_WEBHOOK_MAX_IN_FLIGHT,
        minimum=1,
        help="webhook deliveries handled at once; one more is answered 503 with `Retry-After`",
    ),
    Setting(
        name="webhook_body_seconds",
        env="PAVEDROAD_WEBHOOK_BODY_SECONDS",
        kind="seconds",
        default=float(DEFAULT_WEBHOOK_BODY_SECONDS),
        minimum=1,
        help="a webhook body that has not fully arrived after this many seconds is answered 408",
    ),
    Setting(
        name="production_pattern",
        env="PAVEDROAD_PRODUCTION_PATTERN",
        kind="regex",
        default=None,
        shown_default="`^(prod|production)$`",
        help="regular expression over lower-cased environment names: a deployment whose "
        "environment matches it counts as a production deployment in the KPIs",
    ),
    Setting(
        name="kpi_copy_in_process_rows",
        env="PAVEDROAD_KPI_COPY_IN_PROCESS_ROWS",
        kind="integer",
        default=None,
        minimum=0,
        shown_default="`20000`",
        help="SQLite tables up to this many rows are copied into the KPI engine's columnar "
        "mirror in-process; larger ones by a short-lived feeder process (`0`: always the feeder)",
    ),
    Setting(
        name="secret_key",
        env="PAVEDROAD_SECRET_KEY",
        kind="text",
        default=None,
        secret=True,
        help="the key connector tokens given with `--token-stdin` are encrypted with (any "
        "long random text; keep it out of the store's backups). Unset, a connection's token "
        "can only come from an environment variable (`--token-env`)",
    ),
    Setting(
        name="connector_lock_seconds",
        env="PAVEDROAD_CONNECTOR_LOCK_SECONDS",
        kind="integer",
        default=300,
        minimum=10,
        maximum=86400,
        help="how long a sync holds a connection's lock without renewing it; a crashed sync's "
        "lock is taken over after this (at once when its process on this host is gone)",
    ),
    Setting(
        name="public_dashboard",
        env="PAVEDROAD_PUBLIC_DASHBOARD",
        kind="flag",
        default=False,
        help="`true` serves the read-only public dashboard at `/public` (and the changelog and "
        "calendar feeds) without sign-in; off, `/public` answers 404",
    ),
    Setting(
        name="slack_webhook_url",
        env="PAVEDROAD_SLACK_WEBHOOK_URL",
        kind="text",
        default=None,
        secret=True,
        help="the Slack incoming-webhook URL `pavedroad changelog post` sends the week to",
    ),
    Setting(
        name="smtp_url",
        env="PAVEDROAD_SMTP_URL",
        kind="text",
        default=None,
        secret=True,
        help="`smtp://user:password@host:port` (or `smtps://`, `smtp+starttls://`) the weekly "
        "changelog email is sent through",
    ),
    Setting(
        name="email_from",
        env="PAVEDROAD_EMAIL_FROM",
        kind="text",
        default="pavedroad@localhost",
        help="the sender address of changelog emails",
    ),
    Setting(
        name="email_to",
        env="PAVEDROAD_EMAIL_TO",
        kind="text",
        default=None,
        shown_default="unset: `--to` names the recipients",
        help="comma-separated recipients of the weekly changelog email",
    ),
    Setting(
        name="currency",
        env="PAVEDROAD_CURRENCY",
        kind="text",
        default="USD",
        help="the currency code money is shown in (cost to serve, ROI): `USD`, `EUR`, `GBP`...",
    ),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def _range_text(setting: Setting, what: str) -> str:
    """'a whole number from 1 to 3650' / 'a whole number of at least 1'."""
    if setting.minimum is not None and setting.maximum is not None:
        return f"{what} from {setting.minimum} to {setting.maximum}"
    if setting.minimum is not None:
        return f"{what} of at least {setting.minimum}"
    return what


def parse(setting: Setting, raw: str) -> Any:
    """The value of a non-blank `raw` for `setting`, or a PavedroadError naming the variable."""
    shown = "(value hidden)" if setting.secret else f"(got {raw!r})"

    def refuse(reason: str) -> PavedroadError:
        return PavedroadError(f"{setting.env} must be {reason} {shown}")

    if setting.kind == "text":
        return raw
    if setting.kind == "flag":
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise refuse("true or false (also 1/0, yes/no)")
    if setting.kind == "regex":
        try:
            re.compile(raw)
        except re.error as exc:
            raise refuse(f"a regular expression ({exc})") from None
        return raw
    number: int | float
    if setting.kind == "integer":
        what = "a whole number"
        if not re.fullmatch(r"[0-9]+", raw):
            raise refuse(_range_text(setting, what))
        number = int(raw)
    else:
        what = "a number of seconds"
        try:
            number = float(raw)
        except ValueError:
            raise refuse(_range_text(setting, what)) from None
        if not math.isfinite(number):
            raise refuse(_range_text(setting, what))
    too_small = setting.minimum is not None and number < setting.minimum
    too_large = setting.maximum is not None and number > setting.maximum
    if too_small or too_large:
        raise refuse(_range_text(setting, what))
    return number


def read(setting: Setting) -> Any:
    """The setting's value from its environment variable; unset or blank means the default."""
    raw = os.environ.get(setting.env, "").strip()
    return parse(setting, raw) if raw else setting.default


def _from_env(name: str) -> Any:
    """A dataclass field that defaults to its declared environment variable."""
    setting = BY_NAME[name]
    return field(default_factory=lambda: read(setting), repr=not setting.secret)


@dataclass(frozen=True)
class Settings:
    """Process-wide configuration; `load_settings()` reads it, interfaces pass it down.

    Every field defaults to its environment variable, so code that builds Settings by hand
    (tests, embedders) still picks up the webhook secrets and rules. Secrets stay out of `repr`.
    """

    database_url: str = _from_env("database_url")
    session_days: int = _from_env("session_days")
    secure_cookies: bool = _from_env("secure_cookies")
    production_pattern: str | None = _from_env("production_pattern")
    kpi_copy_in_process_rows: int | None = _from_env("kpi_copy_in_process_rows")
    github_webhook_secret: str | None = _from_env("github_webhook_secret")
    gitlab_webhook_token: str | None = _from_env("gitlab_webhook_token")
    pagerduty_webhook_secret: str | None = _from_env("pagerduty_webhook_secret")
    jira_webhook_secret: str | None = _from_env("jira_webhook_secret")
    webhook_rules: str | None = _from_env("webhook_rules")
    webhook_max_in_flight: int = _from_env("webhook_max_in_flight")
    webhook_body_seconds: float = _from_env("webhook_body_seconds")
    secret_key: str | None = _from_env("secret_key")
    connector_lock_seconds: int = _from_env("connector_lock_seconds")
    public_dashboard: bool = _from_env("public_dashboard")
    slack_webhook_url: str | None = _from_env("slack_webhook_url")
    smtp_url: str | None = _from_env("smtp_url")
    email_from: str = _from_env("email_from")
    email_to: str | None = _from_env("email_to")
    currency: str = _from_env("currency")


def resolve_database_url(explicit: str | None = None) -> str:
    """`--db URL` wins, then `PAVEDROAD_DATABASE_URL`, then `sqlite:///./pavedroad.db`."""
    if explicit:
        return explicit
    return str(read(BY_NAME["database_url"]))


def load_settings(database_url: str | None = None) -> Settings:
    """Read the environment once (`database_url`, from `--db`, wins over its variable)."""
    return Settings(database_url=resolve_database_url(database_url))


def production_pattern() -> str | None:
    """`PAVEDROAD_PRODUCTION_PATTERN` read now (the KPI engine's default is `^(prod|production)$`).

    Call sites are moving to `Settings.production_pattern`, read once.
    """
    value: str | None = read(BY_NAME["production_pattern"])
    return value


def kpi_copy_in_process_rows() -> int | None:
    """`PAVEDROAD_KPI_COPY_IN_PROCESS_ROWS` read now (None: the engine's default, 20,000).

    Call sites are moving to `Settings.kpi_copy_in_process_rows`, read once.
    """
    value: int | None = read(BY_NAME["kpi_copy_in_process_rows"])
    return value


def settings_markdown() -> str:
    """The docs' configuration table: variable, type, default and meaning of every setting."""
    kinds = {
        "text": "text",
        "regex": "regular expression",
        "flag": "`true` / `false`",
        "integer": "whole number",
        "seconds": "seconds",
    }
    lines = [
        "| variable | type | default | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for s in SETTINGS:
        kind = "secret" if s.secret else kinds[s.kind]
        if s.maximum is not None:
            kind += f", {s.minimum} to {s.maximum}"
        elif s.minimum is not None:
            kind += f", at least {s.minimum}"
        if s.shown_default is not None:
            default = s.shown_default
        elif s.default is None:
            default = "unset"
        elif isinstance(s.default, bool):
            default = f"`{str(s.default).lower()}`"
        elif isinstance(s.default, float) and s.default.is_integer():
            default = f"`{int(s.default)}`"
        else:
            default = f"`{s.default}`"
        lines.append(f"| `{s.env}` | {kind} | {default} | {s.help} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(settings_markdown())
