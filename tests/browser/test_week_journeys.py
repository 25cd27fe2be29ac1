"""Each role's first week, in Chromium: the pages they walk, found by label and role; the mail
and calendar invites that week writes to the Maildir, read back and parsed; axe-core at zero
on every page on the way. Each step fails if one of the wrong turns new teams took came back
(issue 18): stale or doubled mail, links that lead to a refusal, rows listed twice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.loops.planning import send_invitations
from app.models import Candidate, InterviewSession, Loop
from app.storage.types import utcnow

from ..debriefs.test_debrief import submit
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


def test_interviewers_week_invite_interview_blind_debrief_and_no_stray_mail(
    demo, week: Week
) -> None:
    loop = demo.opening.candidates[0].loops[0]
    priya_session, tomas_session = loop.sessions
    # Her interview began ten minutes ago; nobody has pressed anything yet.
    priya_session.starts_at = utcnow().replace(microsecond=0) - timedelta(minutes=10)
    priya_session.ends_at = priya_session.starts_at + timedelta(minutes=45)
    send_invitations(loop)
    week.dispatch()
    invited = week.new_mail()
    subjects_once(invited)
    assert sorted(s.split(":")[0] for s in to(invited, PRIYA)) == ["Debrief", "Interview"]
    invite = next(m for m in invited if PRIYA in m.to and m.subject.startswith("Interview"))
    start = invite.event.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Berlin" and start == priya_session.starts_at

    # Tomás's scorecard is already in: until hers is, Priya sees nobody else's view.
    submit(tomas_session.scorecard, {"architecture-tradeoffs": 3}, "yes", summary="Solid.")
    db.session.commit()

    page = week.page_for(PRIYA)
    interview_link = page.locator(f"a[href='/interviews/{priya_session.id}']")
    expect(interview_link).to_have_count(1)  # one row per interview, never two
    expect(page.locator(".session-card").first).to_contain_text(
        "focus: API and interface design, Data modelling and storage"
    )
    week.axe(page, "interviewer home")
    page.goto(f"{week.base}/loops/{loop.id}/debrief")
    expect(page.get_by_text("until you have submitted your own scorecard")).to_be_visible()
    week.axe(page, "debrief refused to a panelist with a draft")

    page.goto(week.base + "/")
    interview_link.click()
    expect(page.get_by_role("heading", name="Lena Fischer")).to_be_visible()
    # The clock started with the interview, not with a click; a click only restarts it.
    expect(page.get_by_role("button", name="Restart the clock")).to_be_visible()
    # The kit: probes and competency tags of every question in view, in one open fold.
    experience = page.locator("#stage-experience")
    expect(experience.locator("details.question-kit")).to_have_attribute("open", "")
    expect(
        experience.locator(".tag", has_text="Running software in production").first
    ).to_be_visible()
    # What the candidate asked has one place: their stage, and not Logistics.
    asked = "Questions the candidate asked (one per line)"
    expect(page.locator("#stage-candidate-questions").get_by_label(asked)).to_have_count(1)
    expect(page.locator("#stage-logistics").get_by_label(asked)).to_have_count(0)
    week.axe(page, "interview page")

    page.locator("#notes-pitch").fill("Asked about on-call before I finished the pitch.")
    page.locator("#stage-candidate-questions").get_by_label(asked).fill("How is on-call paid?")
    for key, level in (("api-design", 3), ("data-modelling", 2), ("production-operations", 3)):
        page.locator(f"#rating-{key}-level-{level}").check()
        page.locator(f"#rating-{key}-evidence").fill(
            "Walked through idempotent retries and how the ledger stays consistent."
        )
    page.locator("#summary").fill("Owns production work; data modelling a little thin.")
    page.locator("#recommendation-yes").check()
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d\d:\d\d (CET|CEST)$"))
    page.get_by_role("button", name="Submit scorecard").click()
    expect(page.get_by_text("Scorecard submitted.")).to_be_visible()
    week.axe(page, "submitted scorecard")

    # Now the debrief opens to her, with Tomás's view in it.
    page.goto(f"{week.base}/loops/{loop.id}/debrief")
    expect(
        page.get_by_role("heading", name="Ratings by competency and interviewer")
    ).to_be_visible()
    expect(page.locator(".heatmap thead")).to_contain_text("Tomás Ortega")
    week.axe(page, "debrief after submitting")

    # Her scorecard is in: no "due" mail and no nag after the interview, nor before the debrief.
    week.dispatch(loop.debrief.starts_at - timedelta(minutes=15))
    after = week.new_mail()
    assert [s for s in to(after, PRIYA) if "scorecard" in s.lower()] == [], to(after, PRIYA)
    assert any("All scorecards for Lena Fischer are in" in s for s in to(after, MAYA))
    subjects_once(after)
