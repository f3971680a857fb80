"""Every command in the real `pavedroad` command tree explains itself.

The tree is walked from the application object, so a command added tomorrow is checked too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer.main

from pavedroad.cli.main import app
from tests.conftest import Cli

ROOT = typer.main.get_command(app)
# Verbs that list or report: each has --json so scripts can read it.
REPORTING_VERBS = {"list", "show"}


# Typer vendors click, so commands are told apart by shape: a group has `commands`.
def _walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, child in sorted(getattr(command, "commands", {}).items()):
        if not child.hidden:
            yield from _walk(child, (*path, name))


def _command(path: tuple[str, ...]) -> Any:
    command = ROOT
    for name in path:
        command = command.commands[name]
    return command


def _options(command: Any) -> list[Any]:
    return [param for param in command.params if param.param_type_name == "option"]


PATHS = [path for path in _walk(ROOT) if path]


def test_the_tree_holds_every_command_group():
    groups = {path[0] for path in PATHS}
    assert {"catalog", "import", "kpis", "problems", "initiatives", "roadmap", "map"} <= groups
    assert len(PATHS) > 60


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_command_explains_itself(path):
    command = _command(path)
    summary = (command.help or "").strip().split("\n\n")[0]
    assert len(summary) >= 20, f"`pavedroad {' '.join(path)}` needs a docstring that explains it"
    assert summary.rstrip().endswith((".", ")")), f"{path}: the summary is a sentence"
    for param in _options(command):
        if param.name != "help":
            assert (param.help or "").strip(), f"`{' '.join(path)}` option {param.opts} has no help"
    result = Cli("sqlite:///never-opened.db")(*path, "--help", db=False)
    assert result.exit_code == 0, result.stderr
    first_words = " ".join(summary.split()[:2])
    assert first_words in " ".join(result.stdout.split()), path
    if path[-1] in REPORTING_VERBS:
        assert any("--json" in param.opts for param in _options(command)), path
