"""One rule mechanism for tickets, survey comments and shadowing friction points.

A rule set is an ordered list of categories, each with keywords (whole words or phrases,
case-insensitive) and Python regular expressions. The first rule that matches a text wins.
Pure: no database; `research.rules` stores rule sets and hands them here.

Rules are written by users and texts come from imports, so matching is bounded three ways
(docs/research-tickets.md, "Patterns that cannot hang"):

1. a pattern is refused on import when its shape backtracks catastrophically: a repeat inside
   a repeat (`(a+)+`), alternatives inside a repeat (`(a|ab)*`), a back-reference, or more than
   `MAX_WIDE_REPEATS` open-ended repeats;
2. patterns see only the first `MAX_MATCH_CHARS` characters of a text, so what remains is at
   worst polynomial in a small number;
3. categorising many texts with patterns (`Categoriser.categories_of`) runs in a child process
   that is stopped after `MATCH_SECONDS`, naming the rule and the text it was on.
   Keyword-only rule sets are safe by construction and run in this process.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.yamlfile import YamlDocument, load_document

MAX_PATTERN_LENGTH = 500
MAX_KEYWORD_LENGTH = 200
MAX_RULES = 500
MAX_TERMS = 200
MAX_CATEGORY_LENGTH = 100
MAX_RULES_FILE_CHARS = 2 * 2**20
# Patterns see this much of each text (keywords too: one compiled pattern per rule).
MAX_MATCH_CHARS = 2000
MAX_WIDE_REPEATS = 3
# A repeat allowing more than this many repetitions counts as open-ended.
_WIDE = 10
MATCH_SECONDS = 10.0
RULE_FIELDS = ("category", "keywords", "patterns")

_sre: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT}
# Possessive repeats and atomic groups never backtrack into what they matched.
_SAFE = {getattr(_c, name) for name in ("POSSESSIVE_REPEAT", "ATOMIC_GROUP") if hasattr(_c, name)}


@dataclass(frozen=True)
class Rule:
    """One category with what makes a text belong to it."""

    category: str
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The rules file's form of this rule."""
        return {
            "category": self.category,
            "keywords": list(self.keywords),
            "patterns": list(self.patterns),
        }


@dataclass(frozen=True)
class Categoriser:
    """A compiled rule set: `category_of(text)` gives the first matching category or None."""

    rules: tuple[Rule, ...]
    _compiled: tuple[tuple[str, re.Pattern[str]], ...] = field(repr=False, default=())

    @property
    def has_patterns(self) -> bool:
        """Whether any rule has a regular expression (then bulk matching runs bounded)."""
        return any(rule.patterns for rule in self.rules)

    def category_of(self, text: str) -> str | None:
        """The first rule's category that matches the start of `text` (MAX_MATCH_CHARS)."""
        seen = text[:MAX_MATCH_CHARS]
        for category, pattern in self._compiled:
            if pattern.search(seen):
                return category
        return None

    def categories_of(
        self, texts: Sequence[str], *, seconds: float | None = None
    ) -> list[str | None]:
        """The category of each text, in order; with patterns, bounded by `seconds` in all
        (default MATCH_SECONDS).

        A rule set that does not finish in time is refused (InvalidInputError naming the rule
        and the text), so a hostile pattern stops a command or request instead of hanging it.
        """
        if not texts:
            return []
        if not self.has_patterns:
            return [self.category_of(text) for text in texts]
        limit = MATCH_SECONDS if seconds is None else seconds
        return _bounded(self.rules, [t[:MAX_MATCH_CHARS] for t in texts], limit)

    def count(self, texts: Iterable[str]) -> tuple[Counter[str], list[str]]:
        """Counts per category, and the texts no rule matched (in input order)."""
        listed = list(texts)
        counts: Counter[str] = Counter()
        unmatched: list[str] = []
        for text, category in zip(listed, self.categories_of(listed), strict=True):
            if category is None:
                unmatched.append(text)
            else:
                counts[category] += 1
        return counts, unmatched


# --- checking rules ---------------------------------------------------------------------------


