"""Signed-in sessions the server can end.

Why rows and not only the signed cookie: a Flask session cookie is valid wherever it is
copied to until it expires, so signing out could not end a stolen copy. Here the cookie
carries a random token, and the session holds only while a `SignedInSession` row with that
token's hash exists: signing out deletes that row; deactivating an account or setting its
password deletes all of its rows, and reactivating brings none back.

Idle time is kept in the signed cookie itself (`seen_at`, refreshed at most once a minute), so
that reading a page never writes to the database. A remembered session ("keep me signed in
on this device", ticked by default so a browser restart mid-week signs nobody out) has a
cookie that outlives the browser and no idle limit; every session ends SESSION_REMEMBER_DAYS
after sign-in.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta

from flask import current_app, g, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, select

from ..extensions import db
from ..models import SignedInSession, User
from ..storage.types import utcnow
from ..web.logs import USER_ID_KEY

TOKEN_KEY = "loopkit_session"  # noqa: S105  (the session key it sits under, not a secret)
SEEN_KEY = "loopkit_seen_at"
SEEN_REFRESH_SECONDS = 60


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime() -> timedelta:
    return timedelta(days=float(current_app.config["SESSION_REMEMBER_DAYS"]))


def start_session(user: User, remember: bool, now: datetime | None = None) -> None:
    """Sign `user` in on this browser: a fresh session (nothing carried over from before
    sign-in) and its row. Flushes; the caller commits."""
    now = now or utcnow()
    # A session this browser still carries (say Flask-Login forgot who it was after the
    # browser's address changed) ends here: otherwise a copy of that cookie would outlive it.
    _delete_this_browsers_row()
    # This user's sessions past their lifetime are gone for good: nothing else removes them.
    db.session.execute(
        delete(SignedInSession).where(
            SignedInSession.user_id == user.id, SignedInSession.created_at < now - _lifetime()
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        SignedInSession(
            user_id=user.id, token_hash=_hash(token), remembered=remember, created_at=now
        )
    )
    db.session.flush()
    session.clear()
    login_user(user)
    session[TOKEN_KEY] = token
    session[SEEN_KEY] = int(time.time())
    # A remembered cookie outlives the browser. An unremembered one (the choice for a shared
    # machine) ends with it, and stays bound to this browser by Flask-Login's strong session
    # protection, which spares permanent sessions.
    session.permanent = remember


def _delete_this_browsers_row() -> None:
    token = session.get(TOKEN_KEY)
    if isinstance(token, str):
        db.session.execute(
            delete(SignedInSession).where(SignedInSession.token_hash == _hash(token))
        )


def end_session() -> None:
    """Sign out this browser; a copy of its cookie elsewhere stops working too. Needs only
    the cookie, not a signed-in user: a session Flask-Login no longer recognises ends too."""
    _delete_this_browsers_row()
    logout_user()
    session.clear()


def end_all_sessions(user: User) -> None:
    """End every session of this account (deactivated, or its password changed)."""
    db.session.execute(delete(SignedInSession).where(SignedInSession.user_id == user.id))


def load_signed_in_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the active account this session belongs to, while the
    session holds (its row exists, it is within its lifetime and, unless remembered, it was
    used within SESSION_IDLE_HOURS). One statement."""
    token, seen_at = session.get(TOKEN_KEY), session.get(SEEN_KEY)
    if not (isinstance(token, str) and isinstance(seen_at, int) and user_id.isdigit()):
        return None
    row = db.session.execute(
        select(User, SignedInSession.remembered)
        .join(SignedInSession, SignedInSession.user_id == User.id)
        .where(
            SignedInSession.token_hash == _hash(token),
            SignedInSession.user_id == int(user_id),
            SignedInSession.created_at > utcnow() - _lifetime(),
            User.active.is_(True),
        )
    ).one_or_none()
    if row is None:
        return None
    user, remembered = row
    now = int(time.time())
    idle_limit = float(current_app.config["SESSION_IDLE_HOURS"]) * 3600
    if not remembered and now - seen_at > idle_limit:
        return None
    if now - seen_at >= SEEN_REFRESH_SECONDS:
        session[SEEN_KEY] = now
    g.setdefault(USER_ID_KEY, user.id)
    return user
