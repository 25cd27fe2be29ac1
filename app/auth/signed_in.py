"""Who signed this request in, without loading their row: for autosave, the hottest write.

Flask-Login's `current_user` builds the whole `User` through the ORM on every request; that was
about a fifth of an autosave's CPU. Autosave only needs the id: the statement that locks the
scorecard also reads the account's role and whether it is still active, and the permission
rules run on that. The session checks are Flask-Login's own (the same cookie, the same
"strong" session protection, the same session epoch), so a session that `current_user` would
refuse is refused here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, session
from flask_login import login_user
from sqlalchemy import ColumnElement, and_

from ..models import User

# Where the request log finds the id of a request that never loaded `current_user`.
CLAIMED_USER_KEY = "loopkit_claimed_user_id"
# The account's session epoch when this session signed in (see `User.session_epoch`).
SESSION_EPOCH_KEY = "loopkit_session_epoch"


def sign_in(user) -> None:
    """Start a signed-in session for `user`, remembering the account's session epoch."""
    login_user(user)
    session[SESSION_EPOCH_KEY] = user.session_epoch


def session_epoch() -> int:
    """The epoch this session signed in at (0 for sessions older than epochs)."""
    epoch = session.get(SESSION_EPOCH_KEY, 0)
    return epoch if isinstance(epoch, int) else -1  # never an account's epoch


def session_holds(user_id, epoch) -> ColumnElement[bool]:
    """SQL for "a session of this user at this epoch is still signed in": the account exists,
    is active, and no password was set since. Values or bind parameters alike."""
    return and_(User.id == user_id, User.active.is_(True), User.session_epoch == epoch)


@dataclass(frozen=True)
class SessionClaim:
    """Whom a session says it belongs to; true only while that account is active and still at
    this session epoch."""

    user_id: int
    epoch: int


@dataclass(frozen=True)
class SignedInUser:
    """What the permission rules read of a user, as one statement found it: only ever built
    from an account that is active, so `is_active` is a given."""

    id: int
    role: str
    is_authenticated: bool = True
    is_active: bool = True

    def get_id(self) -> str:
        return str(self.id)


def session_claim() -> SessionClaim | None:
    """Whom this request's session says it belongs to, after Flask-Login's session protection;
    None when signed out. The caller still checks the claim against the users table."""
    if current_app.login_manager._session_protection_failed():
        return None
    try:
        user_id = int(session.get("_user_id"))
    except (TypeError, ValueError):
        return None
    g.setdefault(CLAIMED_USER_KEY, user_id)
    return SessionClaim(user_id, session_epoch())
