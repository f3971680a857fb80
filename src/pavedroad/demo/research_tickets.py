"""Demo research: six months of tickets analysed: the categorisation rules and their labels.

A third of the demo's tickets came in by mail, untriaged (`experience.tickets_for`). In
week 1 the new product manager read six months of them and wrote these rules, in the
vocabulary the helpdesk already uses, so the report puts both together: CI slowness (ci),
manual rollback and stuck deploys (deploy), documentation nobody finds (docs), and access
requests and "how do I" questions (access). Order matters: the first rule that matches wins.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pavedroad.demo.company import DemoCompany
from pavedroad.research import tickets
from pavedroad.research.categorise import Rule
from pavedroad.research.rules import replace_rules

TICKET_RULES: tuple[Rule, ...] = (
    # Access first: "needs access to the repository and CI" is an access request, not CI.
    Rule(
        "access", keywords=("access", "permission", "new joiner"), patterns=(r"\bwho approves\b",)
    ),
    # Rollback and deploys before CI: "the paved-road deploy pipeline" is about deploying.
    Rule(
        "deploy",
        keywords=("deploy", "deploys", "rollback", "pods", "stuck in 'pending'"),
        patterns=(r"\broll(ing|ed)? ?back\b", r"\b\d+-step runbook\b"),
    ),
    Rule(
        "ci",
        keywords=("ci", "pipeline", "build", "runners", "flaky", "test suite", "test splitting"),
        patterns=(r"\btook \d+ minutes\b", r"\btimed? ?out\b"),
    ),
    Rule(
        "docs",
        keywords=("docs", "documentation", "can't find", "changelog", "service template", "wiki"),
        patterns=(r"^(is there|does the platform support)\b",),
    ),
    Rule("databases", keywords=("database", "db", "snapshot", "connection limit")),
    Rule("secrets", keywords=("secret", "api key", "rotate")),
    Rule("observability", keywords=("dashboards", "alerting", "error rate", "metrics", "logs")),
)


def load_ticket_rules(session: Session, company: DemoCompany) -> None:
    """Six months of tickets analysed: the categorisation rules and their labels."""
    replace_rules(session, ruleset="tickets", rules=TICKET_RULES)
    tickets.categorise(session)