def pattern_problem(pattern: str) -> str | None:
    """Why a pattern cannot be used (not a regular expression, or may backtrack), or None."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"a pattern is at most {MAX_PATTERN_LENGTH} characters"
    if not pattern.strip():
        return "empty pattern"
    try:
        re.compile(pattern)
        parsed = _sre.parse(pattern)
    except re.error as exc:
        return f"not a regular expression: {exc}"
    except (RecursionError, OverflowError):
        return "not a regular expression: nested too deeply"
    try:
        return _risk(parsed)
    except RecursionError:
        return "the pattern nests too deeply"


def _risk(parsed: Any) -> str | None:
    wide = 0

    def walk(items: Any, inside_repeat: bool) -> str | None:
        nonlocal wide
        for op, av in items:
            if op in (_c.GROUPREF, _c.GROUPREF_EXISTS):
                return "back-references are not allowed (they can take exponential time)"
            if op in _REPEATS:
                low, high, body = av
                varies = high > 1 and high - low > 0
                if varies and inside_repeat:
                    return (
                        "a repeat inside a repeat, such as (a+)+, can take exponential "
                        "time; repeat once, e.g. a+"
                    )
                if varies and (high > _WIDE or high == _c.MAXREPEAT):
                    wide += 1
                    if _has_branch(body):
                        return (
                            "alternatives inside a repeat, such as (a|ab)*, can take "
                            "exponential time; use a character class or separate patterns"
                        )
                if found := walk(body, inside_repeat or varies):
                    return found
            elif op in _SAFE:
                continue
            elif op == _c.SUBPATTERN:
                if found := walk(av[-1], inside_repeat):
                    return found
            elif op in (_c.ASSERT, _c.ASSERT_NOT):
                if found := walk(av[1], inside_repeat):
                    return found
            elif op == _c.BRANCH:
                for branch in av[1]:
                    if found := walk(branch, inside_repeat):
                        return found
        return None

    if found := walk(parsed, False):
        return found
    if wide > MAX_WIDE_REPEATS:
        return (
            f"at most {MAX_WIDE_REPEATS} open-ended repeats (*, +, {{n,}}) in one pattern, "
            f"got {wide}; split it into several patterns"
        )
    return None


def _has_branch(items: Any) -> bool:
    for op, av in items:
        if op == _c.BRANCH:
            return True
        if op == _c.SUBPATTERN and _has_branch(av[-1]):
            return True
    return False


def rule_problems(rules: Sequence[Rule]) -> list[InputProblem]:
    """Every reason these rules cannot be used, each with the rule's position as its entity."""
    problems: list[InputProblem] = []
    if len(rules) > MAX_RULES:
        problems.append(
            InputProblem(reason=f"at most {MAX_RULES} rules are allowed, got {len(rules)}")
        )
        return problems
    for position, rule in enumerate(rules, start=1):
        problems += [p.at(entity=f"rule {position}") for p in _one_rule_problems(rule)]
    return problems


def _one_rule_problems(rule: Rule) -> list[InputProblem]:
    problems: list[InputProblem] = []
    if not rule.category.strip():
        problems.append(InputProblem(reason="a rule needs a category", field="category"))
    elif len(rule.category.strip()) > MAX_CATEGORY_LENGTH:
        problems.append(
            InputProblem(
                reason=f"a category is at most {MAX_CATEGORY_LENGTH} characters", field="category"
            )
        )
    if not rule.keywords and not rule.patterns:
        problems.append(InputProblem(reason="a rule needs keywords or patterns", field="keywords"))
    for name, texts in (
        ("category", (rule.category,)),
        ("keywords", rule.keywords),
        ("patterns", rule.patterns),
    ):
        if any("\x00" in text for text in texts):
            problems.append(InputProblem(reason="contains a NUL character", field=name))
            return problems
    if len(rule.keywords) + len(rule.patterns) > MAX_TERMS:
        problems.append(
            InputProblem(
                reason=f"a rule has at most {MAX_TERMS} keywords and patterns", field="keywords"
            )
        )
        return problems
    for keyword in rule.keywords:
        if not keyword.strip():
            problems.append(InputProblem(reason="empty keyword", field="keywords"))
        elif len(keyword) > MAX_KEYWORD_LENGTH:
            problems.append(
                InputProblem(
                    reason=f"a keyword is at most {MAX_KEYWORD_LENGTH} characters",
                    field="keywords",
                )
            )
    for pattern in rule.patterns:
        if reason := pattern_problem(pattern):
            problems.append(InputProblem(reason=reason, field="patterns", value=pattern[:200]))
    return problems


