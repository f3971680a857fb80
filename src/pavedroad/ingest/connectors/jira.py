"""The Jira connector: the issues of a JQL query as tickets (or as incidents).

- Jira Cloud (`--jira-api cloud`, the default): REST v3 `POST /rest/api/3/search/jql` with
  `{"jql", "fields", "maxResults", "nextPageToken"}`, paged by `nextPageToken` until `isLast`
  (or no token). Auth `Basic base64(EMAIL:API_TOKEN)`: the token's environment variable holds
  `EMAIL:API_TOKEN`.
- Jira Data Center / Server (`--jira-api datacenter`): REST v2 `GET /rest/api/2/search?jql=
  &startAt=&maxResults=&fields=`, paged by `startAt`/`total`. Auth `Bearer PAT` (a personal
  access token).

One resource list, `issues`, read over a window of update times: the query sent is
`(JQL) AND updated >= "yyyy-MM-dd HH:mm" ORDER BY created ASC, key ASC`. Jira reads JQL dates
in the time zone of the token's user, which pavedroad does not know, so the bound is taken
`ZONE_MARGIN` (14 hours, the widest offset from UTC) early: an update is never missed, and an
issue read twice upserts to the same row. The query of a pass is kept in its cursor with the
page state, so an interrupted pass resumes on the same query.

Tickets are mapped as the webhook mapper maps `jira:issue_*` events (`webhooks/jira.py`: the
issue key as id, kind from the issue type, category from labels and components, opened =
`fields.created`, resolved = `fields.resolutiondate`); self-service also from the connection's
`--self-service-label` or `--self-service-field`. As incidents: the key as id, service from the
first component, severity from the priority, started = created, resolved = resolution date.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pavedroad.errors import InvalidInputError
from pavedroad.ingest.connectors.base import Batch, Pass, Provider, SyncContext
from pavedroad.ingest.connectors.http import ApiError, Page
from pavedroad.ingest.connectors.options import given
from pavedroad.ingest.rows import KEPT
from pavedroad.ingest.webhooks import jira as jira_webhook
from pavedroad.ingest.webhooks.payloads import (
    Malformed,
    Mapped,
    lookup,
    optional_text,
    timestamp_text,
)
from pavedroad.ingest.webhooks.rules import MappingRules

SCOPES = (
    "Browse projects on the projects the JQL reads (Cloud: an API token of a user with that "
    "permission, given as EMAIL:API_TOKEN; Data Center: a personal access token)"
)
ALLOWED = ("jql", "as", "api", "self_service_field", "self_service_label", "mapping")
APIS = ("cloud", "datacenter")
KINDS = ("tickets", "incidents")
PAGE_SIZE = 100
ZONE_MARGIN = timedelta(hours=14)
RESOURCE = "issues"
BASE_FIELDS = (
    "summary",
    "description",
    "issuetype",
    "labels",
    "components",
    "created",
    "updated",
    "resolutiondate",
    "priority",
)
_ORDER_BY = re.compile(r"\s+order\s+by\s+.*$", re.IGNORECASE | re.DOTALL)
_FIELD_ID = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_FALSE = frozenset({"", "no", "false", "0", "none", "n"})
MAX_JQL = 5000


def _options(raw: Mapping[str, Any]) -> dict[str, Any]:
    found = given(raw, "jira", ALLOWED)
    jql = found.get("jql")
    if not isinstance(jql, str) or not jql.strip():
        raise InvalidInputError.because(
            'a jira connection needs --jql, such as --jql "project = PLAT"', field="jql"
        )
    jql = _ORDER_BY.sub("", jql.strip())
    if not jql or len(jql) > MAX_JQL or not jql.replace("\n", " ").isprintable():
        raise InvalidInputError.because(
            f"expected a JQL query of at most {MAX_JQL} printable characters, without only an "
            "ORDER BY (pavedroad orders the issues itself)",
            field="jql",
        )
    options: dict[str, Any] = {"jql": jql}
    for key, choices, default in (("as", KINDS, "tickets"), ("api", APIS, "cloud")):
        value = str(found.get(key) or default).strip().lower()
        if value not in choices:
            flag = "--as" if key == "as" else "--jira-api"
            raise InvalidInputError.because(
                f"{value!r} is not a choice of {flag}; one of {', '.join(choices)}",
                field=flag.lstrip("-"),
            )
        options[key] = value
    field = found.get("self_service_field")
    if field is not None:
        if not isinstance(field, str) or not _FIELD_ID.match(field.strip()):
            raise InvalidInputError.because(
                "expected a Jira field id, such as customfield_10042", field="self-service-field"
            )
        options["self_service_field"] = field.strip()
    label = found.get("self_service_label")
    if label is not None:
        if not isinstance(label, str) or not label.strip() or len(label) > 255:
            raise InvalidInputError.because(
                "expected a label of at most 255 characters", field="self-service-label"
            )
        options["self_service_label"] = label.strip()
    if "mapping" in found:
        options["mapping"] = found["mapping"]
    return options


def _auth(token: str, options: Mapping[str, Any]) -> dict[str, str]:
    if not token:
        return {}
    if options.get("api", "cloud") == "datacenter":
        return {"Authorization": f"Bearer {token}"}
    email, colon, secret = token.partition(":")
    if not colon or "@" not in email or not secret:
        raise InvalidInputError.because(
            "a Jira Cloud token is given as EMAIL:API_TOKEN (the Atlassian account's email, a "
            "colon, then the API token) in the token's environment variable",
            field="token",
        )
    basic = base64.b64encode(f"{email}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {basic}"}


def _jql_moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def query(base: str, since: datetime, until: datetime | None) -> str:
    """The JQL of a pass: the connection's query, bounded by update time, in a stable order."""
    bounds = f'updated >= "{_jql_moment(since - ZONE_MARGIN)}"'
    if until is not None:
        bounds += f' AND updated <= "{_jql_moment(until + ZONE_MARGIN)}"'
    return f"({base}) AND {bounds} ORDER BY created ASC, key ASC"


