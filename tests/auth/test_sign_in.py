"""Signing in and out, the session cookie, and the users CLI."""

from __future__ import annotations

import pytest

from app.auth.accounts import find_user_by_email
from app.demo import DEMO_PASSWORD

from ..conftest import csrf_from, sign_in


def test_wrong_password_keeps_the_email_and_says_what_happened(demo, client) -> None:
    response = sign_in(client, "priya@example.com", "not-the-password")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "That email and password do not match an active account" in page
    assert 'value="priya@example.com"' in page, "the typed email is kept"
    assert 'href="#password"' in page, "the summary links to the field"
    assert client.get("/").status_code == 302


def test_sign_in_sets_a_safe_cookie_and_honours_next(demo, client) -> None:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=/library/",
        data={"email": "PRIYA@example.com ", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/library/"
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("loopkit_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_next_never_leaves_the_site(demo, client) -> None:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=//evil.example.com/",
        data={"email": "priya@example.com", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_deactivated_user_cannot_sign_in(demo, client) -> None:
    from app.extensions import db

    demo.users["tomas"].active = False
    db.session.commit()
    assert sign_in(client, "tomas@example.com").status_code == 400


def test_sign_out(demo, sign_in_as) -> None:
    client = sign_in_as("priya@example.com")
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_json_clients_get_401_not_a_redirect(demo, client) -> None:
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"].startswith("Your sign-in has expired")


def test_error_pages_are_friendly(demo, sign_in_as) -> None:
    client = sign_in_as("priya@example.com")
    response = client.get("/library/rubrics/999999")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.get_data(as_text=True)


def test_users_create_command(app) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "New.Person@Example.com",
            "--name",
            "New Person",
            "--role",
            "coordinator",
            "--time-zone",
            "America/Chicago",
            "--password",
            "long-enough-pw",
        ]
    )
    assert result.exit_code == 0, result.output
    user = find_user_by_email("new.person@example.com")
    assert user.role == "coordinator" and user.time_zone == "America/Chicago"
    assert user.check_password("long-enough-pw")
    again = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "new.person@example.com",
            "--name",
            "X",
            "--role",
            "admin",
            "--password",
            "short",
        ]
    )
    assert again.exit_code != 0
    assert "at least 10 characters" in again.output


# Found by the hostile-input pass (tests/hostile).


@pytest.mark.parametrize(
    "body",
    [[1, 2], "priya@example.com", {"email": {"nested": 1}, "password": "x"}, {"email": [[1]]}],
    ids=["a list", "a string", "an object value", "a nested list"],
)
def test_json_sign_in_of_the_wrong_shape_is_a_400_with_a_message(app, demo, body) -> None:
    client = app.test_client()
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]
    response = client.post("/login", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert "JSON object whose values are text" in response.get_json()["error"]
    assert client.get("/auth/csrf-token").get_json()["signed_in"] is False


@pytest.mark.parametrize(
    "target", ["/\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\\/evil.example"]
)
def test_sign_in_never_sends_people_to_another_site(app, demo, target) -> None:
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "priya@example.com", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
