"""One rule mechanism for tickets, survey comments and shadowing friction points.

A rule set is an ordered list of categories, each with keywords (whole words or phrases,
case-insensitive) and Python regular expressions. The first rule that matches a text wins.
Pure: no database; `research.rules` stores rule sets and hands them here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pavedroad.errors import InputProblem

MAX_PATTERN_LENGTH = 500
MAX_RULES = 500


@dataclass(frozen=True)
class Rule:
    """One category with what makes a text belong to it."""

    category: str
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Categoriser:
    """A compiled rule set: `category_of(text)` gives the first matching category or None."""

    rules: tuple[Rule, ...]
    _compiled: tuple[tuple[str, re.Pattern[str]], ...] = field(repr=False, default=())

    def category_of(self, text: str) -> str | None:
        for category, pattern in self._compiled:
            if pattern.search(text):
                return category
        return None

    def count(self, texts: Iterable[str]) -> tuple[Counter[str], list[str]]:
        """Counts per category, and the texts no rule matched (in input order)."""
        counts: Counter[str] = Counter()
        unmatched: list[str] = []
        for text in texts:
            category = self.category_of(text)
            if category is None:
                unmatched.append(text)
            else:
                counts[category] += 1
        return counts, unmatched


def rule_problems(rules: Sequence[Rule]) -> list[InputProblem]:
    """Every reason these rules cannot be used, each with the rule's position as its entity."""
    problems: list[InputProblem] = []
    if len(rules) > MAX_RULES:
        problems.append(
            InputProblem(reason=f"at most {MAX_RULES} rules are allowed, got {len(rules)}")
        )
    for position, rule in enumerate(rules, start=1):
        entity = f"rule {position}"
        if not rule.category.strip():
            problems.append(InputProblem(reason="a rule needs a category", entity=entity))
        if not rule.keywords and not rule.patterns:
            problems.append(
                InputProblem(
                    reason="a rule needs keywords or patterns", entity=entity, field="keywords"
                )
            )
        for keyword in rule.keywords:
            if not keyword.strip():
                problems.append(
                    InputProblem(reason="empty keyword", entity=entity, field="keywords")
                )
        for pattern in rule.patterns:
            if len(pattern) > MAX_PATTERN_LENGTH:
                problems.append(
                    InputProblem(
                        reason=f"a pattern is at most {MAX_PATTERN_LENGTH} characters",
                        entity=entity,
                        field="patterns",
                    )
                )
                continue
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(
                    InputProblem(
                        reason=f"not a regular expression: {exc}",
                        entity=entity,
                        field="patterns",
                        value=pattern,
                    )
                )
    return problems


def compile_rules(rules: Sequence[Rule]) -> Categoriser:
    """Compile rules that `rule_problems` found usable (raises ValueError otherwise)."""
    if problems := rule_problems(rules):
        raise ValueError("; ".join(map(str, problems)))
    compiled: list[tuple[str, re.Pattern[str]]] = []
    for rule in rules:
        alternatives = [_keyword_pattern(k) for k in rule.keywords]
        alternatives += [f"(?:{p})" for p in rule.patterns]
        compiled.append((rule.category, re.compile("|".join(alternatives), re.IGNORECASE)))
    return Categoriser(rules=tuple(rules), _compiled=tuple(compiled))


def _keyword_pattern(keyword: str) -> str:
    words = [re.escape(word) for word in keyword.split()]
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"
