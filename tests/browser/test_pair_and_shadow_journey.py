"""In real Chromium: the coordinator seats a co-interviewer and a shadow in an interview,
and sees each one's experience and scorecard in the planner; the shadow finds the interview
on their home page and opens their own training scorecard."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from app.auth.accounts import create_user
from app.demo import DEMO_PASSWORD
from app.extensions import db

from ..loops.test_planning import planned  # noqa: F401  (fixture)
from .test_interview_journey import sign_in
from .test_loop_planning_journey import choose_person


def test_seating_a_pair_and_a_shadow(planned, live_server, browser) -> None:  # noqa: F811
    demo, loop, first, second = planned
    create_user("sam@example.com", "Sam Sato", "interviewer", DEMO_PASSWORD, "Asia/Tokyo")
    first.starts_at = first.starts_at.replace(year=2031)
    first.ends_at = first.starts_at + timedelta(minutes=45)
    db.session.commit()

    page: Page = browser.new_page()
    sign_in(page, live_server, "coordinator@example.com")
    page.goto(f"{live_server}/loops/{loop.id}")
    actions = page.locator(f"#session-{first.id} + tr.session-actions")
    for name, role in (("Kwame Mensah", "Co-interviewer"), ("Sam Sato", "Shadow")):
        actions.get_by_text("Add a co-interviewer or shadow").click()
        who = actions.get_by_label("Who sits in")
        expect(who.locator("option", has_text=name)).to_contain_text("led 0, co-interviewed 0")
        choose_person(who, name)
        actions.get_by_label(role, exact=False).check()
        actions.get_by_role("button", name="Add", exact=True).click()
        expect(page.get_by_text(f"{name} sits in on the interview")).to_be_visible()
        actions = page.locator(f"#session-{first.id} + tr.session-actions")
    row = page.locator(f"#session-{first.id}")
    expect(row).to_contain_text("with Kwame Mensah (co-interviewer)")
    expect(row).to_contain_text("with Sam Sato (shadow)")
    expect(row).to_contain_text("Sam Sato: Draft (training)")
    page.close()

    shadow: Page = browser.new_page()
    sign_in(shadow, live_server, "sam@example.com")
    card = shadow.locator(".session-card", has_text="Ines Duarte")
    expect(card).to_contain_text("with Priya Raman, as shadow")
    card.get_by_role("link", name="Ines Duarte").click()
    expect(shadow.locator("#sitting-in")).to_have_text(
        "You are shadowing Priya Raman: your scorecard is for training, shown apart in the "
        "debrief and never counted."
    )
    shadow.close()
