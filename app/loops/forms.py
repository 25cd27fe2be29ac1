from __future__ import annotations

from urllib.parse import urlsplit

from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..web.input import Form, MultiCheckboxField, PlainText


def web_link(form, field) -> None:
    if field.data:
        parts = urlsplit(field.data)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError("Give a full https:// meeting link.")


class SessionForm(Form):
    interviewer_id = SelectField(
        "Interviewer", coerce=int, validators=[DataRequired("Choose an interviewer.")]
    )
    script_id = SelectField("Script", coerce=int, validators=[DataRequired("Choose a script.")])
    rubric_id = SelectField("Rubric", coerce=int, validators=[DataRequired("Choose a rubric.")])
    starts_at = StringField(
        "Starts at (your time)",
        validators=[DataRequired("Give the start date and time.")],
        render_kw={"type": "datetime-local"},
    )
    meeting_url = StringField(
        "Meeting link", validators=[Optional(), Length(max=500), PlainText(), web_link]
    )
    focus = MultiCheckboxField("Focus competencies", choices=[])


class MoveSessionForm(Form):
    starts_at = StringField(
        "New start (your time)",
        validators=[DataRequired("Give the new start.")],
        render_kw={"type": "datetime-local"},
    )


class ReassignForm(Form):
    interviewer_id = SelectField(
        "New interviewer", coerce=int, validators=[DataRequired("Choose an interviewer.")]
    )
    notes = RadioField(
        "Their notes so far",
        choices=[
            SelectChoice("keep", "Keep them with the current interviewer (read-only)"),
            SelectChoice("discard", "Discard them"),
        ],
        validators=[Optional()],
    )
    confirm_discard = BooleanField("Yes, discard the notes for good")


class PanelistForm(Form):
    user_id = SelectField(
        "Who sits in", coerce=int, validators=[DataRequired("Choose who sits in.")]
    )
    role = RadioField(
        "As",
        choices=[
            SelectChoice("co", "Co-interviewer: writes their own scorecard, counted as a rater"),
            SelectChoice("shadow", "Shadow, in training: a training scorecard, never counted"),
        ],
        default="co",
        validators=[DataRequired("Choose co-interviewer or shadow.")],
    )


class ConfirmLoopForm(Form):
    override_reason = TextAreaField(
        "Reason to confirm with uncovered competencies",
        validators=[
            Length(max=2000, message="Shorten the reason to 2,000 characters or fewer."),
            PlainText(multiline=True),
        ],
    )


class DebriefForm(Form):
    # Its own id: the planner also shows the add-an-interview form's starts_at.
    starts_at = StringField(
        "Debrief starts (your time)",
        id="debrief-starts-at",
        validators=[DataRequired("Give the debrief time.")],
        render_kw={"type": "datetime-local"},
    )
