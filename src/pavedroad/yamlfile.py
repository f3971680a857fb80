"""Read YAML that a user hands over: plain values, the line of each, under one set of guards.

Every YAML input (Backstage catalogs, impact maps, initiatives, webhook rules) is read here, so
a hostile file meets the same limits everywhere and stops with a message naming the file and
line, never an exhausted memory or a traceback:

- aliases may repeat at most `MAX_ALIAS_VALUES` values and `MAX_ALIAS_CHARS` characters in
  all (stops "billion laughs"); an alias that holds itself nests without end and stops at
- `MAX_DEPTH` levels of nesting;
- a value is at most `MAX_SCALAR_CHARS` characters, a text at most `MAX_YAML_CHARS`;
- a key appears once per mapping and is plain text (kept as written: `on:` is "on", not True);
- only the standard tags (strings, numbers, booleans, null, timestamps, binary) are built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from pavedroad.errors import InvalidInputError

MAX_YAML_CHARS = 50 * 2**20
MAX_SCALAR_CHARS = 2**20
MAX_DEPTH = 20
MAX_ALIAS_VALUES = 100_000
MAX_ALIAS_CHARS = 10 * 2**20

# Where a value is in its document: the keys and list indices that lead to it.
YamlPath = tuple[str | int, ...]

_MAPPING_TAG = "tag:yaml.org,2002:map"
_SEQUENCE_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class YamlDocument:
    """One document as plain values, with the line each value starts on, by its path."""

    value: Any
    lines: Mapping[YamlPath, int]

    @property
    def line(self) -> int:
        """The line the document starts on."""
        return self.lines.get((), 1)

    def line_of(self, path: YamlPath) -> int | None:
        """The line of the value at `path`, else of the nearest value that holds it."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def load_documents(text: str, *, source: str) -> list[YamlDocument]:
    """Every document of `text`; a text that breaks a rule is unusable input naming its line."""
    return _load(text, source, single=False)


def load_document(text: str, *, source: str) -> YamlDocument:
    """The one document of `text` (None for an empty text); several documents are refused."""
    [document] = _load(text, source, single=True)
    return document


class _Refused(Exception):
    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line


def _load(text: str, source: str, *, single: bool) -> list[YamlDocument]:
    if len(text) > MAX_YAML_CHARS:
        raise InvalidInputError.because(
            f"file is larger than {MAX_YAML_CHARS // 2**20} MB", source=source, unusable=True
        )
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)
        builder = _Builder(loader)
        if single:
            node = loader.get_single_node()
            return [builder.document(node) if node is not None else YamlDocument(None, {(): 1})]
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                documents.append(builder.document(node))
        return documents
    except _Refused as exc:
        raise _unusable(source, exc.reason, exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        reason = exc.problem or str(exc)
        raise _unusable(source, f"broken YAML: {reason}", mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:
        character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else "byte"
        line = text.count("\n", 0, exc.position) + 1
        reason = f"broken YAML: unacceptable character {character}: {exc.reason}"
        raise _unusable(source, reason, line) from None
    except yaml.YAMLError as exc:
        raise _unusable(source, f"broken YAML: {exc}", None) from None
    except RecursionError:
        raise _unusable(source, "broken YAML: nesting is too deep", None) from None
    finally:
        if loader is not None:
            loader.dispose()


def _unusable(source: str, reason: str, line: int | None) -> InvalidInputError:
    return InvalidInputError.because(reason, source=source, line=line, unusable=True)


def _broken(reason: str, node: yaml.Node) -> yaml.MarkedYAMLError:
    return yaml.MarkedYAMLError(problem=reason, problem_mark=node.start_mark)


class _Builder:
    """Builds plain values from composed nodes, counting what aliases repeat."""

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.alias_values = MAX_ALIAS_VALUES
        self.alias_chars = MAX_ALIAS_CHARS
        self.seen: set[int] = set()

    def document(self, node: yaml.Node) -> YamlDocument:
        lines: dict[YamlPath, int] = {}
        # Anchors do not reach past their document, and its nodes are alive while it is built.
        self.seen.clear()
        value = self.build(node, (), 0, aliased=False, lines=lines)
        return YamlDocument(value, lines)

    def build(
        self,
        node: yaml.Node,
        path: YamlPath,
        depth: int,
        *,
        aliased: bool,
        lines: dict[YamlPath, int],
    ) -> Any:
        line = node.start_mark.line + 1
        # A node met a second time is an alias: it and everything in it are repeats.
        aliased = aliased or id(node) in self.seen
        self.seen.add(id(node))
        if aliased:
            self.alias_values -= 1
            if isinstance(node, yaml.ScalarNode):
                self.alias_chars -= len(node.value)
            if self.alias_values < 0:
                raise _Refused(
                    f"document repeats more than {MAX_ALIAS_VALUES} values "
                    "once its aliases are expanded",
                    line,
                )
            if self.alias_chars < 0:
                raise _Refused(
                    f"document repeats more than {MAX_ALIAS_CHARS // 2**20} MB of text "
                    "once its aliases are expanded",
                    line,
                )
        if depth > MAX_DEPTH:
            through = " once its aliases are expanded" if aliased else ""
            raise _Refused(f"document nests deeper than {MAX_DEPTH} levels{through}", line)
        lines[path] = line
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth, aliased=aliased, lines=lines)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQUENCE_TAG:
                raise _broken(f"could not determine a constructor for the tag {node.tag!r}", node)
            return [
                self.build(child, (*path, index), depth + 1, aliased=aliased, lines=lines)
                for index, child in enumerate(node.value)
            ]
        if len(node.value) > MAX_SCALAR_CHARS:
            raise _Refused(f"a value is longer than {MAX_SCALAR_CHARS} characters", line)
        try:
            return self.loader.construct_object(node)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # PyYAML raises plain errors for values such as 2027-02-30
            raise _Refused(f"broken YAML: {exc}", line) from None

    def mapping(
        self,
        node: yaml.MappingNode,
        path: YamlPath,
        depth: int,
        *,
        aliased: bool,
        lines: dict[YamlPath, int],
    ) -> dict[str, Any]:
        if node.tag != _MAPPING_TAG:
            raise _broken(f"could not determine a constructor for the tag {node.tag!r}", node)
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                # `<<: *defaults` (or a list of them): keys the mapping does not give itself.
                merge = self.build(
                    value_node, (*path, "<<"), depth + 1, aliased=aliased, lines=lines
                )
                sources = merge if isinstance(merge, list) else [merge]
                if not all(isinstance(s, dict) for s in sources):
                    raise _broken("a merge (<<) must name a mapping or a list of them", value_node)
                for source in sources:
                    for key, value in source.items():
                        merged.setdefault(key, value)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise _broken("a key must be plain text", key_node)
            if len(key_node.value) > MAX_SCALAR_CHARS:
                raise _Refused(
                    f"a key is longer than {MAX_SCALAR_CHARS} characters",
                    key_node.start_mark.line + 1,
                )
            key = str(key_node.value)
            if key in result:
                raise _broken(f"the key {key!r} appears twice in one mapping", key_node)
            result[key] = self.build(
                value_node, (*path, key), depth + 1, aliased=aliased, lines=lines
            )
        for key, value in merged.items():
            result.setdefault(key, value)
        return result
