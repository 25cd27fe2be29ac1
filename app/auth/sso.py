"""Single sign-on's rules: the team's provider settings, who may still use a password, and
which Loopkit account a provider's verified claims sign in (or refuse, saying why).

The redirect flow itself is Authlib's (app/auth/oidc.py); this module sees only the claims of
an ID token Authlib has already checked (signature, issuer, audience, expiry, nonce)."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, fields
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import PasswordSignIn, Role, SignInIdentity, SingleSignOn, User, record_audit
from ..storage.types import utcnow
from .accounts import AccountError, create_user, find_user_by_email, normalise_email

SETTINGS_ID = 1


class SignInRefused(Exception):
    """The provider signed someone in whom Loopkit will not; the message says why and what to
    do, in words for the person at the sign-in page."""


@dataclass(frozen=True)
class SsoChoice:
    """What an admin chose on the single sign-on page. A blank secret keeps the stored one."""

    enabled: bool
    label: str
    issuer: str
    client_id: str
    client_secret: str
    allowed_domains: list[str]
    create_users: bool
    new_user_role: str
    password_sign_in: str


def sso_settings() -> SingleSignOn | None:
    """The stored settings, on or off; None until an admin first saves them."""
    return db.session.execute(
        select(SingleSignOn).where(SingleSignOn.id == SETTINGS_ID)
    ).scalar_one_or_none()


def sso_in_force() -> SingleSignOn | None:
    """The settings while single sign-on is on, else None."""
    settings = sso_settings()
    return settings if settings is not None and settings.enabled else None


def password_sign_in_allowed(user: User, settings: SingleSignOn | None) -> bool:
    """Passwords work for everyone unless single sign-on is on (`settings`, from
    `sso_in_force`) and an admin kept them for admins only: admins always keep theirs, so a
    provider outage never locks the team out."""
    if settings is None or settings.password_sign_in == PasswordSignIn.EVERYONE:
        return True
    return user.role == Role.ADMIN


def save_sso_settings(actor: User, choice: SsoChoice) -> bool:
    """Store the admin's choice, audited with what changed (the secret only as "hidden");
    False when nothing did."""
    row = sso_settings()
    if row is None:
        row = SingleSignOn(id=SETTINGS_ID, client_secret="")
        db.session.add(row)
    wanted = asdict(choice)
    if not wanted["client_secret"]:
        wanted["client_secret"] = row.client_secret
    changed = {}
    for field in fields(SsoChoice):
        before, after = getattr(row, field.name), wanted[field.name]
        if before == after:
            continue
        if field.name == "client_secret":
            changed[field.name] = {"from": "hidden", "to": "a new one, hidden"}
        else:
            changed[field.name] = {"from": "unset" if before is None else before, "to": after}
        setattr(row, field.name, after)
    if not changed:
        return False
    row.updated_at = utcnow()
    db.session.flush()
    record_audit(actor, "sso.settings_changed", row, changes=changed)
    return True


def _verified_email(settings: SingleSignOn, claims: dict) -> str:
    email = normalise_email(str(claims.get("email") or ""))
    if "@" not in email:
        raise SignInRefused(
            f"{settings.label} did not tell Loopkit your email address, so it cannot tell who "
            "you are. Ask your admin to let Loopkit read the email claim."
        )
    # Absent is accepted: some providers (Microsoft Entra) leave the claim out, and the
    # issuer is the company's own tenant. An explicit false is an address nobody checked.
    if claims.get("email_verified") is False:
        raise SignInRefused(
            f"{settings.label} has not verified the address {email}. Verify it there, then "
            "sign in again."
        )
    domain = email.rsplit("@", 1)[1]
    if domain not in settings.allowed_domains:
        allowed = ", ".join(settings.allowed_domains)
        raise SignInRefused(
            f"Accounts at {domain} may not sign in here; only {allowed} accounts may. "
            "Sign in to the provider with your company account."
        )
    return email


def _identity(issuer: str, subject: str) -> SignInIdentity | None:
    return db.session.execute(
        select(SignInIdentity).where(
            SignInIdentity.issuer == issuer, SignInIdentity.subject == subject
        )
    ).scalar_one_or_none()


def _bind(settings: SingleSignOn, user: User, subject: str, now: datetime) -> SignInIdentity:
    """Bind the provider's account to `user` at their first single sign-on."""
    bound_elsewhere = db.session.execute(
        select(SignInIdentity.id).where(
            SignInIdentity.user_id == user.id, SignInIdentity.issuer == settings.issuer
        )
    ).first()
    if bound_elsewhere is not None:
        raise SignInRefused(
            f"The Loopkit account for {user.email} is already linked to another "
            f"{settings.label} account. Ask an admin to check which one is yours."
        )
    identity = SignInIdentity(
        user_id=user.id,
        issuer=settings.issuer,
        subject=subject,
        created_at=now,
        last_signed_in_at=now,
    )
    db.session.add(identity)
    db.session.flush()
    record_audit(None, "sso.identity_linked", user, issuer=settings.issuer)
    return identity


def _new_account(settings: SingleSignOn, email: str, claims: dict) -> User:
    if not settings.create_users:
        raise SignInRefused(
            f"There is no Loopkit account for {email}. Ask an admin to add you, then sign in again."
        )
    name = str(claims.get("name") or "").strip()[:200]
    try:
        # A random password nobody knows: this account signs in through the provider, or
        # with a password an admin's link lets them set.
        user = create_user(email, name, settings.new_user_role, secrets.token_urlsafe(32))
    except AccountError as error:
        raise SignInRefused(f"Loopkit could not create your account: {error}") from error
    record_audit(None, "user.created", user, via="single sign-on", role=user.role)
    return user


def user_for_claims(settings: SingleSignOn, claims: dict, now: datetime | None = None) -> User:
    """The active account these verified claims sign in, binding or creating it at the first
    sign-in; SignInRefused says why not. Flushes; the caller commits, or rolls back on a
    refusal."""
    now = now or utcnow()
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignInRefused(f"{settings.label} sent a sign-in without an account id. Try again.")
    email = _verified_email(settings, claims)
    identity = _identity(settings.issuer, subject)
    if identity is not None:
        user = identity.user
    else:
        user = find_user_by_email(email) or _new_account(settings, email, claims)
    if not user.active:
        raise SignInRefused(
            f"The Loopkit account for {user.email} is deactivated. Ask an admin if that is a "
            "mistake."
        )
    if identity is None:
        identity = _bind(settings, user, subject, now)
    identity.last_signed_in_at = now
    return user
