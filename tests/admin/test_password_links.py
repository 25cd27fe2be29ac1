"""One-time password links: issued by an admin, stored as a hash, used once, expiring."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.models import AuditEvent, PasswordResetLink

from ..conftest import csrf_from, sign_in

NEW_PASSWORD = "correct horse battery staple"  # noqa: S105  (a test password)
LINK = re.compile(r'value="http://[^"/]+(/reset/([^"]+))"')


def issue_link(app, user_id: int) -> tuple[str, str]:
    """Ada issues a link on the user's admin page: (its path, its token), read off the page."""
    admin = app.test_client()
    assert sign_in(admin, "admin@example.com").status_code == 302
    token = csrf_from(admin.get(f"/admin/users/{user_id}").get_data(as_text=True))
    response = admin.post(f"/admin/users/{user_id}/password-link", data={"csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "This page is the only place it is shown" in page
    path, token = LINK.search(page).groups()
    return path, token


def set_password(client, path: str, password: str, confirm: str | None = None):
    opened = client.get(path)
    if opened.status_code != 303:
        return opened
    assert opened.headers["Location"] == "/reset", "the token leaves the address bar at once"
    token = csrf_from(client.get("/reset").get_data(as_text=True))
    return client.post(
        "/reset",
        data={"password": password, "confirm": confirm or password, "csrf_token": token},
    )


def stored_links() -> list[PasswordResetLink]:
    db.session.commit()
    links = db.session.execute(select(PasswordResetLink)).scalars().all()
    db.session.commit()
    return links


def test_the_link_sets_a_new_password_once(app, demo) -> None:
    priya_id = demo.users["priya"].id
    path, _ = issue_link(app, priya_id)
    holder = app.test_client()
    form = holder.get(path, follow_redirects=True).get_data(as_text=True)
    assert "Set a new password" in form and "priya@example.com" in form
    done = set_password(app.test_client(), path, NEW_PASSWORD)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert sign_in(app.test_client(), "priya@example.com", NEW_PASSWORD).status_code == 302
    assert sign_in(app.test_client(), "priya@example.com", DEMO_PASSWORD).status_code == 400
    again = app.test_client().get(path)
    assert again.status_code == 410
    assert "This password link has been used or has expired" in again.get_data(as_text=True)
    # The tab that opened the link before it was used cannot use it a second time either.
    token = csrf_from(form)
    late = holder.post(
        "/reset",
        data={"password": "another long one", "confirm": "another long one", "csrf_token": token},
    )
    assert late.status_code == 410
    db.session.commit()
    actions = db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    db.session.commit()
    assert actions[-2:] == ["user.reset_link_issued", "user.password_set"]


def test_only_a_hash_of_the_token_is_stored(app, demo) -> None:
    _, token = issue_link(app, demo.users["tomas"].id)
    [link] = stored_links()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = " ".join(str(getattr(link, c.key)) for c in PasswordResetLink.__table__.columns)
    db.session.commit()
    events = db.session.execute(select(AuditEvent.details)).scalars().all()
    db.session.commit()
    assert token not in stored and token not in str(events)


def test_an_expired_link_says_so(app, demo) -> None:
    path, _ = issue_link(app, demo.users["tomas"].id)
    [link] = stored_links()
    link.expires_at = link.created_at - timedelta(seconds=1)
    db.session.commit()
    response = app.test_client().get(path)
    assert response.status_code == 410
    assert "used or has expired" in response.get_data(as_text=True)


def test_links_expire_after_the_configured_hours(app, demo) -> None:
    issue_link(app, demo.users["tomas"].id)
    [link] = stored_links()
    assert link.expires_at - link.created_at == timedelta(hours=24)


def test_a_new_link_replaces_the_unused_one(app, demo) -> None:
    first, _ = issue_link(app, demo.users["tomas"].id)
    second, _ = issue_link(app, demo.users["tomas"].id)
    assert app.test_client().get(first).status_code == 410
    assert app.test_client().get(second).status_code == 303


def test_the_new_password_is_long_enough_and_typed_twice(app, demo) -> None:
    path, _ = issue_link(app, demo.users["tomas"].id)
    client = app.test_client()
    short = set_password(client, path, "short")
    page = short.get_data(as_text=True)
    assert short.status_code == 400
    assert "Use from 10 to 200 characters" in page and 'href="#password"' in page
    token = csrf_from(page)
    differ = client.post(
        "/reset",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!", "csrf_token": token},
    )
    assert differ.status_code == 400
    assert "The two passwords differ" in differ.get_data(as_text=True)
    assert 'href="#confirm"' in differ.get_data(as_text=True)
    assert sign_in(app.test_client(), "tomas@example.com", DEMO_PASSWORD).status_code == 302


def test_a_deactivated_users_link_stops_working(app, demo) -> None:
    path, _ = issue_link(app, demo.users["tomas"].id)
    db.session.commit()  # end the read that began before the link was issued
    demo.users["tomas"].active = False
    db.session.commit()
    assert app.test_client().get(path).status_code == 410


def test_a_password_link_for_a_new_account_lets_them_sign_in(app, demo) -> None:
    admin = app.test_client()
    sign_in(admin, "admin@example.com")
    token = csrf_from(admin.get("/admin/users/new").get_data(as_text=True))
    page = admin.post(
        "/admin/users/new",
        data={
            "name": "Jun Park",
            "email": "jun@example.com",
            "role": "interviewer",
            "time_zone": "UTC",
            "csrf_token": token,
        },
    ).get_data(as_text=True)
    path, _ = LINK.search(page).groups()
    assert set_password(app.test_client(), path, NEW_PASSWORD).status_code == 302
    assert sign_in(app.test_client(), "jun@example.com", NEW_PASSWORD).status_code == 302


def test_setting_a_password_ends_every_session_signed_in_before(app, demo) -> None:
    """Whoever held Priya's session (a stolen cookie, a laptop left signed in) is signed out
    when she sets a new password: on pages, and on the live interview's autosave."""
    priya = demo.users["priya"]
    card = demo.opening.candidates[0].loops[0].sessions[0].scorecard
    old_session = app.test_client()
    assert sign_in(old_session, "priya@example.com").status_code == 302
    csrf = old_session.get("/auth/csrf-token").get_json()["csrf_token"]
    assert old_session.get("/").status_code == 200

    path, _ = issue_link(app, priya.id)
    assert set_password(app.test_client(), path, NEW_PASSWORD).status_code == 302

    home = old_session.get("/")
    assert home.status_code == 302 and home.headers["Location"].startswith("/login")
    save = old_session.post(
        f"/scorecards/{card.id}/autosave",
        json={"base_version": 1, "changes": {"notes.pitch": "typed by whoever kept the cookie"}},
        headers={"X-CSRFToken": csrf},
    )
    assert save.status_code == 401 and save.is_json
    # Signing in again with the new password gives a session that works.
    fresh = app.test_client()
    assert sign_in(fresh, "priya@example.com", NEW_PASSWORD).status_code == 302
    assert fresh.get("/").status_code == 200
    assert old_session.get("/").status_code == 302, "the old session stays ended"
