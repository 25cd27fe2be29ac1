"""Managing user accounts: the plain functions behind the admin screens.

Two rules keep a team from locking itself out: an admin cannot deactivate their own account,
and no change may leave the team without an active admin.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from ..auth.accounts import AccountError, create_user
from ..auth.sessions import end_all_sessions
from ..extensions import db
from ..models import Role, User, record_audit

PER_PAGE = 50


@dataclass(frozen=True)
class NewUser:
    name: str
    email: str
    role: str
    time_zone: str


def list_users(page: int = 1):
    """Every account, admins' view: active first, by name; one count and one page query."""
    statement = select(User).order_by(User.active.desc(), User.name, User.id)
    return db.paginate(statement, page=max(page, 1), per_page=PER_PAGE, error_out=False)


def active_people() -> list[User]:
    """Everyone who can sign in now, by name: whom a token may act for."""
    return list(
        db.session.execute(select(User).where(User.active.is_(True)).order_by(User.name)).scalars()
    )


def add_user(actor: User, details: NewUser) -> User:
    """A new account with a random password nobody knows: its owner sets their own with the
    password link issued next. Flushes; the caller commits."""
    user = create_user(
        details.email, details.name, details.role, secrets.token_urlsafe(32), details.time_zone
    )
    record_audit(actor, "user.created", user, role=user.role)
    return user


def _other_active_admins(user: User) -> int:
    """Active admins besides `user`, counted with their rows locked (PostgreSQL), so two
    admins demoting each other at the same moment cannot both succeed."""
    ids = (
        db.session.execute(
            select(User.id)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
            .with_for_update()
        )
        .scalars()
        .all()
    )
    return len(ids)


def _guard_last_admin(user: User, what: str) -> None:
    if user.role == Role.ADMIN and user.active and _other_active_admins(user) == 0:
        raise AccountError(
            f"{user.name} is the only active admin: {what} would leave nobody to manage "
            "accounts. Make someone else an admin first."
        )


def change_role(actor: User, user: User, role: str) -> bool:
    """Give `user` another role; False when it is the one they have. Audited."""
    if role not in {r.value for r in Role}:
        raise AccountError("Choose one of the roles in the list.")
    if role == user.role:
        return False
    if role != Role.ADMIN:
        _guard_last_admin(user, "taking away their admin role")
    old = user.role
    user.role = role
    db.session.flush()
    record_audit(actor, "user.role_changed", user, old=old, new=role)
    return True


def set_seniority(actor: User, user: User, seniority: int) -> bool:
    """Where `user` speaks in a debrief: the least senior first. False when unchanged."""
    if seniority == user.seniority:
        return False
    old = user.seniority
    user.seniority = seniority
    db.session.flush()
    record_audit(actor, "user.seniority_changed", user, old=old, new=seniority)
    return True


def deactivate(actor: User, user: User) -> bool:
    """Stop `user` signing in and end every session they have open; reactivating brings none
    of them back. False when already inactive."""
    if user.id == actor.id:
        raise AccountError("You cannot deactivate your own account. Ask another admin.")
    if not user.active:
        return False
    _guard_last_admin(user, "deactivating them")
    user.active = False
    end_all_sessions(user)
    db.session.flush()
    record_audit(actor, "user.deactivated", user)
    return True


def reactivate(actor: User, user: User) -> bool:
    if user.active:
        return False
    user.active = True
    db.session.flush()
    record_audit(actor, "user.reactivated", user)
    return True
