"""In real Chromium: an interviewer signs in and finds today's interview; a typo is explained."""

from __future__ import annotations

from playwright.sync_api import expect

from app.demo import DEMO_PASSWORD


def test_interviewer_signs_in_and_sees_todays_session(demo, live_server, page) -> None:
    page.goto(live_server + "/")
    expect(page).to_have_url(live_server + "/login?next=/")
    page.get_by_label("Email").fill("priya@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Priya Raman")).to_be_visible()
    upcoming = page.locator(".session-card").first
    expect(upcoming).to_contain_text("Lena Fischer")
    expect(upcoming).to_contain_text("Senior Backend Engineer")
    expect(upcoming.get_by_role("link", name="Meeting link")).to_have_attribute(
        "href", "https://meet.example.com/lena-backend"
    )


def test_wrong_password_shows_a_clear_message(demo, live_server, page) -> None:
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill("priya@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.keyboard.press("Enter")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("That email and password do not match an active account")
    expect(page.get_by_label("Email")).to_have_value("priya@example.com")
    expect(page).to_have_url(live_server + "/login")


def test_pages_run_under_the_content_security_policy(demo, live_server, page) -> None:
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill("manager@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server + "/library/")
    expect(page.get_by_role("heading", name="Rubric and script library")).to_be_visible()
    # The stylesheet applied (a CSP-blocked or missing file would leave default styles).
    assert page.locator(".site-header").evaluate("e => getComputedStyle(e).display") == "flex"
    assert violations == []
