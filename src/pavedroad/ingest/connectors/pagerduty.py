"""The PagerDuty connector (REST API v2): incidents with their urgency, priority, service and
resolution time.

Two resource lists, each with its own cursor:
- `incidents`: `GET /incidents?since=&until=&limit=100&offset=N&total=false`, paged by
  `offset`/`more`. PagerDuty's `since`/`until` select incidents by creation time, and it refuses
  an offset past 10,000, so a window is read in slices of 30 days (a short incremental window is
  one slice, one request when nothing is new). `service_ids[]` and `urgencies[]` filter on the
  server; a priority filter is applied here, on `priority.summary` (or `name`).
- `resolutions`: an incident opened before the last sync and resolved after it is not in the
  next `incidents` window, so incremental syncs also read
  `GET /log_entries?since=&until=&is_overview=true&include[]=incidents` and take each
  `resolve_log_entry` with its incident. The first time, it starts where the incidents
  backfill's pass started (less the overlap): what was resolved after its page was read.

The resolution time is the incident's `resolved_at` when the answer carries it, else the
`created_at` of its `resolve_log_entry` (`GET /incidents/{id}/log_entries?is_overview=true`).
Rows have the webhook mapper's ids (`PD-<incident id>`), severity (priority, else urgency) and
service mapping (`MappingRules.service_for_pagerduty`), so a webhook delivery and a sync of one
incident upsert one row; `snapshot_at` is the incident's `last_status_change_at`.

By default only `high` urgency incidents are read (see `DEFAULT_URGENCIES`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pavedroad.errors import InvalidInputError
from pavedroad.ingest.connectors.base import OVERLAP, Batch, Pass, Provider, SyncContext
from pavedroad.ingest.connectors.http import ApiError, Page
from pavedroad.ingest.connectors.options import given, text_list
from pavedroad.ingest.rows import KEPT
from pavedroad.ingest.webhooks.payloads import Mapped, lookup, optional_text, timestamp_text
from pavedroad.ingest.webhooks.rules import MappingRules

DEFAULT_URL = "https://api.pagerduty.com"
SCOPES = (
    "a read-only REST API key (Integrations > API Access Keys) or a user token of a user who "
    "can see the incidents, log entries and services read"
)
ACCEPT = "application/vnd.pagerduty+json;version=2"
ALLOWED = ("services", "urgencies", "priorities", "mapping")
URGENCIES = ("high", "low")
# Without --urgency or --priority only high-urgency incidents are read: low-urgency ones are,
# by PagerDuty's own definition, not worth waking anyone for, and counting every one of them as
# a failure inflated change failure rates (Apache DevLake #8367).
DEFAULT_URGENCIES = ("high",)
PAGE_SIZE = 100
# PagerDuty answers at most this far into one query (offset + limit).
MAX_OFFSET = 10_000
SLICE = timedelta(days=30)
INCIDENTS = "incidents"
RESOLUTIONS = "resolutions"
RESOLVE_ENTRY = "resolve_log_entry"
MAX_SHOWN = 200


def _options(raw: Mapping[str, Any]) -> dict[str, Any]:
    found = given(raw, "pagerduty", ALLOWED)
    options: dict[str, Any] = {}
    if "mapping" in found:
        options["mapping"] = found["mapping"]
    if "services" in found:
        options["services"] = text_list(found["services"], "services")
    urgencies = [u.lower() for u in text_list(found.get("urgencies", []), "urgencies")]
    bad = [u for u in urgencies if u not in URGENCIES]
    if bad:
        raise InvalidInputError.because(
            f"{bad[0]!r} is not a PagerDuty urgency; one of {', '.join(URGENCIES)}",
            field="urgency",
        )
    priorities = text_list(found.get("priorities", []), "priorities")
    if priorities:
        options["priorities"] = priorities
    if urgencies or not priorities:
        options["urgencies"] = urgencies or list(DEFAULT_URGENCIES)
    return options


def _auth(token: str, _options: Mapping[str, Any]) -> dict[str, str]:
    headers = {"Accept": ACCEPT}
    if token:
        headers["Authorization"] = f"Token token={token}"
    return headers


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: object) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) and text else None


def _slices(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """`start`..`end` in slices of at most 30 days (one slice when shorter)."""
    found: list[tuple[datetime, datetime]] = []
    while start < end:
        found.append((start, min(start + SLICE, end)))
        start = found[-1][1]
    return found or [(start, end)]


def _list(page: Page, key: str) -> tuple[list[Any], bool]:
    """The items of a list answer and whether `more` follow, or ApiError naming what is odd."""
    body = page.body
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise ApiError(f"pagerduty: {page.url.split('?')[0]} answered without a {key!r} list")
    return body[key], bool(body.get("more"))


def _priority(incident: Mapping[str, Any]) -> str | None:
    return optional_text(incident, "priority.summary") or optional_text(incident, "priority.name")


def _wanted(incident: object, options: Mapping[str, Any]) -> bool:
    """Whether an incident passes the configured filter (an item that is not an object passes,
    to be refused with its reason)."""
    if not isinstance(incident, dict):
        return True
    services = options.get("services")
    if services and optional_text(incident, "service.id") not in services:
        return False
    urgencies = options.get("urgencies")
    if urgencies and optional_text(incident, "urgency") not in urgencies:
        return False
    priorities = {p.lower() for p in options.get("priorities") or []}
    return not priorities or (_priority(incident) or "").lower() in priorities


def incident_row(incident: object, rules: MappingRules, resolved_at: object) -> Mapped:
    """An incident object as the webhook mapper's row; what is missing or wrong is left for the
    row check to refuse with its reason."""
    if not isinstance(incident, dict):
        shown = str(incident)[:MAX_SHOWN]
        return ("incidents", {"id": None, "started_at": None, "severity": shown})
    ident = optional_text(incident, "id")
    service = optional_text(incident, "service.summary")
    resolved = optional_text(incident, "status") == "resolved"
    created = timestamp_text(lookup(incident, "created_at"))
    return (
        "incidents",
        {
            "id": f"PD-{ident}" if ident else None,
            "service": rules.service_for_pagerduty(service) if service else KEPT,
            "team": KEPT,
            "started_at": created,
            "resolved_at": resolved_at if resolved else None,
            "severity": _priority(incident) or optional_text(incident, "urgency") or KEPT,
            "caused_by_deployment_id": KEPT,
            "platform_caused": KEPT,
            "snapshot_at": timestamp_text(lookup(incident, "last_status_change_at")) or created,
        },
    )


def _resolved_at(ctx: SyncContext, incident: object) -> object:
    """When a resolved incident was resolved: `resolved_at`, else its resolve log entry."""
    if not isinstance(incident, dict) or incident.get("status") != "resolved":
        return None
    if incident.get("resolved_at"):
        return timestamp_text(incident["resolved_at"])
    ident = optional_text(incident, "id")
    if not ident or not ident.isalnum():
        return None
    page = ctx.client.get(
        f"incidents/{ident}/log_entries", params={"is_overview": "true", "limit": PAGE_SIZE}
    )
    entries, _more = _list(page, "log_entries")
    times = [
        str(e["created_at"])
        for e in entries
        if isinstance(e, dict) and e.get("type") == RESOLVE_ENTRY and e.get("created_at")
    ]
    # The latest: an incident reopened and resolved again was resolved at the last one.
    return timestamp_text(max(times)) if times else lookup(incident, "last_status_change_at")


def _filters(options: Mapping[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if options.get("services"):
        params["service_ids[]"] = list(options["services"])
    if options.get("urgencies"):
        params["urgencies[]"] = list(options["urgencies"])
    return params


def _read(
    ctx: SyncContext, window: Pass, path: str, key: str, params: Mapping[str, Any]
) -> Iterator[tuple[list[Any], dict[str, Any] | None]]:
    """The items of each page of a list over the pass's window, in 30-day slices, with the
    cursor to store after it (the pass's end after the last page)."""
    state = window.state
    start = _parse(state.get("from")) or window.since
    offset = int(state.get("offset") or 0)
    slices = _slices(start, window.until)
    for number, (since, until) in enumerate(slices):
        while True:
            ctx.on_progress(f"{key} from {since:%Y-%m-%d}, offset {offset}")
            page = ctx.client.get(
                path,
                params={
                    **params,
                    "since": _iso(since),
                    "until": _iso(until),
                    "limit": PAGE_SIZE,
                    "offset": offset,
                    "total": "false",
                },
            )
            items, more = _list(page, key)
            offset += len(items)
            if more and items:
                if offset + PAGE_SIZE > MAX_OFFSET:
                    raise ApiError(
                        f"pagerduty: more than {MAX_OFFSET:,} {key} in the 30 days from "
                        f"{since:%Y-%m-%d}, past what PagerDuty pages through; narrow the "
                        "connection with --service or --urgency"
                    )
                yield items, window.page({"from": since.isoformat(), "offset": offset})
                continue
            offset = 0
            if number == len(slices) - 1:
                yield items, window.finished()
            else:
                yield items, window.page({"from": until.isoformat(), "offset": 0})
            break


def _incidents(ctx: SyncContext) -> Iterator[Batch]:
    options = ctx.connection.options
    window = ctx.window(INCIDENTS)
    for items, cursor in _read(ctx, window, "incidents", "incidents", _filters(options)):
        rows = [
            incident_row(item, ctx.rules, _resolved_at(ctx, item))
            for item in items
            if _wanted(item, options)
        ]
        yield Batch(INCIDENTS, rows, cursor)


def _resolutions(ctx: SyncContext) -> Iterator[Batch]:
    options = ctx.connection.options
    window = ctx.window(RESOLUTIONS)
    if window.synced_until is None and not window.resumed:
        # The first time: the incidents backfill read every resolution up to the start of its
        # pass; what was resolved since (perhaps after its page was read, perhaps in an
        # earlier, interrupted sync) is read from there.
        backfill = ctx.window(INCIDENTS)
        window = Pass(RESOLUTIONS, backfill.until - OVERLAP, ctx.now, {}, None)
    params = {"is_overview": "true", "include[]": ["incidents"]}
    for items, cursor in _read(ctx, window, "log_entries", "log_entries", params):
        rows = [
            incident_row(entry["incident"], ctx.rules, timestamp_text(entry.get("created_at")))
            for entry in items
            if isinstance(entry, dict)
            and entry.get("type") == RESOLVE_ENTRY
            and isinstance(entry.get("incident"), dict)
            and entry["incident"].get("status") == "resolved"
            and _wanted(entry["incident"], options)
        ]
        yield Batch(RESOLUTIONS, rows, cursor)


def _collect(ctx: SyncContext) -> Iterator[Batch]:
    yield from _incidents(ctx)
    yield from _resolutions(ctx)


def _check(ctx: SyncContext) -> list[str]:
    options = ctx.connection.options
    notes = []
    for service in options.get("services") or []:
        page = ctx.client.get(f"services/{service}")
        name = optional_text(page.body, "service.name") or service
        notes.append(f"service {service}: {name}")
    page = ctx.client.get("incidents", params={**_filters(options), "limit": 1, "total": "false"})
    _list(page, "incidents")
    page = ctx.client.get("log_entries", params={"limit": 1, "is_overview": "true"})
    _list(page, "log_entries")
    shown = ", ".join(
        f"{key} {'/'.join(options[key])}" for key in ("urgencies", "priorities") if key in options
    )
    notes.append(f"incidents and log entries: readable (filter: {shown or 'none'})")
    return notes


PROVIDER = Provider(
    name="pagerduty",
    default_url=DEFAULT_URL,
    scopes=SCOPES,
    options=_options,
    auth_headers=_auth,
    check=_check,
    collect=_collect,
)
