"""Validate rubric and script files, alone and as a library.

A rubric scale has four levels, each declaring which way it points: two towards no hire, then
two towards hire. The worst outcome of an interview is "needs another interview", so the format
cannot express it, and no label, anchor or choice may say it in other words (see `wording`).
Every problem is reported as `file:line: field: what is wrong`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .source import Problem, SourceDocument, child_path
from .wording import deferral_in

LEVEL_COUNT = 4
RUBRIC_KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
STAGE_KEY = re.compile(r"^[a-z0-9]+([-_][a-z0-9]+)*$")
FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
FIELD_TYPES = ("text", "long_text", "choice", "date")
MAX_STAGE_MINUTES = 180

# Which way a level points; levels run weakest first, so every no-hire level comes first.
DIRECTIONS = ("no-hire", "hire")
LEVEL_FIELDS = {"label": True, "points": True}

RUBRIC_FIELDS = {
    "kind": True,
    "key": True,
    "title": True,
    "summary": False,
    "scale": True,
    "competencies": True,
}
COMPETENCY_FIELDS = {
    "key": True,
    "name": True,
    "description": True,
    "probes": True,
    "anchors": True,
}
SCRIPT_FIELDS = {"kind": True, "key": True, "title": True, "summary": False, "stages": True}
STAGE_FIELDS = {
    "key": True,
    "title": True,
    "minutes": True,
    "shows_opening_pitch": False,
    "talking_points": False,
    "questions": False,
    "fields": False,
}
QUESTION_FIELDS = {"ask": True, "probes": False, "listen_for": False, "competencies": False}
ANSWER_FIELDS = {
    "key": True,
    "label": True,
    "type": True,
    "options": False,
    "private": False,
    "help": False,
}


@dataclass
class Checked:
    """A file after its own checks: its kind and key, or the reasons it is broken."""

    document: SourceDocument
    kind: str | None
    key: str | None
    problems: list[Problem]


class _Checker:
    def __init__(self, document: SourceDocument):
        self.document = document
        self.problems: list[Problem] = []

    def report(self, path: str, message: str) -> None:
        self.problems.append(
            Problem(self.document.file, self.document.line_of(path), path or "(document)", message)
        )

    def mapping(self, value: Any, path: str, fields: dict[str, bool]) -> dict | None:
        if not isinstance(value, dict):
            self.report(path, f"must be a mapping of fields, not {_describe(value)}")
            return None
        for name in value:
            if name not in fields:
                known = ", ".join(fields)
                self.report(child_path(path, str(name)), f"unknown field (known fields: {known})")
        for name, required in fields.items():
            if required and name not in value:
                self.report(child_path(path, name), "is required but missing")
        return value

    def text(self, container: dict, name: str, path: str) -> str | None:
        if name not in container:
            return None
        value, sub = container[name], child_path(path, name)
        if not isinstance(value, str):
            self.report(sub, f"must be text, not {_describe(value)}")
            return None
        if not value.strip():
            self.report(sub, "must not be empty")
            return None
        return value

    def key(
        self, container: dict, name: str, path: str, pattern: re.Pattern, what: str
    ) -> str | None:
        value = self.text(container, name, path)
        if value is not None and not pattern.match(value):
            self.report(child_path(path, name), f"{value!r} is not a valid key: {what}")
            return None
        return value

    def text_list(self, container: dict, name: str, path: str, minimum: int = 0) -> list[str]:
        if name not in container:
            return []
        value, sub = container[name], child_path(path, name)
        if not isinstance(value, list):
            self.report(sub, f"must be a list, not {_describe(value)}")
            return []
        if len(value) < minimum:
            self.report(sub, f"needs at least {minimum} item{'s' if minimum > 1 else ''}")
        good = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.report(
                    child_path(sub, index), f"must be non-empty text, not {_describe(item)}"
                )
            else:
                good.append(item)
        return good

    def item_list(self, container: dict, name: str, path: str, minimum: int = 0) -> list:
        if name not in container:
            return []
        value, sub = container[name], child_path(path, name)
        if not isinstance(value, list):
            self.report(sub, f"must be a list, not {_describe(value)}")
            return []
        if len(value) < minimum:
            self.report(sub, f"must list at least {minimum}; it is empty")
        return value

    def boolean(self, container: dict, name: str, path: str) -> None:
        if name in container and not isinstance(container[name], bool):
            self.report(
                child_path(path, name), f"must be true or false, not {_describe(container[name])}"
            )

    def unique(self, items: list[tuple[str, str]], what: str) -> None:
        seen: dict[str, str] = {}
        for key, path in items:
            if key in seen:
                line = self.document.line_of(seen[key])
                self.report(path, f"{what} {key!r} is used twice (first on line {line})")
            else:
                seen[key] = path


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


def check_document(document: SourceDocument) -> Checked:
    """Checks that need only this file."""
    checker = _Checker(document)
    root = document.value
    if not isinstance(root, dict):
        checker.report("", f"the file must be a mapping with a `kind` field, not {_describe(root)}")
        return Checked(document, None, None, checker.problems)
    kind = root.get("kind")
    if kind == "rubric":
        key = _check_rubric(checker, root)
    elif kind == "script":
        key = _check_script(checker, root)
    else:
        checker.report("kind", f"must be `rubric` or `script`, not {kind!r}")
        return Checked(document, None, None, checker.problems)
    return Checked(document, kind, key, checker.problems)


def _check_rubric(c: _Checker, root: dict) -> str | None:
    c.mapping(root, "", RUBRIC_FIELDS)
    key = c.key(root, "key", "", RUBRIC_KEY, "use lowercase letters, digits and hyphens")
    c.text(root, "title", "")
    c.text(root, "summary", "")
    if "scale" in root:
        _check_scale(c, root["scale"])
    competencies = c.item_list(root, "competencies", "", minimum=1)
    keys = []
    for index, competency in enumerate(competencies):
        path = child_path("competencies", index)
        if c.mapping(competency, path, COMPETENCY_FIELDS) is None:
            continue
        ckey = c.key(
            competency, "key", path, RUBRIC_KEY, "use lowercase letters, digits and hyphens"
        )
        if ckey:
            keys.append((ckey, child_path(path, "key")))
        c.text(competency, "name", path)
        c.text(competency, "description", path)
        c.text_list(competency, "probes", path, minimum=1)
        if "anchors" in competency:
            anchors = competency["anchors"]
            for aindex, anchor in enumerate(c.text_list(competency, "anchors", path)):
                _refuse_deferral(c, anchor, child_path(child_path(path, "anchors"), aindex))
            if isinstance(anchors, list) and len(anchors) != LEVEL_COUNT:
                c.report(
                    child_path(path, "anchors"),
                    f"has {len(anchors)} anchored levels; give exactly {LEVEL_COUNT}, weakest "
                    "first, one per scale level (no midpoint)",
                )
    c.unique(keys, "competency key")
    return key


def _check_scale(c: _Checker, scale: Any) -> None:
    if not isinstance(scale, list):
        c.report("scale", f"must be a list of levels, not {_describe(scale)}")
        return
    if len(scale) != LEVEL_COUNT:
        c.report(
            "scale",
            f"has {len(scale)} levels; a scale has exactly {LEVEL_COUNT}, half pointing towards "
            "hire and half towards no hire (an even scale has no midpoint to hide in)",
        )
    directions = []
    for index, level in enumerate(scale):
        path = child_path("scale", index)
        if isinstance(level, str):
            c.report(
                path,
                f"{level!r} does not say which way it points: write it as `label: {level}` with "
                "`points: hire` or `points: no-hire`",
            )
            continue
        if c.mapping(level, path, LEVEL_FIELDS) is None:
            continue
        label = c.text(level, "label", path)
        if label is not None:
            _refuse_deferral(c, label, child_path(path, "label"))
        points = level.get("points")
        if "points" in level and points not in DIRECTIONS:
            c.report(
                child_path(path, "points"),
                f"must be `hire` or `no-hire`, not {points!r}: every level leans one way",
            )
        elif points in DIRECTIONS:
            directions.append((points, path))
    if len(directions) != len(scale):
        return
    half = len(scale) // 2
    hire = [path for points, path in directions if points == "hire"]
    if len(hire) != half and len(scale) % 2 == 0:
        c.report(
            "scale",
            f"{len(hire)} of {len(scale)} levels point towards hire; exactly half must point "
            "each way, so the scale cannot lean before the interview starts",
        )
    elif any(points == "no-hire" for points, _ in directions[half:]):
        first_hire = next(path for points, path in directions if points == "hire")
        c.report(
            child_path(first_hire, "points"),
            "levels run weakest first: every `no-hire` level comes before every `hire` level",
        )


def _refuse_deferral(c: _Checker, text: str, path: str) -> None:
    found = deferral_in(text)
    if found:
        c.report(
            path,
            f"{text!r} {found.reason} ({found.words!r}): it must judge the candidate, towards "
            "hire or towards no hire, because 'needs another interview' is not an outcome",
        )


def _check_script(c: _Checker, root: dict) -> str | None:
    c.mapping(root, "", SCRIPT_FIELDS)
    key = c.key(root, "key", "", RUBRIC_KEY, "use lowercase letters, digits and hyphens")
    c.text(root, "title", "")
    c.text(root, "summary", "")
    stages = c.item_list(root, "stages", "", minimum=1)
    stage_keys, field_keys = [], []
    for index, stage in enumerate(stages):
        path = child_path("stages", index)
        if c.mapping(stage, path, STAGE_FIELDS) is None:
            continue
        skey = c.key(stage, "key", path, STAGE_KEY, "use lowercase letters, digits, - and _")
        if skey:
            stage_keys.append((skey, child_path(path, "key")))
        c.text(stage, "title", path)
        if "minutes" in stage:
            minutes = stage["minutes"]
            if isinstance(minutes, bool) or not isinstance(minutes, int):
                c.report(
                    child_path(path, "minutes"), f"must be a whole number, not {_describe(minutes)}"
                )
            elif not 1 <= minutes <= MAX_STAGE_MINUTES:
                c.report(
                    child_path(path, "minutes"),
                    f"{minutes} is out of range: give 1 to {MAX_STAGE_MINUTES} minutes",
                )
        c.boolean(stage, "shows_opening_pitch", path)
        c.text_list(stage, "talking_points", path)
        for qindex, question in enumerate(c.item_list(stage, "questions", path)):
            qpath = child_path(child_path(path, "questions"), qindex)
            if c.mapping(question, qpath, QUESTION_FIELDS) is None:
                continue
            c.text(question, "ask", qpath)
            c.text_list(question, "probes", qpath)
            c.text_list(question, "listen_for", qpath)
            c.text_list(question, "competencies", qpath)
        for findex, answer in enumerate(c.item_list(stage, "fields", path)):
            fpath = child_path(child_path(path, "fields"), findex)
            if c.mapping(answer, fpath, ANSWER_FIELDS) is None:
                continue
            fkey = c.key(answer, "key", fpath, FIELD_KEY, "use lowercase letters, digits and _")
            if fkey:
                field_keys.append((fkey, child_path(fpath, "key")))
            c.text(answer, "label", fpath)
            c.text(answer, "help", fpath)
            c.boolean(answer, "private", fpath)
            kind = c.text(answer, "type", fpath)
            if kind is not None and kind not in FIELD_TYPES:
                c.report(
                    child_path(fpath, "type"), f"{kind!r} is not one of {', '.join(FIELD_TYPES)}"
                )
            if kind == "choice":
                if "options" not in answer:
                    c.report(child_path(fpath, "options"), "is required for a choice field")
                for oindex, option in enumerate(c.text_list(answer, "options", fpath, minimum=2)):
                    _refuse_deferral(c, option, child_path(child_path(fpath, "options"), oindex))
            elif "options" in answer:
                c.report(child_path(fpath, "options"), "is only allowed on a choice field")
    c.unique(stage_keys, "stage key")
    c.unique(field_keys, "field key")
    return key


def check_library(checked: list[Checked]) -> None:
    """Checks across files: unique keys, and every competency a script names exists.

    Adds problems to the file at fault (the later file, for a duplicate)."""
    owners: dict[tuple[str, str], Checked] = {}
    competency_owner: dict[str, tuple[Checked, int]] = {}
    for item in checked:
        if item.problems or item.key is None:
            continue
        doc = item.document
        if (item.kind, item.key) in owners:
            first = owners[(item.kind, item.key)].document.file
            item.problems.append(
                Problem(
                    doc.file,
                    doc.line_of("key"),
                    "key",
                    f"{item.kind} key {item.key!r} is already used by {first}",
                )
            )
            continue
        owners[(item.kind, item.key)] = item
        if item.kind != "rubric":
            continue
        for index, competency in enumerate(doc.value["competencies"]):
            path = child_path(child_path("competencies", index), "key")
            other = competency_owner.get(competency["key"])
            if other is not None and other[0] is not item:
                item.problems.append(
                    Problem(
                        doc.file,
                        doc.line_of(path),
                        path,
                        f"competency key {competency['key']!r} is already defined in "
                        f"{other[0].document.file}; keys are unique across the library",
                    )
                )
            else:
                competency_owner[competency["key"]] = (item, index)
    known = set(competency_owner)
    for item in checked:
        if item.problems or item.kind != "script":
            continue
        for sindex, stage in enumerate(item.document.value["stages"]):
            for qindex, question in enumerate(stage.get("questions", [])):
                for cindex, ckey in enumerate(question.get("competencies", [])):
                    if ckey not in known:
                        path = f"stages[{sindex}].questions[{qindex}].competencies[{cindex}]"
                        item.problems.append(
                            Problem(
                                item.document.file,
                                item.document.line_of(path),
                                path,
                                f"unknown competency {ckey!r}: no rubric in the library defines it",
                            )
                        )
