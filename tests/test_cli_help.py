"""Every command in the real `pavedroad` command tree explains itself.

The tree is walked from the application object (`cli.reference.command_paths`, which also
writes the docs' command table), so a command added tomorrow is checked too.
"""

from __future__ import annotations

from typing import Any

import pytest

from pavedroad.cli.reference import command_paths
from tests.conftest import Cli

# Verbs that list or report: each has --json so scripts can read it.
REPORTING_VERBS = {"list", "show"}
COMMANDS = {tuple(path.split()): command for command, path in command_paths()}
PATHS = list(COMMANDS)


def _options(command: Any) -> list[Any]:
    return [param for param in command.params if param.param_type_name == "option"]


def test_the_tree_holds_every_command_group():
    groups = {path[0] for path in PATHS}
    assert {"catalog", "import", "kpis", "problems", "initiatives", "roadmap", "map"} <= groups
    assert len(PATHS) > 60


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_command_explains_itself(path):
    command = COMMANDS[path]
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
