"""Single sign-on through a real OpenID provider on loopback: the whole redirect flow (our
start, the provider's consent, our callback swapping the code for a signed ID token), and the
rules that pick the account or refuse it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from app.auth.sso import sso_settings
from app.extensions import db
from app.models import AuditEvent, SignInIdentity, User

from ..conftest import csrf_from, sign_in


@pytest.fixture
def sso(demo, provider):
    """Single sign-on on, pointing at this worker's provider; people must exist already."""
    provider.configure(demo.users["admin"])
    db.session.commit()
    return provider


def provider_round_trip(client, provider, sub: str, *, action: str | None = None, **start):
    """Press "Sign in with …", answer the provider's page as `sub` (or deny), and follow the
    provider back to Loopkit's callback. Returns Loopkit's answer to the callback."""
    query = {"next": start["next"]} if "next" in start else {}
    if not start.get("remember", True):
        query["remember"] = "0"
    started = client.get("/sso/start", query_string=query)
    assert started.status_code == 302, started.get_data(as_text=True)
    authorize = started.headers["Location"]
    assert authorize.startswith(provider.issuer + "/")
    answer = {"action": action} if action else {"sub": sub}
    consented = requests.post(authorize, data=answer, allow_redirects=False, timeout=10)
    assert consented.status_code == 302, consented.text
    back = urlsplit(consented.headers["Location"])
    assert back.path == "/sso/callback"
    return client.get(f"{back.path}?{back.query}")


def signed_in_as(client) -> str | None:
    home = client.get("/")
    if home.status_code != 200:
        return None
    return home.get_data(as_text=True)


def assert_refused(client, response, reason: str) -> None:
    """Back on the sign-in page with a 403 saying why, and nobody signed in."""
    assert response.status_code == 403
    assert reason in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def sign_out(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})


def identity_of(user: User) -> SignInIdentity | None:
    return db.session.execute(
        select(SignInIdentity).where(SignInIdentity.user_id == user.id)
    ).scalar_one_or_none()


def test_the_sign_in_page_offers_the_provider_only_while_it_is_on(demo, client, provider):
    assert "Sign in with" not in client.get("/login").get_data(as_text=True)
    provider.configure(demo.users["admin"], enabled=False)
    db.session.commit()
    assert "Sign in with" not in client.get("/login").get_data(as_text=True)
    provider.configure(demo.users["admin"], enabled=True)
    db.session.commit()
    page = client.get("/login?next=/library/").get_data(as_text=True)
    assert "Sign in with Acme ID" in page
    assert 'href="/sso/start?next=/library/"' in page


def test_an_existing_person_signs_in_and_lands_where_they_were_going(demo, client, sso):
    sub = sso.person("priya-1", email="Priya@Example.com", email_verified=True, name="Priya")
    response = provider_round_trip(client, sso, sub, next="/library/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/library/"
    page = signed_in_as(client)
    assert page is not None and demo.users["priya"].name in page
    identity = identity_of(demo.users["priya"])
    assert identity is not None and identity.subject == sub and identity.issuer == sso.issuer
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("loopkit_session=")
    )
    assert "Expires=" in cookie, "kept signed in, as ticked"


def test_unticked_keep_me_signed_in_gives_a_cookie_that_ends_with_the_browser(demo, client, sso):
    sub = sso.person("priya-2", email="priya@example.com", email_verified=True)
    response = provider_round_trip(client, sso, sub, remember=False)
    assert response.status_code == 302
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("loopkit_session=")
    )
    assert "Expires=" not in cookie


def test_later_sign_ins_follow_the_provider_account_not_the_email_claim(demo, client, sso):
    sub = sso.person("tomas-1", email="tomas@example.com", email_verified=True)
    assert provider_round_trip(client, sso, sub).status_code == 302
    sign_out(client)

    # The provider's admins rename the address: the same person still signs in.
    sso.person(sub, email="tomas.k@example.com", email_verified=True)
    assert provider_round_trip(client, sso, sub).status_code == 302
    assert demo.users["tomas"].name in signed_in_as(client)


