"""The fields of one scorecard, named by path, derived from its session's script and focus.

Paths are what autosave, conflicts and validation speak about:
  notes.<stage>                 stage notes
  rating.<competency>.level     1..4 (four anchored levels, no midpoint) or empty
  rating.<competency>.evidence  what the candidate said or did
  rating.<competency>.not_assessed / .reason
  answer.<field>                the script's structured fields (some private)
  candidate_questions, summary, recommendation, clock_started_at
  asked.<answer id>             the candidate asked what this answer bank entry answers
  owed_answers                  what nobody could answer: the hiring manager's follow-ups
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..models import Recommendation
from ..web.input import MAX_ROW_ID

ASKED_PATH = re.compile(r"asked\.[1-9][0-9]{0,9}")
MAX_TEXT = 20_000  # characters per field: about ten pages of notes
# Characters in all text fields of one scorecard: what its packet pages are bounded by.
MAX_SCORECARD_TEXT = 60_000


class FieldError(ValueError):
    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path, self.message = path, message


@dataclass(frozen=True)
class FieldSpec:
    path: str
    kind: str  # text | level | flag | choice | date | recommendation | timestamp
    options: tuple[str, ...] = ()
    private: bool = False

    def clean(self, value: Any) -> Any:
        """The stored form of a submitted value, or FieldError saying what is wrong."""
        if self.kind == "text":
            if value is None:
                return ""
            if not isinstance(value, str):
                raise FieldError(self.path, "must be text")
            if len(value) > MAX_TEXT:
                raise FieldError(
                    self.path, f"is {len(value):,} characters; the limit is {MAX_TEXT:,}"
                )
            return value.replace("\r\n", "\n").replace("\x00", "")
        if self.kind == "level":
            if value in (None, ""):
                return None
            if isinstance(value, bool):
                raise FieldError(self.path, "must be a level from 1 to 4")
            try:
                level = int(value)
            except (TypeError, ValueError):
                raise FieldError(self.path, "must be a level from 1 to 4") from None
            if level not in (1, 2, 3, 4):
                raise FieldError(self.path, "must be a level from 1 to 4 (there is no midpoint)")
            return level
        if self.kind == "flag":
            if isinstance(value, bool):
                return value
            if value in ("on", "true", "1", 1):
                return True
            if value in ("", "off", "false", "0", 0, None):
                return False
            raise FieldError(self.path, "must be true or false")
        if self.kind in ("choice", "recommendation"):
            if value in (None, ""):
                return None if self.kind == "recommendation" else ""
            if value not in self.options:
                allowed = ", ".join(self.options)
                raise FieldError(self.path, f"must be one of {allowed}")
            return value
        if self.kind == "date":
            if value in (None, ""):
                return ""
            try:
                return date.fromisoformat(str(value)).isoformat()
            except ValueError:
                raise FieldError(self.path, "must be a date such as 2027-03-01") from None
        if self.kind == "timestamp":
            if value in (None, ""):
                return None
            try:
                moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            except ValueError:
                raise FieldError(self.path, "must be an ISO 8601 time") from None
            if moment.tzinfo is None:
                raise FieldError(self.path, "must include a time zone offset")
            return moment
        raise AssertionError(self.kind)


@dataclass(frozen=True)
class ScorecardForm:
    """Every field of a scorecard for one session: its script stages, fields and focus."""

    specs: dict[str, FieldSpec]
    stage_keys: tuple[str, ...]
    focus: tuple[str, ...]

    def spec(self, path: str) -> FieldSpec:
        try:
            return self.specs[path]
        except KeyError:
            # One tick per answer bank entry: the bank changes, the script does not.
            if ASKED_PATH.fullmatch(path) and int(path.split(".", 1)[1]) <= MAX_ROW_ID:
                return FieldSpec(path, "flag")
            raise FieldError(path, "is not a field of this scorecard") from None

    def text_length(self, value_of: Callable[[str], Any]) -> int:
        """Characters in every text field, each read through `value_of(path)`."""
        return sum(
            len(value_of(path) or "") for path, spec in self.specs.items() if spec.kind == "text"
        )

    def over_scorecard_limit(
        self, value_of: Callable[[str], Any], changes: dict[str, Any]
    ) -> dict[str, str]:
        """Errors for the text changes that would take the scorecard past MAX_SCORECARD_TEXT,
        on each field that grew; empty when the save may go (shrinking is always allowed)."""
        before = self.text_length(value_of)
        after = self.text_length(lambda path: changes[path] if path in changes else value_of(path))
        if after <= MAX_SCORECARD_TEXT or after <= before:
            return {}
        message = (
            f"This scorecard would hold {after:,} characters; one scorecard holds at most "
            f"{MAX_SCORECARD_TEXT:,}. Your text is kept on this device: shorten this or "
            "another field to save it"
        )
        return {
            path: message
            for path, value in changes.items()
            if self.specs[path].kind == "text" and len(value or "") > len(value_of(path) or "")
        }


RECOMMENDATIONS = tuple(r.value for r in Recommendation)


_FORMS: dict[tuple[int, tuple[str, ...]], ScorecardForm] = {}
_FORMS_LIMIT = 2048


def form_for(
    script_version_id: int, focus: list[str] | tuple[str, ...], load_script: Callable[[], dict]
) -> ScorecardForm:
    """The form of (script version, focus). Script versions are immutable, so it is cached and
    `load_script` (which costs a query) runs only on the first use."""
    key = (script_version_id, tuple(focus))
    form = _FORMS.get(key)
    if form is None:
        if len(_FORMS) >= _FORMS_LIMIT:
            _FORMS.clear()
        form = _FORMS[key] = _build_form(load_script(), key[1])
    return form


def _build_form(script: dict, focus: tuple[str, ...]) -> ScorecardForm:
    specs: dict[str, FieldSpec] = {}
    stage_keys = []
    for stage in script["stages"]:
        stage_keys.append(stage["key"])
        specs[f"notes.{stage['key']}"] = FieldSpec(f"notes.{stage['key']}", "text")
        for answer in stage.get("fields", []):
            path = f"answer.{answer['key']}"
            kind = {"text": "text", "long_text": "text"}.get(answer["type"], answer["type"])
            specs[path] = FieldSpec(
                path, kind, tuple(answer.get("options", ())), bool(answer.get("private", False))
            )
    for key in focus:
        for leaf, kind in RATING_LEAVES.items():
            path = f"rating.{key}.{leaf}"
            specs[path] = FieldSpec(path, kind)
    for path, kind in (
        ("candidate_questions", "text"),
        ("owed_answers", "text"),
        ("summary", "text"),
        ("clock_started_at", "timestamp"),
    ):
        specs[path] = FieldSpec(path, kind)
    specs["recommendation"] = FieldSpec("recommendation", "recommendation", RECOMMENDATIONS)
    return ScorecardForm(specs, tuple(stage_keys), focus)


RATING_LEAVES = {"level": "level", "evidence": "text", "not_assessed": "flag", "reason": "text"}
EMPTY = {"level": None, "evidence": "", "not_assessed": False, "reason": ""}


def read_value(values: dict[str, Any], path: str) -> Any:
    """A field's current value from the scorecard's stored columns (as a dict of columns)."""
    head, _, rest = path.partition(".")
    if head == "notes":
        return (values["stage_notes"] or {}).get(rest, "")
    if head == "answer":
        return (values["field_answers"] or {}).get(rest, "")
    if head == "rating":
        competency, _, leaf = rest.rpartition(".")
        return (values["ratings"] or {}).get(competency, {}).get(leaf, EMPTY[leaf])
    if head == "asked":
        return bool((values["asked_answers"] or {}).get(rest, False))
    value = values[path]
    return (
        ""
        if value is None and path in ("candidate_questions", "owed_answers", "summary")
        else value
    )


def write_values(values: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The columns to update so the stored scorecard holds `changes` (copies, never mutates)."""
    updated: dict[str, Any] = {}
    for path, value in changes.items():
        head, _, rest = path.partition(".")
        if head in ("notes", "answer"):
            column = "stage_notes" if head == "notes" else "field_answers"
            updated.setdefault(column, dict(values[column] or {}))[rest] = value
        elif head == "asked":
            asked = updated.setdefault("asked_answers", dict(values["asked_answers"] or {}))
            if value:
                asked[rest] = True
            else:
                asked.pop(rest, None)
        elif head == "rating":
            competency, _, leaf = rest.rpartition(".")
            ratings = updated.setdefault(
                "ratings", {k: dict(v) for k, v in (values["ratings"] or {}).items()}
            )
            ratings.setdefault(competency, dict(EMPTY))[leaf] = value
        else:
            updated[path] = value
    return updated


def as_json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
