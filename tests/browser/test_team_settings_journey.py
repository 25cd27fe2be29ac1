"""In real Chromium: an admin sets the team's weekly limit and Priya's own working day, then
plans an interview and sees her week in the interviewer list and both warnings."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.extensions import db

from ..loops.test_planning import planned  # noqa: F401  (fixture)
from .test_interview_journey import sign_in
from .test_loop_planning_journey import choose_person


def test_an_admin_sets_the_week_and_the_planner_follows(
    planned,  # noqa: F811
    live_server,
    page: Page,
) -> None:
    demo, loop, first, second = planned
    db.session.commit()
    sign_in(page, live_server, "admin@example.com")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team settings").click()
    expect(page.get_by_role("heading", name="Team settings")).to_be_visible()
    expect(page.get_by_label("Second reminder, minutes after the interview")).to_have_value("60")
    page.get_by_label("Interviews a week per person").fill("0")
    page.get_by_role("button", name="Save team settings").click()
    # Refused at its field, the rest kept; then fixed.
    expect(page.get_by_text("Enter from 1 to 40 interviews a week.").first).to_be_visible()
    expect(page.get_by_label("Daily reminders after that, at most")).to_have_value("3")
    page.get_by_label("Interviews a week per person").fill("1")
    page.get_by_role("button", name="Save team settings").click()
    expect(page.get_by_text("Team settings saved.")).to_be_visible()

    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Priya Raman").click()
    week = page.get_by_role("region", name="Interviewing week")
    expect(week).to_contain_text("1 interviews a week, 09:00–17:00")
    week.get_by_label("Their working day starts").fill("12:00")
    week.get_by_label("Their working day ends").fill("18:00")
    week.get_by_role("button", name="Save interviewing week").click()
    expect(page.get_by_text("Priya Raman's interviewing week is saved.")).to_be_visible()

    page.goto(f"{live_server}/loops/{loop.id}")
    form = page.locator("#add-session")
    interviewer = form.get_by_label("Interviewer")
    expect(interviewer.locator("option", has_text="Priya Raman")).to_have_text(
        "Priya Raman (priya@example.com) · 1 of 1 interviews that week, full; works 12:00–18:00"
    )
    choose_person(interviewer, "Priya Raman")
    template = first.script
    form.get_by_label("Script").select_option(
        label=f"{template.title} ({template.total_minutes} min)"
    )
    form.get_by_label("Rubric").select_option(label=first.rubric.title)
    form.get_by_label("Starts at (your time)").fill("2030-06-04T09:00")
    form.get_by_label("API and interface design", exact=True).check()
    form.get_by_role("button", name="Add interview").click()
    expect(page.get_by_text("Interview added.")).to_be_visible()
    expect(
        page.get_by_text("Priya Raman would have 2 interviews in the week of Mon 03 Jun")
    ).to_be_visible()
    expect(page.get_by_text("Tue 04 Jun 11:00–", exact=False)).to_be_visible()
    expect(
        page.get_by_text("outside the working day they keep (12:00–18:00)").first
    ).to_be_visible()