def test_another_provider_account_claiming_a_linked_email_is_refused(demo, client, sso):
    first = sso.person("tomas-2", email="tomas@example.com", email_verified=True)
    assert provider_round_trip(client, sso, first).status_code == 302
    sign_out(client)

    impostor = sso.person("tomas-impostor", email="tomas@example.com", email_verified=True)
    response = provider_round_trip(client, sso, impostor)
    assert_refused(client, response, "already linked to another Acme ID account")


def test_a_token_meant_for_another_application_is_refused(demo, client, sso):
    sub = sso.person(
        "priya-aud", email="priya@example.com", email_verified=True, aud=["another-app"]
    )
    response = provider_round_trip(client, sso, sub)
    assert_refused(client, response, "meant for another application, not Loopkit")
    assert identity_of(demo.users["priya"]) is None


def test_an_expired_token_is_refused(demo, client, sso):
    sub = sso.expired_person("priya-exp", email="priya@example.com", email_verified=True)
    response = provider_round_trip(client, sso, sub)
    assert_refused(client, response, "had already expired when it arrived")


def test_an_email_outside_the_allowed_domains_is_refused(demo, client, sso):
    sub = sso.person("outsider", email="ana@elsewhere.org", email_verified=True)
    response = provider_round_trip(client, sso, sub)
    assert_refused(
        client, response, "Accounts at elsewhere.org may not sign in here; only example.com"
    )


def test_an_address_the_provider_has_not_verified_is_refused(demo, client, sso):
    sub = sso.person("priya-unverified", email="priya@example.com", email_verified=False)
    response = provider_round_trip(client, sso, sub)
    assert_refused(client, response, "has not verified the address priya@example.com")
    assert identity_of(demo.users["priya"]) is None


def test_someone_without_an_account_is_refused_unless_creation_is_on(demo, client, sso):
    sub = sso.person("newcomer", email="nia@example.com", email_verified=True, name="Nia Obi")
    refused = provider_round_trip(client, sso, sub)
    assert_refused(client, refused, "no Loopkit account for nia@example.com")

    sso.configure(demo.users["admin"], create_users=True, new_user_role="coordinator")
    db.session.commit()
    assert provider_round_trip(client, sso, sub).status_code == 302
    created = db.session.execute(select(User).where(User.email == "nia@example.com")).scalar_one()
    assert (created.name, created.role) == ("Nia Obi", "coordinator")
    assert "Nia Obi" in signed_in_as(client)
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "users")
        .where(AuditEvent.object_id == created.id)
    ).all()
    assert "user.created" in actions and "sso.identity_linked" in actions


def test_a_deactivated_account_is_refused(demo, client, sso):
    demo.users["tomas"].active = False
    db.session.commit()
    sub = sso.person("tomas-gone", email="tomas@example.com", email_verified=True)
    response = provider_round_trip(client, sso, sub)
    assert_refused(client, response, "is deactivated")


def test_denying_at_the_provider_signs_nobody_in(demo, client, sso):
    response = provider_round_trip(client, sso, "", action="deny")
    assert_refused(client, response, "Acme ID did not sign you in (access_denied)")


def test_a_callback_with_a_forged_state_is_refused(demo, client, sso):
    started = client.get("/sso/start")
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    response = client.get(f"/sso/callback?code=made-up&state={state}x")
    assert_refused(client, response, "could not be verified")


