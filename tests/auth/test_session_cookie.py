"""The session cookie is Flask's own format, signed with the app's keys: Loopkit only builds
its signer once per set of keys and checks each cookie once (app/auth/session_cookie.py)."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner

from ..conftest import sign_in

COOKIE = "loopkit_session"


def flasks_own_serializer(app):
    return SecureCookieSessionInterface().get_signing_serializer(app)


def signed_in_cookie(app) -> tuple:
    client = app.test_client()
    assert sign_in(client, "priya@example.com").status_code == 302
    return client, client.get_cookie(COOKIE).value


def is_signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200 and "Priya" in response.get_data(as_text=True)


def test_cookies_are_read_and_written_as_plain_flask_does(app, demo) -> None:
    client, cookie = signed_in_cookie(app)
    data = flasks_own_serializer(app).loads(cookie)  # ours signed it, Flask's reads it
    assert data["_user_id"] == str(demo.users["priya"].id)

    other = app.test_client()
    other.set_cookie(COOKIE, flasks_own_serializer(app).dumps(data))  # Flask's signed it
    assert is_signed_in(other)


def test_a_tampered_cookie_signs_the_browser_out(app, demo) -> None:
    client, cookie = signed_in_cookie(app)
    assert is_signed_in(client)
    payload, _, signature = cookie.rpartition(".")
    forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    client.set_cookie(COOKIE, forged)
    assert not is_signed_in(client)


def test_a_rotated_key_keeps_sessions_only_while_it_is_a_fallback(app, demo) -> None:
    client, _ = signed_in_cookie(app)
    old_key = app.config["SECRET_KEY"]
    try:
        app.config["SECRET_KEY"] = "a-new-key-for-this-test-only-not-secret"  # noqa: S105
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert is_signed_in(client), "the old key stopped working while it was a fallback"
        app.config["SECRET_KEY_FALLBACKS"] = []
        assert not is_signed_in(client), "a key no longer configured still signed people in"
    finally:
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = old_key, []


def test_a_cookie_read_before_still_expires(app, demo) -> None:
    _, cookie = signed_in_cookie(app)

    class SignedEarlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 10

    serializer = flasks_own_serializer(app)
    serializer.signer = SignedEarlier
    ten_seconds_old = serializer.dumps(serializer.loads(cookie))
    client = app.test_client()
    client.set_cookie(COOKIE, ten_seconds_old)
    assert is_signed_in(client)  # this process has now checked this cookie
    assert client.get_cookie(COOKIE).value == ten_seconds_old, "the next read would be another"
    lifetime, app.permanent_session_lifetime = app.permanent_session_lifetime, timedelta(seconds=5)
    try:
        assert not is_signed_in(client), "a remembered cookie outlived the session lifetime"
    finally:
        app.permanent_session_lifetime = lifetime


def test_each_request_gets_its_own_copy_of_the_session(app, demo) -> None:
    cookie = flasks_own_serializer(app).dumps({"_flashes": [["info", "Saved"]], "note": "a"})
    interface = app.session_interface
    with app.test_request_context("/", headers={"Cookie": f"{COOKIE}={cookie}"}):
        first = interface.open_session(app, request)
        first["_flashes"].append(["info", "changed by the first request"])
        first["note"] = "b"
        second = interface.open_session(app, request)
    assert second["_flashes"] == [["info", "Saved"]] and second["note"] == "a"


def test_sessions_stay_valid_when_the_remembered_cookies_are_forgotten(app, demo) -> None:
    checked = app.session_interface.checked_cookies
    capacity, checked.capacity = checked.capacity, 2
    try:
        clients = [signed_in_cookie(app)[0] for _ in range(4)]
        for _ in range(2):
            assert all(is_signed_in(client) for client in clients)
        assert len(checked) <= 2
    finally:
        checked.capacity = capacity
