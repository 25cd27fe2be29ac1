"""Who is calling the API and what they may do: the token in `Authorization: Bearer`, the
person it acts for, and the site's own permission rules within the token's scopes."""

from __future__ import annotations

from typing import Any

from flask import g, request

from ..auth.permissions import can, refusal_reason
from ..auth.tokens import token_for
from ..models import ApiScope, ApiToken, User
from .errors import fail

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def authenticate() -> None:
    """Every API blueprint's before_request: a live token, with the scope the method needs.
    Cookies count for nothing here, so no page's session can be borrowed to write."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        fail(
            401,
            "token_missing",
            "Send an API token as `Authorization: Bearer <token>`. An admin issues tokens "
            "under API tokens.",
        )
    token = token_for(secret.strip())
    if token is None:
        fail(
            401,
            "token_invalid",
            "This token is not valid: it was revoked, mistyped, or its person is deactivated.",
        )
    g.api_token = token
    need_scope(ApiScope.READ if request.method in READ_METHODS else ApiScope.WRITE)


def current_token() -> ApiToken:
    return g.api_token


def caller() -> User:
    """The person the token acts for: every rule is asked about them."""
    return g.api_token.user


def need_scope(scope: ApiScope) -> None:
    if not current_token().allows(scope):
        fail(
            403,
            "missing_scope",
            f"This token lacks the {scope.value} scope. An admin can issue one that has it.",
        )


def allow(action: str, target: Any = None) -> None:
    """Refuse (403) unless the token's person may do `action` to `target`: the same rule as
    on the site's pages."""
    if not can(caller(), action, target):
        fail(
            403,
            "forbidden",
            refusal_reason(caller(), action, target)
            or f"{caller().name}, whom this token acts for, may not do this.",
        )
