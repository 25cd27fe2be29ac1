"""Failed sign-in throttling, counted in the database so every gunicorn worker sees one count.

Three counts, so that failing on purpose cannot lock anyone else out:
- an account from one client address (strict): the person guessing is slowed down;
- one address across every account (strict): one machine trying many accounts is slowed down;
- an account from everywhere (loose: a high limit and short delays), which never applies to an
  address that account signed in from lately, so an attacker elsewhere cannot keep the real
  user out. Crossing its limit tells the admins (the `account_under_attack` signal).
Past a limit, each further failure locks that count for longer (doubling from a first delay up
to a cap), and its window restarts, so a patient attacker keeps getting slower; quiet for a
whole window, a count starts again. Checking costs one indexed query.

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

from blinker import Namespace
from flask import current_app
from sqlalchemy import case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import SignInThrottle, TrustedSignIn
from ..storage.types import UTCDateTime, utcnow
from ..web.timefmt import zone
from .accounts import normalise_email

# Sent (email=, failures=, now=) when an account's failures from everywhere cross their limit:
# a feature above this one (admin) tells the admins.
account_under_attack = Namespace().signal("account-under-attack")


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


def pair_key(email: str, address: str | None) -> str:
    return _key("pair", f"{normalise_email(email)} {address or 'unknown'}")


@dataclass(frozen=True)
class Policy:
    """How one count throttles: its limit, and the delays once past it."""

    limit: int
    first_delay: timedelta
    max_delay: timedelta

    def delay(self, failures: int) -> timedelta | None:
        """How long to lock after the `failures`-th failure; None below the limit."""
        if failures < self.limit:
            return None
        doublings = min(failures - self.limit, 30)
        return min(self.first_delay * 2**doublings, self.max_delay)


def _policies() -> dict[str, Policy]:
    config = current_app.config

    def policy(prefix: str) -> Policy:
        return Policy(
            int(config[f"SIGN_IN_{prefix}_LIMIT"]),
            timedelta(seconds=float(config[f"SIGN_IN_{prefix}_FIRST_DELAY_SECONDS"])),
            timedelta(minutes=float(config[f"SIGN_IN_{prefix}_MAX_DELAY_MINUTES"])),
        )

    return {"pair": policy("PAIR"), "address": policy("ADDRESS"), "account": policy("ACCOUNT")}


def _minutes(name: str) -> timedelta:
    return timedelta(minutes=float(current_app.config[name]))


def _is_trusted(email: str, address: str | None, now: datetime) -> bool:
    return (
        db.session.execute(
            select(TrustedSignIn.id).where(
                TrustedSignIn.key == pair_key(email, address), TrustedSignIn.trusted_until > now
            )
        ).first()
        is not None
    )


def refusal(email: str, address: str | None, now: datetime | None = None) -> Refusal | None:
    """The lock that refuses this attempt now, if any (the latest when several are locked)."""
    now = now or utcnow()
    keys = [pair_key(email, address), address_key(address)]
    if not _is_trusted(email, address, now):
        keys.append(account_key(email))
    until = db.session.execute(
        select(SignInThrottle.locked_until).where(
            SignInThrottle.key.in_(keys), SignInThrottle.locked_until > now
        )
    ).scalars()
    latest = max(until, default=None)
    return Refusal(latest) if latest is not None else None


def _insert():
    dialect = db.session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def record_failure(email: str, address: str | None, now: datetime | None = None) -> None:
    """Count one failed attempt against the pair, the address and the account: one atomic
    upsert each (workers failing at the same moment both count), then the lock its count
    earns."""
    now = now or utcnow()
    window = _minutes("SIGN_IN_WINDOW_MINUTES")
    table = SignInThrottle.__table__
    insert = _insert()
    policies = _policies()
    keys = {"pair": pair_key(email, address), "address": address_key(address)}
    keys["account"] = account_key(email)
    for kind, key in keys.items():
        policy = policies[kind]
        quiet = table.c.window_started_at < now - window
        failures = case((quiet, 1), else_=table.c.failures + 1)
        statement = insert(table).values(key=key, failures=1, window_started_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": failures,
                # Past the limit the window restarts at each failure: the lock keeps growing.
                "window_started_at": case(
                    (quiet | (failures >= policy.limit), literal(now, UTCDateTime())),
                    else_=table.c.window_started_at,
                ),
            },
        ).returning(table.c.failures)
        count = db.session.execute(statement).scalar_one()
        delay = policy.delay(count)
        if delay is not None:
            db.session.execute(
                update(table).where(table.c.key == key).values(locked_until=now + delay)
            )
        if kind == "account" and count == policy.limit:
            account_under_attack.send(email=normalise_email(email), failures=count, now=now)
    _forget_stale(now, window)


def _forget_stale(now: datetime, window: timedelta) -> None:
    """Drop rows whose window and lock are both over: they count nothing any more."""
    db.session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.window_started_at < now - window,
            or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until <= now),
        )
    )


def signed_in(email: str, address: str | None, now: datetime | None = None) -> None:
    """The right password: forgive this pair's failures and trust the pair for a while."""
    now = now or utcnow()
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.key == pair_key(email, address)))
    trusted_until = now + timedelta(days=float(current_app.config["SIGN_IN_TRUST_DAYS"]))
    key = pair_key(email, address)
    statement = _insert()(TrustedSignIn).values(key=key, trusted_until=trusted_until)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[TrustedSignIn.key], set_={"trusted_until": trusted_until}
        )
    )
    db.session.execute(delete(TrustedSignIn).where(TrustedSignIn.trusted_until <= now))


def clear_account(email: str) -> None:
    """A new password forgives every count of the account (each address's pair included
    lives on until its window ends, as a guess made against the old password)."""
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.key == account_key(email)))
