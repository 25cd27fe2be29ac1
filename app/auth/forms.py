from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ..web.input import Form
from .accounts import MIN_PASSWORD_LENGTH


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
