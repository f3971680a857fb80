"""The signed webhook providers, one keyword declaration each: add a provider here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pavedroad.ingest.webhooks import github, gitlab, jira, pagerduty
from pavedroad.ingest.webhooks.payloads import Headers, Mapped
from pavedroad.ingest.webhooks.rules import MappingRules
from pavedroad.settings import BY_NAME, Settings


@dataclass(frozen=True, kw_only=True)
class Provider:
    """How one provider's deliveries are verified, identified and mapped."""

    name: str
    # The `Settings` field holding the provider's secret (its declaration names the variable).
    setting: str
    signature_header: str
    verify: Callable[[Headers, bytes, str], bool]
    delivery_id: Callable[[Headers, bytes], str]
    event_type: Callable[[Headers, Any], str]
    map_event: Callable[[str, Any, MappingRules], list[Mapped]]

    def __post_init__(self) -> None:
        if self.setting not in BY_NAME:
            raise ValueError(f"{self.name}: no setting {self.setting!r} in settings.py")

    @property
    def secret_env(self) -> str:
        """The environment variable that configures the secret."""
        return BY_NAME[self.setting].env

    def secret(self, settings: Settings) -> str | None:
        """The configured secret, or None when the provider is not configured."""
        value: str | None = getattr(settings, self.setting)
        return value


PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider(
            name=github.NAME,
            setting="github_webhook_secret",
            signature_header=github.SIGNATURE_HEADER,
            verify=github.verify,
            delivery_id=github.delivery_id,
            event_type=github.event_type,
            map_event=github.map_event,
        ),
        Provider(
            name=gitlab.NAME,
            setting="gitlab_webhook_token",
            signature_header=gitlab.SIGNATURE_HEADER,
            verify=gitlab.verify,
            delivery_id=gitlab.delivery_id,
            event_type=gitlab.event_type,
            map_event=gitlab.map_event,
        ),
        Provider(
            name=pagerduty.NAME,
            setting="pagerduty_webhook_secret",
            signature_header=pagerduty.SIGNATURE_HEADER,
            verify=pagerduty.verify,
            delivery_id=pagerduty.delivery_id,
            event_type=pagerduty.event_type,
            map_event=pagerduty.map_event,
        ),
        Provider(
            name=jira.NAME,
            setting="jira_webhook_secret",
            signature_header=jira.SIGNATURE_HEADER,
            verify=jira.verify,
            delivery_id=jira.delivery_id,
            event_type=jira.event_type,
            map_event=jira.map_event,
        ),
    )
}