def compile_rules(rules: Sequence[Rule]) -> Categoriser:
    """Compile rules that `rule_problems` found usable (raises ValueError otherwise)."""
    if problems := rule_problems(rules):
        raise ValueError("; ".join(map(str, problems)))
    compiled: list[tuple[str, re.Pattern[str]]] = []
    for rule in rules:
        compiled.append((rule.category.strip(), _compile_rule(rule)))
    return Categoriser(rules=tuple(rules), _compiled=tuple(compiled))


def _compile_rule(rule: Rule) -> re.Pattern[str]:
    alternatives = [_keyword_pattern(k) for k in rule.keywords]
    alternatives += [f"(?:{p})" for p in rule.patterns]
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _keyword_pattern(keyword: str) -> str:
    words = [re.escape(word) for word in keyword.split()]
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


# --- bounded matching in a child process ------------------------------------------------------


def _bounded(rules: Sequence[Rule], texts: list[str], seconds: float) -> list[str | None]:
    payload = json.dumps({"rules": [r.as_dict() for r in rules], "texts": texts})
    command = [sys.executable, "-c", "from pavedroad.research.categorise import _child; _child()"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    with subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as child:
        try:
            out, err = child.communicate(payload.encode(), timeout=seconds)
        except subprocess.TimeoutExpired:
            child.kill()
            out, err = child.communicate()
            raise _too_slow(rules, texts, err, seconds) from None
    if child.returncode != 0:
        raise RuntimeError(f"categorising failed: {err.decode(errors='replace')[-500:]}")
    indexes: list[int] = json.loads(out)
    return [None if i < 0 else rules[i].category.strip() for i in indexes]


def _too_slow(
    rules: Sequence[Rule], texts: list[str], err: bytes, seconds: float
) -> InvalidInputError:
    rule_at, text_at = 0, 0
    for line in reversed(err.decode(errors="replace").splitlines()):
        parts = line.split()
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            rule_at, text_at = int(parts[0]), int(parts[1])
            break
    shown = texts[text_at][:60] if text_at < len(texts) else ""
    rule = rules[rule_at] if rule_at < len(rules) else None
    reason = (
        f"matching took longer than {seconds:g} s on text {text_at + 1} ({shown!r}); "
        "a pattern backtracks too much: simplify it"
    )
    return InvalidInputError(
        [
            InputProblem(
                reason=reason,
                entity=f"rule {rule_at + 1}" + (f" ({rule.category})" if rule else ""),
                field="patterns",
            )
        ]
    )


def _child() -> None:  # pragma: no cover - runs in the child process
    """Read rules and texts as JSON on stdin, print each text's rule index (-1: none).

    Before trying a rule with patterns on a text, write `RULE TEXT` on stderr, so the parent
    can say where matching was when it stopped the child."""
    data = json.loads(sys.stdin.buffer.read())
    rules = [
        Rule(category=r["category"], keywords=tuple(r["keywords"]), patterns=tuple(r["patterns"]))
        for r in data["rules"]
    ]
    compiled = [(_compile_rule(rule), bool(rule.patterns)) for rule in rules]
    result: list[int] = []
    for text_at, text in enumerate(data["texts"]):
        found = -1
        for rule_at, (pattern, risky) in enumerate(compiled):
            if risky:
                os.write(2, f"{rule_at} {text_at}\n".encode())
            if pattern.search(text):
                found = rule_at
                break
        result.append(found)
    sys.stdout.write(json.dumps(result))


# --- the rules file -----------------------------------------------------------------------


def read_rules(text: str, *, source: str) -> list[Rule]:
    """The rules of a rules file (YAML, or JSON), each problem with its line, field and reason.

    The file is a list of `{category, keywords: [...], patterns: [...]}` in order (or a
    mapping with one key `rules` holding it). Any problem refuses the whole file."""
    if len(text) > MAX_RULES_FILE_CHARS:
        raise InvalidInputError.because(
            f"a rules file is at most {MAX_RULES_FILE_CHARS // 2**20} MB",
            source=source,
            unusable=True,
        )
    document = load_document(text, source=source)
    data: Any = document.value
    where: tuple[str | int, ...] = ()
    if isinstance(data, dict) and set(data) == {"rules"}:
        data, where = data["rules"], ("rules",)
    if data is None:
        return []
    if not isinstance(data, list):
        raise InvalidInputError.because(
            "expected a list of rules: - category: ..., keywords: [...], patterns: [...]",
            source=source,
            line=document.line_of(where) or 1,
            unusable=True,
        )
    if _has_surrogates(data):
        raise InvalidInputError.because(
            "holds text that is not valid Unicode (a lone surrogate, e.g. from a \\ud800 escape)",
            source=source,
            unusable=True,
        )
    if len(data) > MAX_RULES:
        raise InvalidInputError.because(
            f"at most {MAX_RULES} rules are allowed, got {len(data)}", source=source, unusable=True
        )
    rules: list[Rule] = []
    problems: list[InputProblem] = []
    for index, item in enumerate(data):
        path = (*where, index)
        rule, found = _read_rule(item, path, document)
        problems += [
            p.at(source=source, line=document.line_of(path), entity=f"rule {index + 1}")
            for p in found
        ]
        if rule is not None:
            rules.append(rule)
    if problems:
        raise InvalidInputError(problems)
    return rules


_SURROGATES = re.compile("[\ud800-\udfff]")


def _has_surrogates(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATES.search(value) is not None
    if isinstance(value, dict):
        return any(_has_surrogates(k) or _has_surrogates(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogates(v) for v in value)
    return False


def _read_rule(
    item: Any, path: tuple[str | int, ...], document: YamlDocument
) -> tuple[Rule | None, list[InputProblem]]:
    if not isinstance(item, dict):
        return None, [InputProblem(reason="expected a mapping with category, keywords, patterns")]
    problems: list[InputProblem] = []
    unknown = [k for k in item if k not in RULE_FIELDS]
    for key in unknown:
        problems.append(
            InputProblem(
                reason=f"unknown field; fields are {', '.join(RULE_FIELDS)}",
                field=key[:40],
                line=document.line_of((*path, key)),
            )
        )
    category = item.get("category")
    if category is None or (isinstance(category, str) and not category.strip()):
        problems.append(InputProblem(reason="is required but missing", field="category"))
        category = ""
    elif not isinstance(category, str | int | float) or isinstance(category, bool):
        problems.append(
            InputProblem(
                reason="expected a name",
                field="category",
                line=document.line_of((*path, "category")),
            )
        )
        category = ""
    terms: dict[str, tuple[str, ...]] = {}
    for name in ("keywords", "patterns"):
        value = item.get(name, [])
        if value is None:
            value = []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in value
        ):
            problems.append(
                InputProblem(
                    reason="expected a list of texts",
                    field=name,
                    line=document.line_of((*path, name)),
                )
            )
            value = []
        terms[name] = tuple(str(v) for v in value)
    rule = Rule(category=str(category).strip(), **terms)
    if problems:
        return None, problems
    for problem in _one_rule_problems(rule):
        line = document.line_of((*path, problem.field or ""))
        if problem.field == "patterns" and problem.value is not None:
            for index, pattern in enumerate(rule.patterns):
                if pattern.startswith(problem.value):
                    line = document.line_of((*path, "patterns", index))
                    break
        problems.append(problem.at(line=line))
    return (None if problems else rule), problems


def rules_yaml(rules: Sequence[Rule]) -> str:
    """The rules as a rules file (YAML) that `read_rules` reads back to the same rules."""
    if not rules:
        return "[]\n"
    return yaml.safe_dump(
        [r.as_dict() for r in rules],
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=None,
    )
