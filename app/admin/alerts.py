"""Tell the admins when an account is under attack: failures for it from everywhere crossed
the account-wide limit. Sent once per episode (the count crosses its limit once until it has
been quiet for a whole window); unknown emails alert nobody."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from ..auth.accounts import find_user_by_email
from ..extensions import db
from ..models import Role, User
from ..notify.outbox import queue_mail


def tell_admins_of_attack(sender: object, *, email: str, failures: int, now: datetime) -> None:
    account = find_user_by_email(email)
    if account is None:
        return
    admins = db.session.execute(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
    ).scalars()
    current_app.logger.warning(
        "account under attack", extra={"user_id": account.id, "failures": failures}
    )
    for admin in admins:
        queue_mail(
            "account_under_attack",
            admin,
            f"attack.u{account.id}.a{admin.id}.{now:%Y%m%dT%H%M%S%f}",
            payload={
                "account": account.email,
                "name": account.name,
                "failures": failures,
                "window_minutes": int(float(current_app.config["SIGN_IN_WINDOW_MINUTES"])),
            },
        )
