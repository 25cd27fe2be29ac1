"""A real OpenID Connect provider on loopback (oidc-provider-mock) for the single sign-on
tests, and the admin's settings that point Loopkit at it.

The provider signs genuine ID tokens with its own keys. A person's claims are set before each
sign-in through its PUT /users/<sub>; the ID token starts from the standard claims and then
takes the person's, so claims such as a foreign `aud` or a past `exp` come out signed too."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests

from app.auth.sso import SsoChoice, save_sso_settings
from app.models import User

with warnings.catch_warnings():
    # The provider imports Authlib's older modules, and Authlib makes those warnings "always"
    # shown, past pytest's filters: they are about the provider, not about Loopkit.
    warnings.simplefilter("ignore", DeprecationWarning)
    import oidc_provider_mock

CLIENT_ID = "loopkit-tests"
CLIENT_SECRET = "loopkit-tests-secret"


@dataclass(frozen=True)
class IdentityProvider:
    issuer: str

    def person(self, sub: str, **claims: object) -> str:
        """Set what the provider says of `sub` at their next sign-in; returns `sub`."""
        response = requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=10)
        response.raise_for_status()
        return sub

    def expired_person(self, sub: str, **claims: object) -> str:
        """Someone whose ID token expired ten minutes ago (past Authlib's two-minute leeway)."""
        now = int(time.time())
        return self.person(sub, exp=now - 600, iat=now - 4200, **claims)

    def choice(self, **overrides: object) -> SsoChoice:
        values = {
            "enabled": True,
            "label": "Acme ID",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "allowed_domains": ["example.com"],
            "create_users": False,
            "new_user_role": "interviewer",
            "password_sign_in": "everyone",
        }
        return SsoChoice(**{**values, **overrides})

    def configure(self, admin: User, **overrides: object) -> None:
        """Point Loopkit at this provider, as the admin page would; the caller commits."""
        save_sso_settings(admin, self.choice(**overrides))


@contextmanager
def identity_provider() -> Iterator[IdentityProvider]:
    # require_nonce: Authlib sends one, and a provider that insists catches a client that stops.
    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        yield IdentityProvider(f"http://localhost:{server.server_port}")
