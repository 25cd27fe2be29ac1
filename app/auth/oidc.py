"""The OpenID Connect client for the team's provider (Authlib's Flask integration), and the
check an admin's settings must pass before they are saved.

Authlib keeps one client per registered name, with the provider's discovery document and
keys. The name is a digest of what the client is made from, so changed settings get a fresh
client in every process, and two apps in one process (the tests) never share a stale one."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import requests
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from ..models import SingleSignOn

EXTENSION_KEY = "loopkit_oauth"
SCOPES = "openid email profile"
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class ProviderError(ValueError):
    """The provider's discovery document is missing or does not describe this issuer."""


def init_oauth(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = OAuth(app)


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def issuer_problem(issuer: str) -> str | None:
    """Why this issuer address cannot be used, or None. Plain http only on this machine (a
    provider in a test or a demo): elsewhere the ID token would travel unencrypted."""
    parts = urlsplit(issuer)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return None
    return "Use the provider's https:// address, for example https://accounts.google.com."


def check_provider(issuer: str) -> str:
    """Fetch the issuer's discovery document and return the issuer exactly as it spells it
    (the ID tokens' `iss` must match that string). Raises ProviderError saying what is
    wrong."""
    timeout = float(current_app.config["SSO_PROVIDER_TIMEOUT_SECONDS"])
    url = discovery_url(issuer)
    try:
        response = requests.get(url, timeout=timeout, allow_redirects=False)
    except requests.RequestException as error:
        raise ProviderError(f"Loopkit could not reach {url}: {type(error).__name__}.") from error
    if response.status_code != 200:
        raise ProviderError(f"{url} answered {response.status_code}, not a discovery document.")
    try:
        document = response.json()
    except ValueError as error:
        raise ProviderError(f"{url} did not answer with JSON.") from error
    if not isinstance(document, dict):
        raise ProviderError(f"{url} did not answer with a discovery document.")
    missing = [
        key
        for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        if not isinstance(document.get(key), str)
    ]
    if missing:
        raise ProviderError(f"The discovery document at {url} lacks {', '.join(missing)}.")
    if document["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise ProviderError(
            f"The provider calls itself {document['issuer']}, not {issuer}: use its own address."
        )
    return document["issuer"]


def provider_client(settings: SingleSignOn):
    """Authlib's client for these settings, made once per process and settings."""
    oauth: OAuth = current_app.extensions[EXTENSION_KEY]
    made_from = "\0".join([settings.issuer, settings.client_id, settings.client_secret])
    digest = hashlib.sha256(made_from.encode()).hexdigest()[:24]
    name = f"oidc-{digest}"
    return oauth.create_client(name) or oauth.register(
        name,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=discovery_url(settings.issuer),
        client_kwargs={
            "scope": SCOPES,
            "default_timeout": float(current_app.config["SSO_PROVIDER_TIMEOUT_SECONDS"]),
        },
    )
