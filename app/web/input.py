"""Input hygiene shared by every form and JSON endpoint: what the app refuses before any view
sees it (ids too large for a row, JSON nested too deep or holding unstorable text, JSON of the
wrong shape posted to a form), so a hostile request gets a 4xx instead of a 500."""

from __future__ import annotations

import json
import re
import zoneinfo
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from wtforms import SelectMultipleField, TextAreaField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

# The largest id a row can have: ids are INTEGER columns, 32-bit on PostgreSQL (a larger bound
# value is an error there, and past 2**63 an OverflowError on SQLite).
MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: ids past MAX_ROW_ID are not found (404), not an overflow;
    ASCII digits only (Werkzeug's `\\d` also takes "１"), so each row has one address."""

    regex = r"[0-9]+"

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


class JSONProvider(DefaultJSONProvider):
    """JSON bodies that cannot be stored are malformed JSON: a ValueError, which Flask turns
    into a 400 (or None for `get_json(silent=True)`)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        try:
            # An unpaired surrogate (escaped as \ud800, or bytes json.loads decodes with
            # "surrogatepass") parses, but no database can store it.
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("JSON text with an unpaired surrogate") from None
        return value


# Control characters a person cannot type and a page cannot show; NUL cannot even be stored in
# PostgreSQL text. Multi-line text keeps tabs and line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = (
    "Remove the invisible control characters (such as NUL or escape codes) from this text; "
    "they were probably pasted in by accident."
)


def controls_as_spaces(value: str) -> str:
    """`value` with each control character (tabs and line breaks too) turned into a space."""
    return _CONTROL.sub(" ", value)


def text_problem(value: str, *, limit: int, multiline: bool = True) -> str | None:
    """What is wrong with a piece of typed text, said to its author; None when it is fine."""
    if len(value) > limit:
        return f"Shorten this to {limit:,} characters or fewer (it has {len(value):,})."
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(value):
        return CONTROL_MESSAGE
    return None


class PlainText:
    """WTForms validator: typed text without control characters (see `text_problem`)."""

    def __init__(self, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        pattern = _CONTROL_MULTILINE if self.multiline else _CONTROL
        if isinstance(field.data, str) and pattern.search(field.data):
            raise ValidationError(CONTROL_MESSAGE)


FORM_JSON_MESSAGE = (
    "Send the form's fields as a JSON object whose values are text (or lists of text for "
    "fields that take several values)."
)


def _scalar(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "y" if value else ""
    if isinstance(value, int | float):
        return str(value)
    return None


def json_formdata() -> ImmutableMultiDict:
    """A JSON body as form data: an object of text (or lists of text), else 400."""
    body = request.get_json()
    if not isinstance(body, dict):
        abort(400, description=FORM_JSON_MESSAGE)
    pairs = []
    for name, value in body.items():
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            text = _scalar(item)
            if text is None:
                abort(400, description=FORM_JSON_MESSAGE)
            pairs.append((name, text))
    return ImmutableMultiDict(pairs)


# A view that passes no formdata means "what this request posted".
_FROM_REQUEST = object()


class Form(FlaskForm):
    """Every form of the app. Flask-WTF reads a JSON body as form data and hands whatever it
    holds (numbers, objects, nested lists) to fields that expect text; here a JSON body must
    be an object of text. Uploaded files are ignored: no form takes one."""

    def __init__(self, formdata: Any = _FROM_REQUEST, **kwargs: Any) -> None:
        if formdata is _FROM_REQUEST:
            formdata = _submitted_formdata()
        super().__init__(formdata=formdata, **kwargs)

    def validate(self, extra_validators: Any = None) -> bool:
        """Every field's own checks, then one more for all of them: what was typed holds no
        control characters (a text area may hold tabs and line breaks). Checked on the raw
        input, before filters such as `strip` could hide a trailing NUL."""
        valid = super().validate(extra_validators)
        for field in self:
            pattern = _CONTROL_MULTILINE if isinstance(field, TextAreaField) else _CONTROL
            typed = [value for value in field.raw_data or () if isinstance(value, str)]
            if any(pattern.search(value) for value in typed):
                # The one fix that matters: other complaints were about the stray character.
                field.errors = [CONTROL_MESSAGE]
                valid = False
        return valid


class MultiCheckboxField(SelectMultipleField):
    """A choice of several, as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _submitted_formdata() -> Any:
    """What a form reads when the view passes no formdata: the posted form, or a JSON object
    of text; nothing on a GET (the form then shows its defaults or the object it edits)."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    if request.form:
        return request.form
    if request.is_json:
        return json_formdata()
    return None


def form_status() -> int:
    """The status of a form page: 400 when it is shown again after a post (errors to fix)."""
    return 400 if request.method == "POST" else 200


def read_body_first() -> None:
    """Read the whole body of a state-changing request before anything else runs. The first
    query of such a request opens its write transaction (BEGIN IMMEDIATE on SQLite: the
    database's one write lock), and a slow client must not hold that lock while its body
    trickles in. Bounded by MAX_CONTENT_LENGTH (a 413 past it)."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        request.get_data(parse_form_data=True)


def init_app(app: Flask) -> None:
    """Before any blueprint: routes pick their converters up when they are added. First of
    all before_request functions: the body is read before anything touches the database."""
    app.url_map.converters["int"] = RowIdConverter
    app.json = JSONProvider(app)
    app.before_request(read_body_first)


def strip(value: Any) -> Any:
    """A WTForms filter: surrounding spaces are never part of a name, an email or a zone."""
    return value.strip() if isinstance(value, str) else value


# The tz database's own lists of the zones people live in, one row per zone: no aliases such as
# US/Eastern, nothing that is not a place (localtime, Factory, posixrules).
_ZONE_TABLES = ("zone1970.tab", "zone.tab")


@cache
def _zones() -> dict[str, str]:
    """Canonical IANA names (and UTC) by their case-folded form, read once."""
    names = {"UTC"}
    for table in _ZONE_TABLES:
        text = _zone_table(table)
        for line in text.splitlines():
            if line and not line.startswith("#"):
                names.add(line.split("\t")[2])
    return {name.casefold(): name for name in names}


def _zone_table(name: str) -> str:
    """A table from the system's tz database, or from the tzdata package where there is none."""
    for directory in zoneinfo.TZPATH:
        path = Path(directory) / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")


def time_zone_names() -> list[str]:
    return sorted(_zones().values())


def canonical_zone(value: Any) -> Any:
    """A filter: Europe/berlin becomes Europe/Berlin; anything unknown is kept as typed."""
    value = strip(value)
    return _zones().get(value.casefold(), value) if isinstance(value, str) else value


def is_canonical_zone(name: str) -> bool:
    return name in _zones().values()


def known_zone(form: Any, field: Any) -> None:
    """A validator: the zone must be a canonical IANA name (no aliases, no `localtime`)."""
    if not is_canonical_zone(field.data):
        raise ValidationError(
            f"“{field.data}” is not a time zone we know: use an IANA name such as Europe/Berlin, "
            "America/New_York or Asia/Kolkata."
        )


TIME_FORMATS = ["%H:%M", "%H:%M:%S"]  # Chromium sends seconds when the step is under a minute


def parsed(form: Any, field: Any) -> None:
    """Stop after a value that could not be read: one message, not one per later rule."""
    if field.process_errors:
        raise StopValidation()


def between(low: int, high: int, message: str):
    """A number from `low` to `high`, else `message`."""

    def _check(form: Any, field: Any) -> None:
        if field.data is not None and not low <= field.data <= high:
            raise ValidationError(message)

    return _check
