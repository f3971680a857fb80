"""Support-ticket analysis: categorise tickets that have no category, and report categories.

A ticket's category is the one its source gave it, else the label the ticket rules gave it
(`TicketLabel`, written by `categorise`). Tickets are read through `ingest.service`; this
module names no ingest table.

Report maths (docs/research-tickets.md):
- `share` = the category's tickets / every ticket opened in the window (uncategorised too);
- `per_month` = tickets opened in each calendar month the window touches;
- `per_1k_customers` / `per_100_developers` = the category's monthly rate (count / window
  days x 30.4375) x 1000 / customers (x 100 / developers), from the org facts dated latest
  before the window ends, as the KPI engine's `tickets_per_1k_customers`;
- `trend` = the least-squares slope of the counts of the whole months in the window, in
  tickets per month per month (None with fewer than two whole months); `trend_direction` is
  `flat` when the slope is under 5% of the mean monthly count, else `rising` or `falling`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from pavedroad.errors import ConflictError
from pavedroad.ingest import service as ingest_service
from pavedroad.metrics.windows import Window, parse_window, today_utc, window_between
from pavedroad.research import rules as rule_service
from pavedroad.research.models import TicketLabel

EXAMPLES = 5
EXAMPLE_CHARS = 160
TOP = 3
FLAT_SHARE = 0.05
DAYS_PER_MONTH = 30.4375
DEFAULT_MONTHS = 6
_CHUNK = 500


class CategoryCount(BaseModel):
    """How many tickets one category holds."""

    category: str
    count: int


class Uncategorised(BaseModel):
    """The tickets no rule (and no source) categorised, with a few of their texts."""

    count: int
    examples: list[str] = Field(description=f"Up to {EXAMPLES} distinct texts, truncated")


class CategoriseResult(BaseModel):
    """What `tickets categorise` did (or, with `dry_run`, would do)."""

    dry_run: bool
    considered: int = Field(description="Tickets with no category from their source")
    categorised: int
    categories: list[CategoryCount]
    uncategorised: Uncategorised


class ReportWindow(BaseModel):
    """The report's window, half-open [start, end) in UTC."""

    label: str
    start: str
    end: str


class CategoryReport(BaseModel):
    """One category in a window."""

    category: str
    count: int
    share: float = Field(description="Of every ticket opened in the window, 0..1")
    per_month: dict[str, int] = Field(description="Tickets opened per calendar month")
    trend: float | None = Field(description="Slope of whole months' counts, tickets/month/month")
    trend_direction: Literal["rising", "falling", "flat"] | None
    per_1k_customers: float | None = Field(description="Monthly rate per 1,000 customers")
    per_100_developers: float | None = Field(description="Monthly rate per 100 developers")
    from_source: int = Field(description="Tickets whose source gave this category")
    from_rules: int = Field(description="Tickets the ticket rules gave this category")


class OrgFactsUsed(BaseModel):
    """The org facts the per-customer and per-developer rates divide by."""

    date: date
    customers: int | None
    developers: int | None


class TicketReport(BaseModel):
    """`pavedroad tickets report --json`."""

    window: ReportWindow
    total: int
    categories: list[CategoryReport]
    top: list[str] = Field(description=f"The {TOP} categories with the most tickets")
    uncategorised: Uncategorised
    org_facts: OrgFactsUsed | None


# --- categorising -----------------------------------------------------------------------------


def categorise(session: Session, *, dry_run: bool = False) -> CategoriseResult:
    """Apply the ticket rules to every ticket with no category from its source.

    Replaces every earlier label (a ticket no rule matches any more loses its label); with
    `dry_run` nothing is written. Refused (409) while there are no ticket rules."""
    rules = rule_service.rules_of(session, ruleset="tickets")
    if not rules:
        raise ConflictError(
            "there are no ticket rules yet; import some: pavedroad tickets rules import rules.yaml"
        )
    categoriser = rule_service.categoriser(session, ruleset="tickets")
    tickets = ingest_service.tickets_without_category(session=session)
    found = categoriser.categories_of([t.text for t in tickets])
    counts: Counter[str] = Counter(c for c in found if c is not None)
    missed = [t.text for t, c in zip(tickets, found, strict=True) if c is None]
    if not dry_run:
        session.execute(delete(TicketLabel))
        labels = [
            {"ticket_id": t.id, "category": c}
            for t, c in zip(tickets, found, strict=True)
            if c is not None
        ]
        for chunk in _chunks(labels):
            session.execute(insert(TicketLabel), chunk)
        session.flush()
    return CategoriseResult(
        dry_run=dry_run,
        considered=len(tickets),
        categorised=sum(counts.values()),
        categories=_ordered(counts),
        uncategorised=Uncategorised(count=len(missed), examples=examples_of(missed)),
    )


def labels_of(session: Session, *, ticket_ids: Sequence[str]) -> dict[str, str]:
    """The rules' label of each of these tickets that has one."""
    labels: dict[str, str] = {}
    for chunk in _chunks(list(ticket_ids)):
        rows = session.execute(
            select(TicketLabel.ticket_id, TicketLabel.category).where(
                TicketLabel.ticket_id.in_(chunk)
            )
        )
        labels.update({str(ticket_id): str(category) for ticket_id, category in rows})
    return labels


