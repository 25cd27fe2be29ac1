"""The opening and candidate forms: every rule says what to fix, and what was typed is kept."""

from __future__ import annotations

from datetime import time
from typing import Any

from sqlalchemy import select
from wtforms import (
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    StopValidation,
    ValidationError,
)

from ..auth.permissions import can
from ..extensions import db
from ..library.store import latest_versions
from ..models import Opening, Role, RubricVersion, ScriptVersion, User
from ..web.input import Form, PlainText, canonical_zone, known_zone, strip
from .catalogue import CandidateDetails, OpeningDetails

MAX_DEBRIEF_DELAY = 240
RETIRED = "No longer in the library"
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]  # Chromium sends seconds when the step is under a minute


def _optional_int(value: Any) -> Any:
    """Ids from a <select>: "" is no choice; anything not a number is left to fail the choice."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _parsed(form: Form, field: Any) -> None:
    """Stop after a value that could not be read: one message, not one per later rule."""
    if field.process_errors:
        raise StopValidation()


def _between(low: int, high: int, message: str):
    def _check(form: Form, field: Any) -> None:
        if field.data is not None and not low <= field.data <= high:
            raise ValidationError(message)

    return _check


class OpeningForm(Form):
    title = StringField(
        "Title",
        filters=[strip],
        validators=[
            DataRequired("Enter the opening's title, for example Senior Backend Engineer."),
            Length(max=200, message="Shorten the title to 200 characters or fewer."),
            PlainText(),
        ],
    )
    hiring_manager_id = SelectField(
        "Hiring manager",
        coerce=_optional_int,
        validators=[DataRequired("Choose the hiring manager who decides on this opening.")],
        invalid_choice_message="Choose one of the hiring managers in the list.",
    )
    pitch_text = TextAreaField(
        "Pitch",
        validators=[
            Length(
                max=5000,
                message="Shorten the pitch to 5,000 characters or fewer: it is told in about "
                "five minutes.",
            ),
            PlainText(multiline=True),
        ],
    )
    competency_keys = SelectMultipleField(
        "Competencies",
        validators=[DataRequired("Pick at least one competency the loop must cover.")],
        invalid_choice_message=lambda n: (
            "'%(value)s' " + ("is" if n == 1 else "are") + " not in the rubric library: "
            "pick competencies from the list."
        ),
    )
    default_script_key = SelectField(
        "Default script",
        validators=[DataRequired("Choose the script this opening's interviews start from.")],
        invalid_choice_message="Choose one of the scripts in the list.",
    )
    default_rubric_key = SelectField(
        "Default rubric",
        validators=[DataRequired("Choose the rubric this opening's interviews are scored on.")],
        invalid_choice_message="Choose one of the rubrics in the list.",
    )
    debrief_delay_minutes = IntegerField(
        "Debrief delay (minutes)",
        default=30,
        validators=[
            InputRequired(
                f"Enter how many minutes after the last interview the debrief starts, "
                f"from 0 to {MAX_DEBRIEF_DELAY}."
            ),
            _parsed,
            _between(
                0,
                MAX_DEBRIEF_DELAY,
                f"Enter a delay from 0 to {MAX_DEBRIEF_DELAY} minutes: a prompt debrief keeps "
                "the evidence fresh.",
            ),
        ],
        invalid_value_message="Enter the delay in whole minutes, for example 30.",
        render_kw={"min": 0, "max": MAX_DEBRIEF_DELAY, "step": 1, "inputmode": "numeric"},
    )

    def details(self) -> OpeningDetails:
        return OpeningDetails(
            title=self.title.data,
            hiring_manager_id=self.hiring_manager_id.data,
            pitch_text=(self.pitch_text.data or "").strip(),
            competency_keys=list(dict.fromkeys(self.competency_keys.data)),
            default_script_key=self.default_script_key.data,
            default_rubric_key=self.default_rubric_key.data,
            debrief_delay_minutes=self.debrief_delay_minutes.data,
        )


def _library_choices(versions: list, current: str | None, placeholder: str) -> list[SelectChoice]:
    choices = [SelectChoice("", placeholder)]
    choices += [SelectChoice(v.key, v.title) for v in versions]
    if current and current not in {v.key for v in versions}:
        choices.append(SelectChoice(current, f"{current} ({RETIRED.lower()})"))
    return choices


def _competency_choices(rubrics: list[RubricVersion], current: list[str]) -> list[SelectChoice]:
    """Every competency of the library's latest rubrics, grouped by rubric; a key the opening
    already has that the library dropped stays on offer, so editing does not fail on it."""
    choices, seen = [], set()
    for rubric in rubrics:
        for competency in rubric.competencies:
            if competency["key"] not in seen:
                seen.add(competency["key"])
                choices.append(
                    SelectChoice(competency["key"], competency["name"], optgroup=rubric.title)
                )
    choices += [SelectChoice(key, key, optgroup=RETIRED) for key in current if key not in seen]
    return choices


def assignable_managers(user: User) -> list[User]:
    """Active hiring managers that `user` may make an opening's hiring manager."""
    managers = db.session.execute(
        select(User)
        .where(User.role == Role.HIRING_MANAGER, User.active.is_(True))
        .order_by(User.name)
    ).scalars()
    return [m for m in managers if can(user, "opening.assign", m)]


