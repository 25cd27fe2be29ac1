"""What the API takes and gives, as marshmallow schemas: the OpenAPI document is generated
from these, and every answer is dumped through them."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from ..models import CandidateStatus, Decision, LoopStatus, PanelRole, Recommendation
from ..web.input import is_canonical_zone, text_problem
from .paging import MAX_ID

HOURS = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
HOURS_DOC = {"type": "string", "pattern": HOURS.pattern, "description": "Local time of day, HH:MM"}
ID = validate.Range(1, MAX_ID, error="Give an id from 1 to {max}.")


def plain_text(limit: int, *, multiline: bool = False):
    """A validator: text without control characters, at most `limit` long."""

    def check(value: str) -> None:
        problem = text_problem(value, limit=limit, multiline=multiline)
        if problem:
            raise ma.ValidationError(problem)

    return check


def time_zone(value: str) -> None:
    if not is_canonical_zone(value):
        raise ma.ValidationError("Give an IANA time zone name, such as Europe/Berlin.")


def _hours(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(HOURS, error="Give a time of day as HH:MM, such as 09:00."),
        metadata=HOURS_DOC,
        **kwargs,
    )


def _enum(values: type, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf([v.value for v in values]), **kwargs)


class Schema(ma.Schema):
    """Fields come out in the order written (marshmallow keeps it)."""


# ---- What comes out ----


class PersonSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)


class OpeningSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    hiring_manager = fields.Nested(PersonSchema, required=True)
    pitch_text = fields.String(required=True)
    competency_keys = fields.List(fields.String(), required=True)
    default_script_key = fields.String(required=True, allow_none=True)
    default_rubric_key = fields.String(required=True, allow_none=True)
    debrief_delay_minutes = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


class CandidateSchema(Schema):
    id = fields.Integer(required=True)
    opening_id = fields.Integer(required=True)
    external_id = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Your system's id for this application"},
    )
    name = fields.String(required=True)
    email = fields.String(required=True)
    time_zone = fields.String(required=True)
    working_hours_start = fields.Function(
        lambda c: c.working_hours_start.strftime("%H:%M"), required=True, metadata=HOURS_DOC
    )
    working_hours_end = fields.Function(
        lambda c: c.working_hours_end.strftime("%H:%M"), required=True, metadata=HOURS_DOC
    )
    status = _enum(CandidateStatus, required=True)
    erased = fields.Function(
        lambda c: c.is_erased,
        required=True,
        metadata={
            "type": "boolean",
            "description": "Personal data erased: the name replaced, the email blank",
        },
    )
    created_at = fields.DateTime(required=True)


class LibraryItemSchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)


class PanelSeatSchema(Schema):
    person = fields.Nested(PersonSchema, required=True, attribute="user")
    role = _enum(PanelRole, required=True)


class SessionSchema(Schema):
    id = fields.Integer(required=True)
    interviewer = fields.Nested(PersonSchema, required=True)
    panel = fields.List(fields.Nested(PanelSeatSchema), required=True, attribute="panelists")
    script = fields.Nested(LibraryItemSchema, required=True)
    rubric = fields.Nested(LibraryItemSchema, required=True)
    focus_competencies = fields.List(fields.String(), required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    meeting_url = fields.String(required=True)


class DebriefTimesSchema(Schema):
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    decided = fields.Function(
        lambda d: d.decision is not None, required=True, metadata={"type": "boolean"}
    )


class LoopSchema(Schema):
    id = fields.Integer(required=True)
    candidate_id = fields.Integer(required=True)
    opening_id = fields.Integer(required=True)
    status = _enum(LoopStatus, required=True)
    coordinator = fields.Nested(PersonSchema, required=True, allow_none=True)
    confirmed_at = fields.DateTime(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    sessions = fields.List(fields.Nested(SessionSchema), required=True)
    debrief = fields.Nested(DebriefTimesSchema, required=True, allow_none=True)


class RatingSchema(Schema):
    competency_key = fields.String(required=True)
    competency_name = fields.String(required=True)
    level = fields.Integer(required=True, allow_none=True)
    evidence = fields.String(required=True)
    not_assessed = fields.Boolean(required=True)
    reason = fields.String(required=True)


class StageNotesSchema(Schema):
    stage_key = fields.String(required=True)
    title = fields.String(required=True)
    notes = fields.String(required=True)


class AnswerSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    value = fields.String(required=True)
    private = fields.Boolean(required=True)


class ScorecardSchema(Schema):
    id = fields.Integer(required=True)
    loop_id = fields.Integer(required=True)
    session_id = fields.Integer(required=True)
    candidate_id = fields.Integer(required=True)
    interviewer = fields.Nested(PersonSchema, required=True)
    panel_role = fields.String(
        required=True,
        validate=validate.OneOf(["lead", *[r.value for r in PanelRole]]),
        metadata={"description": "lead, co (a second rater) or shadow (training, never counted)"},
    )
    training = fields.Boolean(required=True)
    submitted_at = fields.DateTime(required=True)
    recommendation = _enum(Recommendation, required=True, allow_none=True)
    summary = fields.String(required=True)
    ratings = fields.List(fields.Nested(RatingSchema), required=True)
    stage_notes = fields.List(fields.Nested(StageNotesSchema), required=True)
    candidate_questions = fields.List(fields.String(), required=True)
    owed_answers = fields.List(fields.String(), required=True)
    answers = fields.List(fields.Nested(AnswerSchema), required=True)
    private_answers_included = fields.Boolean(
        required=True,
        metadata={
            "description": "False when private answers were left out: the token lacks the "
            "private scope, or its person may not read them"
        },
    )


class DecisionSchema(Schema):
    loop_id = fields.Integer(required=True, attribute="loop.id")
    candidate_id = fields.Integer(required=True, attribute="loop.candidate_id")
    opening_id = fields.Integer(required=True, attribute="loop.opening_id")
    decision = _enum(Decision, required=True)
    rationale = fields.String(required=True)
    decided_by = fields.Nested(PersonSchema, required=True)
    decided_at = fields.DateTime(required=True)
    override_reason = fields.String(required=True, allow_none=True)
    waiver_reason = fields.String(required=True, allow_none=True)
    debrief_starts_at = fields.DateTime(required=True, attribute="starts_at")


# ---- What goes in ----


class CandidateFieldsSchema(Schema):
    """The fields a caller sets on a candidate; each may be left out of an update."""

    external_id = fields.String(
        allow_none=True,
        validate=[validate.Length(1, 200), plain_text(200)],
        metadata={
            "description": "Your system's id for this application: sending it again "
            "updates the same candidate"
        },
    )
    name = fields.String(validate=[validate.Length(1, 200), plain_text(200)])
    email = fields.Email(validate=validate.Length(max=254))
    time_zone = fields.String(validate=[validate.Length(max=64), time_zone])
    working_hours_start = _hours()
    working_hours_end = _hours()


class NewCandidateSchema(CandidateFieldsSchema):
    opening_id = fields.Integer(required=True, validate=ID)
    name = fields.String(required=True, validate=[validate.Length(1, 200), plain_text(200)])
    email = fields.Email(required=True, validate=validate.Length(max=254))


class NewSessionSchema(Schema):
    interviewer_email = fields.Email(required=True, validate=validate.Length(max=254))
    starts_at = fields.AwareDateTime(required=True)
    script_key = fields.String(
        validate=[validate.Length(1, 80), plain_text(80)],
        metadata={"description": "The library script to follow; the opening's default if left out"},
    )
    rubric_key = fields.String(
        validate=[validate.Length(1, 80), plain_text(80)],
        metadata={"description": "The library rubric; the opening's default if left out"},
    )
    focus_competencies = fields.List(
        fields.String(validate=[validate.Length(1, 80), plain_text(80)]),
        validate=validate.Length(max=20),
    )
    meeting_url = fields.Url(schemes={"https"}, validate=validate.Length(max=500), load_default="")


class NewLoopSchema(Schema):
    candidate_id = fields.Integer(required=True, validate=ID)
    sessions = fields.List(
        fields.Nested(NewSessionSchema), required=True, validate=validate.Length(1, 8)
    )


class CandidateFilterSchema(Schema):
    opening_id = fields.Integer(validate=ID)
    external_id = fields.String(validate=[validate.Length(1, 200), plain_text(200)])


class LoopFilterSchema(Schema):
    candidate_id = fields.Integer(validate=ID)
    opening_id = fields.Integer(validate=ID)
    status = _enum(LoopStatus)


class ScorecardFilterSchema(Schema):
    loop_id = fields.Integer(validate=ID)


class DecisionFilterSchema(Schema):
    opening_id = fields.Integer(validate=ID)
