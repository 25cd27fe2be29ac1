"""Each kind of mail reads right on its own: a cancellation does not repeat the invitation, and
a mail without times does not say which zone its times are in."""

from __future__ import annotations

from datetime import timedelta

from app.debriefs.decisions import record_decision
from app.extensions import db
from app.interviews.scorecards import submit_scorecard
from app.loops.planning import (
    cancel_loop,
    move_debrief,
    move_session,
    plan_session,
    send_invitations,
)
from app.notify.dispatcher import dispatch_due
from app.notify.outbox import sync_loop_reminders
from app.storage.types import utcnow

from ..debriefs.test_debrief import debrief_ready  # noqa: F401  (fixture)
from .test_dispatch import later, text_of


def test_cancellations_say_so_in_their_own_words(app, demo, smtp) -> None:
    loop = demo.opening.candidates[0].loops[0]
    send_invitations(loop)  # the invitations go out: there is something to cancel
    dispatch_due(utcnow())
    cancel_loop(loop, demo.users["coordinator"])
    db.session.commit()
    dispatch_due(later())
    interview = smtp.inbox.by_subject("Cancelled: interview with Lena Fischer")
    debrief = smtp.inbox.by_subject("Cancelled: debrief for Lena Fischer")
    assert interview and debrief
    for mail in [*interview, *debrief]:
        body = text_of(mail)
        assert "is cancelled" in body and "It was:" in body
        assert "calendar cancellation is attached" in body
        assert "invitation is attached" not in body
        assert "/interviews/" not in body, "no form to fill for a cancelled interview"
        assert "decides hire or no hire there" not in body
        assert "Times are shown in" in body


def test_a_mail_without_times_does_not_name_a_zone(app, debrief_ready, smtp) -> None:  # noqa: F811
    manager = debrief_ready.opening.hiring_manager
    record_decision(debrief_ready, manager, "no_hire", "Gaps in the essentials we need now.")
    db.session.commit()
    dispatch_due(later())
    mails = smtp.inbox.by_subject("Decision made for Lena Fischer")
    assert mails
    assert all("Times are shown in" not in text_of(m) for m in mails)


def test_the_demo_seed_sends_its_invitations_within_minutes(app, smtp) -> None:
    """`make run` on a new checkout: the Maildir (here the SMTP server) soon shows mail."""
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "Demo team created" in result.output
    dispatch_due(utcnow() + timedelta(minutes=2))
    subjects = [m["Subject"] for m in smtp.inbox.messages]
    assert sum(s.startswith("Interview: Lena Fischer") for s in subjects) == 2
    assert sum(s.startswith("Debrief: Lena Fischer") for s in subjects) == 3
    again = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert "Demo team already here." in again.output
    assert dispatch_due(utcnow() + timedelta(minutes=2)).sent == [], "nothing twice"


def test_a_debrief_pinned_before_the_interview_ends_is_one_due_mail_saying_so(
    app, demo, smtp
) -> None:
    """The interviewer is still on the call when the debrief starts: no "debrief near" nag
    before the due mail; the due mail itself says the debrief has begun."""
    loop = demo.opening.candidates[0].loops[0]
    last = max(loop.sessions, key=lambda s: s.ends_at)
    move_debrief(loop, last.ends_at - timedelta(minutes=20), demo.users["coordinator"])
    db.session.commit()
    dispatch_due(later())
    mine = [m for m in smtp.inbox.messages if last.interviewer.email in m["To"]]
    subjects = [m["Subject"] for m in mine]
    assert "Your scorecard for Lena Fischer is due" in subjects
    assert not [s for s in subjects if "your scorecard is still a draft" in s]
    (due,) = [m for m in mine if m["Subject"] == "Your scorecard for Lena Fischer is due"]
    body = text_of(due)
    assert "before this interview ended: please submit now" in body
    assert "please submit before then" not in body


def test_a_loop_moved_into_the_past_says_the_debrief_began_and_nothing_stale(
    app, demo, smtp
) -> None:
    """Recorded after the fact: each interviewer gets one due mail saying the debrief has
    begun; nobody gets "debrief starts at" or "still a draft" for a debrief already past."""
    loop = demo.opening.candidates[0].loops[0]
    coordinator = demo.users["coordinator"]
    shift = loop.sessions[0].starts_at - (utcnow().replace(microsecond=0) - timedelta(days=3))
    for session, starts_at in [(s, s.starts_at - shift) for s in loop.sessions]:
        move_session(session, starts_at, coordinator)
    move_debrief(loop, max(s.ends_at for s in loop.sessions) + timedelta(hours=1), coordinator)
    db.session.commit()
    assert loop.debrief.starts_at < utcnow()
    dispatch_due(utcnow())
    subjects = [m["Subject"] for m in smtp.inbox.messages]
    assert not [s for s in subjects if s.startswith("Debrief for Lena Fischer starts at")]
    assert not [s for s in subjects if "your scorecard is still a draft" in s]
    dues = smtp.inbox.by_subject("Your scorecard for Lena Fischer is due")
    assert len(dues) == len(loop.sessions)
    for mail in dues:
        body = text_of(mail)
        assert "The debrief began at" in body and "please submit now" in body
        assert "please submit before then" not in body


def test_all_in_is_said_once_and_again_only_as_news_when_the_panel_grows(
    app,
    demo,
    debrief_ready,  # noqa: F811
    smtp,
) -> None:
    loop = debrief_ready
    demo_users = demo.users
    sync_loop_reminders(loop)
    db.session.commit()
    dispatch_due(later())

    def all_in() -> list[str]:
        return [m["Subject"] for m in smtp.inbox.messages if m["Subject"].startswith("All score")]

    assert all_in() == ["All scorecards for Lena Fischer are in"]

    kwame = demo_users["kwame"]
    template = loop.sessions[0]
    session = plan_session(
        loop,
        demo_users["coordinator"],
        interviewer=kwame,
        script=template.script,
        rubric=template.rubric,
        starts_at=max(s.ends_at for s in loop.sessions) + timedelta(hours=1),
        focus_competencies=[],
    )
    db.session.commit()
    dispatch_due(later())
    assert len(all_in()) == 1, "adding an interviewer says nothing about scorecards yet"
    assert any(
        m["Subject"].startswith("Debrief: Lena Fischer") and kwame.email in m["To"]
        for m in smtp.inbox.messages
    ), "the new panelist is invited to the debrief"

    card = session.scorecard
    card.recommendation = "yes"
    assert submit_scorecard(kwame, card, 40, now=session.ends_at) == {}
    db.session.commit()
    dispatch_due(later())
    assert all_in() == [
        "All scorecards for Lena Fischer are in",
        f"All scorecards for Lena Fischer are in again, now with {kwame.name}",
    ]
    (again,) = [m for m in smtp.inbox.messages if "in again" in m["Subject"]]
    assert f"now in: {kwame.name}" in text_of(again)
    dispatch_due(later())
    assert len(all_in()) == 2, "nothing twice"