def test_a_callback_nobody_started_goes_back_to_sign_in(demo, client, sso):
    response = client.get("/sso/callback?code=x&state=y")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_passwords_for_admins_only_refuse_others_without_telling_who_exists(demo, client, provider):
    provider.configure(demo.users["admin"], password_sign_in="admins")
    db.session.commit()
    right = sign_in(client, "priya@example.com")
    assert right.status_code == 400
    assert "Password sign-in is off for your account" in right.get_data(as_text=True)
    assert signed_in_as(client) is None
    wrong = sign_in(client, "priya@example.com", "not-the-password")
    page = wrong.get_data(as_text=True)
    assert "Password sign-in is off" not in page
    assert "do not match an active account" in page
    assert sign_in(client, "admin@example.com").status_code == 302, "admins keep passwords"


def test_turning_single_sign_on_off_gives_everyone_their_password_back(demo, client, provider):
    provider.configure(demo.users["admin"], password_sign_in="admins")
    db.session.commit()
    provider.configure(demo.users["admin"], password_sign_in="admins", enabled=False)
    db.session.commit()
    assert sign_in(client, "priya@example.com").status_code == 302


def test_the_admin_page_checks_the_provider_and_never_shows_the_secret(
    demo, client, provider, sign_in_as
):
    admin = sign_in_as("admin@example.com")
    page = admin.get("/admin/single-sign-on").get_data(as_text=True)
    assert "http://localhost/sso/callback" in page, "the address to register is shown"
    form = {
        "csrf_token": csrf_from(page),
        "enabled": "y",
        "label": "Acme ID",
        "issuer": provider.issuer + "/",
        "client_id": "loopkit-tests",
        "client_secret": "s3cret-value",
        "allowed_domains": "Example.com, @example.org",
        "new_user_role": "interviewer",
        "password_sign_in": "everyone",
    }
    saved = admin.post("/admin/single-sign-on", data=form)
    assert saved.status_code == 302
    settings = sso_settings()
    assert settings.issuer == provider.issuer, "stored as the provider spells it"
    assert settings.allowed_domains == ["example.com", "example.org"]
    page = admin.get("/admin/single-sign-on").get_data(as_text=True)
    assert "s3cret-value" not in page
    assert "A secret is stored. Leave this blank to keep it." in page

    # A blank secret keeps the stored one.
    again = admin.post("/admin/single-sign-on", data={**form, "client_secret": "", "label": "Acme"})
    assert again.status_code == 302
    assert (sso_settings().client_secret, sso_settings().label) == ("s3cret-value", "Acme")
    audit = admin.get("/admin/audit?kind=settings").get_data(as_text=True)
    assert "changed single sign-on" in audit
    assert "s3cret-value" not in audit


def test_a_wrong_provider_address_is_named_and_nothing_typed_is_lost(
    demo, client, provider, sign_in_as
):
    admin = sign_in_as("admin@example.com")
    token = csrf_from(admin.get("/admin/single-sign-on").get_data(as_text=True))
    form = {
        "csrf_token": token,
        "enabled": "y",
        "label": "Acme ID",
        "issuer": provider.issuer + "/nowhere",
        "client_id": "loopkit-tests",
        "client_secret": "typed-secret",
        "allowed_domains": "example.com",
        "new_user_role": "interviewer",
        "password_sign_in": "everyone",
    }
    refused = admin.post("/admin/single-sign-on", data=form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert f"{provider.issuer}/nowhere/.well-known/openid-configuration answered 404" in page
    assert 'value="typed-secret"' in page and 'value="loopkit-tests"' in page
    assert sso_settings() is None

    plain = admin.post("/admin/single-sign-on", data={**form, "issuer": "http://idp.example.com"})
    assert "https:// address, for example" in plain.get_data(as_text=True)
    domains = admin.post("/admin/single-sign-on", data={**form, "allowed_domains": "not a domain!"})
    assert "is not an email domain" in domains.get_data(as_text=True)

    # Off, the settings are kept for later without asking the provider.
    off = {key: value for key, value in form.items() if key != "enabled"}
    assert admin.post("/admin/single-sign-on", data=off).status_code == 302
    assert sso_settings().enabled is False
    signed_out = client.application.test_client()
    assert "Sign in with" not in signed_out.get("/login").get_data(as_text=True)
