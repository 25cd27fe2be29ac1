"""Each role's first week, in Chromium: the pages they walk, found by label and role; the mail
and calendar invites that week writes to the Maildir, read back and parsed; axe-core at zero
on every page on the way. Each step fails if one of the wrong turns new teams took came back
(issue 18): stale or doubled mail, links that lead to a refusal, rows listed twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Candidate, InterviewSession, Loop
from app.storage.types import utcnow

from .test_loop_planning_journey import a_monday_next_june, add_interview
from .week import Week, expect_flash, subjects_once, to

PRIYA, TOMAS, KWAME = "priya@example.com", "tomas@example.com", "kwame@example.com"
MAYA, ADMIN = "manager@example.com", "admin@example.com"


@pytest.fixture
def week(app, browser, live_server) -> Iterator[Week]:
    journey = Week(app, browser, live_server)
    yield journey
    journey.close()


def sessions_of(loop_id: int) -> list[InterviewSession]:
    db.session.expire_all()
    loop = db.session.get(Loop, loop_id)
    sessions = list(loop.sessions)
    db.session.commit()
    return sessions


def test_coordinators_week_plan_confirm_reassign_cancel(demo, week: Week) -> None:
    day = a_monday_next_june()
    candidate = Candidate(
        opening=demo.opening, name="Sam Okoro", email="sam@example.org", time_zone="Europe/London"
    )
    db.session.add(candidate)
    db.session.commit()

    page = week.page_for("coordinator@example.com")
    week.axe(page, "coordinator home")
    page.goto(f"{week.base}/candidates/{candidate.id}")
    page.get_by_role("button", name="Plan a loop").click()
    expect(page.get_by_role("heading", name="Loop for Sam Okoro")).to_be_visible()

    add_interview(
        page,
        "Priya Raman (priya@example.com)",
        "45-minute staged interview (45 min)",
        "Backend engineer",
        f"{day}T10:00",
        [
            "API and interface design",
            "Data modelling and storage",
            "Running software in production",
        ],
    )
    # Straight after Priya's, with no break for the candidate: the planner says so.
    add_interview(
        page,
        "Tomás Ortega (tomas@example.com)",
        "60-minute system design interview (60 min)",
        "System design",
        f"{day}T10:45",
        ["Architecture and trade-offs", "Reliability and failure modes"],
    )
    expect(page.locator(".warning-back_to_back")).to_be_visible()
    week.axe(page, "planner with a warning")
    tomas_row = page.locator("#sessions tr.session-actions").nth(1)
    tomas_row.locator("summary", has_text="Move this interview").click()
    tomas_row.get_by_label("New start (your time)").fill(f"{day}T13:00")
    tomas_row.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator(".warning-back_to_back")).to_have_count(0)

    page.get_by_role("button", name="Confirm loop").click()
    expect_flash(page, "Loop confirmed: invitations sent, debrief scheduled.")
    # A coordinator may not read the debrief: no link that would answer 403.
    expect(page.get_by_role("link", name="Open the debrief page")).to_have_count(0)
    week.axe(page, "confirmed planner")

    week.dispatch()
    confirmed = week.new_mail()
    subjects_once(confirmed)
    assert len(to(confirmed, PRIYA)) == 2 and len(to(confirmed, TOMAS)) == 2
    assert len(to(confirmed, MAYA)) == 1 and to(confirmed, MAYA)[0].startswith("Debrief: Sam")
    priya_invite = next(m for m in confirmed if PRIYA in m.to and m.subject.startswith("Inter"))
    assert priya_invite.method == "REQUEST"
    start = priya_invite.event.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Berlin" and start.strftime("%H:%M") == "11:00"
    debrief_invite = next(m for m in confirmed if MAYA in m.to)
    attendees = {str(a).removeprefix("mailto:") for a in debrief_invite.event["ATTENDEE"]}
    assert attendees == {PRIYA, TOMAS, MAYA}

    # Priya cannot make it: Kwame takes her interview.
    actions = page.locator("#sessions tr.session-actions").first
    actions.locator("summary", has_text="Reassign").click()
    actions.get_by_label("New interviewer").select_option(label="Kwame Mensah")
    actions.get_by_role("button", name="Reassign").click()
    expect_flash(page, "Interview reassigned to Kwame Mensah.")
    week.dispatch()
    reassigned = week.new_mail()
    subjects_once(reassigned)
    priya_got = [m for m in reassigned if PRIYA in m.to]
    assert sorted(m.subject.split(":")[0] for m in priya_got) == ["Cancelled", "Cancelled"]
    assert all(m.method == "CANCEL" for m in priya_got)
    cancelled_interview = next(m for m in priya_got if "interview" in m.subject)
    assert cancelled_interview.event["UID"] == priya_invite.event["UID"]
    assert sorted(s.split(":")[0] for s in to(reassigned, KWAME)) == ["Debrief", "Interview"]
    assert to(reassigned, TOMAS) == [] and to(reassigned, MAYA) == [], "nothing changed for them"

    # Cancelling asks first, naming who will be told; then tells exactly them, once.
    page.get_by_role("link", name="Cancel this loop…").click()
    told = page.locator("section", has=page.get_by_role("heading", name="Who will be told"))
    for name in ("Kwame Mensah", "Tomás Ortega", "Maya Okafor"):
        expect(told).to_contain_text(name)
    expect(told).not_to_contain_text("Priya Raman")
    week.axe(page, "cancel confirmation")
    page.get_by_role("button", name="Yes, cancel the loop and tell 3 people").click()
    expect_flash(page, "Loop cancelled")
    week.dispatch(utcnow() + timedelta(days=800))  # and nothing else is left to go out, ever
    cancelled = week.new_mail()
    subjects_once(cancelled)
    assert to(cancelled, PRIYA) == []
    assert sorted(s.split(":")[0] for s in to(cancelled, KWAME)) == ["Cancelled", "Cancelled"]
    assert sorted(s.split(":")[0] for s in to(cancelled, TOMAS)) == ["Cancelled", "Cancelled"]
    assert [s.split(":")[0] for s in to(cancelled, MAYA)] == ["Cancelled"]
    assert all(m.method == "CANCEL" for m in cancelled)
