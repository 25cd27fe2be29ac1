"""Failed sign-in throttling, per account and per client address, counted in the database.

Process memory would not do: each gunicorn worker would keep its own count, so N workers would
allow N times the limit. A row per key holds a fixed window's failure count; when it reaches the
limit the row is locked until a time, and every attempt for that account or from that address is
refused until then, the right password included. Checking costs one indexed query.

Keys are keyed hashes of the typed email (known or not: refusing only real accounts would tell
an attacker which exist) and of the client address; neither is stored as typed, and no password
is ever part of a key, a row or a log line.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import SignInThrottle
from ..storage.types import UTCDateTime, utcnow
from ..web.timefmt import zone
from .accounts import normalise_email


@dataclass(frozen=True)
class Refusal:
    """Sign-in is refused until `until`."""

    until: datetime

    def retry_after_seconds(self, now: datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds()))

    def message(self, now: datetime, time_zone: str | None = None) -> str:
        # Round the shown time up, so "try again at 14:05" is never before the lock ends.
        local = self.until.astimezone(zone(time_zone))
        if local.second or local.microsecond:
            local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
        minutes = max(1, math.ceil((self.until - now).total_seconds() / 60))
        wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
        return f"Too many failed sign-ins. Try again at {local:%H:%M} {local.tzname()} (in {wait})."


def _key(kind: str, value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{digest}"


def account_key(email: str) -> str:
    return _key("account", normalise_email(email))


def address_key(address: str | None) -> str:
    return _key("address", address or "unknown")


def _limits() -> dict[str, int]:
    config = current_app.config
    return {
        "account": int(config["SIGN_IN_ACCOUNT_LIMIT"]),
        "address": int(config["SIGN_IN_ADDRESS_LIMIT"]),
    }


def _minutes(name: str) -> timedelta:
    return timedelta(minutes=float(current_app.config[name]))


def refusal(email: str, address: str | None, now: datetime | None = None) -> Refusal | None:
    """The lock that refuses this attempt now, if any (the later one when both are locked)."""
    now = now or utcnow()
    until = db.session.execute(
        select(SignInThrottle.locked_until).where(
            SignInThrottle.key.in_([account_key(email), address_key(address)]),
            SignInThrottle.locked_until > now,
        )
    ).scalars()
    latest = max(until, default=None)
    return Refusal(latest) if latest is not None else None


def _insert():
    dialect = db.session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def record_failure(email: str, address: str | None, now: datetime | None = None) -> None:
    """Count one failed attempt against the account and the address (one atomic upsert each,
    so workers failing at the same moment both count)."""
    now = now or utcnow()
    window = _minutes("SIGN_IN_WINDOW_MINUTES")
    lock_until = literal(now + _minutes("SIGN_IN_LOCKOUT_MINUTES"), UTCDateTime())
    restart = literal(now, UTCDateTime())
    table = SignInThrottle.__table__
    insert = _insert()
    for kind, key in (("account", account_key(email)), ("address", address_key(address))):
        limit = _limits()[kind]
        expired = table.c.window_started_at < now - window
        failures = case((expired, 1), else_=table.c.failures + 1)
        statement = insert(table).values(
            key=key,
            failures=1,
            window_started_at=now,
            locked_until=(now + _minutes("SIGN_IN_LOCKOUT_MINUTES")) if limit <= 1 else None,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": failures,
                "window_started_at": case((expired, restart), else_=table.c.window_started_at),
                "locked_until": case((failures >= limit, lock_until), else_=table.c.locked_until),
            },
        )
        db.session.execute(statement)
    _forget_stale(now, window)


def _forget_stale(now: datetime, window: timedelta) -> None:
    """Drop rows whose window and lock are both over: they count nothing any more."""
    db.session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.window_started_at < now - window,
            or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until <= now),
        )
    )


def clear_account(email: str) -> None:
    """A successful sign-in (or a new password) forgives the account's failures."""
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.key == account_key(email)))
