"""The admin forms: every rule says what to fix, and what was typed is kept."""

from __future__ import annotations

from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from ..auth.accounts import find_user_by_email, normalise_email
from ..models import ApiScope, Role, User
from ..web.input import Form, MultiCheckboxField, PlainText, canonical_zone, known_zone, strip
from .users import NewUser

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]
ROLE_HELP = (
    "Admins manage accounts and see everything; a hiring manager decides on their own openings; "
    "coordinators plan loops; interviewers see their own interviews."
)


class NewUserForm(Form):
    name = StringField(
        "Name",
        filters=[strip],
        validators=[
            DataRequired("Enter the person's name."),
            Length(max=200, message="Shorten the name to 200 characters or fewer."),
            PlainText(),  # NUL cannot even be stored on PostgreSQL
        ],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        "Email",
        filters=[strip],
        validators=[
            DataRequired("Enter the person's email address: they sign in with it."),
            Length(max=254, message="Shorten the email address to 254 characters or fewer."),
            Email("Enter an email address in the form name@example.com."),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    role = SelectField(
        "Role",
        choices=ROLE_CHOICES,
        default=Role.INTERVIEWER.value,
        validators=[DataRequired("Choose a role.")],
        invalid_choice_message="Choose one of the roles in the list.",
    )
    time_zone = StringField(
        "Time zone",
        default="UTC",
        filters=[canonical_zone],
        validators=[
            DataRequired("Enter the person's time zone, such as Europe/Berlin."),
            known_zone,
        ],
        render_kw={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"},
    )

    def validate_email(self, field: EmailField) -> None:
        # WTForms runs this even when an earlier validator refused the text (NUL and all).
        if field.errors:
            return
        if find_user_by_email(field.data) is not None:
            raise ValidationError(
                f"{normalise_email(field.data)} already has an account: find it in the list "
                "of users instead."
            )

    def details(self) -> NewUser:
        return NewUser(
            name=self.name.data,
            email=self.email.data,
            role=self.role.data,
            time_zone=self.time_zone.data,
        )


SENIORITY_CHOICES = [
    SelectChoice("1", "1: new to interviewing"),
    SelectChoice("2", "2"),
    SelectChoice("3", "3: experienced"),
    SelectChoice("4", "4"),
    SelectChoice("5", "5: most senior"),
]


class SeniorityForm(Form):
    seniority = SelectField(
        "Seniority",
        choices=SENIORITY_CHOICES,
        validators=[DataRequired("Choose a seniority from 1 to 5.")],
        invalid_choice_message="Choose a seniority from 1 to 5.",
    )


class RoleForm(Form):
    role = SelectField(
        "Role",
        choices=ROLE_CHOICES,
        validators=[DataRequired("Choose a role.")],
        invalid_choice_message="Choose one of the roles in the list.",
    )


SCOPE_CHOICES = [SelectChoice(scope.value, scope.label) for scope in ApiScope]
SCOPE_HELP = (
    "Read: openings, candidates, loops, submitted scorecards and decisions. Write: add and "
    "update candidates, plan loops. Private answers: the scorecards' private fields (logistics, "
    "pay), where the person may read them. A token never does more than its person may."
)


class ApiTokenForm(Form):
    name = StringField(
        "What it is for",
        filters=[strip],
        validators=[
            DataRequired("Name the token after what will use it, such as 'Greenhouse sync'."),
            Length(max=120, message="Shorten the name to 120 characters or fewer."),
            PlainText(),
        ],
        render_kw={"autocomplete": "off"},
    )
    person = SelectField(
        "Acts for",
        coerce=int,
        validators=[DataRequired("Choose whose access the token carries.")],
        invalid_choice_message="Choose an active person from the list.",
    )
    scopes = MultiCheckboxField(
        "Scopes",
        choices=SCOPE_CHOICES,
        validators=[DataRequired("Choose at least one scope.")],
    )

    def offer(self, people: list[User]) -> ApiTokenForm:
        self.person.choices = [
            SelectChoice(p.id, f"{p.name} ({p.role.replace('_', ' ')})") for p in people
        ]
        return self

    def chosen_scopes(self) -> list[ApiScope]:
        return [ApiScope(value) for value in self.scopes.data]
