"""One door per domain: no module reaches into another domain's tables.

Every module under `src/pavedroad/` is read with `ast`. A module of a domain (a folder with a
`models.py`, or `demo/`) may import only its own domain's `models` at run time, and name only
its own tables in SQL; other domains are reached through their service functions. `cli/`,
`web/` and the top-level modules translate input and output, so they import no domain's
`models` at run time at all. Imports under `if TYPE_CHECKING:` are type hints and allowed.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Table

import pavedroad
from pavedroad.db import Base
from pavedroad.schema import load_models

PACKAGE = Path(pavedroad.__file__).parent

# Module (or folder, ending in "/") -> why it may cross the boundaries. Keep this short.
ALLOWED: dict[str, str] = {
    "metrics/expressions.py": "the metrics engine reads every table through its expression "
    "layer and never writes",
    "metrics/engine.py": "the metrics engine copies and queries every table it reads, read-only",
    "metrics/feeder.py": "the metrics engine's copier reads whole tables, read-only",
    "schema.py": "loads every domain's models so Base.metadata knows all tables",
    "migrations/": "each migration changes the whole schema as it stood at its revision",
}

# Folders that are domains without tables of their own; everything they write goes through
# the owning domain's services.
DOMAINS_WITHOUT_MODELS = frozenset({"demo", "coach"})

_SQL_NAMING = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+[\"`]?([A-Za-z_][A-Za-z0-9_]*)")
_SQL_CALLS = frozenset({"text", "exec_driver_sql"})


@dataclass(frozen=True)
class Violation:
    """A module that crosses a domain boundary, where, and how."""

    module: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.reason}"


def domains() -> set[str]:
    """Folders of the package that are domains: each one with a `models.py`, and the demo."""
    with_models = {p.parent.name for p in PACKAGE.glob("*/models.py")}
    return with_models | DOMAINS_WITHOUT_MODELS


def table_owners() -> dict[str, str]:
    """Every table of `Base.metadata` -> the domain whose `models.py` defines it."""
    load_models()
    owners: dict[str, str] = {}
    for mapper in Base.registry.mappers:
        module = mapper.class_.__module__
        if module.startswith("pavedroad.") and module.endswith(".models"):
            owners[mapper.local_table.name] = module.split(".")[1]  # type: ignore[union-attr]
    for name, module in sys.modules.items():
        if name.startswith("pavedroad.") and name.endswith(".models") and module is not None:
            for value in vars(module).values():
                if isinstance(value, Table) and value.name not in owners:
                    owners[value.name] = name.split(".")[1]
    return owners


def _owner_of(module: str) -> str | None:
    """The folder a dotted module name lives in (`pavedroad.backlog.problems` -> backlog)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "pavedroad" else None


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")[: -node.level]
    return ".".join([*base, *([node.module] if node.module else [])])


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> list[tuple[ast.Import | ast.ImportFrom, str | None]]:
    """Import statements that run when the module (or one of its functions) runs."""
    found: list[tuple[ast.Import | ast.ImportFrom, str | None]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append((node, None))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _models_imported(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The domains whose `models` module this import statement loads."""
    loaded: list[str] = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        source = _resolve(module, node)
        names = [source] + [f"{source}.{alias.name}" for alias in node.names]
    for name in names:
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "pavedroad" and parts[2] == "models":
            loaded.append(parts[1])
    return sorted(set(loaded))


def _string_of(node: ast.expr) -> str | None:
    """The text of a string literal, an f-string (holes as `?`) or a concatenation of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "?"
            for v in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string_of(node.left), _string_of(node.right)
        if left is not None and right is not None:
            return left + right
    return None


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            ids.add(id(body[0].value))
    return ids


def _tables_named(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, table) for every table a string of SQL names: anything passed to `text(...)` or
    `exec_driver_sql(...)`, and any other string with FROM/JOIN/INTO/UPDATE <name>."""
    named: list[tuple[int, str]] = []
    in_calls: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called in _SQL_CALLS:
                text = _string_of(node.args[0])
                if text is not None:
                    in_calls.update(id(n) for n in ast.walk(node.args[0]))
                    named += [(node.lineno, w) for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)]
    skip = _docstrings(tree) | in_calls
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.Constant | ast.JoinedStr):
            continue
        text = _string_of(node)
        if text is not None:
            named += [(node.lineno, t) for t in _SQL_NAMING.findall(text)]
    return named


def check(source: str, module: str, owners: dict[str, str]) -> list[Violation]:
    """The boundary violations of one module's source (`module` is its dotted name)."""
    tree = ast.parse(source)
    home = _owner_of(module)
    is_domain = home in domains()
    found: list[Violation] = []
    for node, _ in _runtime_imports(tree):
        for domain in _models_imported(module, node):
            if domain == home and is_domain:
                continue
            found.append(
                Violation(
                    module,
                    node.lineno,
                    f"imports pavedroad.{domain}.models at run time; call a service of "
                    f"{domain} (or import it under `if TYPE_CHECKING:` for type hints)",
                )
            )
    for line, table in _tables_named(tree):
        owner = owners.get(table)
        if owner is not None and owner != home:
            found.append(
                Violation(
                    module,
                    line,
                    f"names {owner}'s table {table!r} in SQL; call a service of {owner}",
                )
            )
    return sorted(set(found), key=lambda v: (v.line, v.reason))


def _allowed(relative: str) -> bool:
    return any(
        relative == key or (key.endswith("/") and relative.startswith(key)) for key in ALLOWED
    )


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_violations() -> list[Violation]:
    """The violations of every module of the package outside the allowed list."""
    owners = table_owners()
    found: list[Violation] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if _allowed(relative):
            continue
        found += check(path.read_text(encoding="utf-8"), _module_name(path), owners)
    return found


def test_no_module_reaches_into_another_domains_tables() -> None:
    violations = all_violations()
    assert not violations, "\n".join(str(v) for v in violations)


def test_every_allowed_entry_names_a_module_that_exists() -> None:
    for key in ALLOWED:
        assert (PACKAGE / key).exists(), f"{key} is allowed but does not exist"


def test_tables_are_owned_by_the_domain_whose_models_define_them() -> None:
    owners = table_owners()
    assert owners["teams"] == "catalog"
    assert owners["initiatives"] == "backlog"
    assert owners["problem_teams"] == "backlog"  # an association table, not a mapped class
    assert owners["tickets"] == "ingest"
    assert "data_versions" not in owners  # pavedroad.versions is shared, no domain's door


OWNERS = {"teams": "catalog", "initiatives": "backlog", "tickets": "ingest"}


def test_a_runtime_import_of_another_domains_models_is_caught() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from pavedroad.catalog.models import Persona\n"
        "from pavedroad.backlog.models import Initiative\n"
        "from pavedroad.catalog.models import Team\n"
        "def f():\n"
        "    from pavedroad.catalog import models\n"
        "    import pavedroad.ingest.models\n"
    )
    found = check(source, "pavedroad.backlog.problems", OWNERS)
    assert [(v.line, v.reason.split(" at ")[0]) for v in found] == [
        (5, "imports pavedroad.catalog.models"),
        (7, "imports pavedroad.catalog.models"),
        (8, "imports pavedroad.ingest.models"),
    ]


def test_interfaces_and_the_demo_import_no_models_at_run_time() -> None:
    source = "from pavedroad.backlog.models import Initiative\n"
    for module in ("pavedroad.web.pages.backlog", "pavedroad.cli.backlog", "pavedroad.demo.x"):
        found = check(source, module, OWNERS)
        assert [v.line for v in found] == [1], module
    assert check(source, "pavedroad.backlog.service", OWNERS) == []


def test_another_domains_table_in_sql_is_caught() -> None:
    source = (
        '"""Reads FROM teams in prose: a docstring is not SQL."""\n'
        "from sqlalchemy import text\n"
        "a = text('SELECT count(*) FROM teams')\n"
        "b = session.connection().exec_driver_sql(f'DELETE FROM {x} WHERE t IN tickets')\n"
        "c = f'SELECT id FROM initiatives JOIN {other}'\n"
        "d = 'UPDATE initiatives SET lane = NULL'\n"
        "e = 'rows from teams'  # prose in lower case\n"
        "f = text('SELECT 1 FROM ' + 'tickets')\n"
    )
    found = check(source, "pavedroad.roadmap.service", OWNERS)
    assert [(v.line, v.reason.split(" in SQL")[0]) for v in found] == [
        (3, "names catalog's table 'teams'"),
        (4, "names ingest's table 'tickets'"),
        (5, "names backlog's table 'initiatives'"),
        (6, "names backlog's table 'initiatives'"),
        (8, "names ingest's table 'tickets'"),
    ]
    assert check(source, "pavedroad.catalog.service", {"teams": "catalog"}) == []