def _fields(options: Mapping[str, Any]) -> list[str]:
    extra = options.get("self_service_field")
    return [*BASE_FIELDS, *([extra] if extra else [])]


def _issues(page: Page) -> list[Any]:
    body = page.body
    if not isinstance(body, dict) or not isinstance(body.get("issues"), list):
        raise ApiError(f"jira: {page.url.split('?')[0]} answered without an 'issues' list")
    return list(body["issues"])


def _pages(ctx: SyncContext, window: Pass) -> Iterator[tuple[list[Any], dict[str, Any]]]:
    """Each page's issues with the cursor to store after it."""
    options = ctx.connection.options
    state = window.state
    jql = state.get("jql") or query(options["jql"], window.since, ctx.until)
    fields = _fields(options)
    number = 1
    if options.get("api") == "datacenter":
        start = int(state.get("start_at") or 0)
        while True:
            ctx.on_progress(f"issues, page {number}")
            page = ctx.client.get(
                "rest/api/2/search",
                params={
                    "jql": jql,
                    "startAt": start,
                    "maxResults": PAGE_SIZE,
                    "fields": ",".join(fields),
                },
            )
            issues = _issues(page)
            start += len(issues)
            total = lookup(page.body, "total")
            if issues and isinstance(total, int) and start < total:
                yield issues, window.page({"jql": jql, "start_at": start})
                number += 1
                continue
            yield issues, window.finished()
            return
    token = state.get("token")
    while True:
        ctx.on_progress(f"issues, page {number}")
        body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": PAGE_SIZE}
        if token:
            body["nextPageToken"] = token
        page = ctx.client.request("POST", "rest/api/3/search/jql", json_body=body)
        issues = _issues(page)
        token = optional_text(page.body, "nextPageToken")
        if token and lookup(page.body, "isLast") is not True:
            yield issues, window.page({"jql": jql, "token": token})
            number += 1
            continue
        yield issues, window.finished()
        return


