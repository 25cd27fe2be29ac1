"""One-time password links: an admin issues one, its holder sets a new password with it once.

Only the SHA-256 of the token is stored (the token is 256 random bits, so a plain hash cannot be
reversed by guessing); the token itself is shown once, to the admin who passes it on. A new link
for a user replaces any unused one, and a link stops working when used, when it expires, or when
its user is deactivated.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from ..extensions import db
from ..models import PasswordResetLink, User, record_audit
from ..storage.types import utcnow
from .accounts import MIN_PASSWORD_LENGTH, AccountError
from .sessions import end_all_sessions


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_reset_link(actor: User, user: User, now: datetime | None = None) -> tuple[str, datetime]:
    """A fresh token for `user` and when it expires. Flushes; the caller commits. Open sessions
    go on until the password is set with it (an interviewer mid-call is not cut off)."""
    now = now or utcnow()
    expires_at = now + timedelta(hours=float(current_app.config["PASSWORD_RESET_HOURS"]))
    db.session.execute(
        delete(PasswordResetLink).where(
            PasswordResetLink.user_id == user.id, PasswordResetLink.used_at.is_(None)
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordResetLink(
            user_id=user.id,
            token_hash=token_hash(token),
            issued_by_id=actor.id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    db.session.flush()
    record_audit(actor, "user.reset_link_issued", user, expires_at=expires_at.isoformat())
    return token, expires_at


def usable_link(hashed: str | None, now: datetime | None = None) -> PasswordResetLink | None:
    """The unused, unexpired link of an active user with this token hash, or None."""
    if not hashed:
        return None
    now = now or utcnow()
    return db.session.execute(
        select(PasswordResetLink)
        .join(User, PasswordResetLink.user_id == User.id)
        .where(
            PasswordResetLink.token_hash == hashed,
            PasswordResetLink.used_at.is_(None),
            PasswordResetLink.expires_at > now,
            User.active.is_(True),
        )
    ).scalar_one_or_none()


def set_password_with_link(hashed: str, password: str, now: datetime | None = None) -> User | None:
    """Use the link once: set the password and mark the link used. None when the link is no
    longer usable (used meanwhile, expired, its user deactivated). Flushes; the caller commits."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    now = now or utcnow()
    link = usable_link(hashed, now)
    if link is None:
        return None
    # Conditional on still being unused: two tabs submitting at once set it only once.
    claimed = db.session.execute(
        update(PasswordResetLink)
        .where(PasswordResetLink.id == link.id, PasswordResetLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    user = link.user
    user.set_password(password)
    end_all_sessions(user)  # every browser signed in with the old password
    db.session.flush()
    record_audit(user, "user.password_set", user)
    return user
