"""The admin forms: every rule says what to fix, and what was typed is kept."""

from __future__ import annotations

from functools import cache
from typing import Any

from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from ..auth.accounts import find_user_by_email, normalise_email
from ..input import Form
from ..models import Role
from ..openings.forms import time_zone_names
from .users import NewUser

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]
ROLE_HELP = (
    "Admins manage accounts and see everything; a hiring manager decides on their own openings; "
    "coordinators plan loops; interviewers see their own interviews."
)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in time_zone_names()}


def _canonical_zone(value: Any) -> Any:
    """Europe/berlin becomes Europe/Berlin; anything unknown is kept as typed."""
    value = _strip(value)
    return _zones_by_folded_name().get(value.casefold(), value) if isinstance(value, str) else value


class NewUserForm(Form):
    name = StringField(
        "Name",
        filters=[_strip],
        validators=[
            DataRequired("Enter the person's name."),
            Length(max=200, message="Shorten the name to 200 characters or fewer."),
        ],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        "Email",
        filters=[_strip],
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
        filters=[_canonical_zone],
        validators=[DataRequired("Enter the person's time zone, such as Europe/Berlin.")],
        render_kw={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"},
    )

    def validate_email(self, field: EmailField) -> None:
        if find_user_by_email(field.data) is not None:
            raise ValidationError(
                f"{normalise_email(field.data)} already has an account: find it in the list "
                "of users instead."
            )

    def validate_time_zone(self, field: StringField) -> None:
        if field.data not in _zones_by_folded_name().values():
            raise ValidationError(
                f"“{field.data}” is not a time zone we know: use an IANA name such as "
                "Europe/Berlin, America/New_York or Asia/Kolkata."
            )

    def details(self) -> NewUser:
        return NewUser(
            name=self.name.data,
            email=self.email.data,
            role=self.role.data,
            time_zone=self.time_zone.data,
        )


class RoleForm(Form):
    role = SelectField(
        "Role",
        choices=ROLE_CHOICES,
        validators=[DataRequired("Choose a role.")],
        invalid_choice_message="Choose one of the roles in the list.",
    )
