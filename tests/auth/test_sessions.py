"""Sessions the server can end: a copy of an old cookie stops working after sign-out,
deactivation or a new password; idle sessions end; "keep me signed in" outlives the browser;
a foreign Origin is refused even with a valid token."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.admin.users import deactivate, reactivate
from app.auth.resets import issue_reset_link, set_password_with_link, token_hash
from app.auth.sessions import SEEN_KEY
from app.extensions import db

from ..conftest import csrf_from, sign_in

COOKIE = "loopkit_session"
HOUR = 3600


def signed_in(app: Flask, email: str, **extra) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email, **extra).status_code == 302
    return client


def copy_of(client: FlaskClient, app: Flask) -> FlaskClient:
    """Another browser holding a copy of this browser's cookie, as a thief would."""
    other = app.test_client()
    other.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return other


def is_signed_in(client: FlaskClient) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(app, demo) -> None:
    browser = signed_in(app, "priya@example.com")
    stolen = copy_of(browser, app)
    assert is_signed_in(stolen), "the copy works while the session holds"
    token = csrf_from(browser.get("/").get_data(as_text=True))
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    assert not is_signed_in(browser)
    assert not is_signed_in(stolen), "the old cookie no longer signs anyone in"


def test_signing_out_one_browser_leaves_the_others_signed_in(app, demo) -> None:
    laptop, phone = signed_in(app, "priya@example.com"), signed_in(app, "priya@example.com")
    token = csrf_from(laptop.get("/").get_data(as_text=True))
    laptop.post("/logout", data={"csrf_token": token})
    assert not is_signed_in(laptop) and is_signed_in(phone)


def _forgotten_by_flask_login(client: FlaskClient) -> None:
    """What Flask-Login's strong protection does when the browser's address changes: it
    forgets the user but leaves the rest of the session (our token) in the cookie."""
    with client.session_transaction() as session:
        session.pop("_user_id")


def test_signing_in_again_ends_the_session_the_browser_still_carried(app, demo) -> None:
    browser = signed_in(app, "priya@example.com")
    stolen = copy_of(browser, app)
    _forgotten_by_flask_login(browser)
    assert not is_signed_in(browser)
    assert sign_in(browser, "priya@example.com").status_code == 302
    assert is_signed_in(browser)
    assert not is_signed_in(stolen), "the earlier session's row is gone"


def test_signing_out_ends_a_session_flask_login_forgot(app, demo) -> None:
    browser = signed_in(app, "priya@example.com")
    stolen = copy_of(browser, app)
    _forgotten_by_flask_login(browser)
    token = csrf_from(browser.get("/login").get_data(as_text=True))
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    assert not is_signed_in(stolen)


def test_deactivation_ends_every_session_and_reactivation_brings_none_back(app, demo) -> None:
    laptop, phone = signed_in(app, "tomas@example.com"), signed_in(app, "tomas@example.com")
    stolen = copy_of(laptop, app)
    assert deactivate(demo.users["admin"], demo.users["tomas"])
    db.session.commit()
    assert not any(is_signed_in(c) for c in (laptop, phone, stolen))
    assert reactivate(demo.users["admin"], demo.users["tomas"])
    db.session.commit()
    assert not any(is_signed_in(c) for c in (laptop, phone, stolen))
    assert is_signed_in(signed_in(app, "tomas@example.com")), "a fresh sign-in works"


def test_a_new_password_ends_every_session_but_issuing_the_link_does_not(app, demo) -> None:
    tomas = demo.users["tomas"]
    browser = signed_in(app, "tomas@example.com")
    stolen = copy_of(browser, app)
    token, _ = issue_reset_link(demo.users["admin"], tomas)
    db.session.commit()
    assert is_signed_in(browser), "an interviewer mid-call is not cut off by the link"
    assert set_password_with_link(token_hash(token), "a brand new passphrase") is not None
    db.session.commit()
    assert not is_signed_in(browser) and not is_signed_in(stolen)
    fresh = app.test_client()
    assert sign_in(fresh, "tomas@example.com", "a brand new passphrase").status_code == 302


