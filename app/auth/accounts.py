"""Creating users and checking credentials: the plain functions behind views and the CLI."""

from __future__ import annotations

import secrets
from functools import cache

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Role, User
from ..web.input import is_canonical_zone

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A user-correctable problem with account data; the message says what to fix."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(func.lower(User.email) == normalise_email(email))
    ).scalar_one_or_none()


def create_user(email: str, name: str, role: str, password: str, time_zone: str = "UTC") -> User:
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError(f"{email!r} is not an email address.")
    if role not in {r.value for r in Role}:
        raise AccountError(f"Unknown role {role!r}: use one of {', '.join(r.value for r in Role)}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if not is_canonical_zone(time_zone):
        raise AccountError(
            f"Unknown time zone {time_zone!r}: use a canonical IANA name such as Europe/Berlin."
        )
    if find_user_by_email(email) is not None:
        raise AccountError(f"A user with the email {email} already exists.")
    user = User(email=email, name=name.strip() or email, role=role, time_zone=time_zone)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


@cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Same answer for unknown and wrong,
    in about the same time: an unknown email is checked against a decoy hash."""
    user = find_user_by_email(email)
    if user is None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        check_password_hash(_decoy_hash(method), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user
