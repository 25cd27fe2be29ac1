"""API tokens: an admin issues one for a person with some scopes, a caller presents it, an
admin revokes it.

A token is `lk_` and 256 random bits; only its SHA-256 is stored (a plain hash suffices for a
secret nobody can guess), so it is shown once, to the admin who issued it. It is refused once
revoked, and while its person is deactivated.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..models import ApiScope, ApiToken, User, record_audit
from ..storage.types import utcnow
from .resets import token_hash

PREFIX = "lk_"
# Last-used time is written at most this often: a busy caller must not turn every read into
# a write, and "used in the last minute" is as much as an admin needs to know.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token request that cannot be carried out; the message says what to change."""


def issue_token(
    actor: User, person: User, name: str, scopes: list[ApiScope]
) -> tuple[str, ApiToken]:
    """A new token acting for `person`, and the secret to hand over. Flushes; the caller
    commits."""
    if not person.is_active:
        raise TokenError(f"{person.name} is deactivated: a token for them would not work.")
    if not scopes:
        raise TokenError("Choose at least one scope.")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        user_id=person.id,
        scopes=sorted({scope.value for scope in scopes}),
        token_hash=token_hash(secret),
        hint=secret[-4:],
        issued_by_id=actor.id,
    )
    db.session.add(token)
    db.session.flush()
    record_audit(actor, "api_token.issued", token, acts_for=person.id, scopes=token.scopes)
    return secret, token


def revoke_token(actor: User, token: ApiToken) -> None:
    """Flushes; the caller commits. Revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        record_audit(actor, "api_token.revoked", token)


def token_for(secret: str | None, now: datetime | None = None) -> ApiToken | None:
    """The live token this secret belongs to (its person active), or None. Notes the use."""
    if not secret or not secret.startswith(PREFIX):
        return None
    token = db.session.execute(
        select(ApiToken).where(
            ApiToken.token_hash == token_hash(secret), ApiToken.revoked_at.is_(None)
        )
    ).scalar_one_or_none()
    if token is None or not token.user.is_active:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # A plain UPDATE, not the ORM row: the caller's own writes commit on their own terms.
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return token


def list_tokens() -> list[ApiToken]:
    return list(
        db.session.execute(
            select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        ).scalars()
    )