def _idle_for(client: FlaskClient, seconds: int) -> None:
    with client.session_transaction() as session:
        session[SEEN_KEY] -= seconds


def test_a_session_idle_past_the_limit_ends_and_a_remembered_one_does_not(app, demo) -> None:
    limit = int(app.config["SESSION_IDLE_HOURS"] * HOUR)
    inside, past = signed_in(app, "priya@example.com"), signed_in(app, "priya@example.com")
    remembered = signed_in(app, "priya@example.com", remember="y")
    _idle_for(inside, limit - 60)
    _idle_for(past, limit + 60)
    _idle_for(remembered, 3 * limit)
    assert is_signed_in(inside), "just inside the limit"
    assert not is_signed_in(past)
    assert is_signed_in(remembered)
    _idle_for(inside, limit - 60)
    assert is_signed_in(inside), "the visit before started the idle time again"


def test_keep_me_signed_in_is_the_default_and_outlives_the_browser(app, demo) -> None:
    """A browser restart mid-week signs nobody out, unless they chose so (a shared machine)."""

    def session_cookie(**extra) -> str:
        response = sign_in(app.test_client(), "priya@example.com", **extra)
        return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{COOKIE}="))

    expires = re.search(r"Expires=([^;]+)", session_cookie(remember="y"))
    assert expires, "a remembered cookie outlives the browser"
    days = (parsedate_to_datetime(expires.group(1)) - datetime.now(UTC)).total_seconds() / 86400
    assert 29 < days <= 30
    assert "Expires=" not in session_cookie(), "unticked, it ends with the browser"
    page = app.test_client().get("/login").get_data(as_text=True)
    box = re.search(r'<input[^>]*id="remember"[^>]*>', page)
    assert box and "checked" in box.group(0), "keep me signed in is ticked by default"


@pytest.mark.parametrize("origin", ["https://evil.example.com", "null", "http://localhost:8"])
def test_a_foreign_origin_is_refused_even_with_a_valid_token(app, demo, origin) -> None:
    browser = signed_in(app, "priya@example.com")
    token = csrf_from(browser.get("/").get_data(as_text=True))
    page = browser.post("/logout", data={"csrf_token": token}, headers={"Origin": origin})
    assert page.status_code == 403
    assert "came from another site" in page.get_data(as_text=True)
    card = demo.opening.candidates[0].loops[0].sessions[0].scorecard
    answer = browser.post(
        f"/scorecards/{card.id}/autosave",
        json={"base_version": card.version, "changes": {"notes.pitch": "x"}},
        headers={"X-CSRFToken": token, "Origin": origin},
    )
    assert answer.status_code == 403 and "another site" in answer.get_json()["error"]
    assert is_signed_in(browser), "the refused sign-out did nothing"


def test_the_apps_own_origin_is_accepted(app, demo) -> None:
    browser = signed_in(app, "priya@example.com")
    token = csrf_from(browser.get("/").get_data(as_text=True))
    response = browser.post(
        "/logout", data={"csrf_token": token}, headers={"Origin": "http://localhost"}
    )
    assert response.status_code == 302 and not is_signed_in(browser)


def test_a_referrer_with_an_impossible_port_is_refused_not_a_server_error(app, demo) -> None:
    """Over HTTPS, Flask-WTF compares the Referer with the site, and Python cannot even parse
    a port past 65535: that must be a refusal with a message, not a 500."""
    browser = app.test_client()
    page = browser.get("/login", base_url="https://localhost")
    token = csrf_from(page.get_data(as_text=True))
    response = browser.post(
        "/login",
        base_url="https://localhost",
        data={"email": "priya@example.com", "password": "x", "csrf_token": token},
        headers={"Referer": "https://localhost:99999/login"},
    )
    assert response.status_code == 403, response.status_code
    assert "another site" in response.get_data(as_text=True)
