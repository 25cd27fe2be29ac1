"""Every POST carries a CSRF token that Flask-WTF handed out; Loopkit only checks it with a signer
built once per key and never parses a JSON body as a form (app/csrf_guard.py)."""

from __future__ import annotations

import logging
import time

import pytest
from flask import session
from flask_wtf.csrf import generate_csrf, validate_csrf
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.extensions import db

from ..conftest import sign_in
from ..interviews.test_autosave import autosave, signed_in_client, stored


def signed_ago(app, token: str, seconds: int) -> str:
    """The same token, signed `seconds` ago with the app's key."""

    class SignedEarlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    raw = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").loads(token)
    earlier = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token", signer=SignedEarlier)
    return earlier.dumps(raw)


def card_version(card_id: int) -> int:
    return stored(card_id).version


def refusal_reason(caplog) -> str:
    return [r.getMessage() for r in caplog.records if r.name == "flask_wtf.csrf"][-1]


@pytest.fixture
def tab(app, priya_card):
    db.session.commit()
    return signed_in_client(app, "priya@example.com")


def test_tokens_are_interchangeable_with_flask_wtfs_own_check(app) -> None:
    guard = app.extensions["csrf"]
    with app.test_request_context("/", method="POST"):
        session["csrf_token"] = "a-session-secret"
        ours = guard._signer(app.config).dumps("a-session-secret")
        validate_csrf(ours)  # Flask-WTF's own check accepts what our signer signs...
        theirs = generate_csrf()
        guard._check_token(theirs, app.config)  # ...and ours accepts what Flask-WTF signs


def test_an_autosave_with_the_token_in_its_header_is_stored(app, priya_card, tab) -> None:
    client, token = tab
    response = autosave(client, token, priya_card.id, 1, {"notes.pitch": "kept"})
    assert response.status_code == 200
    assert card_version(priya_card.id) == 2


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        (None, "The CSRF token is missing."),
        ("not-a-token", "The CSRF token is invalid."),
    ],
)
def test_a_missing_or_forged_token_is_refused(app, priya_card, tab, caplog, sent, reason) -> None:
    client, _ = tab
    caplog.set_level(logging.INFO, logger="flask_wtf.csrf")
    response = client.post(
        f"/scorecards/{priya_card.id}/autosave",
        json={"base_version": 1, "changes": {"notes.pitch": "lost?"}},
        headers={"X-CSRFToken": sent} if sent else {},
    )
    assert response.status_code == 400 and response.get_json()["code"] == "csrf"
    assert refusal_reason(caplog) == reason
    assert card_version(priya_card.id) == 1


def test_a_token_in_a_json_body_is_not_read(app, priya_card, tab) -> None:
    client, token = tab
    response = client.post(
        f"/scorecards/{priya_card.id}/autosave",
        json={"base_version": 1, "changes": {"notes.pitch": "x"}, "csrf_token": token},
    )
    assert response.status_code == 400 and response.get_json()["code"] == "csrf"


def test_an_expired_token_is_refused(app, priya_card, tab, caplog) -> None:
    client, token = tab
    caplog.set_level(logging.INFO, logger="flask_wtf.csrf")
    yesterdays = signed_ago(app, token, 24 * 3600)
    response = autosave(client, yesterdays, priya_card.id, 1, {"notes.pitch": "x"})
    assert response.status_code == 400
    assert refusal_reason(caplog) == "The CSRF token has expired."


def test_without_a_time_limit_an_old_token_is_accepted(app, priya_card, tab) -> None:
    client, token = tab
    limit, app.config["WTF_CSRF_TIME_LIMIT"] = app.config["WTF_CSRF_TIME_LIMIT"], None
    try:
        last_year = signed_ago(app, token, 365 * 24 * 3600)
        response = autosave(client, last_year, priya_card.id, 1, {"notes.pitch": "x"})
    finally:
        app.config["WTF_CSRF_TIME_LIMIT"] = limit
    assert response.status_code == 200


def test_another_sessions_token_is_refused(app, priya_card, tab, caplog) -> None:
    client, _ = tab
    _, other_token = signed_in_client(app, "priya@example.com")  # valid, but not this session's
    caplog.set_level(logging.INFO, logger="flask_wtf.csrf")
    response = autosave(client, other_token, priya_card.id, 1, {"notes.pitch": "x"})
    assert response.status_code == 400
    assert refusal_reason(caplog) == "The CSRF tokens do not match."


def test_a_changed_csrf_key_voids_tokens_signed_with_the_old_one(app, priya_card, tab) -> None:
    client, token = tab
    assert autosave(client, token, priya_card.id, 1, {"notes.pitch": "a"}).status_code == 200
    app.config["WTF_CSRF_SECRET_KEY"] = "a-csrf-key-for-this-test-only-not-secret"  # noqa: S105
    try:
        response = autosave(client, token, priya_card.id, 2, {"notes.pitch": "b"})
        assert response.status_code == 400, "a token signed with the old key still worked"
    finally:
        app.config.pop("WTF_CSRF_SECRET_KEY")
    assert autosave(client, token, priya_card.id, 2, {"notes.pitch": "b"}).status_code == 200


@pytest.mark.parametrize("where", ["csrf_token", "confirm-csrf_token", "X-CSRFToken"])
def test_a_form_post_carries_its_token_in_a_field_or_a_header(app, demo, where) -> None:
    client = app.test_client()
    assert sign_in(client, "priya@example.com").status_code == 302
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]
    if where.startswith("X-"):
        response = client.post("/logout", data={"other": "field"}, headers={where: token})
    else:
        response = client.post("/logout", data={where: token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302, "the sign-out did not happen"


@pytest.mark.parametrize(
    ("referrer", "accepted"),
    [
        (None, False),
        ("https://elsewhere.example/page", False),
        ("http://localhost/page", False),  # the same host over plain HTTP is another origin
        ("https://localhost:99999/page", False),  # malformed: refused, not a server error
        ("https://localhost/scorecards/1", True),
    ],
)
def test_over_https_the_referrer_must_be_this_site(app, priya_card, referrer, accepted) -> None:
    db.session.commit()
    client = app.test_client()
    page = client.get("/auth/csrf-token", base_url="https://localhost")
    token = page.get_json()["csrf_token"]
    headers = {"X-CSRFToken": token}
    if referrer:
        headers["Referer"] = referrer
    response = client.post(
        f"/scorecards/{priya_card.id}/autosave",
        base_url="https://localhost",
        json={"base_version": 1, "changes": {"notes.pitch": "x"}},
        headers=headers,
    )
    # Signed out: past the CSRF check, the save asks to sign in again (401).
    assert response.status_code == (401 if accepted else 400)


def test_a_token_accepted_before_still_expires(app, priya_card, tab, caplog) -> None:
    client, token = tab
    ten_seconds_old = signed_ago(app, token, 10)
    assert (
        autosave(client, ten_seconds_old, priya_card.id, 1, {"notes.pitch": "a"}).status_code == 200
    )
    caplog.set_level(logging.INFO, logger="flask_wtf.csrf")
    limit, app.config["WTF_CSRF_TIME_LIMIT"] = app.config["WTF_CSRF_TIME_LIMIT"], 5
    try:  # the same string this process has already checked, now older than the limit
        response = autosave(client, ten_seconds_old, priya_card.id, 2, {"notes.pitch": "b"})
    finally:
        app.config["WTF_CSRF_TIME_LIMIT"] = limit
    assert response.status_code == 400, "a remembered token outlived its time limit"
    assert refusal_reason(caplog) == "The CSRF token has expired."
    assert card_version(priya_card.id) == 2
