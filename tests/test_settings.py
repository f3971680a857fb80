"""Every setting is declared once, read from its variable once, and refused with a reason."""

from __future__ import annotations

import dataclasses
import re

import pytest

from pavedroad.errors import PavedroadError
from pavedroad.settings import (
    SETTINGS,
    Settings,
    kpi_copy_in_process_rows,
    load_settings,
    production_pattern,
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)


def refusal(monkeypatch, env: str, value: str) -> str:
    monkeypatch.setenv(env, value)
    with pytest.raises(PavedroadError) as raised:
        load_settings()
    return str(raised.value)


def test_every_settings_field_is_declared_once_with_its_own_variable():
    fields = [f.name for f in dataclasses.fields(Settings)]
    assert sorted(fields) == sorted(s.name for s in SETTINGS)
    assert len({s.env for s in SETTINGS}) == len(SETTINGS)
    assert all(s.env.startswith("PAVEDROAD_") and s.help for s in SETTINGS)


def test_without_an_environment_every_setting_has_its_default():
    settings = load_settings()
    assert settings.database_url == "sqlite:///./pavedroad.db"
    assert settings.session_days == 14
    assert settings.secure_cookies is False
    assert settings.production_pattern is None
    assert settings.kpi_copy_in_process_rows is None
    assert settings.github_webhook_secret is None
    assert settings.webhook_rules is None
    assert settings.webhook_max_in_flight == 32
    assert settings.webhook_body_seconds == 10.0


def test_each_variable_reaches_its_field(monkeypatch):
    monkeypatch.setenv("PAVEDROAD_DATABASE_URL", "sqlite:////tmp/x.db")
    monkeypatch.setenv("PAVEDROAD_SESSION_DAYS", "30")
    monkeypatch.setenv("PAVEDROAD_SECURE_COOKIES", "Yes")
    monkeypatch.setenv("PAVEDROAD_PRODUCTION_PATTERN", "^prd-.*$")
    monkeypatch.setenv("PAVEDROAD_KPI_COPY_IN_PROCESS_ROWS", "0")
    monkeypatch.setenv("PAVEDROAD_JIRA_WEBHOOK_SECRET", "  s3cret  ")
    monkeypatch.setenv("PAVEDROAD_WEBHOOK_MAX_IN_FLIGHT", "4")
    monkeypatch.setenv("PAVEDROAD_WEBHOOK_BODY_SECONDS", "2.5")
    settings = load_settings()
    assert settings.database_url == "sqlite:////tmp/x.db"
    assert settings.session_days == 30
    assert settings.secure_cookies is True
    assert settings.production_pattern == "^prd-.*$"
    assert settings.kpi_copy_in_process_rows == 0
    assert settings.jira_webhook_secret == "s3cret"
    assert settings.webhook_max_in_flight == 4
    assert settings.webhook_body_seconds == 2.5


def test_the_db_option_wins_over_the_variable(monkeypatch):
    monkeypatch.setenv("PAVEDROAD_DATABASE_URL", "sqlite:////tmp/env.db")
    assert load_settings("sqlite:////tmp/flag.db").database_url == "sqlite:////tmp/flag.db"


def test_the_environment_is_read_when_settings_are_built_not_later(monkeypatch):
    monkeypatch.setenv("PAVEDROAD_SESSION_DAYS", "3")
    settings = load_settings()
    monkeypatch.setenv("PAVEDROAD_SESSION_DAYS", "5")
    assert settings.session_days == 3


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_a_blank_variable_means_its_default(monkeypatch, setting):
    monkeypatch.setenv(setting.env, "   ")
    assert getattr(load_settings(), setting.name) == setting.default


