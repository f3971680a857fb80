"""A PagerDuty REST API v2 stand-in: incidents, their log entries, the account's log entries and
services, with PagerDuty's offset/limit/more pagination.

Shapes follow PagerDuty's published OpenAPI description (PagerDuty/api-schema,
reference/REST/openapiv3.json: `List incidents` -> `{"incidents", "limit", "offset", "total",
"more"}` with `Incident` objects (`id`, `type`, `summary`, `incident_number`, `title`,
`created_at`, `status`, `urgency`, `service` as a `service_reference`, `priority` as a
`priority_reference`, `last_status_change_at`, `resolved_at`), `List log entries` ->
`{"log_entries", ...}` with `resolve_log_entry` items carrying `created_at` and `incident`,
errors as `{"error": {"message", "code"}}` (2006 authentication, 2010 access denied).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.connectors.standin import Answer, Request, StandIn

TOKEN = "pd-s3cr3t-read-only-key"
LIMITED = "pd-limited-key"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def incident(
    ident: str,
    created: str,
    *,
    service: tuple[str, str] = ("PSVC001", "Ledger"),
    urgency: str = "high",
    priority: str | None = None,
    resolved: str | None = None,
    with_resolved_at: bool = True,
) -> dict[str, Any]:
    """An `Incident` object as `GET /incidents` lists it."""
    body: dict[str, Any] = {
        "id": ident,
        "type": "incident",
        "summary": f"[#{ident}] Something broke",
        "self": f"https://api.pagerduty.com/incidents/{ident}",
        "html_url": f"https://acme.pagerduty.com/incidents/{ident}",
        "incident_number": abs(hash(ident)) % 100000,
        "title": "Something broke",
        "created_at": created,
        "status": "resolved" if resolved else "triggered",
        "incident_key": f"key-{ident}",
        "service": {
            "id": service[0],
            "type": "service_reference",
            "summary": service[1],
            "self": f"https://api.pagerduty.com/services/{service[0]}",
            "html_url": f"https://acme.pagerduty.com/service-directory/{service[0]}",
        },
        "assignments": [],
        "last_status_change_at": resolved or created,
        "urgency": urgency,
        "priority": (
            {
                "id": f"PRI{priority}",
                "type": "priority_reference",
                "summary": priority,
                "self": f"https://api.pagerduty.com/priorities/PRI{priority}",
            }
            if priority
            else None
        ),
    }
    if resolved and with_resolved_at:
        body["resolved_at"] = resolved
    return body


@dataclass
class PagerDuty:
    """The account's incidents (objects as listed), served by `install`."""

    incidents: list[Any] = field(default_factory=list)
    # Items without a readable `created_at` (or not objects) are listed only in the windows
    # holding this time (None: in every window).
    undated_in: str | None = None

    def resolve(self, ident: str, at: str) -> None:
        for item in self.incidents:
            if isinstance(item, dict) and item.get("id") == ident:
                item.update(status="resolved", last_status_change_at=at, resolved_at=at)

    def _log_entries(self) -> list[dict[str, Any]]:
        entries = []
        for item in self.incidents:
            if isinstance(item, dict) and item.get("status") == "resolved":
                entries.append(
                    {
                        "id": f"R{item['id']}",
                        "type": "resolve_log_entry",
                        "summary": "Resolved by Jane",
                        "created_at": item["last_status_change_at"],
                        "agent": {"id": "PUSER01", "type": "user_reference"},
                        "channel": {"type": "web_ui"},
                        "incident": item,
                    }
                )
        return entries

    def install(self, standin: StandIn) -> StandIn:
        def refused(request: Request) -> Answer | None:
            auth = request.headers.get("authorization", "")
            accept = request.headers.get("accept", "")
            if auth == f"Token token={LIMITED}":
                return Answer(403, {"error": {"message": "Access Denied", "code": 2010}})
            if auth != f"Token token={TOKEN}" or "version=2" not in accept:
                return Answer(401, {"error": {"message": "Authentication failed", "code": 2006}})
            return None

        def page(request: Request, key: str, items: list[Any]) -> Answer:
            limit = request.int_arg("limit", 25)
            offset = request.int_arg("offset", 0)
            chunk = items[offset : offset + limit]
            more = offset + limit < len(items)
            body = {key: chunk, "limit": limit, "offset": offset, "total": None, "more": more}
            return Answer(200, body)

        def within(request: Request, moment: object) -> bool:
            since, until = request.arg("since"), request.arg("until")
            try:
                at = _at(moment) if isinstance(moment, str) else None
            except ValueError:
                at = None
            if at is None:  # what PagerDuty would not store: listed, to test refusals
                if self.undated_in is None:
                    return True
                at = _at(self.undated_in)
            return (since is None or at >= _at(since)) and (until is None or at < _at(until))

        @standin.route("GET", "/incidents")
        def _incidents(request: Request) -> Answer:
            if (no := refused(request)) is not None:
                return no
            services = request.query.get("service_ids[]")
            urgencies = request.query.get("urgencies[]")
            found = [
                item
                for item in self.incidents
                if within(request, item.get("created_at") if isinstance(item, dict) else None)
                and (
                    not isinstance(item, dict)
                    or (
                        (not services or item["service"]["id"] in services)
                        and (not urgencies or item.get("urgency") in urgencies)
                    )
                )
            ]
            return page(request, "incidents", found)

        @standin.route("GET", "/incidents/(?P<ident>[^/]+)/log_entries")
        def _incident_entries(request: Request) -> Answer:
            if (no := refused(request)) is not None:
                return no
            entries = [
                {**e, "incident": {"id": e["incident"]["id"], "type": "incident_reference"}}
                for e in self._log_entries()
                if e["incident"]["id"] == request.params["ident"]
            ]
            return page(request, "log_entries", entries)

        @standin.route("GET", "/log_entries")
        def _entries(request: Request) -> Answer:
            if (no := refused(request)) is not None:
                return no
            included = "incidents" in (request.query.get("include[]") or [])
            entries = [
                e
                if included
                else {**e, "incident": {"id": e["incident"]["id"], "type": "incident_reference"}}
                for e in self._log_entries()
                if within(request, e["created_at"])
            ]
            return page(request, "log_entries", entries)

        @standin.route("GET", "/services/(?P<ident>[^/]+)")
        def _service(request: Request) -> Answer:
            if (no := refused(request)) is not None:
                return no
            ident = request.params["ident"]
            return Answer(200, {"service": {"id": ident, "type": "service", "name": "Ledger"}})

        return standin
