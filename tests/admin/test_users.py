"""Admin screens for accounts: list, create, change a role, deactivate and reactivate."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.auth.accounts import find_user_by_email
from app.extensions import db
from app.models import AuditEvent, User

from ..conftest import csrf_from, sign_in


def post(client, url: str, data: dict | None = None):
    token = csrf_from(client.get("/admin/users").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})})


def audit_of(action: str) -> list[AuditEvent]:
    db.session.commit()  # a fresh read: the requests wrote after this session last looked
    events = (
        db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars().all()
    )
    db.session.commit()
    return events


def reload(user: User) -> User:
    db.session.commit()
    fresh = db.session.get(User, user.id)
    db.session.commit()
    return fresh


def test_admins_see_every_account_with_role_and_state(demo, sign_in_as) -> None:
    demo.users["kwame"].active = False
    db.session.commit()
    page = sign_in_as("admin@example.com").get("/admin/users").get_data(as_text=True)
    for name, email in [
        ("Priya Raman", "priya@example.com"),
        ("Kwame Mensah", "kwame@example.com"),
    ]:
        assert name in page and email in page
    kwame_row = re.search(r"Kwame Mensah</a></th>(.*?)</tr>", page, re.S).group(1)
    assert "Interviewer" in kwame_row and "Deactivated" in kwame_row
    assert "Hiring manager" in page


def test_only_admins_find_the_admin_screens_in_the_menu(demo, sign_in_as, app) -> None:
    admin_home = sign_in_as("admin@example.com").get("/").get_data(as_text=True)
    assert 'href="/admin/users"' in admin_home and 'href="/admin/audit"' in admin_home
    other = app.test_client()
    sign_in(other, "manager@example.com")
    assert 'href="/admin/users"' not in other.get("/").get_data(as_text=True)


def test_creating_a_user_shows_a_one_time_link_to_set_their_password(demo, sign_in_as) -> None:
    client = sign_in_as("admin@example.com")
    response = post(
        client,
        "/admin/users/new",
        {
            "name": "Jun Park",
            "email": "Jun.Park@Example.com",
            "role": "coordinator",
            "time_zone": "asia/seoul",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Jun Park has an account" in page
    link = re.search(r'value="(http://[^"]+/reset/[^"]+)"', page)
    assert link, page
    user = find_user_by_email("jun.park@example.com")
    assert (user.name, user.role, user.time_zone, user.active) == (
        "Jun Park",
        "coordinator",
        "Asia/Seoul",
        True,
    )
    created = audit_of("user.created")
    assert [(e.actor.email, e.object_id) for e in created] == [("admin@example.com", user.id)]


def test_a_taken_email_or_unknown_time_zone_comes_back_with_messages(demo, sign_in_as) -> None:
    client = sign_in_as("admin@example.com")
    response = post(
        client,
        "/admin/users/new",
        {
            "name": "Priya Again",
            "email": "PRIYA@example.com",
            "role": "admin",
            "time_zone": "Mars/Olympus",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "priya@example.com already has an account" in page
    assert "“Mars/Olympus” is not a time zone we know" in page
    assert 'href="#email"' in page and 'href="#time_zone"' in page, "the summary links to fields"
    assert 'value="Priya Again"' in page and 'value="Mars/Olympus"' in page, "typed text is kept"
    assert '<option selected value="admin">' in page
    assert len(db.session.execute(select(User)).all()) == 6
    db.session.commit()


def test_changing_a_role_is_audited_with_old_and_new(demo, sign_in_as) -> None:
    client = sign_in_as("admin@example.com")
    kwame = demo.users["kwame"]
    response = post(client, f"/admin/users/{kwame.id}/role", {"role": "coordinator"})
    assert response.status_code == 302
    assert "Kwame Mensah is now coordinator (was interviewer)" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert reload(kwame).role == "coordinator"
    [event] = audit_of("user.role_changed")
    assert event.actor.email == "admin@example.com" and event.object_id == kwame.id
    assert event.details == {"old": "interviewer", "new": "coordinator"}


def test_an_admin_cannot_deactivate_themselves(demo, sign_in_as) -> None:
    client = sign_in_as("admin@example.com")
    ada = demo.users["admin"]
    own_page = client.get(f"/admin/users/{ada.id}").get_data(as_text=True)
    assert "This is your own account" in own_page and "Deactivate Ada Admin" not in own_page
    response = post(client, f"/admin/users/{ada.id}/deactivate")  # posted all the same
    assert response.status_code == 400
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    assert reload(ada).active


def test_the_last_active_admin_keeps_the_role(demo, sign_in_as) -> None:
    client = sign_in_as("admin@example.com")
    ada = demo.users["admin"]
    response = post(client, f"/admin/users/{ada.id}/role", {"role": "interviewer"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ada Admin is the only active admin" in page
    assert reload(ada).role == "admin"
    # With a second active admin, the first may step down.
    assert (
        post(client, f"/admin/users/{demo.users['kwame'].id}/role", {"role": "admin"}).status_code
        == 302
    )
    stepped_down = post(client, f"/admin/users/{ada.id}/role", {"role": "interviewer"})
    assert stepped_down.headers["Location"] == "/", "no admin screen to come back to"
    assert reload(ada).role == "interviewer"
    assert client.get("/admin/users").status_code == 403, "her new role applies at once"


def test_the_last_active_admin_cannot_be_deactivated(demo, sign_in_as, app) -> None:
    """Ada makes Kwame an admin; Kwame deactivates Ada; Ada's session ends, and Kwame, now
    the only active admin, cannot be deactivated (not even by himself)."""
    ada_client = sign_in_as("admin@example.com")
    kwame = demo.users["kwame"]
    assert post(ada_client, f"/admin/users/{kwame.id}/role", {"role": "admin"}).status_code == 302
    kwame_client = app.test_client()
    sign_in(kwame_client, "kwame@example.com")
    ada = demo.users["admin"]
    assert post(kwame_client, f"/admin/users/{ada.id}/deactivate").status_code == 302
    assert ada_client.get("/admin/users").status_code == 302, "Ada is signed out"
    refused = post(kwame_client, f"/admin/users/{kwame.id}/deactivate")
    assert refused.status_code == 400
    refused = post(kwame_client, f"/admin/users/{kwame.id}/role", {"role": "interviewer"})
    assert "Kwame Mensah is the only active admin" in refused.get_data(as_text=True)


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(demo, sign_in_as, app) -> None:
    priya = app.test_client()
    assert sign_in(priya, "priya@example.com").status_code == 302
    assert priya.get("/").status_code == 200
    admin = sign_in_as("admin@example.com")
    response = post(admin, f"/admin/users/{demo.users['priya'].id}/deactivate")
    assert response.status_code == 302
    assert "can no longer sign in" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert priya.get("/").status_code == 302, "her open session stopped working"
    autosave = priya.get("/", headers={"Accept": "application/json"})
    assert autosave.status_code == 401
    assert sign_in(app.test_client(), "priya@example.com").status_code == 400
    assert [e.object_id for e in audit_of("user.deactivated")] == [demo.users["priya"].id]


def test_a_reactivated_user_signs_in_again(demo, sign_in_as, app) -> None:
    demo.users["tomas"].active = False
    db.session.commit()
    admin = sign_in_as("admin@example.com")
    assert post(admin, f"/admin/users/{demo.users['tomas'].id}/reactivate").status_code == 302
    assert sign_in(app.test_client(), "tomas@example.com").status_code == 302
    assert len(audit_of("user.reactivated")) == 1
