"""The opening and candidate forms: every rule says what to fix, and what was typed is kept."""

from __future__ import annotations

from datetime import time
from typing import Any

from sqlalchemy import select
from wtforms import (
    BooleanField,
    DecimalField,
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
    NumberRange,
    Optional,
    ValidationError,
)

from ..auth.permissions import can
from ..extensions import db
from ..library.store import latest_versions
from ..models import Opening, Role, RubricVersion, ScriptVersion, User
from ..web.input import (
    TIME_FORMATS,
    Form,
    PlainText,
    between,
    canonical_zone,
    known_zone,
    parsed,
    strip,
)
from .catalogue import CandidateDetails, DecisionRules, OpeningDetails

MAX_DEBRIEF_DELAY = 240
RETIRED = "No longer in the library"


def _optional_int(value: Any) -> Any:
    """Ids from a <select>: "" is no choice; anything not a number is left to fail the choice."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


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
            parsed,
            between(
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
            parsed,
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


MAX_WEIGHT = 10
PANEL_LIMIT = 4  # past about four interviews each one adds little; raising it needs a reason


class DecisionRulesForm(Form):
    """How the debrief combines an opening's ratings. One weight and one must-have box per
    competency are added by `decision_rules_form`, named `weight-<key>` and `must-<key>`."""

    hire_threshold = DecimalField(
        "Line the composite must pass to point to hire",
        places=None,
        validators=[
            Optional(),
            parsed,
            NumberRange(1, 4, "Enter a level from 1 to 4, such as 2.5, or leave it empty."),
        ],
        invalid_value_message="Enter the line as a number, such as 2.5, or leave it empty.",
        render_kw={"inputmode": "decimal"},
    )
    min_raters = IntegerField(
        "Raters per weighted competency",
        default=2,
        validators=[
            InputRequired("Enter how many interviewers should rate each weighted competency."),
            parsed,
            between(1, 5, "Enter from 1 to 5 raters: two or more make a rating reliable."),
        ],
        invalid_value_message="Enter a whole number of raters, such as 2.",
        render_kw={"min": 1, "max": 5, "inputmode": "numeric"},
    )
    max_interviews = IntegerField(
        "Most interviews in a loop",
        default=PANEL_LIMIT,
        validators=[
            InputRequired("Enter the most interviews a loop of this opening should have."),
            parsed,
            between(1, 10, "Enter from 1 to 10 interviews."),
        ],
        invalid_value_message="Enter a whole number of interviews, such as 4.",
        render_kw={"min": 1, "max": 10, "inputmode": "numeric"},
    )
    max_interviews_reason = TextAreaField(
        "Why more than four",
        filters=[strip],
        validators=[
            Length(max=2000, message="Shorten the reason to 2,000 characters."),
            PlainText(),
        ],
    )

    competencies: list[tuple[str, str]] = []  # (key, name), set per opening

    def validate_max_interviews_reason(self, field: TextAreaField) -> None:
        raised = self.max_interviews.data is not None and self.max_interviews.data > PANEL_LIMIT
        if raised and len(field.data or "") < 20:
            raise ValidationError(
                "Say in at least 20 characters why this opening needs more than four "
                "interviews: the coordinator sees it when planning."
            )

    def weight(self, key: str):
        return self[f"weight-{key}"]

    def must_have(self, key: str):
        return self[f"must-{key}"]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        weights = [self.weight(key).data for key, _ in self.competencies]
        if valid and not any(w for w in weights):
            key = self.competencies[0][0]
            self.weight(key).errors.append("Give at least one competency a weight above 0.")
            return False
        return valid

    def rules(self) -> DecisionRules:
        threshold = self.hire_threshold.data
        return DecisionRules(
            competency_weights={
                key: float(self.weight(key).data)
                for key, _ in self.competencies
                if self.weight(key).data != 1
            },
            must_have_keys=[key for key, _ in self.competencies if self.must_have(key).data],
            hire_threshold=None if threshold is None else float(threshold),
            min_raters=self.min_raters.data,
            max_interviews=self.max_interviews.data,
            max_interviews_reason=(self.max_interviews_reason.data or None)
            if self.max_interviews.data > PANEL_LIMIT
            else None,
        )


def decision_rules_form(opening: Opening, names: dict[str, str]) -> DecisionRulesForm:
    """The rules form for `opening`: a weight and a must-have box per competency it covers,
    labelled by name (WTForms' documented way: fields set on a subclass)."""

    class OpeningRulesForm(DecisionRulesForm):
        pass

    competencies = [(key, names.get(key, key)) for key in opening.competency_keys]
    weights = opening.competency_weights or {}
    for key, name in competencies:
        setattr(
            OpeningRulesForm,
            f"weight-{key}",
            DecimalField(
                f"Weight of {name}",
                places=None,
                default=weights.get(key, 1),
                validators=[
                    InputRequired(f"Enter a weight for {name}, from 0 to {MAX_WEIGHT}."),
                    parsed,
                    NumberRange(0, MAX_WEIGHT, f"Enter a weight for {name} from 0 to 10."),
                ],
                invalid_value_message=f"Enter the weight of {name} as a number, such as 1.5.",
                render_kw={"inputmode": "decimal"},
            ),
        )
        setattr(
            OpeningRulesForm,
            f"must-{key}",
            BooleanField(f"{name} is a must-have", default=key in (opening.must_have_keys or [])),
        )
    OpeningRulesForm.competencies = competencies
    return OpeningRulesForm(obj=opening)
