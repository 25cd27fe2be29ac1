"""API tokens: issued by an admin and shown once, stored hashed, refused when revoked or
when their person is deactivated, with the time of last use; cookies sign no one in."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.auth.resets import token_hash
from app.extensions import db
from app.models import ApiScope, ApiToken, AuditEvent

from ..conftest import csrf_from, sign_in

OPENINGS = "/api/v1/openings"


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_a_call_without_a_token_gets_a_json_401_that_says_what_to_send(client, demo) -> None:
    response = client.get(OPENINGS)
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_missing"
    assert "Authorization: Bearer" in response.get_json()["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get(OPENINGS, headers=_bearer("lk_not-a-token")).get_json()["code"] == (
        "token_invalid"
    )


def test_a_signed_in_browser_cookie_is_no_token(client, demo) -> None:
    assert sign_in(client, "admin@example.com").status_code == 302
    assert client.get(OPENINGS).status_code == 401
    response = client.post("/api/v1/candidates", json={"opening_id": demo.opening.id})
    assert response.status_code == 401, "a page's session must not write through the API"


def test_the_admin_issues_a_token_shown_once_and_stored_only_as_a_hash(client, demo) -> None:
    sign_in(client, "admin@example.com")
    page = client.get("/admin/api-tokens").get_data(as_text=True)
    response = client.post(
        "/admin/api-tokens",
        data={
            "csrf_token": csrf_from(page),
            "name": "Greenhouse sync",
            "person": demo.users["coordinator"].id,
            "scopes": ["read", "write"],
        },
    )
    assert response.status_code == 200
    secret = re.search(r'value="(lk_[^"]+)"', response.get_data(as_text=True)).group(1)
    token = db.session.execute(select(ApiToken)).scalar_one()
    assert token.token_hash == token_hash(secret) and secret not in token.token_hash
    assert token.user_id == demo.users["coordinator"].id
    assert token.scopes == ["read", "write"]
    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert secret not in listing, "the key is shown once, on the page that issued it"
    assert f"…{secret[-4:]}" in listing and "Never" in listing

    assert (
        client.application.test_client().get(OPENINGS, headers=_bearer(secret)).status_code == 200
    )
    db.session.refresh(token)
    assert token.last_used_at is not None
    assert "Never" not in client.get("/admin/api-tokens").get_data(as_text=True)
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "api_token.issued" in actions


def test_the_form_keeps_what_was_typed_and_says_what_is_missing(client, demo) -> None:
    sign_in(client, "admin@example.com")
    page = client.get("/admin/api-tokens").get_data(as_text=True)
    response = client.post(
        "/admin/api-tokens",
        data={
            "csrf_token": csrf_from(page),
            "name": "Half a token",
            "person": demo.users["admin"].id,
        },
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Choose at least one scope." in text
    assert 'value="Half a token"' in text
    assert db.session.execute(select(ApiToken)).first() is None


def test_a_revoked_token_and_a_deactivated_persons_token_are_refused(
    app, client, demo, token_for
) -> None:
    revoked, kept = token_for("coordinator"), token_for("manager")
    sign_in(client, "admin@example.com")
    page = client.get("/admin/api-tokens").get_data(as_text=True)
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == token_hash(revoked))
    ).scalar_one()
    response = client.post(
        f"/admin/api-tokens/{token.id}/revoke", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 302
    caller = app.test_client()
    assert caller.get(OPENINGS, headers=_bearer(revoked)).get_json()["code"] == "token_invalid"
    assert caller.get(OPENINGS, headers=_bearer(kept)).status_code == 200
    demo.users["manager"].active = False
    db.session.commit()
    assert caller.get(OPENINGS, headers=_bearer(kept)).status_code == 401


def test_a_read_token_cannot_write(api_as, demo) -> None:
    reader = api_as("admin", [ApiScope.READ])
    assert reader.get(OPENINGS).status_code == 200
    response = reader.post(
        "/api/v1/candidates",
        json={"opening_id": demo.opening.id, "name": "Ana Lima", "email": "ana@example.org"},
    )
    assert response.status_code == 403
    assert response.get_json()["code"] == "missing_scope"
    writer = api_as("admin", [ApiScope.WRITE])
    assert writer.get(OPENINGS).get_json()["code"] == "missing_scope"
