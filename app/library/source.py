"""Read YAML keeping the line of every value and refusing duplicate keys.

`yaml.safe_load` forgets where a value came from and lets a repeated key silently win; a
rubric author needs "file:line: field" instead. We compose the node tree with the safe loader
and build plain values ourselves, recording each value's line under its field path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


@dataclass
class SourceDocument:
    file: str
    text: str
    value: Any = None
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int:
        """The line of `path`, or of its nearest ancestor that exists (for missing fields)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = _parent(path)
        return self.lines.get("", 1)


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rindex("[")]
    return path.rpartition(".")[0]


def child_path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


class DuplicateKey(Exception):
    def __init__(self, path: str, line: int, first_line: int):
        self.path, self.line, self.first_line = path, line, first_line


def parse(file: str, text: str) -> tuple[SourceDocument, list[Problem]]:
    document = SourceDocument(file=file, text=text)
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return document, [Problem(file, 1, "(document)", "the file is empty")]
        document.value = _build(loader, root, "", document.lines)
    except DuplicateKey as dup:
        return document, [
            Problem(
                file,
                dup.line,
                dup.path,
                f"duplicate key: already given on line {dup.first_line}; keep one",
            )
        ]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        reason = " ".join(filter(None, [error.context, error.problem]))
        return document, [Problem(file, line, "(yaml)", f"not valid YAML: {reason}")]
    except yaml.YAMLError as error:
        return document, [Problem(file, 1, "(yaml)", f"not valid YAML: {error}")]
    finally:
        loader.dispose()
    return document, []


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: str, lines: dict[str, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, str | int | bool | float) and key is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, "found a mapping key that is not a plain value", key_node.start_mark
                )
            sub = child_path(path, str(key))
            if key in first_seen:
                raise DuplicateKey(sub, key_line, first_seen[key])
            first_seen[key] = key_line
            result[key] = _build(loader, value_node, sub, lines)
            lines[sub] = key_line
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(loader, item, child_path(path, index), lines)
            for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)
