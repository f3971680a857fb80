"""Research API: ticket rules, categorising and the ticket report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.metrics.windows import WINDOW_FORMS, parse_window
from pavedroad.research import rules as rule_service
from pavedroad.research import tickets as service
from pavedroad.research.categorise import MAX_RULES_FILE_CHARS, Rule
from pavedroad.research.schemas import Ruleset
from pavedroad.web.deps import DbSession, ReadGrant, WriteGrant

router = APIRouter(prefix="/api/v1/research", tags=["research"])

RulesetQuery = Annotated[
    Ruleset,
    Query(alias="for", description="Which rule set: tickets, comments or friction."),
]
RULES_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            "The rules file: a list of `{category, keywords: [...], patterns: [...]}` in order, "
            "as YAML text or a JSON list."
        ),
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "category": {"type": "string"},
                            "keywords": {"type": "array", "items": {"type": "string"}},
                            "patterns": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                }
            },
        },
    }
}


class RuleOut(BaseModel):
    """One rule: its category and what makes a text belong to it."""

    category: str
    keywords: list[str]
    patterns: list[str]


class RulesOut(BaseModel):
    """A rule set in order: the first rule that matches a text wins."""

    ruleset: Ruleset
    rules: list[RuleOut]


def _out(ruleset: Ruleset, rules: list[Rule]) -> RulesOut:
    return RulesOut(
        ruleset=ruleset,
        rules=[
            RuleOut(category=r.category, keywords=list(r.keywords), patterns=list(r.patterns))
            for r in rules
        ],
    )


@router.get("/ticket-rules", response_model=RulesOut)
def get_rules(session: DbSession, _grant: ReadGrant, ruleset: RulesetQuery = "tickets") -> RulesOut:
    """A rule set (`for`: tickets, comments or friction) in order."""
    return _out(ruleset, rule_service.rules_of(session, ruleset=ruleset))


@router.put("/ticket-rules", response_model=RulesOut, openapi_extra=RULES_BODY)
async def put_rules(
    request: Request, session: DbSession, _grant: WriteGrant, ruleset: RulesetQuery = "tickets"
) -> RulesOut:
    """Replace a rule set with a rules file (YAML text or a JSON list). Any problem (422, with
    the line and field of each) stores nothing."""
    raw = await request.body()
    if len(raw) > MAX_RULES_FILE_CHARS:
        raise InvalidInputError(
            [InputProblem(source="request body", reason="body is larger than 2 MB")]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError(
            [InputProblem(source="request body", reason="body is not valid UTF-8")]
        ) from None
    rules = rule_service.import_rules(session, ruleset=ruleset, text=text, source="request body")
    return _out(ruleset, rules)


@router.post("/tickets/categorise", response_model=service.CategoriseResult)
def post_categorise(
    session: DbSession,
    _grant: WriteGrant,
    dry_run: Annotated[
        bool, Query(description="Show what the rules would do; write nothing.")
    ] = False,
) -> service.CategoriseResult:
    """Apply the ticket rules to tickets with no category from their source (replacing earlier
    labels): counts per category and the uncategorised ones with examples. 409 without rules."""
    return service.categorise(session, dry_run=dry_run)


@router.get("/tickets/report", response_model=service.TicketReport)
def get_report(
    session: DbSession,
    _grant: ReadGrant,
    window: Annotated[
        str | None,
        Query(max_length=40, description=f"{WINDOW_FORMS}. Default: the last 6 whole months."),
    ] = None,
) -> service.TicketReport:
    """Per ticket category: count, share, per month, trend, per 1K customers and per 100
    developers, the top categories, and the uncategorised tickets with examples."""
    chosen = parse_window(window) if window else service.default_window()
    return service.ticket_report(session, window=chosen)
