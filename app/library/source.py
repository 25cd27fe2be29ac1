"""Read YAML keeping the line of every value, refusing what a rubric file has no use for.

`yaml.safe_load` forgets where a value came from and lets a repeated key silently win; a
rubric author needs "file:line: field" instead. We compose the node tree with the safe loader
and build plain values ourselves, recording each value's line under its field path.

Before composing, the event stream is read once to refuse anchors and aliases (nested aliases
expand exponentially: a few hundred bytes can ask for gigabytes), explicit tags such as
`!!python/object`, and nesting deeper than any rubric needs. Files over `MAX_FILE_BYTES` are
refused before any of that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 32
_STANDARD_TAG = "tag:yaml.org,2002:"


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


def too_large(file: str, size: int) -> Problem | None:
    if size <= MAX_FILE_BYTES:
        return None
    return Problem(
        file,
        1,
        "(file)",
        f"is {size:,} bytes; a library file may hold at most {MAX_FILE_BYTES:,} bytes "
        f"({MAX_FILE_BYTES // 1024} KB): split it into several rubrics or scripts",
    )


def parse(file: str, text: str) -> tuple[SourceDocument, list[Problem]]:
    document = SourceDocument(file=file, text=text)
    if problem := too_large(file, len(text.encode("utf-8"))):
        return document, [problem]
    try:
        refused = _refused_features(file, text)
    except yaml.reader.ReaderError as error:
        return document, [_character_problem(file, text, error)]
    except yaml.MarkedYAMLError as error:
        return document, [_syntax_problem(file, error)]
    if refused:
        return document, refused
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
        return document, [_syntax_problem(file, error)]
    except yaml.YAMLError as error:
        return document, [Problem(file, 1, "(yaml)", f"not valid YAML: {error}")]
    finally:
        loader.dispose()
    return document, []


def _syntax_problem(file: str, error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else 1
    reason = " ".join(filter(None, [error.context, error.problem]))
    return Problem(file, line, "(yaml)", f"not valid YAML: {reason}")


def _character_problem(file: str, text: str, error: yaml.reader.ReaderError) -> Problem:
    code = error.character if isinstance(error.character, int) else ord(error.character)
    line = text.count("\n", 0, error.position) + 1
    return Problem(
        file, line, "(file)", f"contains the character U+{code:04X}, which YAML does not allow"
    )


@dataclass
class _Container:
    path: str
    is_mapping: bool
    next_index: int = 0
    key: str | None = None  # a mapping's key awaiting its value


def _refused_features(file: str, text: str) -> list[Problem]:
    """Anchors, aliases, explicit tags and deep nesting, found in the event stream.

    Events are read one at a time and nothing is expanded, so a hostile file costs only its own
    length. Stops at the first alias: what follows may be built on it."""
    problems: list[Problem] = []
    stack: list[_Container] = []
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionEndEvent):
            stack.pop()
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        path, is_key = _place(stack, event)
        line = event.start_mark.line + 1
        where = f"{path} (a key)" if is_key else path or "(document)"
        if isinstance(event, yaml.AliasEvent):
            problems.append(
                Problem(
                    file,
                    line,
                    where,
                    f"alias *{event.anchor} is not allowed: write the value out in full "
                    "(aliases can make a small file expand without limit)",
                )
            )
            return problems
        if event.anchor is not None:
            problems.append(
                Problem(
                    file,
                    line,
                    where,
                    f"anchor &{event.anchor} is not allowed: rubric files "
                    "do not share values between places",
                )
            )
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = "!!" + tag.removeprefix(_STANDARD_TAG) if tag.startswith(_STANDARD_TAG) else tag
            problems.append(
                Problem(
                    file,
                    line,
                    where,
                    f"tag {shown} is not allowed: library files hold plain "
                    "text, numbers, true/false, lists and mappings only",
                )
            )
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                problems.append(
                    Problem(
                        file,
                        line,
                        where,
                        f"is nested more than {MAX_DEPTH} levels deep; "
                        "no rubric or script needs that",
                    )
                )
                return problems
            stack.append(_Container(path, isinstance(event, yaml.MappingStartEvent)))
    return problems


def _place(stack: list[_Container], event: yaml.NodeEvent) -> tuple[str, bool]:
    """The field path of the node `event` starts, and whether it is a mapping key."""
    if not stack:
        return "", False
    parent = stack[-1]
    if not parent.is_mapping:
        parent.next_index += 1
        return child_path(parent.path, parent.next_index - 1), False
    if parent.key is None:
        value = getattr(event, "value", None)
        parent.key = str(value) if isinstance(event, yaml.ScalarEvent) else "?"
        return child_path(parent.path, parent.key), True
    key, parent.key = parent.key, None
    return child_path(parent.path, key), False


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
