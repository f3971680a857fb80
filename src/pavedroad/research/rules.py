"""Stored rule sets (tickets, comments, friction): replace one in order, read one back.

One mechanism for all three: a rules file (`categorise.read_rules`) replaces a rule set whole,
and `categoriser` hands the stored set, compiled, to whoever themes texts with it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pavedroad.errors import InvalidInputError
from pavedroad.research.categorise import (
    Categoriser,
    Rule,
    compile_rules,
    read_rules,
    rule_problems,
    rules_yaml,
)
from pavedroad.research.models import CategoryRule
from pavedroad.research.schemas import Ruleset


def replace_rules(session: Session, *, ruleset: Ruleset, rules: Sequence[Rule]) -> list[Rule]:
    """Make `rules` the rule set, in this order; refuses the whole set if one rule is unusable."""
    if problems := rule_problems(rules):
        raise InvalidInputError(problems=problems)
    session.execute(delete(CategoryRule).where(CategoryRule.ruleset == ruleset))
    session.flush()
    for position, rule in enumerate(rules, start=1):
        session.add(
            CategoryRule(
                ruleset=ruleset,
                position=position,
                category=rule.category.strip(),
                keywords=list(rule.keywords),
                patterns=list(rule.patterns),
            )
        )
    session.flush()
    return rules_of(session, ruleset=ruleset)


def rules_of(session: Session, *, ruleset: Ruleset) -> list[Rule]:
    """The rule set in order (empty when none was imported)."""
    rows = session.scalars(
        select(CategoryRule).where(CategoryRule.ruleset == ruleset).order_by(CategoryRule.position)
    )
    return [
        Rule(category=r.category, keywords=tuple(r.keywords), patterns=tuple(r.patterns))
        for r in rows
    ]


def categoriser(session: Session, *, ruleset: Ruleset) -> Categoriser:
    """The stored rule set compiled, ready to categorise texts."""
    return compile_rules(rules_of(session, ruleset=ruleset))


def import_rules(session: Session, *, ruleset: Ruleset, text: str, source: str) -> list[Rule]:
    """Replace the rule set with a rules file's rules; any located problem writes nothing."""
    return replace_rules(session, ruleset=ruleset, rules=read_rules(text, source=source))


def export_rules(session: Session, *, ruleset: Ruleset) -> str:
    """The stored rule set as a rules file (YAML) that `import_rules` reads back."""
    return rules_yaml(rules_of(session, ruleset=ruleset))
