"""In real Chromium, over the demo's past month: the hiring manager opens Speed from the menu,
narrows it to one opening and a period, reads the weekly chart, and reminds the interviewer
whose scorecard is late in one click."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from app.demo.history import seed_history
from app.extensions import db

from .test_interview_journey import sign_in


def test_a_manager_reads_speed_and_chases_the_late_scorecard(
    live_server, page: Page, demo, priya_card
) -> None:
    seed_history(demo.users, demo.opening, datetime.now(UTC))
    session = priya_card.session
    session.starts_at = datetime.now(UTC) - timedelta(days=2)
    session.ends_at = session.starts_at + timedelta(minutes=45)
    db.session.commit()

    sign_in(page, live_server, "manager@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Speed").click()
    expect(page.get_by_role("heading", name="Speed", exact=True)).to_be_visible()
    page.get_by_label("Opening").select_option(label="Senior Backend Engineer")
    page.get_by_label("Period").select_option(label="the last 13 weeks")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{live_server}/speed/?opening={demo.opening.id}&weeks=13")
    chart = page.get_by_role("img", name="Share of scorecards in within 24 hours, week by week")
    expect(chart).to_be_visible()
    assert chart.locator("rect").count() == 13
    expect(page.locator("#feedback dd").first).to_have_text("48")  # the past month's

    late = page.locator("#late li", has_text="Priya Raman owes a scorecard for Lena Fischer")
    late.get_by_role("button", name="Remind Priya Raman").click()
    expect(page.get_by_text("Reminder on its way to Priya Raman.")).to_be_visible()
