from __future__ import annotations

import re
from typing import Any

from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError
from wtforms.widgets import PasswordInput

from ..models import PasswordSignIn, Role
from ..web.input import Form, PlainText, strip
from .accounts import MIN_PASSWORD_LENGTH
from .oidc import issuer_problem
from .sso import SsoChoice


class SignInForm(Form):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )
    # On by default: an interviewer's week must not end at a browser restart; untick it on a
    # shared machine.
    remember = BooleanField("Keep me signed in on this device", default=True)
    submit = SubmitField("Sign in")


class NewPasswordForm(Form):
    password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=f"Use from {MIN_PASSWORD_LENGTH} to 200 characters: a longer password "
                "is a safer one.",
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "New password again",
        validators=[
            DataRequired("Type the new password a second time."),
            EqualTo("password", "The two passwords differ: type the same password twice."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


# An admin account is always made by hand: the provider's say-so is not enough for that.
NEW_USER_ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role if r is not Role.ADMIN]
PASSWORD_SIGN_IN_CHOICES = [
    SelectChoice(PasswordSignIn.EVERYONE.value, "Everyone may also sign in with a password"),
    SelectChoice(
        PasswordSignIn.ADMINS.value,
        "Only admins may sign in with a password; everyone else uses single sign-on",
    ),
]
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _domains(value: Any) -> Any:
    """The typed domains as a list: commas, spaces or new lines between them, a leading @
    allowed, case ignored."""
    if not isinstance(value, str):
        return value
    return [part.lstrip("@").lower() for part in re.split(r"[\s,;]+", value) if part.strip()]


class DomainListField(StringField):
    """Email domains typed as one line, kept as a list; shown again as typed."""

    def _value(self) -> str:
        if isinstance(self.data, list):
            return ", ".join(self.data)
        return super()._value()

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        self.data = _domains(self.data)


class SsoSettingsForm(Form):
    enabled = BooleanField("Offer “Sign in with …” on the sign-in page")
    label = StringField(
        "Provider's name on the button",
        filters=[strip],
        validators=[
            DataRequired("Name the provider as your team knows it, such as Google or Okta."),
            Length(max=60, message="Shorten the name to 60 characters or fewer."),
            PlainText(),
        ],
        render_kw={"autocomplete": "off"},
    )
    issuer = URLField(
        "Issuer",
        filters=[strip],
        validators=[
            DataRequired(
                "Enter the provider's issuer address, such as https://accounts.google.com."
            ),
            Length(max=300, message="Shorten the address to 300 characters or fewer."),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    client_id = StringField(
        "Client id",
        filters=[strip],
        validators=[
            DataRequired("Enter the client id the provider gave Loopkit."),
            Length(max=300, message="Shorten the client id to 300 characters or fewer."),
            PlainText(),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    # Typed text comes back if the form is refused; the stored secret is never shown.
    client_secret = PasswordField(
        "Client secret",
        filters=[strip],
        validators=[
            Length(max=500, message="Shorten the secret to 500 characters or fewer."),
            PlainText(),
        ],
        widget=PasswordInput(hide_value=False),
        render_kw={"autocomplete": "new-password"},
    )
    allowed_domains = DomainListField(
        "Email domains that may sign in",
        validators=[DataRequired("Name at least one email domain, such as example.com.")],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    create_users = BooleanField("Create an account at a person's first sign-in")
    new_user_role = SelectField(
        "Role of an account created at sign-in",
        choices=NEW_USER_ROLE_CHOICES,
        default=Role.INTERVIEWER.value,
        invalid_choice_message="Choose one of the roles in the list.",
    )
    password_sign_in = RadioField(
        "Password sign-in",
        choices=PASSWORD_SIGN_IN_CHOICES,
        default=PasswordSignIn.EVERYONE.value,
        invalid_choice_message="Choose one of the two options.",
    )

    def __init__(self, *args: Any, has_secret: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_secret = has_secret

    def validate_issuer(self, field: URLField) -> None:
        problem = issuer_problem(field.data or "")
        if problem:
            raise ValidationError(problem)

    def validate_client_secret(self, field: PasswordField) -> None:
        if not field.data and not self.has_secret:
            raise ValidationError("Enter the client secret the provider gave Loopkit.")

    def validate_allowed_domains(self, field: DomainListField) -> None:
        wrong = [domain for domain in field.data or [] if not DOMAIN.match(domain)]
        if wrong:
            raise ValidationError(
                f"{', '.join(wrong)[:200]} is not an email domain: write domains such as "
                "example.com, separated by commas."
            )

    def choice(self) -> SsoChoice:
        return SsoChoice(
            enabled=bool(self.enabled.data),
            label=self.label.data,
            issuer=self.issuer.data,
            client_id=self.client_id.data,
            client_secret=self.client_secret.data or "",
            allowed_domains=list(dict.fromkeys(self.allowed_domains.data)),
            create_users=bool(self.create_users.data),
            new_user_role=self.new_user_role.data,
            password_sign_in=self.password_sign_in.data,
        )
