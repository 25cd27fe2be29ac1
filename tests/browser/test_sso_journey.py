"""In real Chromium, against a real OpenID provider on loopback: an admin turns on single sign-on
and keeps passwords for admins; Priya then signs in through the provider and lands where she was
going; a token meant for another application, an expired token and an address at another
domain are each refused on the sign-in page, saying why. Mid-call, with no password to type,
the interview page sends her to the provider in another tab and saves once she is back."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.demo import DEMO_PASSWORD
from app.extensions import db

from .test_accessibility import AXE, format_violations, run_axe
from .test_interview_journey import sign_in, stored


def through_the_provider(page: Page, sub: str) -> None:
    """Press "Sign in with Acme ID" and answer the provider's consent page as `sub`."""
    page.get_by_role("link", name="Sign in with Acme ID", exact=True).click()
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def refused_with(page: Page, base: str, sub: str, reason: str) -> None:
    page.goto(base + "/login")
    through_the_provider(page, sub)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("You are not signed in")
    expect(alert).to_contain_text(reason)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_single_sign_on_set_up_by_an_admin_then_used_and_refused(
    demo, live_server, browser, provider
) -> None:
    context = browser.new_context(bypass_csp=True, viewport={"width": 1100, "height": 800})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, "admin@example.com")
        menu = page.get_by_role("navigation", name="Main")
        menu.get_by_role("link", name="Single sign-on").click()
        expect(page.get_by_role("heading", name="Single sign-on")).to_be_visible()
        expect(page.get_by_text(live_server + "/sso/callback")).to_be_visible()
        page.get_by_label("Offer “Sign in with …” on the sign-in page").check()
        page.get_by_label("Provider's name on the button").fill("Acme ID")
        page.get_by_label("Issuer").fill(provider.issuer)
        page.get_by_label("Client id").fill("loopkit-journey")
        page.get_by_label("Client secret").fill("journey-secret")
        page.get_by_label("Email domains that may sign in").fill("example.com")
        page.get_by_label("Only admins may sign in with a password").check()
        assert not run_axe(page), format_violations("single sign-on settings", run_axe(page))
        page.get_by_role("button", name="Save single sign-on").click()
        expect(page.get_by_text("Single sign-on settings saved.")).to_be_visible()
        expect(page.get_by_label("Client secret")).to_have_value("")
        page.get_by_role("button", name="Sign out").click()

        # Priya's password no longer works; the provider does, and she lands where she was going.
        page.goto(live_server + "/library/")
        page.get_by_label("Email").fill("priya@example.com")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_text("Password sign-in is off for your account").first).to_be_visible()
        assert not run_axe(page), format_violations("sign-in with the provider", run_axe(page))
        sub = provider.person("priya-journey", email="priya@example.com", email_verified=True)
        page.get_by_label("Keep me signed in on this device").uncheck()  # a shared computer
        through_the_provider(page, sub)
        expect(page).to_have_url(live_server + "/library/")
        expect(page.get_by_text("Priya Raman")).to_be_visible()
        cookie = next(c for c in context.cookies() if c["name"] == "loopkit_session")
        assert cookie["expires"] == -1, "unticked: the session ends with the browser"
        page.get_by_role("button", name="Sign out").click()

        wrong_audience = provider.person(
            "priya-aud", email="priya@example.com", email_verified=True, aud=["another-app"]
        )
        refused_with(page, live_server, wrong_audience, "meant for another application")
        assert not run_axe(page), format_violations("a refused sign-in", run_axe(page))
        expired = provider.expired_person(
            "priya-expired", email="priya@example.com", email_verified=True
        )
        refused_with(page, live_server, expired, "had already expired when it arrived")
        outsider = provider.person("ana-outside", email="ana@elsewhere.org", email_verified=True)
        refused_with(page, live_server, outsider, "Accounts at elsewhere.org may not sign in")
    finally:
        context.close()


def test_mid_call_the_provider_signs_her_in_again_in_another_tab_and_saving_resumes(
    demo, priya_card, live_server, page: Page, provider
) -> None:
    provider.configure(demo.users["admin"], password_sign_in="admins")
    db.session.commit()
    sub = provider.person("priya-mid-call", email="priya@example.com", email_verified=True)
    page.goto(f"{live_server}/interviews/{priya_card.session_id}")
    through_the_provider(page, sub)
    expect(page.get_by_role("heading", name="Lena Fischer")).to_be_visible()
    page.wait_for_load_state("networkidle")  # the clock's first save, as in the password case

    page.context.clear_cookies()  # the session ends while she types
    page.locator("#notes-experience").fill("Typed after the session expired.")
    page.locator("#notes-pitch").focus()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Password")).to_have_count(0)
    with page.expect_popup() as opened:
        dialog.get_by_role("link", name="Sign in with Acme ID in another tab").click()
    other = opened.value
    through_the_provider(other, sub)
    expect(other.get_by_role("heading", name="Hello, Priya Raman")).to_be_visible()
    other.close()

    # Back in the interview tab (the browser tells it so with a focus event).
    page.bring_to_front()
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(dialog).to_be_hidden()
    expect(page.locator("#save-status")).to_contain_text("Saved")
    assert stored(priya_card.id).stage_notes["experience"] == "Typed after the session expired."
