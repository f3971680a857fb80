"""Research pages: ticket categories, rules and the report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pavedroad.errors import InvalidInputError, PavedroadError
from pavedroad.metrics.windows import WINDOW_FORMS, Window, parse_window
from pavedroad.research import rules as rule_service
from pavedroad.research import tickets as service
from pavedroad.research.schemas import RULESETS, Ruleset
from pavedroad.web.charts import monthly_categories_chart
from pavedroad.web.deps import Browser, DbSession
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)
PAGE = "/research/tickets"
RULES_EXAMPLE = """- category: ci
  keywords: [ci, pipeline, flaky]
  patterns: ['build.*(slow|timed? ?out)']
- category: docs
  keywords: [docs, documentation, "can't find"]
"""


def _ruleset(text: str) -> Ruleset:
    for name in RULESETS:
        if text == name:
            return name  # type: ignore[return-value]
    return "tickets"


def _page(
    request: Request,
    session: Session,
    *,
    window: str = "",
    ruleset: Ruleset = "tickets",
    rules_text: str | None = None,
    errors: list[str] | None = None,
    rules_errors: list[str] | None = None,
    categorised: service.CategoriseResult | None = None,
    status: int = 200,
) -> HTMLResponse:
    errors = list(errors or [])
    chosen: Window = service.default_window()
    if window.strip():
        try:
            chosen = parse_window(window)
        except PavedroadError as exc:
            errors.append(f"{exc}. Use {WINDOW_FORMS}.")
            status = 422
    found = service.ticket_report(session, window=chosen)
    rules = rule_service.rules_of(session, ruleset=ruleset)
    chart = monthly_categories_chart(
        [(m, c.category, n) for c in found.categories for m, n in c.per_month.items()]
    )
    context: dict[str, Any] = {
        "report": found,
        "window": chosen,
        "asked": window,
        "window_forms": WINDOW_FORMS,
        "errors": errors,
        "chart": chart if found.categories else None,
        "ruleset": ruleset,
        "rulesets": RULESETS,
        "rules": rules,
        "rules_text": rules_text
        if rules_text is not None
        else (rule_service.export_rules(session, ruleset=ruleset) if rules else ""),
        "rules_example": RULES_EXAMPLE,
        "rules_errors": rules_errors or [],
        "categorised": categorised,
    }
    return render(request, "research/tickets.html", context, status_code=status)


@router.get(PAGE, response_class=HTMLResponse)
def tickets_page(
    request: Request,
    session: DbSession,
    _browser: Browser,
    window: Annotated[str, Query(max_length=40)] = "",
    ruleset: Annotated[str, Query(alias="for", max_length=20)] = "tickets",
) -> HTMLResponse:
    """Ticket categories with their share and months, the uncategorised examples, and the
    rules in order with an edit form and a "categorise now" button."""
    return _page(request, session, window=window, ruleset=_ruleset(ruleset))


@router.post(f"{PAGE}/rules", response_model=None)
def save_rules(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    text: Annotated[str, Form(max_length=2 * 2**20)] = "",
    ruleset: Annotated[str, Form(max_length=20)] = "tickets",
) -> Response:
    """Replace a rule set with the YAML typed; on problems the form keeps what was typed."""
    chosen = _ruleset(ruleset)
    try:
        rule_service.import_rules(session, ruleset=chosen, text=text, source="rules")
    except InvalidInputError as exc:
        session.rollback()
        # Each problem with its line in the text typed, its rule and field.
        errors = [str(p) for p in exc.problems[:50]]
        return _page(
            request, session, ruleset=chosen, rules_text=text, rules_errors=errors, status=422
        )
    return RedirectResponse(f"{PAGE}?for={chosen}#rules", status_code=303)


@router.post(f"{PAGE}/categorise", response_model=None)
def categorise_now(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    dry_run: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Apply the ticket rules to tickets with no category from their source."""

    def change() -> Response:
        result = service.categorise(session, dry_run=dry_run == "1")
        return _page(request, session, categorised=result)

    def refused(errors: list[str]) -> Response:
        return _page(request, session, errors=errors, status=422)

    return submit(session, change, refused)
