"""Tokens for the demo team, and a client that calls the API with one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.auth.tokens import issue_token
from app.demo import DemoTeam
from app.extensions import db
from app.models import ApiScope

from ..debriefs.test_debrief import debrief_ready  # noqa: F401  (a fixture the API tests share)

ALL_SCOPES = [ApiScope.READ, ApiScope.WRITE, ApiScope.PRIVATE]


class ApiClient:
    """The test client with `Authorization: Bearer <token>` on every call."""

    def __init__(self, client: FlaskClient, secret: str) -> None:
        self.client = client
        self.secret = secret

    def headers_with(self, headers: dict | None) -> dict:
        return {"Authorization": f"Bearer {self.secret}", **(headers or {})}

    def get(self, url: str, **kwargs):
        return self.client.get(
            url, headers=self.headers_with(kwargs.pop("headers", None)), **kwargs
        )

    def post(self, url: str, **kwargs):
        return self.client.post(
            url, headers=self.headers_with(kwargs.pop("headers", None)), **kwargs
        )

    def patch(self, url: str, **kwargs):
        return self.client.patch(
            url, headers=self.headers_with(kwargs.pop("headers", None)), **kwargs
        )


@pytest.fixture
def token_for(app: Flask, demo: DemoTeam) -> Callable[..., str]:
    """token_for("priya", [scopes]) -> the secret of a fresh token acting for that person."""

    def _issue(who: str, scopes: list[ApiScope] | None = None) -> str:
        secret, _ = issue_token(
            demo.users["admin"], demo.users[who], f"{who}'s", scopes or ALL_SCOPES
        )
        db.session.commit()
        return secret

    return _issue


@pytest.fixture
def api_as(app: Flask, token_for) -> Callable[..., ApiClient]:
    def _client(who: str, scopes: list[ApiScope] | None = None) -> ApiClient:
        return ApiClient(app.test_client(), token_for(who, scopes))

    return _client
