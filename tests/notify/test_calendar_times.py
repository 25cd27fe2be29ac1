"""Invitations for times that happen twice: on a fall-back night the local hour 02:00-03:00
repeats, and a local time in it (TZID=...) has two readings. Such times are written in UTC, so
every client reads the one instant meant; the rest keep the recipient's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select

from app.extensions import db
from app.loops.planning import confirm_loop, plan_session, start_loop
from app.models import Candidate, Reminder
from app.notify.calendar import debrief_invite, session_invite
from app.notify.outbox import debrief_attendees

# Berlin falls back on 27 October 2030 at 01:00 UTC (03:00 CEST becomes 02:00 CET): 00:00-01:00
# UTC is the first 02:00-03:00 there, 01:00-02:00 UTC the second.
START = datetime(2030, 10, 26, 23, 50, tzinfo=UTC)  # 01:50 CEST: happens once


def _event(ics: bytes | str):
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    return event


def _lines(ics: bytes | str) -> dict[str, str]:
    """The event's DTSTART and DTEND lines as written (not those of the VTIMEZONE)."""
    text = ics.decode() if isinstance(ics, bytes) else ics
    body = text.replace("\r\n ", "").split("BEGIN:VEVENT", 1)[1].split("END:VEVENT", 1)[0]
    return {
        line.split(":", 1)[0].split(";", 1)[0]: line
        for line in body.splitlines()
        if line.startswith(("DTSTART", "DTEND"))
    }


def _fall_back_loop(demo):
    coordinator = demo.users["coordinator"]
    candidate = Candidate(
        opening=demo.opening, name="Noor Haddad", email="noor@example.org", time_zone="UTC"
    )
    db.session.add(candidate)
    db.session.flush()
    loop = start_loop(candidate, coordinator)
    template = demo.opening.candidates[0].loops[0].sessions[0]
    session = plan_session(
        loop,
        coordinator,
        interviewer=demo.users["priya"],  # Europe/Berlin
        script=template.script,
        rubric=template.rubric,
        starts_at=START,
        focus_competencies=list(template.focus_competencies),
    )
    confirm_loop(loop, coordinator, "covered enough for this test")
    db.session.flush()
    return loop, session


def test_an_interview_ending_in_the_repeated_hour_is_written_in_utc(app, demo) -> None:
    loop, session = _fall_back_loop(demo)
    ends_local = session.ends_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert ends_local.hour == 2, "the interview ends in Berlin's repeated hour"
    ics = session_invite(session, "REQUEST", "https://hiring.example.com", "a@b.c", "Europe/Berlin")
    event = _event(ics)
    assert event.decoded("DTSTART") == session.starts_at
    assert event.decoded("DTEND") == session.ends_at
    lines = _lines(ics)
    assert lines["DTEND"].endswith("Z") and "TZID" not in lines["DTEND"], lines
    # The start happens once in Berlin: it keeps the recipient's zone.
    assert "TZID=Europe/Berlin" in lines["DTSTART"], lines


def test_a_debrief_placed_automatically_in_the_repeated_hour_reads_as_its_instant(app, demo):
    loop, session = _fall_back_loop(demo)
    debrief = loop.debrief
    assert debrief.starts_at == session.ends_at + timedelta(minutes=30)  # placed automatically
    # In Berlin's second 02:xx (CET): as a TZID time it would read an hour early.
    assert debrief.starts_at.hour == 1
    attendees = debrief_attendees(loop)
    ics = debrief_invite(
        debrief, attendees, "REQUEST", "https://hiring.example.com", "a@b.c", "Europe/Berlin"
    )
    event = _event(ics)
    assert event.decoded("DTSTART") == debrief.starts_at
    assert event.decoded("DTEND") == debrief.ends_at
    assert _lines(ics)["DTSTART"].endswith("Z")
    # And what was queued for Priya when the loop was confirmed says the same.
    queued = (
        db.session.execute(
            select(Reminder).where(
                Reminder.loop_id == loop.id,
                Reminder.kind == "debrief_invite",
                Reminder.recipient_email == "priya@example.com",
            )
        )
        .scalars()
        .all()
    )
    assert queued, "the debrief invitation is queued"
    assert _event(queued[0].payload["ics"]).decoded("DTSTART") == debrief.starts_at
