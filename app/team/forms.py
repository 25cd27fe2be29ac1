"""The team settings form and a person's interviewing week: every rule says what to fix, and
what was typed is kept."""

from __future__ import annotations

from wtforms import IntegerField, TimeField
from wtforms.validators import InputRequired, Optional, ValidationError

from ..web.input import TIME_FORMATS, Form, between, parsed
from .settings import TeamPolicy

HOURS_MESSAGE = "Enter a 24-hour time HH:MM, for example 09:00."


def _ends_after_start(starts_field: TimeField, ends_field: TimeField) -> None:
    starts, ends = starts_field.data, ends_field.data
    if starts is not None and ends is not None and ends <= starts:
        raise ValidationError(
            f"The working day must end after it starts: enter an end later than "
            f"{starts.strftime('%H:%M')}."
        )


class TeamSettingsForm(Form):
    followup_minutes = IntegerField(
        "Second reminder, minutes after the interview",
        validators=[
            InputRequired("Enter how many minutes after the interview the second reminder goes."),
            parsed,
            between(20, 24 * 60, "Enter from 20 to 1,440 minutes (a day)."),
        ],
        invalid_value_message="Enter a whole number of minutes, such as 60.",
        render_kw={"min": 20, "max": 1440, "inputmode": "numeric"},
    )
    daily_reminders = IntegerField(
        "Daily reminders after that, at most",
        validators=[
            InputRequired("Enter how many daily reminders follow, from 0 to 10."),
            parsed,
            between(0, 10, "Enter from 0 to 10 daily reminders."),
        ],
        invalid_value_message="Enter a whole number, such as 3.",
        render_kw={"min": 0, "max": 10, "inputmode": "numeric"},
    )
    tell_manager_hours = IntegerField(
        "Tell the hiring manager, hours after the interview",
        validators=[
            InputRequired("Enter after how many hours the hiring manager hears of it."),
            parsed,
            between(1, 7 * 24, "Enter from 1 to 168 hours (a week)."),
        ],
        invalid_value_message="Enter a whole number of hours, such as 24.",
        render_kw={"min": 1, "max": 168, "inputmode": "numeric"},
    )
    working_day_starts = TimeField(
        "Working day starts",
        format=TIME_FORMATS,
        validators=[InputRequired("Enter when the team's working day starts, as HH:MM.")],
        invalid_value_message=HOURS_MESSAGE,
    )
    working_day_ends = TimeField(
        "Working day ends",
        format=TIME_FORMATS,
        validators=[InputRequired("Enter when the team's working day ends, as HH:MM."), parsed],
        invalid_value_message=HOURS_MESSAGE,
    )
    weekly_interview_limit = IntegerField(
        "Interviews a week per person",
        validators=[
            InputRequired("Enter how many interviews one person takes in a week."),
            parsed,
            between(1, 40, "Enter from 1 to 40 interviews a week."),
        ],
        invalid_value_message="Enter a whole number of interviews, such as 5.",
        render_kw={"min": 1, "max": 40, "inputmode": "numeric"},
    )

    def validate_working_day_ends(self, field: TimeField) -> None:
        _ends_after_start(self.working_day_starts, field)

    def policy(self) -> TeamPolicy:
        return TeamPolicy(**{name: self[name].data for name in TeamPolicy.__dataclass_fields__})


class InterviewingWeekForm(Form):
    """A person's own week; each blank follows the team's setting."""

    weekly_interview_limit = IntegerField(
        "Interviews a week",
        validators=[
            Optional(),
            parsed,
            between(0, 40, "Enter from 0 to 40 interviews a week, or leave it blank."),
        ],
        invalid_value_message="Enter a whole number of interviews, or leave it blank.",
        render_kw={"min": 0, "max": 40, "inputmode": "numeric"},
    )
    working_day_starts = TimeField(
        "Their working day starts",
        format=TIME_FORMATS,
        validators=[Optional()],
        invalid_value_message=HOURS_MESSAGE,
    )
    working_day_ends = TimeField(
        "Their working day ends",
        format=TIME_FORMATS,
        validators=[Optional()],
        invalid_value_message=HOURS_MESSAGE,
    )

    def validate_working_day_ends(self, field: TimeField) -> None:
        _ends_after_start(self.working_day_starts, field)

    def validate(self, extra_validators=None) -> bool:
        # Optional() stops a blank field's own checks, so the pair is checked here.
        valid = super().validate(extra_validators)
        starts, ends = self.working_day_starts, self.working_day_ends
        if not (starts.errors or ends.errors) and (starts.data is None) != (ends.data is None):
            blank = ends if ends.data is None else starts
            blank.errors = [
                *blank.errors,
                "Give both the start and the end of their working day, or leave both blank.",
            ]
            return False
        return valid
