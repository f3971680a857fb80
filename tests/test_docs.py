"""The documentation site's generated tables match their declarations, and the README maps it."""

from __future__ import annotations

import re

import yaml

from pavedroad.settings import settings_markdown
from tests.docs_pages import DOCS, ROOT, generated_block


def _nav_pages() -> list[str]:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    return [page for entry in config["nav"] for page in entry.values()]


def test_docs_settings_table_matches_the_declaration():
    assert generated_block("configuration.md", "settings") == settings_markdown(), (
        "run: python -m pavedroad.settings and paste it into docs/configuration.md"
    )


def test_docs_command_table_matches_the_command_tree():
    from pavedroad.cli.reference import commands_markdown

    assert generated_block("cli.md", "cli-commands") == commands_markdown(), (
        "run: python -m pavedroad.cli.reference and paste it into docs/cli.md"
    )


def test_every_docs_page_is_in_the_navigation_and_every_entry_exists():
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.glob("**/*.md"))
    assert sorted(_nav_pages()) == pages


def test_the_readme_links_every_docs_page_and_only_pages_that_exist():
    readme = (ROOT / "README.md").read_text()
    linked = re.findall(r"\]\((docs/[^)#\s]+)", readme)
    assert linked, "the README has a map of the docs"
    for target in linked:
        assert (ROOT / target).is_file(), target
    pages = {f"docs/{page}" for page in _nav_pages()}
    assert pages - {"docs/index.md"} <= set(linked), pages - set(linked)