def examples_of(texts: Sequence[str]) -> list[str]:
    """A few distinct texts, in order, each cut to EXAMPLE_CHARS characters."""
    shown: list[str] = []
    for text in texts:
        short = " ".join(text.split())
        if len(short) > EXAMPLE_CHARS:
            short = short[: EXAMPLE_CHARS - 1].rstrip() + "…"
        if short and short not in shown:
            shown.append(short)
        if len(shown) == EXAMPLES:
            break
    return shown


# --- help given to other teams ----------------------------------------------------------------


def answers_to_other_teams(
    session: Session, *, teams_of: dict[str, str]
) -> dict[str, dict[str, int]]:
    """Per developer (email, as in `teams_of`: email -> their team slug), the tickets they
    answered per team other than their own; developers not in `teams_of` are left out."""
    found: dict[str, dict[str, int]] = {}
    for email, teams in ingest_service.answers_by_team(session=session).items():
        own = teams_of.get(email)
        if own is None:
            continue
        others = {team: n for team, n in teams.items() if team != own}
        if others:
            found[email] = others
    return found


# --- the report -------------------------------------------------------------------------------


def default_window(today: date | None = None) -> Window:
    """The six whole calendar months before the month holding `today` (UTC)."""
    day = today or today_utc()
    end = date(day.year, day.month, 1)
    start = _add_months(end, -DEFAULT_MONTHS)
    return window_between(start, end)


def ticket_report(session: Session, *, window: Window | None = None) -> TicketReport:
    """Per category in the window: count, share, per month, trend, rates; and the top ones."""
    window = window or default_window()
    tickets = ingest_service.tickets_between(session=session, start=window.start, end=window.end)
    labels = labels_of(session, ticket_ids=[t.id for t in tickets if t.category is None])
    months = list(_months(window))
    whole = [m for m, full in months if full]
    per_month: dict[str, Counter[str]] = {}
    counts: Counter[str] = Counter()
    from_source: Counter[str] = Counter()
    missed: list[str] = []
    for ticket in tickets:
        category = ticket.category or labels.get(ticket.id)
        if category is None:
            missed.append(ticket.text)
            continue
        counts[category] += 1
        if ticket.category:
            from_source[category] += 1
        per_month.setdefault(category, Counter())[f"{ticket.opened_at:%Y-%m}"] += 1
    facts = ingest_service.org_facts_before(session=session, end=window.end.date())
    monthly = DAYS_PER_MONTH / window.days
    total = len(tickets)
    categories = []
    for item in _ordered(counts):
        by_month = per_month[item.category]
        trend = _slope([by_month[m] for m in whole])
        mean = sum(by_month[m] for m in whole) / len(whole) if whole else 0.0
        rate = item.count * monthly
        categories.append(
            CategoryReport(
                category=item.category,
                count=item.count,
                share=round(item.count / total, 4),
                per_month={m: by_month[m] for m, _ in months},
                trend=None if trend is None else round(trend, 2),
                trend_direction=_direction(trend, mean),
                per_1k_customers=_per(rate, facts.customers if facts else None, 1000),
                per_100_developers=_per(rate, facts.developers if facts else None, 100),
                from_source=from_source[item.category],
                from_rules=item.count - from_source[item.category],
            )
        )
    return TicketReport(
        window=ReportWindow(label=window.label, **window.as_dict()),
        total=total,
        categories=categories,
        top=[c.category for c in categories[:TOP]],
        uncategorised=Uncategorised(count=len(missed), examples=examples_of(missed)),
        org_facts=OrgFactsUsed(
            date=facts.date, customers=facts.customers, developers=facts.developers
        )
        if facts
        else None,
    )


def report(session: Session, *, window: Window | str | None = None) -> dict[str, Any]:
    """`pavedroad tickets report --json` as plain JSON values (default: the last 6 months).

    `window` is a Window or its text (`2026-Q3`, `last-90d`, `START..END`: metrics.windows)."""
    chosen = parse_window(window) if isinstance(window, str) else window
    return ticket_report(session, window=chosen).model_dump(mode="json")


def _ordered(counts: Counter[str]) -> list[CategoryCount]:
    return [
        CategoryCount(category=c, count=n)
        for c, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def _per(rate: float, base: int | None, scale: int) -> float | None:
    if not base:
        return None
    return round(rate * scale / base, 3)


def _slope(values: Sequence[int]) -> float | None:
    """Least-squares slope of values at x = 0, 1, 2, ..."""
    n = len(values)
    if n < 2:
        return None
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    top = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    bottom = sum((x - mean_x) ** 2 for x in range(n))
    return top / bottom


def _direction(slope: float | None, mean: float) -> Literal["rising", "falling", "flat"] | None:
    if slope is None:
        return None
    if abs(slope) <= FLAT_SHARE * mean:
        return "flat"
    return "rising" if slope > 0 else "falling"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _months(window: Window) -> Iterator[tuple[str, bool]]:
    """Each calendar month the window touches, and whether the window holds all of it."""
    start, end = window.start.date(), window.end.date()
    month = date(start.year, start.month, 1)
    while month < end:
        following = _add_months(month, 1)
        yield f"{month:%Y-%m}", month >= start and following <= end
        month = following


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for at in range(0, len(items), _CHUNK):
        yield items[at : at + _CHUNK]
