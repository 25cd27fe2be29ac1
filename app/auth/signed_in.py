"""Who signed this request in, without loading their row: for autosave, the hottest write.

Flask-Login's `current_user` builds the whole `User` through the ORM on every request; that was
about a fifth of an autosave's CPU. Autosave only needs the id: the statement that locks the
scorecard also reads the account's role and whether it is still active, and the permission
rules run on that. The session checks are Flask-Login's own (the same cookie, the same
"strong" session protection), so a session that `current_user` would refuse is refused here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, session

# Where the request log finds the id of a request that never loaded `current_user`.
CLAIMED_USER_KEY = "loopkit_claimed_user_id"


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


def claimed_user_id() -> int | None:
    """The user id this request's session carries, after Flask-Login's session protection;
    None when signed out. The caller still checks that the account exists and is active."""
    if current_app.login_manager._session_protection_failed():
        return None
    try:
        user_id = int(session.get("_user_id"))
    except (TypeError, ValueError):
        return None
    g.setdefault(CLAIMED_USER_KEY, user_id)
    return user_id