@pytest.mark.parametrize(
    ("env", "value", "reason"),
    [
        ("PAVEDROAD_SESSION_DAYS", "two weeks", "a whole number from 1 to 3650 (got 'two weeks')"),
        ("PAVEDROAD_SESSION_DAYS", "-3", "a whole number from 1 to 3650 (got '-3')"),
        ("PAVEDROAD_SESSION_DAYS", "0", "a whole number from 1 to 3650 (got '0')"),
        ("PAVEDROAD_SESSION_DAYS", "3651", "a whole number from 1 to 3650 (got '3651')"),
        ("PAVEDROAD_SESSION_DAYS", "1.5", "a whole number from 1 to 3650 (got '1.5')"),
        ("PAVEDROAD_WEBHOOK_MAX_IN_FLIGHT", "0", "a whole number of at least 1 (got '0')"),
        ("PAVEDROAD_KPI_COPY_IN_PROCESS_ROWS", "lots", "a whole number of at least 0 (got 'lots')"),
        ("PAVEDROAD_WEBHOOK_BODY_SECONDS", "ten", "a number of seconds of at least 1 (got 'ten')"),
        ("PAVEDROAD_WEBHOOK_BODY_SECONDS", "0.5", "a number of seconds of at least 1 (got '0.5')"),
        ("PAVEDROAD_WEBHOOK_BODY_SECONDS", "inf", "a number of seconds of at least 1 (got 'inf')"),
        ("PAVEDROAD_SECURE_COOKIES", "maybe", "true or false (also 1/0, yes/no) (got 'maybe')"),
    ],
)
def test_a_bad_value_names_the_variable_and_the_rule(monkeypatch, env, value, reason):
    assert refusal(monkeypatch, env, value) == f"{env} must be {reason}"


def test_a_production_pattern_that_does_not_compile_is_refused(monkeypatch):
    message = refusal(monkeypatch, "PAVEDROAD_PRODUCTION_PATTERN", "^(prod")
    assert message.startswith("PAVEDROAD_PRODUCTION_PATTERN must be a regular expression (")
    assert message.endswith("(got '^(prod')")


def test_the_call_time_readers_apply_the_same_rules(monkeypatch):
    monkeypatch.setenv("PAVEDROAD_PRODUCTION_PATTERN", "^live$")
    monkeypatch.setenv("PAVEDROAD_KPI_COPY_IN_PROCESS_ROWS", "500")
    assert production_pattern() == "^live$"
    assert kpi_copy_in_process_rows() == 500
    monkeypatch.setenv("PAVEDROAD_KPI_COPY_IN_PROCESS_ROWS", "-1")
    with pytest.raises(PavedroadError, match="PAVEDROAD_KPI_COPY_IN_PROCESS_ROWS must be"):
        kpi_copy_in_process_rows()


def test_secrets_stay_out_of_repr_and_out_of_error_messages(monkeypatch):
    secrets = [s for s in SETTINGS if s.secret]
    assert {s.name for s in secrets} == {
        "github_webhook_secret",
        "gitlab_webhook_token",
        "pagerduty_webhook_secret",
        "jira_webhook_secret",
        "slack_webhook_url",
        "smtp_url",
        "secret_key",
    }
    for index, setting in enumerate(secrets):
        monkeypatch.setenv(setting.env, f"hunter{index}-secret")
    settings = load_settings()
    assert settings.github_webhook_secret == "hunter0-secret"
    assert "hunter" not in repr(settings) and "hunter" not in str(settings)


def test_a_hand_built_settings_still_reads_the_webhook_variables(monkeypatch):
    monkeypatch.setenv("PAVEDROAD_GITHUB_WEBHOOK_SECRET", "from-env")
    settings = Settings(database_url="sqlite://", session_days=1, secure_cookies=False)
    assert settings.github_webhook_secret == "from-env"
    assert settings.session_days == 1


def test_the_generated_table_lists_every_variable_with_its_default():
    from pavedroad.settings import settings_markdown

    rows = settings_markdown().splitlines()[2:]
    assert [re.match(r"\| `(\w+)`", row).group(1) for row in rows] == [s.env for s in SETTINGS]
    by_env = dict(zip((s.env for s in SETTINGS), rows, strict=True))
    assert "| whole number, 1 to 3650 | `14` |" in by_env["PAVEDROAD_SESSION_DAYS"]
    assert "| secret | unset |" in by_env["PAVEDROAD_GITHUB_WEBHOOK_SECRET"]
    assert "`^(prod|production)$`" in by_env["PAVEDROAD_PRODUCTION_PATTERN"]
    assert "| `false` |" in by_env["PAVEDROAD_SECURE_COOKIES"]
