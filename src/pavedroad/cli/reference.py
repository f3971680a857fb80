"""The docs' table of every `pavedroad` command, walked from the real command tree."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer.main

from pavedroad.cli.main import app


def command_paths(command: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple[Any, str]]:
    """Every visible command and group below `command` (the whole app by default), by path."""
    if command is None:
        command = typer.main.get_command(app)
    if path:
        yield command, " ".join(path)
    # Typer vendors click, so a group is told apart by shape: it has `commands`.
    for name, child in sorted(getattr(command, "commands", {}).items()):
        if not child.hidden:
            yield from command_paths(child, (*path, name))


def commands_markdown() -> str:
    """The docs' command table: each command path with the first paragraph of its help."""
    lines = ["| command | what it does |", "| --- | --- |"]
    for command, path in command_paths():
        summary = " ".join((command.help or "").split("\n\n")[0].split())
        lines.append(f"| `pavedroad {path}` | {summary} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(commands_markdown())
