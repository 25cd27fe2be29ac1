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
from app.loops.planning import add_session, send_invitations
from app.models import Candidate, InterviewSession, Loop
from app.notify.outbox import queue_mail, sync_loop_reminders
from app.storage.types import utcnow

from ..debriefs.test_debrief import submit
from .test_loop_planning_journey import a_monday_next_june, add_interview, choose_person
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
    # A second thought before the dispatcher's next run: Tomás an hour later. Nobody gets an
    # invitation and then its update: each gets one invitation, with the time as it now is.
    tomas_row = page.locator("#sessions tr.session-actions").nth(1)
    tomas_row.locator("summary", has_text="Move this interview").click()
    tomas_row.get_by_label("New start (your time)").fill(f"{day}T14:00")
    tomas_row.get_by_role("button", name="Move", exact=True).click()
    expect_flash(page, "Interview moved")

    week.dispatch()
    confirmed = week.new_mail()
    subjects_once(confirmed)
    assert not [m for m in confirmed if m.subject.startswith("Changed")], "updates of nothing"
    assert len(to(confirmed, PRIYA)) == 2 and len(to(confirmed, TOMAS)) == 2
    tomas_invite = next(m for m in confirmed if TOMAS in m.to and m.subject.startswith("Inter"))
    assert tomas_invite.event.decoded("DTSTART").strftime("%H:%M") == "15:00"  # Madrid
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
    choose_person(actions.get_by_label("New interviewer"), "Kwame Mensah")
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


def test_hiring_managers_week_chase_decide_and_find_the_packets(demo, week: Week) -> None:
    loop = demo.opening.candidates[0].loops[0]
    priya_session, tomas_session = loop.sessions
    send_invitations(loop)
    submit(priya_session.scorecard, {"api-design": 3, "data-modelling": 2}, "yes")
    sync_loop_reminders(loop)
    week.dispatch()
    week.new_mail()  # the invitations: the coordinator's journey reads those

    page = week.page_for(MAYA)
    steps = page.locator(
        "section", has=page.get_by_role("heading", name=re.compile("Your debriefs"))
    )
    expect(steps).to_contain_text("Waiting for 1 scorecard: see who, and remind them")
    week.axe(page, "manager home, waiting")
    steps.get_by_role("link", name=re.compile("Waiting for 1 scorecard")).click()

    missing = page.locator("#missing")
    expect(missing).to_contain_text("Tomás Ortega")
    missing.get_by_role("button", name="Remind Tomás Ortega now").click()
    expect_flash(page, "Reminder on its way to Tomás Ortega.")
    page.locator("#missing").get_by_role("button", name="Remind Tomás Ortega now").click()
    expect_flash(page, "Tomás Ortega was reminded at")  # a second click: the same reminder
    week.axe(page, "debrief with a scorecard missing")
    week.dispatch()
    chased = week.new_mail()
    assert to(chased, TOMAS) == ["Your scorecard for Lena Fischer is awaited"]

    submit(tomas_session.scorecard, {"architecture-tradeoffs": 3}, "strong_yes")
    sync_loop_reminders(loop)
    week.dispatch()
    assert to(week.new_mail(), MAYA) == ["All scorecards for Lena Fischer are in"]
    page.goto(week.base + "/")
    first_step = page.locator(".card-list.loop-list li").first
    expect(first_step).to_contain_text("Every scorecard is in: open the debrief and decide")
    first_step.get_by_role("link", name=re.compile("Every scorecard is in")).click()

    # On a phone the debrief fits the width: nothing to scroll sideways.
    page.set_viewport_size({"width": 360, "height": 800})
    expect(page.locator(".heatmap")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    week.axe(page, "debrief on a phone")
    page.set_viewport_size({"width": 1100, "height": 800})
    page.get_by_label("Hire", exact=True).check()
    page.get_by_label("Rationale (goes on the record and into the packet)").fill(
        "Both interviews found real depth in API design and production work."
    )
    page.get_by_role("button", name="Record the decision").click()
    expect_flash(page, "Decision recorded; the panel is told by mail.")
    week.dispatch()
    told = week.new_mail()
    subjects_once(told)
    for person in (PRIYA, TOMAS):
        (mail,) = [m for m in told if person in m.to]
        assert mail.subject == "Decision made for Lena Fischer"
        assert "real depth" not in mail.text and "Hire" not in mail.text, "the link, not the view"

    # The opening's packets: linked from the opening, saying what the zip leaves out.
    page.goto(f"{week.base}/openings/{demo.opening.id}")
    page.get_by_role("link", name="Debrief packets (zip)").click()
    expect(
        page.get_by_role("heading", name="Debrief packets for Senior Backend Engineer")
    ).to_be_visible()
    expect(page.locator("section", has_text="Left out, and why")).to_contain_text("Lena Fischer")
    week.axe(page, "the opening's packets")


def test_admins_week_failed_mail_the_audit_trail_and_a_seat_on_the_panel(demo, week: Week) -> None:
    loop = demo.opening.candidates[0].loops[0]
    admin = demo.users["admin"]
    week.dispatch()
    week.new_mail()  # the demo's invitations, out of the way
    failed = queue_mail("scorecard_due", demo.users["priya"], "week.failed", loop=loop)
    failed.status, failed.attempts = "failed", 1
    failed.last_error = "The mail server refused this mail for good: 550 5.1.1 no such user"
    template = loop.sessions[0]
    seat = add_session(loop, admin, template.script, template.rubric, template.starts_at)
    db.session.commit()

    page = week.page_for(ADMIN)
    count = page.locator("#outbox-count")
    expect(count).to_contain_text("1 mail delivery failed or waiting to be retried")
    week.axe(page, "admin home")
    count.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Outbox", exact=True)).to_be_visible()
    row = page.locator("tr", has_text="550 5.1.1 no such user")
    expect(row).to_contain_text("priya@example.com")
    week.axe(page, "outbox")
    row.get_by_role("button", name="Retry now").click()
    expect_flash(page, "The mail to priya@example.com goes out within a few seconds.")
    week.dispatch()
    assert to(week.new_mail(), PRIYA) == ["Your scorecard for Lena Fischer is due"]

    # On the panel, an admin follows the interviewer rule, and is told exactly that.
    page.goto(f"{week.base}/loops/{loop.id}/debrief")
    expect(page.get_by_text("You sit on this panel, so until you have submitted")).to_be_visible()
    expect(page.get_by_text("ask an admin")).to_have_count(0)
    submit(seat.scorecard, {"api-design": 3}, "yes")
    db.session.commit()
    page.reload()
    expect(
        page.get_by_role("heading", name="Ratings by competency and interviewer")
    ).to_be_visible()

    # The audit trail reads as a person would: words and the admin's own zone, no raw values.
    page.goto(f"{week.base}/admin/audit")
    trail = page.locator("main")
    expect(trail).to_contain_text("retried")
    text = trail.inner_text()
    assert "None" not in text and not re.search(r"\d{4}-\d\d-\d\dT\d\d:", text), text[:500]
    week.axe(page, "audit trail")
