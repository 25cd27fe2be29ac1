"""Feedback reminders that escalate: the due mail as the interview ends, a follow-up an hour
later (or when working hours next begin), then one at the start of each working day in the
interviewer's zone, and the hiring manager told a day late. Checked across a weekend and the
end of summer time, through the real outbox and a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.interviews.scorecards import submit_scorecard
from app.loops.planning import confirm_loop, move_session
from app.notify.dispatcher import dispatch_due

from ..loops.test_planning import planned, reminders  # noqa: F401  (fixture)
from .test_dispatch import text_of

# Friday 25 October 2030, 14:00 UTC: 16:00 in Berlin, summer time. Summer time ends on Sunday
# the 27th, so Monday's 09:00 in Berlin is 08:00 UTC, not 07:00.
FRIDAY = datetime(2030, 10, 25, 14, 0, tzinfo=UTC)
MONDAY_9_BERLIN = datetime(2030, 10, 28, 8, 0, tzinfo=UTC)


@pytest.fixture
def on_friday(planned):  # noqa: F811
    """The planned loop moved to Friday afternoon, Priya's interview then Tomás's, confirmed."""
    demo, loop, first, second = planned
    coordinator = demo.users["coordinator"]
    move_session(first, FRIDAY, coordinator)
    move_session(second, FRIDAY + timedelta(hours=2), coordinator)
    confirm_loop(loop, coordinator, "ok")
    db.session.commit()
    return planned


def _fill(card) -> None:
    for key in card.session.focus_competencies:
        card.ratings = {
            **card.ratings,
            key: {"level": 3, "evidence": "Walked through a real migration and its rollback."},
        }
    card.recommendation = "yes"
    card.summary = "Solid."


def test_follow_ups_skip_the_weekend_and_follow_the_clock_change(on_friday, smtp) -> None:
    demo, loop, first, second = on_friday

    priya = [r for r in reminders(loop, session_id=first.id, status="pending")]
    follow = sorted(r.due_at for r in priya if r.kind == "scorecard_followup")
    # An hour after 16:45 is past 17:00 in Berlin: the first follow-up waits for Monday, then
    # one each working day, four in all (the follow-up and three daily ones).
    assert follow == [MONDAY_9_BERLIN + timedelta(days=n) for n in range(4)]
    (told,) = [r for r in priya if r.kind == "scorecard_overdue"]
    assert told.recipient_id == demo.opening.hiring_manager_id
    assert told.due_at == MONDAY_9_BERLIN, "a day late falls on Saturday: Monday morning"
    assert told.payload == {"interviewer": "Priya Raman"}

    # Tomás, in Madrid, same rules in his zone: his interview ends at 18:45 there.
    tomas = sorted(
        r.due_at
        for r in reminders(loop, session_id=second.id, kind="scorecard_followup")
        if r.status == "pending"
    )
    assert tomas[0] == datetime(2030, 10, 28, 8, 0, tzinfo=UTC)  # 09:00 CET

    # Monday 08:00:30 UTC: exactly Priya's first follow-up and the manager's word arrive, once.
    db.session.commit()
    dispatch_due(MONDAY_9_BERLIN + timedelta(seconds=30))
    dispatch_due(MONDAY_9_BERLIN + timedelta(minutes=5))
    subjects = [(m["To"], m["Subject"]) for m in smtp.inbox.messages]
    assert (
        subjects.count(
            ("priya@example.com", "Reminder: your scorecard for Ines Duarte is still a draft")
        )
        == 1
    )
    assert (
        subjects.count(
            ("manager@example.com", "Priya Raman's scorecard for Ines Duarte is a day late")
        )
        == 1
    )
    (followup,) = [
        m
        for m in smtp.inbox.messages
        if m["Subject"].startswith("Reminder:") and m["To"] == "priya@example.com"
    ]
    assert f"/interviews/{first.id}" in text_of(followup)

    # She submits: every later follow-up for her is cancelled, none for anyone else.
    _fill(first.scorecard)
    errors = submit_scorecard(
        first.interviewer, first.scorecard, min_evidence=10, now=MONDAY_9_BERLIN
    )
    assert errors == {}
    db.session.flush()
    assert [
        r
        for r in reminders(loop, session_id=first.id, status="pending")
        if r.kind in ("scorecard_followup", "scorecard_overdue")
    ] == []
    assert reminders(loop, session_id=second.id, kind="scorecard_followup", status="pending")


def test_a_follow_up_the_dispatcher_missed_is_still_sent_late(on_friday, smtp) -> None:
    """The scheduler was down past two follow-ups' times and the loop changed meanwhile: the
    interviewer hears once, late, not twice at once and not never. Only a loop recorded after
    the fact skips past ones."""
    demo, loop, first, second = on_friday
    # Tuesday, two follow-ups past and unsent; Tomás submits, which syncs the loop's reminders.
    _fill(second.scorecard)
    tuesday = MONDAY_9_BERLIN + timedelta(days=1, hours=2)
    assert submit_scorecard(second.interviewer, second.scorecard, 10, now=tuesday) == {}
    db.session.commit()
    pending = reminders(loop, session_id=first.id, kind="scorecard_followup", status="pending")
    assert len(pending) == 4, "the missed ones are still there"
    dispatch_due(tuesday)
    sent = [
        m
        for m in smtp.inbox.messages
        if m["To"] == "priya@example.com" and m["Subject"].startswith("Reminder:")
    ]
    assert len(sent) == 1, "two missed follow-ups arrive as one, late but not lost"
    assert sent[0]["Subject"] == "Reminder: your scorecard for Ines Duarte is still a draft"
    db.session.expire_all()
    rows = reminders(loop, session_id=first.id, kind="scorecard_followup")
    monday = next(r for r in rows if r.due_at == MONDAY_9_BERLIN)
    assert monday.status == "cancelled" and "a later reminder" in monday.last_error
    assert [r.status for r in rows if r.due_at > tuesday] == ["pending", "pending"]
