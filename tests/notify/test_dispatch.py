"""Mail through a real SMTP server on loopback: each kind once, to the right people, in their
time zones, with working links; invitations that calendars understand; retries that lose
nothing."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
from sqlalchemy import select

from app.extensions import db
from app.loops.planning import cancel_loop, confirm_loop, move_session
from app.models import Reminder
from app.notify.dispatcher import MAX_ATTEMPTS, dispatch_due

from ..loops.test_planning import planned  # noqa: F401  (fixture)

FAR_FUTURE_DAYS = 3650


def later(days: int = FAR_FUTURE_DAYS):
    from app.storage.types import utcnow

    return utcnow() + timedelta(days=days)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def calendar_of(message) -> icalendar.Calendar:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_content())


def test_every_mail_once_right_people_zones_and_links(app, planned, smtp) -> None:  # noqa: F811
    demo, loop, first, second = planned
    confirm_loop(loop, demo.users["coordinator"], "ok")
    db.session.commit()
    report = dispatch_due(later())
    assert report.failed == [] and report.retrying == []
    inbox = smtp.inbox
    # Nothing is sent twice: a second run finds nothing due.
    assert dispatch_due(later()).sent == []

    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(ids) == len(set(ids)) == len(report.sent)
    subjects = sorted(m["Subject"].strip().split(":")[0] for m in inbox.messages)
    assert subjects.count("Interview") == 2 and subjects.count("Debrief") == 3

    priya_invite = next(
        m for m in inbox.by_subject("Interview: Ines Duarte") if m["To"] == "priya@example.com"
    )
    # Priya works in Berlin: 09:00 UTC on 3 June 2030 is 11:00 there.
    assert "Mon 03 Jun 2030, 11:00–11:45" in text_of(priya_invite)
    assert "11:00" in priya_invite["Subject"] and "(Europe/Berlin)" in priya_invite["Subject"]
    link = f"https://hiring.example.com/interviews/{first.id}"
    assert link in text_of(priya_invite) and f'href="{link}"' in html_of(priya_invite)
    assert priya_invite.get_content_type() == "multipart/mixed"

    nag = inbox.by_subject("your scorecard is still a draft")
    assert [m["To"] for m in nag] == ["priya@example.com"]
    merged = inbox.by_subject("Your scorecard for Ines Duarte is due")
    tomas_due = next(m for m in merged if m["To"] == "tomas@example.com")
    assert "The debrief starts at" in text_of(tomas_due)
    soon = inbox.by_subject("starts at")
    assert sorted(
        m["To"] for m in soon if "Debrief for" in m["Subject"] and "draft" not in m["Subject"]
    ) == ["manager@example.com", "priya@example.com", "tomas@example.com"]
    for message in inbox.messages:
        body = text_of(message)
        assert "Evidence" not in body and "recommend" not in body.lower()
        for url in [w for w in body.split() if w.startswith("https://hiring.example.com/")]:
            path = urlsplit(url).path
            app.url_map.bind("hiring.example.com").match(path)  # a real route


def test_invitations_keep_their_uid_and_raise_the_sequence(app, planned, smtp) -> None:  # noqa: F811
    demo, loop, first, second = planned
    coordinator = demo.users["coordinator"]
    confirm_loop(loop, coordinator, "ok")
    db.session.commit()
    dispatch_due(later())
    move_session(second, second.starts_at + timedelta(hours=1), coordinator)
    db.session.commit()
    dispatch_due(later())
    cancel_loop(loop, coordinator)
    db.session.commit()
    dispatch_due(later())

    tomas = [
        m
        for m in smtp.inbox.messages
        if m["To"] == "tomas@example.com"
        and m["Subject"].strip().split(":")[0] in ("Interview", "Changed", "Cancelled")
        and "interview" in m["Subject"].lower()
    ]
    events = []
    for message in tomas:
        calendar = calendar_of(message)
        (event,) = calendar.walk("VEVENT")
        events.append(
            (
                str(calendar["METHOD"]),
                int(event["SEQUENCE"]),
                str(event["UID"]),
                event.decoded("DTSTART"),
            )
        )
    assert [(method, seq) for method, seq, _, _ in events] == [
        ("REQUEST", 0),
        ("REQUEST", 1),
        ("CANCEL", 2),
    ]
    assert len({uid for _, _, uid, _ in events}) == 1
    # Times carry the recipient's zone (Madrid) with its VTIMEZONE.
    start = events[1][3]
    assert str(start.tzinfo) == "Europe/Madrid"
    assert start == second.starts_at
    assert "VTIMEZONE" in tomas[0].get_payload()[-1].get_content()


def test_smtp_down_then_back_retries_and_loses_nothing(app, planned, smtp) -> None:  # noqa: F811
    demo, loop, *_ = planned
    confirm_loop(loop, demo.users["coordinator"], "ok")
    db.session.commit()
    pending = (
        db.session.execute(select(Reminder.id).where(Reminder.status == "pending")).scalars().all()
    )
    smtp.stop()
    now = later()
    report = dispatch_due(now)
    due = sorted(report.retrying)
    assert report.sent == [] and report.failed == []
    db.session.expire_all()
    # Everything due is kept for a retry, but for follow-ups that a later one supersedes: each
    # interviewer would hear once, not once per day missed.
    withdrawn = db.session.execute(
        select(Reminder.kind, Reminder.session_id).where(Reminder.id.in_(set(pending) - set(due)))
    ).all()
    assert withdrawn and {kind for kind, _ in withdrawn} == {"scorecard_followup"}
    kept = db.session.execute(
        select(Reminder.session_id).where(
            Reminder.id.in_(due), Reminder.kind == "scorecard_followup"
        )
    ).scalars()
    assert sorted(kept) == sorted({session for _, session in withdrawn})
    row = db.session.get(Reminder, due[0])
    db.session.refresh(row)
    assert row.status == "pending" and row.attempts == 1 and "Connection refused" in row.last_error
    # A minute after the failure (timed from the database's clock then, not the run's start).
    assert now + timedelta(minutes=1) <= row.retry_at < now + timedelta(minutes=2)
    # Not retried before its backoff has passed.
    assert dispatch_due(now + timedelta(seconds=30)).retrying == []

    for _attempt in range(2, MAX_ATTEMPTS + 1):
        now += timedelta(hours=1)
        dispatch_due(now)
    db.session.expire_all()
    statuses = set(
        db.session.execute(select(Reminder.status).where(Reminder.id.in_(due))).scalars()
    )
    assert statuses == {"failed"}

    # Visible on the loop page, with a way to retry by hand.
    from ..conftest import sign_in

    client = app.test_client()
    sign_in(client, "coordinator@example.com")
    page = client.get(f"/loops/{loop.id}").get_data(as_text=True)
    assert "Failed: ConnectionRefusedError" in page and "Retry now" in page

    from app.notify.outbox import retry_by_hand

    for reminder in db.session.execute(select(Reminder).where(Reminder.id.in_(due))).scalars():
        retry_by_hand(reminder)
    db.session.commit()
    smtp.start()
    report = dispatch_due(now)
    assert sorted(report.sent) == sorted(due)
    assert len(smtp.inbox.messages) == len(due)


def test_without_smtp_mail_lands_in_the_maildir(app, planned, tmp_path) -> None:  # noqa: F811
    import email.header
    import mailbox

    demo, loop, *_ = planned
    app.config.update(SMTP_HOST="", MAILDIR=str(tmp_path / "mail"))
    confirm_loop(loop, demo.users["coordinator"], "ok")
    db.session.commit()
    report = dispatch_due(later())
    box = mailbox.Maildir(str(tmp_path / "mail"), create=False)
    subjects = sorted(
        str(email.header.make_header(email.header.decode_header(message["Subject"])))
        for message in box
    )
    assert len(subjects) == len(report.sent) > 0
    assert any(s.startswith("Interview: Ines Duarte") for s in subjects)