def _truthy(value: object) -> bool:
    """Whether a field's value marks self-service: true, a non-empty choice other than
    no/false, a non-zero number, a non-empty list."""
    if isinstance(value, dict):
        value = value.get("value", value.get("name"))
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE
    if isinstance(value, list):
        return any(_truthy(v) for v in value)
    return False


def _self_service(fields: Mapping[str, Any], options: Mapping[str, Any]) -> bool:
    label = str(options.get("self_service_label") or "").lower()
    labels = [str(x).strip().lower() for x in fields.get("labels") or [] if isinstance(x, str)]
    field = options.get("self_service_field")
    return bool(label and label in labels) or bool(field and _truthy(fields.get(field)))


def ticket_row(issue: object, rules: MappingRules, options: Mapping[str, Any]) -> Mapped:
    """An issue as the webhook mapper's ticket row; one it cannot map keeps what it has, for
    the row check to refuse with the reason."""
    try:
        [(kind, row)] = jira_webhook.map_event(jira_webhook.EVENTS[1], {"issue": issue}, rules)
    except Malformed:
        fields = lookup(issue, "fields")
        return (
            "tickets",
            {
                "id": optional_text(issue, "key"),
                "opened_at": timestamp_text(lookup(fields, "created")),
                "resolved_at": timestamp_text(lookup(fields, "resolutiondate")),
                "kind": rules.ticket_kind(optional_text(fields, "issuetype.name") or ""),
            },
        )
    fields = lookup(issue, "fields")
    if isinstance(fields, dict) and _self_service(fields, options):
        row["self_service"] = True
    return kind, row


def incident_row(issue: object, rules: MappingRules) -> Mapped:
    """An issue as an incident: started when created, resolved at its resolution date."""
    fields = lookup(issue, "fields")
    components = lookup(fields, "components")
    first = (
        optional_text(components[0], "name")
        if isinstance(components, list) and components
        else None
    )
    created = timestamp_text(lookup(fields, "created"))
    return (
        "incidents",
        {
            "id": optional_text(issue, "key"),
            "service": rules.service_for_pagerduty(first) if first else KEPT,
            "team": KEPT,
            "started_at": created,
            "resolved_at": timestamp_text(lookup(fields, "resolutiondate")),
            "severity": optional_text(fields, "priority.name") or KEPT,
            "caused_by_deployment_id": KEPT,
            "platform_caused": KEPT,
            "snapshot_at": timestamp_text(lookup(fields, "updated")) or created,
        },
    )


def _collect(ctx: SyncContext) -> Iterator[Batch]:
    options = ctx.connection.options
    as_incidents = options.get("as") == "incidents"
    for issues, cursor in _pages(ctx, ctx.window(RESOURCE)):
        rows = [
            incident_row(issue, ctx.rules)
            if as_incidents
            else ticket_row(issue, ctx.rules, options)
            for issue in issues
        ]
        yield Batch(RESOURCE, rows, cursor)


def _check(ctx: SyncContext) -> list[str]:
    options = ctx.connection.options
    jql = f"({options['jql']})"
    if options.get("api") == "datacenter":
        page = ctx.client.get("rest/api/2/search", params={"jql": jql, "maxResults": 1})
        found = lookup(page.body, "total")
    else:
        page = ctx.client.request(
            "POST", "rest/api/3/search/jql", json_body={"jql": jql, "maxResults": 1}
        )
        found = None
    issues = _issues(page)
    count = (
        f"{found:,} issues match"
        if isinstance(found, int)
        else "issues match"
        if issues
        else "no issue matches yet"
    )
    return [f"JQL {options['jql']!r} ({options.get('api')}): {count}, read as {options['as']}"]


PROVIDER = Provider(
    name="jira",
    default_url=None,
    scopes=SCOPES,
    options=_options,
    auth_headers=_auth,
    check=_check,
    collect=_collect,
)