def opening_form(user: User, opening: Opening | None = None) -> OpeningForm:
    """The form for a new opening (`opening` None) or for editing one, with the library's
    current choices. A hiring manager creating one is its hiring manager by default."""
    data = {}
    if opening is None and user.role == Role.HIRING_MANAGER:
        data["hiring_manager_id"] = user.id
    form = OpeningForm(obj=opening, data=data)
    managers = assignable_managers(user)
    form.hiring_manager_id.choices = [SelectChoice("", "Choose a hiring manager")] + [
        SelectChoice(str(m.id), m.name) for m in managers
    ]
    rubrics = latest_versions(RubricVersion)
    current = list(opening.competency_keys) if opening else []
    form.competency_keys.choices = _competency_choices(rubrics, current)
    form.default_script_key.choices = _library_choices(
        latest_versions(ScriptVersion),
        opening.default_script_key if opening else None,
        "Choose a script",
    )
    form.default_rubric_key.choices = _library_choices(
        rubrics, opening.default_rubric_key if opening else None, "Choose a rubric"
    )
    return form


class CandidateForm(Form):
    name = StringField(
        "Name",
        filters=[strip],
        validators=[
            DataRequired("Enter the candidate's name."),
            Length(max=200, message="Shorten the name to 200 characters or fewer."),
            PlainText(),
        ],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        "Email",
        filters=[strip],
        validators=[
            DataRequired("Enter the candidate's email address."),
            Length(max=254, message="Shorten the email address to 254 characters or fewer."),
            Email("Enter an email address in the form name@example.com."),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    time_zone = StringField(
        "Time zone",
        filters=[canonical_zone],
        validators=[
            DataRequired("Enter the candidate's time zone as an IANA name, such as Europe/Berlin."),
            known_zone,
        ],
        render_kw={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"},
    )
    working_hours_start = TimeField(
        "Working day starts",
        format=TIME_FORMATS,
        default=time(9, 0),
        validators=[InputRequired("Enter when the candidate's working day starts, as HH:MM.")],
        invalid_value_message="Enter the start as a 24-hour time HH:MM, for example 09:00.",
    )
    working_hours_end = TimeField(
        "Working day ends",
        format=TIME_FORMATS,
        default=time(17, 0),
        validators=[
            InputRequired("Enter when the candidate's working day ends, as HH:MM."),
            _parsed,
        ],
        invalid_value_message="Enter the end as a 24-hour time HH:MM, for example 17:30.",
    )

    def validate_working_hours_end(self, field: TimeField) -> None:
        start = self.working_hours_start.data
        if start is not None and field.data is not None and field.data <= start:
            raise ValidationError(
                f"The working day must end after it starts: enter an end later than "
                f"{start.strftime('%H:%M')}."
            )

    def details(self) -> CandidateDetails:
        return CandidateDetails(
            name=self.name.data,
            email=self.email.data,
            time_zone=self.time_zone.data,
            working_hours_start=self.working_hours_start.data,
            working_hours_end=self.working_hours_end.data,
        )


def candidate_form(candidate: Any = None) -> CandidateForm:
    return CandidateForm(obj=candidate)
